// `peapod export --random`: writes a loadable weight pack with seeded random weights, for benchmarks
// and for exercising the app before a trained pack exists. Trained packs come from `peapod train`.
//
// Vocabulary and catalogue: the real Amazon Beauty folder when it is present (users, items, histories,
// readable item names; words = item-name words seen at least twice + the prompt-template words),
// otherwise a synthetic catalogue (--users / --items, names from a fixed word list, seeded).
// Data arrays are random where a trained pack has fitted values: CF user embeddings ~ N(0, 1/cfDim)
// and neighbours drawn at random (not cosine: computing exact neighbours for 22k users would
// dominate the export time), with similarities sorted descending. Top-n negatives: 99 random
// items the user never saw (or the dataset's own fixed negatives when it ships them).
import { randomNeighbours } from '../../model/neighbours.ts';
import path from 'node:path';
import { datasetFingerprint } from '../../data/fingerprint.ts';
import { loadDataset, resolveDataDir } from '../../data/node.ts';
import type { InteractionDataset } from '../../data/types.ts';
import { templateWords } from '../../model/inputs/prompts.ts';
import { paramSpecs, initialValues, seededNormal } from '../../model/params.ts';
import { smallT5Config } from '../../model/t5/config.ts';
import { buildTokenizer } from '../../model/tokenizer.ts';
import { mulberry32 } from '../../model/generate/recommend.ts';
import { savePack } from '../../model/pack/node.ts';
import type { NamedArray, PackDataset } from '../../model/pack/format.ts';
import { PACK_DATA, PACK_FILES, t5SmallConfig, type IdScheme, type PeapodConfig, type T5Config } from '../../model/types.ts';
import { gitCommit } from '../../train/export.ts';
import { ProgressLine } from '../../progress-line.ts';
import { CliUsageError } from '../args.ts';
import { defineCommand, helpText, parseCommand, wantsHelp } from '../options.ts';
import type { CommandModule } from './types.ts';
import { PAPER_PROTOCOL } from '../../paper-protocol.ts';

export const EXPORT = defineCommand({
  command: 'peapod export',
  usage: ['--random --config t5-small|small --out DIR [options]'],
  about: [
    '  Writes a weight pack with seeded random weights (a benchmark / smoke-test pack).',
    '  t5-small: d 512, 6+6 layers, 8 heads, d_ff 2048, CF dim 512; small: d 128, 2+2 layers, CF dim 64.',
    '  Both: 20 neighbours, 4 composer heads, prompt length 3, all three tasks.',
    '  The catalogue is the real dataset when its folder exists, else a synthetic one.',
  ].join('\n'),
  options: {
    random: { kind: 'switch', help: 'seeded random weights (the only export here; trained packs come from `peapod train`)' },
    config: { kind: 'choice', choices: ['t5-small', 'small'], required: true, help: 'model size preset' },
    out: { kind: 'string', meta: 'DIR', required: true, help: 'pack folder to write' },
    seed: { kind: 'integer', default: 1, help: 'seed of the weights, the CF embeddings and the neighbours' },
    dtype: { kind: 'choice', choices: ['float16', 'float32'], default: 'float16', help: 'weight storage in the pack' },
    'id-scheme': { kind: 'choice', choices: ['p5', 'atomic'], default: 'p5', help: 'P5 digit pieces + whole-word ids, or one token per id' },
    dataset: {
      kind: 'string',
      meta: 'NAME|DIR',
      defaultText: 'amazon-beauty-p5 under PEAPOD_DATA_DIR or ../shared/data when present, else synthetic',
      help: 'the catalogue: a dataset name or folder, or synthetic',
    },
    users: { kind: 'integer', default: 1000, help: 'synthetic catalogue: users' },
    items: { kind: 'integer', default: 2000, help: 'synthetic catalogue: items' },
    name: { kind: 'string', meta: 'NAME', defaultText: 'random-<config>-<id scheme>-<dataset>', help: 'pack name in the manifest' },
  },
});

export type ModelPreset = 't5-small' | 'small';

export interface RandomExportOptions {
  preset: ModelPreset;
  out: string;
  seed: number;
  dtype: 'float16' | 'float32';
  idScheme: IdScheme;
  /** Dataset name or folder, or 'synthetic'. */
  dataset: string;
  dataDir?: string;
  syntheticUsers?: number;
  syntheticItems?: number;
  name?: string;
  command?: string;
  /** Progress and notes go here (stderr by default). */
  quiet?: boolean;
}

export interface RandomExportResult {
  out: string;
  config: PeapodConfig;
  dataset: string;
  bytes: number;
  files: number;
  params: number;
  seconds: number;
}

const WORDS = ['gentle', 'shampoo', 'matte', 'lipstick', 'rose', 'oil', 'serum', 'night', 'cream', 'hydrating', 'mask', 'vanilla', 'scrub', 'brush', 'nail', 'polish', 'coconut', 'spray', 'travel', 'kit'];

