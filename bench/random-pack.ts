// Builds a seeded random-weight pack in memory (no download of weights), for benchmarking on a
// machine the 127 MB T5-small bench pack cannot travel to. Mirrors `peapod export --random`
// (src/cli/commands/export.ts, Node-only) for the model, tokenizer and data arrays, but takes the
// catalogue (users, histories, item names) from an already-shipped pack instead of the dataset folder.
// The result is a PackSource over the built bytes, so the page loads it through the same openPack path
// (hash checks included) as a downloaded pack. Must not be imported by the app.
import { randomNeighbours } from '../src/model/neighbours.ts';
import { templateWords } from '../src/model/inputs/prompts.ts';
import { ModelPackMissingFileError } from '../src/model/errors.ts';
import { mulberry32 } from '../src/model/generate/recommend.ts';
import { buildPack } from '../src/model/pack/build.ts';
import type { NamedArray } from '../src/model/pack/format.ts';
import { loadPack, type PackSource } from '../src/model/pack/load.ts';
import { initialValues, paramSpecs, seededNormal } from '../src/model/params.ts';
import { smallT5Config } from '../src/model/t5/config.ts';
import { buildTokenizer } from '../src/model/tokenizer.ts';
import { PACK_DATA, PACK_FILES, t5SmallConfig, type IdScheme, type PeapodConfig } from '../src/model/types.ts';
import { PAPER_PROTOCOL } from '../src/paper-protocol.ts';

export type RandomPreset = 't5-small' | 'small';

export interface RandomPackOptions {
  preset: RandomPreset;
  seed?: number;
  idScheme?: IdScheme;
  dtype?: 'float16' | 'float32';
}

export interface RandomPack {
  source: PackSource;
  config: PeapodConfig;
  /** Bytes of the generated pack (what a download would have cost). */
  packBytes: number;
  /** Bytes read from the catalogue pack. */
  catalogueBytes: number;
  params: number;
}

/** Same values as export.ts's presetConfig (kept in step by random-pack.test.ts via the vocab/shapes). */
export function randomPresetConfig(preset: RandomPreset, vocab: number, wholeWord: number, idScheme: IdScheme): PeapodConfig {
  return {
    t5: preset === 't5-small' ? t5SmallConfig(vocab, wholeWord) : smallT5Config(vocab, wholeWord),
    composer: { cfDim: preset === 't5-small' ? 512 : 64, numNeighbours: 20, numHeads: 4, promptLength: 3, taskPrompts: true, collaborative: true },
    tasks: ['sequential', 'topn', 'explanation'],
    idScheme,
  };
}

function intArray(a: NamedArray | undefined, name: string, where: string): Int32Array {
  if (!a) throw new ModelPackMissingFileError(name, where, 'the catalogue pack has no such data array');
  return a.values instanceof Int32Array ? a.values : Int32Array.from(a.values as ArrayLike<number>);
}

/** A PackSource over bytes held in memory (every read reports its whole size at once). */
export function memoryPackSource(files: Map<string, Uint8Array>, description: string): PackSource {
  return {
    description,
    async read(file, onBytes) {
      const b = files.get(file);
      if (!b) throw new ModelPackMissingFileError(file, description, 'not in the generated pack');
      onBytes?.(b.byteLength);
      return b;
    },
  };
}

