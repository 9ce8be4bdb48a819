// Where each dataset file comes from: the original public URL (pinned to a commit), its size and
// SHA-256 (computed from the verified copies in shared/data), so `peapod data download` can fetch
// and verify them when ../shared/data is absent. Data only (browser-safe); downloading is download.ts.

import type { SourceKind } from './types.ts';

export interface SourceFile {
  /** Path inside the dataset folder. */
  path: string;
  /** Original public URL (raw file at a fixed commit). */
  url: string;
  sha256: string;
  bytes: number;
  /**
   * How to obtain the file when `url` cannot be fetched: `p5-negatives` = regenerate with P5's
   * procedure from sequential_data.txt (byte-identical, checked by SHA-256).
   */
  fallback?: 'p5-negatives';
  /** Not needed by loadDataset (documentation or extra tables). */
  optional?: boolean;
  /**
   * The URL serves a JSON object and this file is the exact source text of one top-level key's
   * value, plus a final newline (how explanation-pod/{val,test}.json were cut from ISRF's file).
   * Mirrors serve the cut file itself.
   */
  extractJsonKey?: string;
}

export interface DatasetSource {
  name: string;
  kind: SourceKind;
  /** Counts from the dataset's SOURCE.md, checked by `peapod data check`. */
  expected: { users: number; items: number; interactions: number };
  files: SourceFile[];
}

const gh = (repo: string, commit: string, path: string): string => `https://raw.githubusercontent.com/${repo}/${commit}/${path}`;
const ICLREC = 'salesforce/ICLRec';
const ICLREC_AT = '2890e6c3ff6a22c6699fc19cb863b66786c1cde4';
const RECSYSID = 'Wenyueh/LLM-RecSys-ID';
const RECSYSID_AT = '2200ad9fef647ef755c01d6d7e5c5de3082606c5';
const IDGENREC = 'agiresearch/IDGenRec';
const IDGENREC_AT = 'a297185aa5b6cd6de9dcf8b8182052ee8e0b3261';
const RDREC = 'WangXFng/RDRec';
const RDREC_AT = '4055c3028d3afbd57a0fffd54076825836b7cad7';
const ISRF = 'htired/ISRF';
const ISRF_AT = '7ff33344cde774d04f5f52e26f22a84b429e4caf';
const UVIC = 'damon46kai/uvic-485b';
const UVIC_AT = '7d9e4e7d80b35633ef81f3e0b26e8e9e3284244c';

