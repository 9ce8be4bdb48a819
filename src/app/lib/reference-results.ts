// Published numbers to compare with (docs/method.md §5). Sources: the P5 paper
// (Geng et al., RecSys 2022, Tables 3, 4 and 7) and the logs released with POD (lileipisces/POD,
// beauty.log, sports.log, toys.log; T5-small). All on P5's Amazon 2014 5-core splits with P5's
// sequential item ids (which leak order, see docs/method.md §4). Data only.

export type Dataset = 'sports' | 'beauty' | 'toys';
export type RefTask = 'sequential' | 'topn' | 'explanation';

export interface ReferenceRow {
  method: string;
  task: RefTask;
  dataset: Dataset;
  values: Record<string, number>;
}

export const REFERENCE_SOURCE =
  'P5 paper (Geng et al., RecSys 2022, Tables 3, 4, 7) and POD logs (lileipisces/POD beauty.log, sports.log, toys.log)';

const SEQ_KEYS = ['HR@5', 'NDCG@5', 'HR@10', 'NDCG@10'];
const TOPN_KEYS = ['HR@1', 'HR@5', 'NDCG@5', 'HR@10', 'NDCG@10'];
const EXP_KEYS = ['BLEU-4', 'ROUGE-1', 'ROUGE-2', 'ROUGE-L'];
const DATASETS: Dataset[] = ['sports', 'beauty', 'toys'];

function rows(task: RefTask, keys: string[], table: [string, number[]][]): ReferenceRow[] {
  const out: ReferenceRow[] = [];
  for (const [method, nums] of table) {
    DATASETS.forEach((dataset, d) => {
      const values: Record<string, number> = {};
      keys.forEach((k, i) => (values[k] = nums[d * keys.length + i]!));
      out.push({ method, task, dataset, values });
    });
  }
  return out;
}

export const REFERENCE_RESULTS: readonly ReferenceRow[] = [
  ...rows('sequential', SEQ_KEYS, [
    ['SASRec', [0.0233, 0.0154, 0.035, 0.0192, 0.0387, 0.0249, 0.0605, 0.0318, 0.0463, 0.0306, 0.0675, 0.0374]],
    ['S3-Rec', [0.0251, 0.0161, 0.0385, 0.0204, 0.0387, 0.0244, 0.0647, 0.0327, 0.0443, 0.0294, 0.07, 0.0376]],
    ['P5-S (2-3)', [0.0272, 0.0169, 0.0361, 0.0198, 0.0503, 0.037, 0.0659, 0.0421, 0.0648, 0.0567, 0.0709, 0.0587]],
    ['P5-B (2-3)', [0.0364, 0.0296, 0.0431, 0.0318, 0.0508, 0.0379, 0.0664, 0.0429, 0.0608, 0.0507, 0.0688, 0.0534]],
    ['POD', [0.0496, 0.0396, 0.0576, 0.0419, 0.0537, 0.0395, 0.0688, 0.0443, 0.0691, 0.0599, 0.0742, 0.061]],
  ]),
  ...rows('topn', TOPN_KEYS, [
    ['BPR-MF', [0.0314, 0.1404, 0.0848, 0.2563, 0.122, 0.0311, 0.1426, 0.0857, 0.2573, 0.1224, 0.0233, 0.1066, 0.0641, 0.2003, 0.094]],
    ['SimpleX', [0.0331, 0.2362, 0.1505, 0.329, 0.18, 0.0325, 0.2247, 0.1441, 0.309, 0.1711, 0.0268, 0.1958, 0.1244, 0.2662, 0.1469]],
    ['P5-S (5-4)', [0.0701, 0.2241, 0.1483, 0.3313, 0.1827, 0.0862, 0.2448, 0.1673, 0.3441, 0.1993, 0.0413, 0.1411, 0.0916, 0.2227, 0.1178]],
    ['POD', [0.0895, 0.2086, 0.1506, 0.2873, 0.1756, 0.0829, 0.1926, 0.1391, 0.267, 0.1629, 0.0567, 0.1433, 0.1009, 0.2082, 0.1215]],
  ]),
  ...rows('explanation', EXP_KEYS, [
    ['PETER', [0.7112, 12.8944, 1.3283, 9.8635, 1.1541, 14.8497, 2.1413, 11.4143, 1.9861, 14.2716, 3.6718, 11.701]],
    ['P5-S (3-3)', [1.0447, 14.9048, 2.1297, 11.1778, 1.2237, 17.6938, 2.2489, 12.8606, 2.2892, 15.4505, 3.6974, 12.1718]],
    ['POD', [1.0013, 14.0168, 2.0436, 11.1236, 1.063, 15.2517, 1.5737, 11.3283, 2.3053, 12.2889, 3.8512, 10.3923]],
  ]),
  // POD's HR@1 for sequential recommendation, reported separately in the same source.
  { method: 'POD', task: 'sequential', dataset: 'sports', values: { 'HR@1': 0.0296 } },
  { method: 'POD', task: 'sequential', dataset: 'beauty', values: { 'HR@1': 0.0235 } },
  { method: 'POD', task: 'sequential', dataset: 'toys', values: { 'HR@1': 0.0515 } },
];

export function referenceFor(dataset: Dataset, task: RefTask): ReferenceRow[] {
  const merged = new Map<string, ReferenceRow>();
  for (const r of REFERENCE_RESULTS) {
    if (r.dataset !== dataset || r.task !== task) continue;
    const prev = merged.get(r.method);
    merged.set(r.method, prev ? { ...prev, values: { ...prev.values, ...r.values } } : r);
  }
  return [...merged.values()];
}