/** A seeded synthetic catalogue: histories of 5..12 distinct items, names of three words. */
export function syntheticDataset(users: number, items: number, seed: number): InteractionDataset {
  const rand = mulberry32(seed ^ 0x5eed);
  const pick = (n: number): number => Math.floor(rand() * n);
  const sequences: Int32Array[] = [];
  let interactions = 0;
  for (let u = 0; u < users; u++) {
    const len = Math.min(items, 5 + pick(8));
    const seen = new Set<number>();
    while (seen.size < len) seen.add(1 + pick(items));
    sequences.push(Int32Array.from(seen));
    interactions += len;
  }
  const itemNames = [''];
  for (let i = 1; i <= items; i++) itemNames.push(`${WORDS[pick(WORDS.length)]} ${WORDS[pick(WORDS.length)]} ${WORDS[pick(WORDS.length)]}`);
  return {
    name: 'synthetic',
    dir: '',
    kind: 'p5',
    users: Int32Array.from({ length: users }, (_, u) => u + 1),
    sequences,
    numItems: items,
    numInteractions: interactions,
    itemNames,
    rawItemIds: itemNames.map((_, i) => (i ? `synthetic-${i}` : '')),
    rawUserIds: Array.from({ length: users }, (_, u) => `synthetic-${u + 1}`),
  };
}

function presetConfig(preset: ModelPreset, vocab: number, wholeWord: number, idScheme: IdScheme): PeapodConfig {
  const t5: T5Config = preset === 't5-small' ? t5SmallConfig(vocab, wholeWord) : smallT5Config(vocab, wholeWord);
  return {
    t5,
    composer: { cfDim: preset === 't5-small' ? 512 : 64, numNeighbours: 20, numHeads: 4, promptLength: 3, taskPrompts: true, collaborative: true },
    tasks: ['sequential', 'topn', 'explanation'],
    idScheme,
  };
}

function randomNegatives(ds: InteractionDataset, rand: () => number): Int32Array {
  const U = ds.sequences.length;
  const NEG = PAPER_PROTOCOL.topn.negatives;
  const out = new Int32Array(U * NEG);
  for (let u = 0; u < U; u++) {
    const fixed = ds.negatives?.[u];
    if (fixed && fixed.length >= NEG) {
      out.set(fixed.subarray(0, NEG), u * NEG);
      continue;
    }
    const seen = new Set(ds.sequences[u]);
    const kept = new Set<number>();
    // A user who saw nearly every item cannot get 99 unseen negatives; repeats are then allowed.
    const unseen = ds.numItems - seen.size;
    while (kept.size < Math.min(NEG, unseen)) {
      const i = 1 + Math.floor(rand() * ds.numItems);
      if (!seen.has(i)) kept.add(i);
    }
    const list = [...kept];
    for (let k = 0; k < NEG; k++) out[u * NEG + k] = list[k % Math.max(1, list.length)] ?? 1;
  }
  return out;
}

