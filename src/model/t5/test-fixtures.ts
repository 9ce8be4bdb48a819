// Tiny model configs shared by the model tests (test support only; never imported by runtime code).
import type { PeapodConfig, T5Config } from '../types.ts';

const tinyT5: T5Config = {
  vocabSize: 24,
  dModel: 16,
  dKv: 6, // H * dKv = 12 != dModel, as T5 allows
  numHeads: 2,
  dFf: 20,
  numEncoderLayers: 2,
  numDecoderLayers: 2,
  feedForward: 'relu',
  relativeAttentionNumBuckets: 8,
  relativeAttentionMaxDistance: 20,
  tieWordEmbeddings: true,
  dropoutRate: 0.1,
  layerNormEpsilon: 1e-6,
  padTokenId: 0,
  eosTokenId: 1,
  wholeWordVocab: 5,
};

/** d 16, 2+2 layers, 2 heads of 6, 8 buckets, whole-word ids, composer cfDim 8 / 2 heads / l 2. */
export function tinyConfig(t5: Partial<T5Config> = {}, composer: Partial<PeapodConfig['composer']> = {}): PeapodConfig {
  return {
    t5: { ...tinyT5, ...t5 },
    composer: { cfDim: 8, numNeighbours: 4, numHeads: 2, promptLength: 2, taskPrompts: true, collaborative: true, ...composer },
    tasks: ['sequential', 'explanation'],
    idScheme: 'p5',
  };
}

