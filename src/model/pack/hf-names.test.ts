import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { describe, expect, it } from 'vitest';
import { CheckpointError } from '../errors.ts';
import { disposeParams, initialValues, initPeapodParams, paramSpecs } from '../params.ts';
import { tinyConfig } from '../t5/test-fixtures.ts';
import type { PeapodConfig } from '../types.ts';
import {
  assignCheckpoint,
  fromCheckpoint,
  fromCheckpointDetailed,
  hfNameOf,
  isTransposed,
  ourNameOf,
  paramsToSafetensors,
  toCheckpoint,
  transpose2d,
  type CheckpointTensor,
  type NamedValues,
} from './hf-names.ts';
import { parseSafetensors } from './safetensors.ts';

await tf.setBackend('cpu');

/** relu, tied head, whole-word ids, composer, task prompts (the authors' PeaPOD shape). */
const reluTied: PeapodConfig = tinyConfig();
/** gated-gelu, untied head, no whole-word table, composer + both priors, three tasks. */
const gatedUntied: PeapodConfig = {
  ...tinyConfig({ feedForward: 'gated-gelu', tieWordEmbeddings: false, wholeWordVocab: 0, numDecoderLayers: 3 }, { cfPrior: true, seqPrior: true }),
  tasks: ['sequential', 'topn', 'explanation'],
  idScheme: 'atomic',
};

function ourValues(config: PeapodConfig, seed = 7): Map<string, NamedValues> {
  const m = new Map<string, NamedValues>();
  // Every weight random (norms and zeros too), so a swapped or untransposed tensor cannot pass.
  for (const spec of paramSpecs(config)) m.set(spec.name, { shape: spec.shape, data: initialValues({ ...spec, init: { kind: 'normal', std: 1 } }, seed) });
  return m;
}

function asCheckpoint(m: Map<string, NamedValues>): Map<string, CheckpointTensor> {
  return new Map([...m].map(([k, v]) => [k, { dtype: 'F32' as const, shape: v.shape, data: v.data }]));
}

function catchCheckpoint(fn: () => unknown): CheckpointError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CheckpointError);
    return e as CheckpointError;
  }
  throw new Error('expected a CheckpointError');
}

