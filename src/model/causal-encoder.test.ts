import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeParams, initPeapodParams, type ParamMap } from './params.ts';
import { ModelConfigError, PeapodModel, type CollaborativeInput, type EncoderBatch } from './peapod.ts';
import { validatePeapodConfig } from './t5/config.ts';
import { tinyConfig } from './t5/test-fixtures.ts';
import type { TaskName } from './types.ts';

// The dense next-item formulation rests on one property of the causal encoder: the encoder state at
// position j of a long input equals the last state of the input cut after j. Checked here for every
// prefix, with the soft prompt in front (prompt positions come first, so they stay in every prefix).
const SEQ = [2, 9, 10, 11, 12, 13, 14];

function input(tokens: number[], task: TaskName): EncoderBatch {
  return {
    tokenIds: tf.tensor2d([tokens], undefined, 'int32'),
    wholeWordIds: tf.tensor2d([tokens.map(() => 0)], undefined, 'int32'),
    attentionMask: tf.tensor2d([tokens.map(() => 1)], undefined, 'float32'),
    task,
  };
}

function collab(): CollaborativeInput {
  return {
    userEmb: tf.tensor2d([Array.from({ length: 8 }, (_, i) => Math.sin(i + 1))]),
    neighbourEmb: tf.tensor3d([Array.from({ length: 4 }, (_, j) => Array.from({ length: 8 }, (_, i) => Math.cos(j * 8 + i)))]),
  };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('causal encoder (config.causalTasks)', () => {
  const config = { ...tinyConfig({ dropoutRate: 0 }), causalTasks: ['sequential'] as TaskName[] };
  let params: ParamMap;
  let model: PeapodModel;
  beforeAll(() => {
    params = initPeapodParams(config, 7);
    model = new PeapodModel(config, params);
  });
  afterAll(() => disposeParams(params));

  function hidden(tokens: number[], task: TaskName): number[][] {
    const c = collab();
    const { prompt } = model.composePrompt(task, c, 1);
    const b = input(tokens, task);
    const enc = model.encode(b, prompt, false);
    const h = enc.hidden.arraySync()[0]!;
    tf.dispose([prompt, enc.hidden, enc.mask, b.tokenIds, b.wholeWordIds, b.attentionMask, c.userEmb, c.neighbourEmb]);
    return h;
  }

  it('gives every prefix the state the cut input ends with', () => {
    const full = hidden(SEQ, 'sequential');
    const P = full.length - SEQ.length;
    expect(P).toBe(4); // task prompt (2) + collaborative prompt (2)
    for (let j = 1; j <= SEQ.length; j++) {
      const cut = hidden(SEQ.slice(0, j), 'sequential');
      const last = cut[cut.length - 1]!;
      const same = full[P + j - 1]!;
      for (let k = 0; k < last.length; k++) expect(Math.abs(last[k]! - same[k]!)).toBeLessThan(1e-5);
    }
  });

  it('leaves the other tasks bidirectional', () => {
    const full = hidden(SEQ, 'explanation');
    const cut = hidden(SEQ.slice(0, 3), 'explanation');
    const P = full.length - SEQ.length;
    let diff = 0;
    for (let k = 0; k < cut[0]!.length; k++) diff = Math.max(diff, Math.abs(cut[P + 2]![k]! - full[P + 2]![k]!));
    expect(diff).toBeGreaterThan(1e-3);
  });

  it('rejects a causal task the model does not have', () => {
    expect(() => validatePeapodConfig({ ...config, causalTasks: ['topn'] })).toThrow(ModelConfigError);
  });

  it('accepts the history form of the sequential task on atomic ids only, and no other form', () => {
    expect(() => validatePeapodConfig({ ...config, idScheme: 'atomic', sequentialForm: 'history' })).not.toThrow();
    expect(() => validatePeapodConfig({ ...config, idScheme: 'p5', sequentialForm: 'history' })).toThrow(/atomic item ids/);
    expect(() => validatePeapodConfig({ ...config, sequentialForm: 'decoder' as never })).toThrow(/'bare' or 'history'/);
  });
});
