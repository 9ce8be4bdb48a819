// Test fixture: a tiny p5-scheme PeaPOD pack (d 8, one layer per stack, 2 users, 3 items) built in
// memory, for pack tests that need real files without touching disk. Test-only; not bundled.
import { initialValues, paramSpecs } from '../params.ts';
import { buildTokenizer } from '../tokenizer.ts';
import { PACK_DATA, type PeapodConfig } from '../types.ts';
import { buildPack, type BuiltPack } from './build.ts';
import type { NamedArray } from './format.ts';

const tok = buildTokenizer({ idScheme: 'p5', texts: ['nice soap'], users: [1, 2], items: [1, 2, 3], wholeWordVocab: 8 });

export const TINY_CONFIG: PeapodConfig = {
  t5: {
    vocabSize: tok.vocabSize, dModel: 8, dKv: 4, numHeads: 2, dFf: 16, numEncoderLayers: 1, numDecoderLayers: 1,
    feedForward: 'relu', relativeAttentionNumBuckets: 4, relativeAttentionMaxDistance: 8, tieWordEmbeddings: true,
    dropoutRate: 0, layerNormEpsilon: 1e-6, padTokenId: 0, eosTokenId: 1, wholeWordVocab: 8,
  },
  composer: { cfDim: 4, numNeighbours: 1, numHeads: 1, promptLength: 1, taskPrompts: true, collaborative: true },
  tasks: ['sequential'],
  idScheme: 'p5',
};

/** The tiny pack, float16 weights in 256-byte shards (so every file list has several shards). */
export async function buildTinyPack(name: string): Promise<BuiltPack> {
  const weights: NamedArray[] = paramSpecs(TINY_CONFIG).map((s) => ({ name: s.name, shape: s.shape, values: initialValues(s, 3) }));
  return buildPack({
    name,
    config: TINY_CONFIG,
    tokenizer: tok.toJSON(),
    dataset: { name: 'synthetic', fingerprint: '0'.repeat(64), users: 2, items: 3, ids: 'original' },
    provenance: { command: 'vitest', gitCommit: null, date: '2026-01-01T00:00:00Z', seconds: 0, samplesPerSecond: null },
    weights,
    weightDtype: 'float16',
    data: [
      { name: PACK_DATA.userIds, shape: [2], values: Int32Array.of(1, 2) },
      { name: PACK_DATA.cfUser, shape: [2, 4], values: Float32Array.of(1, 0, 0, 0, 0, 1, 0, 0) },
      { name: PACK_DATA.neighbourIndices, shape: [2, 1], values: Int32Array.of(1, 0) },
      { name: PACK_DATA.neighbourSimilarity, shape: [2, 1], values: Float32Array.of(0.5, 0.5) },
      { name: PACK_DATA.historyOffsets, shape: [3], values: Int32Array.of(0, 2, 4) },
      { name: PACK_DATA.historyItems, shape: [4], values: Int32Array.of(1, 2, 3, 1) },
    ],
    jsonFiles: { 'items.json': ['', 'a', 'b', 'c'] },
    shardBytes: 256,
  });
}