export const DATASET_SOURCES: readonly DatasetSource[] = [
  {
    name: 'amazon-beauty-p5',
    kind: 'p5',
    expected: { users: 22363, items: 12101, interactions: 198502 },
    files: [
      { path: 'sequential_data.txt', url: gh(ICLREC, ICLREC_AT, 'data/Beauty.txt'), sha256: '226cce9c3105299ca0db9615d7d3fb32b3175e90da43100ae352599f0f0107b8', bytes: 1090094 },
      { path: 'datamaps.json', url: gh(RECSYSID, RECSYSID_AT, 'data/beauty/datamaps.json'), sha256: '715ab04838ff1ba21238475ed453a89e8c30aa6214b904d27a79e4168fc7b612', bytes: 1835529 },
      { path: 'item_text_idgenrec.txt', url: gh(IDGENREC, IDGENREC_AT, 'rec_datasets/Beauty/item_generative_indexing_phase_0.txt'), sha256: '1a90f934fe506747f094b181f791ece593e2f86bb15e5420d910e6de4882b456', bytes: 573272 },
    ],
  },
  {
    name: 'amazon-sports-p5',
    kind: 'p5',
    expected: { users: 35598, items: 18357, interactions: 296337 },
    files: [
      { path: 'sequential_data.txt', url: gh(ICLREC, ICLREC_AT, 'data/Sports_and_Outdoors.txt'), sha256: '2a095e0648872beb9982408958290f5d655db5be2911c3756b5446de9f0b8de2', bytes: 1707483 },
      { path: 'datamaps.json', url: gh(RECSYSID, RECSYSID_AT, 'data/sports/datamaps.json'), sha256: '4a4d9785ab99a89a499f25023892a647a2280086041c9c9d7169c9dc2ee0b715', bytes: 2916593 },
      { path: 'item_text_idgenrec.txt', url: gh(IDGENREC, IDGENREC_AT, 'rec_datasets/Sports/item_generative_indexing_phase_0.txt'), sha256: '710b6d9b661aebcd065b861e4076f5e3cc66bdd9735e462ca2db90d5cc951593', bytes: 845269 },
    ],
  },
  {
    name: 'amazon-toys-p5',
    kind: 'p5',
    expected: { users: 19412, items: 11924, interactions: 167597 },
    files: [
      { path: 'sequential_data.txt', url: gh(RDREC, RDREC_AT, 'data/toys/sequential.txt'), sha256: 'fa1cff57550387966440a93219753b97df62269455b3497612cdca3e8db0ceee', bytes: 921692 },
      { path: 'datamaps.json', url: gh(RDREC, RDREC_AT, 'data/toys/datamaps.json'), sha256: 'a67fd09b5bbca12aea613015d9d1ed99610bb35015d3bbe8cd9e7a3eeda2c90c', bytes: 1021832 },
      { path: 'item_text_idgenrec.txt', url: gh(IDGENREC, IDGENREC_AT, 'rec_datasets/Toys/item_generative_indexing_phase_0.txt'), sha256: 'bce5c0028efdb6ec87033021087c9251eb64d6dfc77d791c47837c830b9d7f19', bytes: 566953 },
      // RDRec commits P5's file as negative.txt; if that URL fails we regenerate it (same bytes).
      { path: 'negative_samples.txt', url: gh(RDREC, RDREC_AT, 'data/toys/negative.txt'), sha256: 'a349a543365f0b4b8b8c95ab7123bd7cf470ea42c2952a16ae358ac5fb398d7a', bytes: 9846664, fallback: 'p5-negatives' },
      // POD's Toys explanation splits, cut from ISRF's explanation.json (keys train/val/test).
      { path: 'explanation-pod/val.json', url: gh(ISRF, ISRF_AT, 'data/toys/explanation.json'), sha256: '55e2bc4587813e6dc4a9b24c1ada04f9d7b558e0e88219545fab590eb2354e28', bytes: 1999104, extractJsonKey: 'val', optional: true },
      { path: 'explanation-pod/test.json', url: gh(ISRF, ISRF_AT, 'data/toys/explanation.json'), sha256: 'eecbad5dee1cfd95336117c29ccb898a25fe083ae2e01310fc8ea91e0535fe24', bytes: 2016644, extractJsonKey: 'test', optional: true },
    ],
  },
  {
    name: 'amazon-musical-instruments-5core',
    kind: 'amazon-reviews',
    expected: { users: 1429, items: 900, interactions: 10261 },
    files: [
      {
        path: 'reviews_Musical_Instruments_5.json.gz',
        url: gh('lileipisces/Sentires-Guide', 'e04cabd18bb09d8d2e5bd6eef05f08738cfbb198', 'lei/input/reviews_Musical_Instruments_5.json.gz'),
        sha256: '03f9cc27ae13a454cb4ea6cb620fb10546cc1194ef921441d1c5f34addff2748',
        bytes: 2460495,
      },
    ],
  },
  {
    name: 'movielens-latest-small',
    kind: 'movielens',
    expected: { users: 610, items: 9724, interactions: 100836 },
    files: [
      { path: 'ratings.csv', url: gh(UVIC, UVIC_AT, 'ml-latest-small/ratings.csv'), sha256: 'aa289ca83157595d0df6aea1be6a4ded676ddc4385472e8313a8ed9805352646', bytes: 2483723 },
      { path: 'movies.csv', url: gh(UVIC, UVIC_AT, 'ml-latest-small/movies.csv'), sha256: '5a5f32dd9bb3797b8e728a1b98958789d2b13f294a69fdfbc5727f8a9611aa07', bytes: 494431 },
      { path: 'links.csv', url: gh(UVIC, UVIC_AT, 'ml-latest-small/links.csv'), sha256: '97ad18e4e56a09363c65676b6cb3482ce3e2cea2372a24620c1599c843325f31', bytes: 197979, optional: true },
      { path: 'tags.csv', url: gh(UVIC, UVIC_AT, 'ml-latest-small/tags.csv'), sha256: '92a9f8bb7916dceef6151209845788c3643f794dfa79d1feaec7121b5960399d', bytes: 118660, optional: true },
      { path: 'README.txt', url: gh(UVIC, UVIC_AT, 'ml-latest-small/README.txt'), sha256: 'caa1eb1d1d113578e9dbb36b37398404e00f379492b7aa31df0b30c855017095', bytes: 8343, optional: true },
    ],
  },
];

export const DATASET_NAMES: readonly string[] = DATASET_SOURCES.map((d) => d.name);

export function datasetSource(name: string): DatasetSource | undefined {
  return DATASET_SOURCES.find((d) => d.name === name);
}
