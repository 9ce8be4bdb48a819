// Config checks and derived sizes for the T5 core and the PeaPOD assembly. Pure functions over the
// contracts in ../types.ts; no tensors are created here.
import { t5SmallConfig, type ComposerConfig, type PeapodConfig, type T5Config } from '../types.ts';
import { PeapodModelError } from '../errors.ts';

/** A model config that cannot describe a working model (non-positive size, heads that do not divide, ...). */
export class ModelConfigError extends PeapodModelError {
  override name = 'ModelConfigError';
  override readonly code = 'model-config';
}

/** A tensor handed to the model has the wrong rank, shape or dtype. */
export class ModelInputError extends PeapodModelError {
  override name = 'ModelInputError';
  override readonly code = 'model-input';
}

/** Width of the concatenated attention heads (T5 allows numHeads * dKv != dModel). */
export function innerDim(c: T5Config): number {
  return c.numHeads * c.dKv;
}

function positiveInt(where: string, key: string, v: number): void {
  if (!Number.isInteger(v) || v <= 0) {
    throw new ModelConfigError(`${where}.${key} must be a positive integer, got ${v}; fix the model config.`);
  }
}

export function validateT5Config(c: T5Config, where = 't5'): void {
  for (const key of ['vocabSize', 'dModel', 'dKv', 'numHeads', 'dFf', 'numEncoderLayers', 'numDecoderLayers', 'relativeAttentionNumBuckets', 'relativeAttentionMaxDistance'] as const) {
    positiveInt(where, key, c[key]);
  }
  if (c.feedForward !== 'relu' && c.feedForward !== 'gated-gelu') {
    throw new ModelConfigError(`${where}.feedForward must be 'relu' or 'gated-gelu', got '${String(c.feedForward)}'.`);
  }
  // T5's bidirectional buckets split the range in halves, each again in exact/log halves.
  if (c.relativeAttentionNumBuckets < 4) {
    throw new ModelConfigError(`${where}.relativeAttentionNumBuckets must be at least 4 (T5 uses 32), got ${c.relativeAttentionNumBuckets}.`);
  }
  if (!(c.dropoutRate >= 0 && c.dropoutRate < 1)) {
    throw new ModelConfigError(`${where}.dropoutRate must be in [0, 1), got ${c.dropoutRate}.`);
  }
  if (!(c.layerNormEpsilon > 0)) {
    throw new ModelConfigError(`${where}.layerNormEpsilon must be > 0 (T5 uses 1e-6), got ${c.layerNormEpsilon}.`);
  }
  for (const key of ['padTokenId', 'eosTokenId'] as const) {
    if (!Number.isInteger(c[key]) || c[key] < 0 || c[key] >= c.vocabSize) {
      throw new ModelConfigError(`${where}.${key} must be a token id in [0, ${c.vocabSize}), got ${c[key]}.`);
    }
  }
  if (!Number.isInteger(c.wholeWordVocab) || c.wholeWordVocab < 0) {
    throw new ModelConfigError(`${where}.wholeWordVocab must be 0 (none) or a positive integer, got ${c.wholeWordVocab}.`);
  }
}

export function validateComposerConfig(c: ComposerConfig, where = 'composer'): void {
  for (const key of ['cfDim', 'numNeighbours', 'numHeads', 'promptLength'] as const) positiveInt(where, key, c[key]);
  if (c.cfDim % c.numHeads !== 0) {
    throw new ModelConfigError(`${where}.cfDim (${c.cfDim}) must be divisible by ${where}.numHeads (${c.numHeads}): each head gets cfDim / numHeads dimensions.`);
  }
  if (c.keyScale !== undefined && !(Number.isFinite(c.keyScale) && c.keyScale > 0)) {
    throw new ModelConfigError(`${where}.keyScale must be a positive number (1 = the reference's composer), got ${c.keyScale}.`);
  }
}

export function validatePeapodConfig(c: PeapodConfig): void {
  validateT5Config(c.t5);
  validateComposerConfig(c.composer);
  if (c.composer.taskPrompts && c.tasks.length === 0) {
    throw new ModelConfigError('tasks is empty but composer.taskPrompts is true: list the tasks the model has prompts for.');
  }
  for (const t of c.causalTasks ?? []) {
    if (!c.tasks.includes(t)) throw new ModelConfigError(`causalTasks lists '${t}', which is not one of the model's tasks [${c.tasks.join(', ')}].`);
  }
  if (c.sequentialForm !== undefined && c.sequentialForm !== 'bare' && c.sequentialForm !== 'history') {
    throw new ModelConfigError(`sequentialForm must be 'bare' or 'history', got ${JSON.stringify(c.sequentialForm)}.`);
  }
  if (c.sequentialForm === 'history' && c.idScheme !== 'atomic') {
    throw new ModelConfigError(`sequentialForm 'history' needs atomic item ids (one token per item in the decoder's prefix), but idScheme is '${c.idScheme}'.`);
  }
  if (new Set(c.tasks).size !== c.tasks.length) {
    throw new ModelConfigError(`tasks lists a task twice: [${c.tasks.join(', ')}].`);
  }
}

/** A small config for tests and quick experiments (d 128, 2+2 layers, 4 heads, d_ff 512). */
export function smallT5Config(vocabSize: number, wholeWordVocab = 0): T5Config {
  // Everything else (buckets, dropout, epsilon, special ids, tied head) as in T5-small.
  return { ...t5SmallConfig(vocabSize, wholeWordVocab), dModel: 128, dKv: 32, numHeads: 4, dFf: 512, numEncoderLayers: 2, numDecoderLayers: 2 };
}