describe('name bijection', () => {
  it('maps the documented names both ways', () => {
    const table: [string, string][] = [
      ['shared/embedding', 'shared.weight'],
      ['encoder/block_0/self_attn/q', 'encoder.block.0.layer.0.SelfAttention.q.weight'],
      ['decoder/block_11/self_attn/o', 'decoder.block.11.layer.0.SelfAttention.o.weight'],
      ['encoder/block_0/self_attn/relative_attention_bias', 'encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight'],
      ['decoder/block_0/self_attn/relative_attention_bias', 'decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight'],
      ['encoder/block_1/self_attn_norm', 'encoder.block.1.layer.0.layer_norm.weight'],
      ['decoder/block_2/cross_attn/k', 'decoder.block.2.layer.1.EncDecAttention.k.weight'],
      ['decoder/block_2/cross_attn_norm', 'decoder.block.2.layer.1.layer_norm.weight'],
      ['encoder/block_3/ffn/wi', 'encoder.block.3.layer.1.DenseReluDense.wi.weight'],
      ['decoder/block_3/ffn/wi_0', 'decoder.block.3.layer.2.DenseReluDense.wi_0.weight'],
      ['decoder/block_3/ffn/wi_1', 'decoder.block.3.layer.2.DenseReluDense.wi_1.weight'],
      ['encoder/block_3/ffn/wo', 'encoder.block.3.layer.1.DenseReluDense.wo.weight'],
      ['encoder/block_3/ffn_norm', 'encoder.block.3.layer.1.layer_norm.weight'],
      ['decoder/block_3/ffn_norm', 'decoder.block.3.layer.2.layer_norm.weight'],
      ['encoder/final_norm', 'encoder.final_layer_norm.weight'],
      ['decoder/final_norm', 'decoder.final_layer_norm.weight'],
      ['lm_head/kernel', 'lm_head.weight'],
      ['whole_word/embedding', 'peapod.whole_word.weight'],
      ['composer/query/kernel', 'peapod.composer.query.weight'],
      ['composer/value/bias', 'peapod.composer.value.bias'],
      ['composer/prompt/kernel', 'peapod.composer.prompt.weight'],
      ['composer/prompt/bias', 'peapod.composer.prompt.bias'],
      ['task_prompt/topn', 'peapod.task_prompt.topn'],
      ['cf_prior/item_factors', 'peapod.cf_prior.item_factors'],
      ['cf_prior/scales', 'peapod.cf_prior.scales'],
      ['seq_prior/scale', 'peapod.seq_prior.scale'],
      ['seq_prior/repeat', 'peapod.seq_prior.repeat'],
    ];
    for (const [ours, hf] of table) {
      expect(hfNameOf(ours), ours).toBe(hf);
      expect(ourNameOf(hf), hf).toBe(ours);
    }
  });

  it('is a bijection over every weight of both configs', () => {
    for (const config of [reluTied, gatedUntied]) {
      const hfNames = new Set<string>();
      for (const spec of paramSpecs(config)) {
        const hf = hfNameOf(spec.name);
        expect(hf, spec.name).not.toBeNull();
        expect(ourNameOf(hf!)).toBe(spec.name);
        hfNames.add(hf!);
      }
      expect(hfNames.size).toBe(paramSpecs(config).length);
    }
  });

  it('knows nothing else', () => {
    for (const hf of [
      'encoder.embed_tokens.weight',
      'encoder.block.0.layer.2.DenseReluDense.wi.weight', // an encoder block has no layer 2
      'decoder.block.0.layer.1.DenseReluDense.wi.weight', // the decoder FFN is layer 2
      'encoder.block.0.layer.2.layer_norm.weight',
      'encoder.block.0.layer.1.EncDecAttention.q.weight',
      'encoder.block.01.layer.0.SelfAttention.q.weight', // not canonical
      'decoder.block.0.layer.1.EncDecAttention.relative_attention_bias.weight',
      'peapod.composer.other.weight',
      'peapod.task_prompt.rating',
      'shared.bias',
      'model.shared.weight',
    ]) {
      expect(ourNameOf(hf), hf).toBeNull();
    }
    for (const ours of ['shared', 'composer/other/kernel', 'encoder/block_x/ffn/wi', 'task_prompt/rating', 'decoder/block_0/cross_attn/relative_attention_bias']) {
      expect(hfNameOf(ours), ours).toBeNull();
    }
  });

  it('transposes the Linear kernels only', () => {
    expect(isTransposed('encoder/block_0/self_attn/q')).toBe(true);
    expect(isTransposed('decoder/block_1/cross_attn/o')).toBe(true);
    expect(isTransposed('decoder/block_1/ffn/wi_1')).toBe(true);
    expect(isTransposed('lm_head/kernel')).toBe(true);
    expect(isTransposed('composer/prompt/kernel')).toBe(true);
    for (const n of ['shared/embedding', 'whole_word/embedding', 'encoder/block_0/self_attn/relative_attention_bias', 'task_prompt/topn', 'cf_prior/item_factors', 'composer/query/bias', 'encoder/final_norm']) {
      expect(isTransposed(n), n).toBe(false);
    }
  });

  it('transpose2d', () => {
    expect(Array.from(transpose2d(new Float32Array([1, 2, 3, 4, 5, 6]), 2, 3))).toEqual([1, 4, 2, 5, 3, 6]);
  });
});

