import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadPack } from './load.ts';
import { nodePackSource, savePack } from './node.ts';
import type { PackContents } from './build.ts';
import type { NamedArray } from './format.ts';
import { buildTokenizer } from '../tokenizer.ts';
import { initialValues, paramSpecs, PARAM } from '../params.ts';
import { PACK_DATA, type PeapodConfig } from '../types.ts';
import { ModelPackCorruptError } from '../errors.ts';

await tf.setBackend('cpu');

// Atomic ids: items 1..4 get one token each; the prior table is rebuilt from cf/item at load.
const tok = buildTokenizer({ idScheme: 'atomic', texts: ['a fine shampoo a fine shampoo'], users: [], items: [1, 2, 3, 4] });
const CF = 4;
const config: PeapodConfig = {
  t5: {
    vocabSize: tok.vocabSize, dModel: 16, dKv: 8, numHeads: 2, dFf: 32, numEncoderLayers: 1, numDecoderLayers: 1,
    feedForward: 'relu', relativeAttentionNumBuckets: 8, relativeAttentionMaxDistance: 20, tieWordEmbeddings: true,
    dropoutRate: 0.1, layerNormEpsilon: 1e-6, padTokenId: 0, eosTokenId: 1, wholeWordVocab: 0,
  },
  composer: { cfDim: CF, numNeighbours: 2, numHeads: 2, promptLength: 1, taskPrompts: true, collaborative: true, cfPrior: true },
  tasks: ['sequential', 'topn'],
  idScheme: 'atomic',
};
// cf/item row i (item i) = [i, -i, 0.5 i, 1] (exact in float16).
const cfItem = Float32Array.from({ length: 5 * CF }, (_, k) => {
  const i = Math.floor(k / CF);
  return [i, -i, 0.5 * i, 1][k % CF]!;
});
const weights: NamedArray[] = paramSpecs(config)
  .filter((s) => s.name !== PARAM.cfPriorItems)
  .map((s) => ({ name: s.name, shape: s.shape, values: initialValues(s, 7) }));
const data = (withItems: boolean): NamedArray[] => [
  { name: PACK_DATA.userIds, shape: [3], values: Int32Array.of(1, 2, 3) },
  { name: PACK_DATA.cfUser, shape: [3, CF], values: Float32Array.from({ length: 3 * CF }, (_, i) => i / 8), store: 'float16' },
  ...(withItems ? [{ name: PACK_DATA.cfItem, shape: [5, CF], values: cfItem, store: 'float16' as const }] : []),
  { name: PACK_DATA.neighbourIndices, shape: [3, 2], values: Int32Array.of(1, 2, 0, 2, 0, 1), store: 'uint16' },
  { name: PACK_DATA.neighbourSimilarity, shape: [3, 2], values: Float32Array.of(0.9, 0.5, 0.9, 0.4, 0.5, 0.4) },
  { name: PACK_DATA.historyOffsets, shape: [4], values: Int32Array.of(0, 2, 5, 6) },
  { name: PACK_DATA.historyItems, shape: [6], values: Int32Array.of(1, 2, 1, 3, 4, 2), store: 'uint16' },
];
const contents = (withItems: boolean): PackContents => ({
  name: 'prior-pack',
  config,
  tokenizer: tok.toJSON(),
  dataset: { name: 'synthetic', fingerprint: '0'.repeat(64), users: 3, items: 4, ids: 'remapped' },
  provenance: { command: 'vitest', gitCommit: null, date: '2026-01-01T00:00:00.000Z', seconds: 0, samplesPerSecond: null },
  metrics: {},
  weights,
  weightDtype: 'float32',
  data: data(withItems),
});

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'peapod-prior-'));
  await savePack(path.join(root, 'ok'), contents(true));
  await savePack(path.join(root, 'no-items'), contents(false));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('packs with the collaborative prior', () => {
  it('ship no item table; load rebuilds it from cf/item on each item token row', async () => {
    const pack = await loadPack(nodePackSource(path.join(root, 'ok')));
    const t = pack.weights.get(PARAM.cfPriorItems)!;
    expect(t.shape).toEqual([tok.vocabSize, CF]);
    for (const item of [1, 2, 3, 4]) {
      const row = tok.itemTokens(item)[0]!;
      expect([...t.values.subarray(row * CF, row * CF + CF)]).toEqual([item, -item, 0.5 * item, 1]);
    }
    // Non-item tokens (pad, eos, words) stay zero.
    expect([...t.values.subarray(0, 2 * CF)]).toEqual(new Array(2 * CF).fill(0));
  });

  it('without cf/item the load fails with a typed error that names the array', async () => {
    await expect(loadPack(nodePackSource(path.join(root, 'no-items')))).rejects.toThrow(ModelPackCorruptError);
    await expect(loadPack(nodePackSource(path.join(root, 'no-items')))).rejects.toThrow(/cf\/item.*re-export/);
  });
});