export async function exportRandomPack(o: RandomExportOptions): Promise<RandomExportResult> {
  const t0 = performance.now();
  const note = (s: string): void => {
    if (!o.quiet) process.stderr.write(`${s}\n`);
  };
  let ds: InteractionDataset;
  let fingerprint: string;
  if (o.dataset === 'synthetic') {
    ds = syntheticDataset(o.syntheticUsers ?? 1000, o.syntheticItems ?? 2000, o.seed);
    fingerprint = `synthetic:users=${ds.users.length}:items=${ds.numItems}:seed=${o.seed}`;
  } else {
    ds = loadDataset(o.dataset, o.dataDir ? { dataDir: o.dataDir } : {});
    fingerprint = datasetFingerprint(ds.dir).fingerprint;
  }
  const U = ds.sequences.length;
  const tw = templateWords().join(' ');
  const items = Array.from({ length: ds.numItems }, (_, i) => i + 1);
  // Template words are passed twice so the min count (2, as for real training) never drops them.
  const tok = buildTokenizer({ idScheme: o.idScheme, texts: [tw, tw, ...ds.itemNames.slice(1)], users: ds.users, items, minCount: 2 });
  const config = presetConfig(o.preset, tok.vocabSize, tok.wholeWordVocab, o.idScheme);
  note(`export: ${ds.name} (${U} users, ${ds.numItems} items), ${o.idScheme} vocab ${tok.vocabSize}, preset ${o.preset}, ${o.dtype}`);

  const specs = paramSpecs(config);
  const totalValues = specs.reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0);
  const progress = new ProgressLine('export', 3000);
  const weights: NamedArray[] = [];
  let done = 0;
  for (const spec of specs) {
    weights.push({ name: spec.name, shape: spec.shape, values: initialValues(spec, o.seed) });
    done += spec.shape.reduce((a, b) => a * b, 1);
    progress.update((0.8 * done) / totalValues, `initialised ${(done / 1e6).toFixed(1)}M / ${(totalValues / 1e6).toFixed(1)}M weights`);
  }

  const rand = mulberry32(o.seed + 17);
  const cfDim = config.composer.cfDim;
  const n = Math.min(config.composer.numNeighbours, U - 1);
  if (n < config.composer.numNeighbours) throw new CliUsageError(`the catalogue has ${U} users; a pack needs at least ${config.composer.numNeighbours + 1} for ${config.composer.numNeighbours} neighbours.`);
  const nb = randomNeighbours(U, n, rand);
  const offsets = new Int32Array(U + 1);
  ds.sequences.forEach((s, u) => (offsets[u + 1] = offsets[u]! + s.length));
  const history = new Int32Array(offsets[U]!);
  ds.sequences.forEach((s, u) => history.set(s, offsets[u]));
  const itemStore = ds.numItems < 65536 ? 'uint16' : 'int32';
  const data: NamedArray[] = [
    { name: PACK_DATA.userIds, shape: [U], values: Int32Array.from(ds.users) },
    { name: PACK_DATA.historyOffsets, shape: [U + 1], values: offsets },
    { name: PACK_DATA.historyItems, shape: [history.length], values: history, store: itemStore },
    { name: PACK_DATA.cfUser, shape: [U, cfDim], values: seededNormal(o.seed, PACK_DATA.cfUser, U * cfDim, cfDim ** -0.5), store: 'float16' },
    { name: PACK_DATA.neighbourIndices, shape: [U, n], values: nb.indices, store: U < 65536 ? 'uint16' : 'int32' },
    { name: PACK_DATA.neighbourSimilarity, shape: [U, n], values: nb.similarity, store: 'float16' },
    { name: PACK_DATA.topnNegatives, shape: [U, PAPER_PROTOCOL.topn.negatives], values: randomNegatives(ds, rand), store: itemStore },
  ];
  progress.update(0.85, 'encoding and hashing', true);
  const datasetInfo: PackDataset = { name: ds.name, fingerprint, users: U, items: ds.numItems, ids: 'original' };
  const built = await savePack(o.out, {
    name: o.name ?? `random-${o.preset}-${o.idScheme}-${ds.name}`,
    config,
    tokenizer: tok.toJSON(),
    dataset: datasetInfo,
    provenance: { command: o.command ?? 'peapod export --random', gitCommit: gitCommit(), date: new Date().toISOString(), seconds: 0, samplesPerSecond: null, backend: 'none' },
    metrics: {},
    weights,
    weightDtype: o.dtype,
    data,
    jsonFiles: { [PACK_FILES.items]: ds.itemNames },
    extraManifest: { random: { seed: o.seed, preset: o.preset, note: 'untrained: seeded T5 initialisation, random CF embeddings and neighbours' } },
  });
  let bytes = 0;
  for (const b of built.files.values()) bytes += b.byteLength;
  const seconds = (performance.now() - t0) / 1000;
  progress.done(`${built.files.size} files, ${(bytes / 1e6).toFixed(1)} MB -> ${o.out}`);
  return { out: o.out, config, dataset: ds.name, bytes, files: built.files.size, params: totalValues, seconds };
}

export const command: CommandModule = {
  async run(argv) {
    if (wantsHelp(argv)) {
      console.log(helpText(EXPORT));
      return 0;
    }
    const { values: o } = parseCommand(EXPORT, argv);
    if (!o.random) throw new CliUsageError('only --random export is supported here; trained packs are written by `peapod train`.\n' + helpText(EXPORT));
    const out = path.resolve(o.out);
    let dataset = o.dataset ?? '';
    const dataDir = resolveDataDir();
    if (!dataset) {
      const { existsSync } = await import('node:fs');
      dataset = existsSync(path.join(dataDir, 'amazon-beauty-p5')) ? 'amazon-beauty-p5' : 'synthetic';
      if (dataset === 'synthetic') process.stderr.write(`export: ${path.join(dataDir, 'amazon-beauty-p5')} not found; using a synthetic catalogue.\n`);
    }
    const r = await exportRandomPack({
      preset: o.config,
      out,
      seed: o.seed,
      dtype: o.dtype,
      idScheme: o.idScheme,
      dataset,
      dataDir,
      syntheticUsers: o.users,
      syntheticItems: o.items,
      ...(o.name !== undefined ? { name: o.name } : {}),
      command: ['peapod', 'export', ...argv].join(' '),
    });
    console.log(`wrote ${r.out}: ${r.dataset}, ${(r.params / 1e6).toFixed(2)}M parameters, ${r.files} files, ${(r.bytes / 1e6).toFixed(1)} MB in ${r.seconds.toFixed(1)} s`);
    return 0;
  },
};