describe('conversion', () => {
  for (const [label, config] of [
    ['relu / tied', reluTied],
    ['gated-gelu / untied', gatedUntied],
  ] as const) {
    it(`ours -> hf -> ours is the identity (${label})`, () => {
      const ours = ourValues(config);
      const hf = toCheckpoint(config, ours);
      expect(hf.size).toBe(ours.size);
      const back = fromCheckpoint(config, asCheckpoint(hf));
      expect([...back.keys()]).toEqual(paramSpecs(config).map((s) => s.name));
      for (const [name, v] of ours) {
        expect(back.get(name)!.shape, name).toEqual(v.shape);
        expect(back.get(name)!.data, name).toEqual(v.data);
      }
    });
  }

  it('lays the checkpoint out as torch does', () => {
    const ours = ourValues(gatedUntied);
    const hf = toCheckpoint(gatedUntied, ours);
    const d = gatedUntied.t5.dModel;
    const inner = gatedUntied.t5.numHeads * gatedUntied.t5.dKv;
    const V = gatedUntied.t5.vocabSize;
    expect(hf.get('shared.weight')!.shape).toEqual([V, d]);
    expect(hf.get('lm_head.weight')!.shape).toEqual([V, d]);
    expect(hf.get('encoder.block.0.layer.0.SelfAttention.q.weight')!.shape).toEqual([inner, d]);
    expect(hf.get('encoder.block.0.layer.0.SelfAttention.o.weight')!.shape).toEqual([d, inner]);
    expect(hf.get('decoder.block.2.layer.2.DenseReluDense.wi_0.weight')!.shape).toEqual([gatedUntied.t5.dFf, d]);
    expect(hf.get('encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight')!.shape).toEqual([8, 2]);
    expect(hf.get('peapod.composer.prompt.weight')!.shape).toEqual([2 * d, 8]);
    expect(hf.get('peapod.task_prompt.topn')!.shape).toEqual([2, d]);
    expect(hf.get('peapod.cf_prior.item_factors')!.shape).toEqual([V, 8]);
    // torch weight[o][i] == our kernel[i][o]
    const k = ours.get('encoder/block_1/self_attn/k')!;
    const w = hf.get('encoder.block.1.layer.0.SelfAttention.k.weight')!;
    expect(w.data[3 * d + 5]).toBe(k.data[5 * inner + 3]);
    // not transposed: the same array
    expect(hf.get('shared.weight')!.data).toBe(ours.get('shared/embedding')!.data);
  });

  it('toCheckpoint refuses missing, extra and mis-shaped weights', () => {
    const ours = ourValues(reluTied);
    ours.delete('encoder/final_norm');
    ours.set('lm_head/kernel', { shape: [16, 24], data: new Float32Array(16 * 24) });
    ours.set('composer/query/bias', { shape: [9], data: new Float32Array(9) });
    const err = catchCheckpoint(() => toCheckpoint(reluTied, ours));
    expect(err.code).toBe('missing');
    expect(err.tensor).toBe('encoder/final_norm');
    expect(err.message).toMatch(/composer\/query\/bias" has shape \[9\]/);
    expect(err.message).toMatch(/lm_head\/kernel" is not part of this config/);
  });
});

describe('fromCheckpoint errors', () => {
  const good = (): Map<string, CheckpointTensor> => asCheckpoint(toCheckpoint(reluTied, ourValues(reluTied)));

  it('a missing tensor', () => {
    const t = good();
    t.delete('decoder.block.1.layer.1.EncDecAttention.v.weight');
    const err = catchCheckpoint(() => fromCheckpoint(reluTied, t));
    expect(err.code).toBe('missing');
    expect(err.tensor).toBe('decoder.block.1.layer.1.EncDecAttention.v.weight');
    expect(err.message).toMatch(/cross_attn\/v/);
    expect(err.message).toMatch(/\[12, 16\] as a torch Linear weight/);
  });

  it('an unknown tensor, and one the config has no place for', () => {
    const t = good();
    t.set('encoder.block.0.layer.0.SelfAttention.q.bias', { dtype: 'F32', shape: [12], data: new Float32Array(12) });
    let err = catchCheckpoint(() => fromCheckpoint(reluTied, t));
    expect(err.code).toBe('extra');
    expect(err.tensor).toBe('encoder.block.0.layer.0.SelfAttention.q.bias');
    expect(err.message).toMatch(/no place in a PeaPOD T5/);

    const u = good();
    u.set('peapod.cf_prior.scales', { dtype: 'F32', shape: [2], data: new Float32Array(2) });
    err = catchCheckpoint(() => fromCheckpoint(reluTied, u));
    expect(err.code).toBe('extra');
    expect(err.message).toMatch(/our weight "cf_prior\/scales", which this config/);

    const w = good();
    w.set('encoder.block.1.layer.0.SelfAttention.relative_attention_bias.weight', { dtype: 'F32', shape: [8, 2], data: new Float32Array(16) });
    expect(catchCheckpoint(() => fromCheckpoint(reluTied, w)).code).toBe('extra');
  });

  it('a mis-shaped tensor, with a hint when it looks transposed', () => {
    const t = good();
    const name = 'encoder.block.0.layer.1.DenseReluDense.wi.weight';
    const v = t.get(name)!;
    t.set(name, { ...v, shape: [v.shape[1]!, v.shape[0]!] });
    let err = catchCheckpoint(() => fromCheckpoint(reluTied, t));
    expect(err.code).toBe('shape');
    expect(err.tensor).toBe(name);
    expect(err.message).toMatch(/has shape \[16, 20\] but .* needs \[20, 16\]/);
    expect(err.message).toMatch(/looks transposed/);

    const u = good();
    u.set('shared.weight', { dtype: 'F32', shape: [32, 16], data: new Float32Array(32 * 16) });
    err = catchCheckpoint(() => fromCheckpoint(reluTied, u));
    expect(err.tensor).toBe('shared.weight');
    expect(err.message).toMatch(/different model size/);
  });

  it('a wrongly typed tensor', () => {
    const t = good();
    t.set('encoder.final_layer_norm.weight', { dtype: 'I64', shape: [16], data: new Int32Array(16) });
    const err = catchCheckpoint(() => fromCheckpoint(reluTied, t));
    expect(err.code).toBe('dtype');
    expect(err.tensor).toBe('encoder.final_layer_norm.weight');
    expect(err.message).toMatch(/integers \(I64\)/);
  });

  it('lists every problem in one message', () => {
    const t = good();
    t.delete('encoder.final_layer_norm.weight');
    t.delete('peapod.task_prompt.sequential');
    t.set('junk', { dtype: 'F32', shape: [1], data: new Float32Array(1) });
    const err = catchCheckpoint(() => fromCheckpoint(reluTied, t));
    expect(err.message).toMatch(/2 more problem/);
    expect(err.message).toMatch(/junk/);
    expect(err.message).toMatch(/peapod\.task_prompt\.sequential/);
    expect((err as CheckpointError & { problems: CheckpointError[] }).problems.map((p) => p.code).sort()).toEqual(['extra', 'missing', 'missing']);
  });

  it('accepts tied copies of the embedding and T5s unused cross-attention bias, refuses a different copy', () => {
    const t = good();
    const shared = t.get('shared.weight')!;
    t.set('encoder.embed_tokens.weight', { ...shared, data: new Float32Array(shared.data) });
    t.set('decoder.embed_tokens.weight', shared);
    t.set('lm_head.weight', shared);
    t.set('decoder.block.0.layer.1.EncDecAttention.relative_attention_bias.weight', { dtype: 'F32', shape: [8, 2], data: new Float32Array(16) });
    const { values, ignored } = fromCheckpointDetailed(reluTied, t);
    expect(values.get('shared/embedding')!.data).toEqual(shared.data);
    expect(ignored.sort()).toEqual(['decoder.block.0.layer.1.EncDecAttention.relative_attention_bias.weight', 'decoder.embed_tokens.weight', 'encoder.embed_tokens.weight', 'lm_head.weight']);

    // Only an encoder copy: taken as the shared embedding.
    const u = good();
    u.delete('shared.weight');
    u.set('encoder.embed_tokens.weight', shared);
    expect(fromCheckpoint(reluTied, u).get('shared/embedding')!.data).toEqual(shared.data);

    // A tied config with a head that differs: not the model the config describes.
    const w = good();
    w.set('lm_head.weight', { ...shared, data: new Float32Array(shared.data.length) });
    const err = catchCheckpoint(() => fromCheckpoint(reluTied, w));
    expect(err.code).toBe('extra');
    expect(err.tensor).toBe('lm_head.weight');
    expect(err.message).toMatch(/tie_word_embeddings false/);
  });

  it('an untied config needs its lm_head', () => {
    const t = asCheckpoint(toCheckpoint(gatedUntied, ourValues(gatedUntied)));
    t.delete('lm_head.weight');
    const err = catchCheckpoint(() => fromCheckpoint(gatedUntied, t));
    expect(err.code).toBe('missing');
    expect(err.tensor).toBe('lm_head.weight');
  });
});

describe('ParamMap helpers', () => {
  it('paramsToSafetensors -> assignCheckpoint restores every variable', () => {
    const a = initPeapodParams(gatedUntied, 1);
    const b = initPeapodParams(gatedUntied, 2);
    try {
      const bytes = paramsToSafetensors(gatedUntied, a, { peapod: 'test' });
      const parsed = parseSafetensors(bytes);
      expect(parsed.metadata).toEqual({ format: 'pt', peapod: 'test' });
      expect(parsed.tensors.get('lm_head.weight')!.shape).toEqual([24, 16]);
      const ignored = assignCheckpoint(gatedUntied, b, parsed.tensors);
      expect(ignored).toEqual([]);
      for (const [name, v] of a) expect(b.get(name)!.dataSync(), name).toEqual(v.dataSync());
    } finally {
      disposeParams(a);
      disposeParams(b);
    }
  });

  it('assignCheckpoint assigns nothing when the checkpoint is bad', () => {
    const a = initPeapodParams(reluTied, 1);
    const b = initPeapodParams(reluTied, 2);
    try {
      const parsed = parseSafetensors(paramsToSafetensors(reluTied, a));
      parsed.tensors.delete('decoder.final_layer_norm.weight');
      const before = b.get('shared/embedding')!.dataSync().slice();
      const err = catchCheckpoint(() => assignCheckpoint(reluTied, b, parsed.tensors));
      expect(err.code).toBe('missing');
      expect(b.get('shared/embedding')!.dataSync()).toEqual(before);
    } finally {
      disposeParams(a);
      disposeParams(b);
    }
  });

  it('assignCheckpoint refuses a ParamMap of another config', () => {
    const a = initPeapodParams(reluTied, 1);
    const small = initPeapodParams(tinyConfig({ dFf: 12 }), 2);
    try {
      const parsed = parseSafetensors(paramsToSafetensors(reluTied, a));
      const err = catchCheckpoint(() => assignCheckpoint(reluTied, small, parsed.tensors));
      expect(err.code).toBe('shape');
    } finally {
      disposeParams(a);
      disposeParams(small);
    }
  });
});