export async function buildRandomPack(catalogue: PackSource, o: RandomPackOptions): Promise<RandomPack> {
  const seed = o.seed ?? 1;
  const idScheme = o.idScheme ?? 'p5';
  const cat = await loadPack(catalogue, { expectedShapes: null });
  const userIds = intArray(cat.data.get(PACK_DATA.userIds), PACK_DATA.userIds, catalogue.description);
  const offsets = intArray(cat.data.get(PACK_DATA.historyOffsets), PACK_DATA.historyOffsets, catalogue.description);
  const history = intArray(cat.data.get(PACK_DATA.historyItems), PACK_DATA.historyItems, catalogue.description);
  const itemNames = cat.json<string[]>(PACK_FILES.items);
  if (!itemNames) throw new ModelPackMissingFileError(PACK_FILES.items, catalogue.description, 'the catalogue pack has no item names');
  const U = userIds.length;
  const numItems = itemNames.length - 1;

  const tw = templateWords().join(' ');
  const items = Array.from({ length: numItems }, (_, i) => i + 1);
  // As export.ts: template words twice so minCount 2 never drops them.
  const tok = buildTokenizer({ idScheme, texts: [tw, tw, ...itemNames.slice(1)], users: userIds, items, minCount: 2 });
  const config = randomPresetConfig(o.preset, tok.vocabSize, tok.wholeWordVocab, idScheme);

  const weights: NamedArray[] = [];
  let params = 0;
  for (const spec of paramSpecs(config)) {
    weights.push({ name: spec.name, shape: spec.shape, values: initialValues(spec, seed) });
    params += spec.shape.reduce((a, b) => a * b, 1);
  }

  const rand = mulberry32(seed + 17);
  const n = config.composer.numNeighbours;
  if (U <= n) throw new RangeError(`the catalogue ${catalogue.description} has ${U} users; a pack needs at least ${n + 1} for ${n} neighbours.`);
  const { indices: nbIdx, similarity: nbSim } = randomNeighbours(U, n, rand);
  const NEG = PAPER_PROTOCOL.topn.negatives;
  const negatives = new Int32Array(U * NEG);
  for (let u = 0; u < U; u++) {
    const seen = new Set(history.subarray(offsets[u], offsets[u + 1]));
    const kept = new Set<number>();
    const unseen = numItems - seen.size;
    while (kept.size < Math.min(NEG, unseen)) {
      const i = 1 + Math.floor(rand() * numItems);
      if (!seen.has(i)) kept.add(i);
    }
    const list = [...kept];
    for (let k = 0; k < NEG; k++) negatives[u * NEG + k] = list[k % Math.max(1, list.length)] ?? 1;
  }
  const cfDim = config.composer.cfDim;
  const itemStore = numItems < 65536 ? 'uint16' : 'int32';
  const data: NamedArray[] = [
    { name: PACK_DATA.userIds, shape: [U], values: userIds },
    { name: PACK_DATA.historyOffsets, shape: [U + 1], values: offsets },
    { name: PACK_DATA.historyItems, shape: [history.length], values: history, store: itemStore },
    { name: PACK_DATA.cfUser, shape: [U, cfDim], values: seededNormal(seed, PACK_DATA.cfUser, U * cfDim, cfDim ** -0.5), store: 'float16' },
    { name: PACK_DATA.neighbourIndices, shape: [U, n], values: nbIdx, store: U < 65536 ? 'uint16' : 'int32' },
    { name: PACK_DATA.neighbourSimilarity, shape: [U, n], values: nbSim, store: 'float16' },
    { name: PACK_DATA.topnNegatives, shape: [U, NEG], values: negatives, store: itemStore },
  ];
  const built = await buildPack({
    name: `random-${o.preset}-${idScheme}-${cat.manifest.dataset.name}-in-page`,
    config,
    tokenizer: tok.toJSON(),
    dataset: cat.manifest.dataset,
    provenance: { command: `bench page: random:${o.preset} over ${catalogue.description}`, gitCommit: null, date: new Date().toISOString(), seconds: 0, samplesPerSecond: null, backend: 'none' },
    metrics: {},
    weights,
    weightDtype: o.dtype ?? 'float16',
    data,
    jsonFiles: { [PACK_FILES.items]: itemNames },
    extraManifest: { random: { seed, preset: o.preset, note: 'untrained, generated in the page: seeded T5 initialisation, random CF embeddings and neighbours' } },
  });
  let packBytes = 0;
  for (const b of built.files.values()) packBytes += b.byteLength;
  return { source: memoryPackSource(built.files, `random:${o.preset} (generated in the page)`), config, packBytes, catalogueBytes: cat.bytes, params };
}
