import { describe, expect, it } from 'vitest';
import { CheckpointError } from '../errors.ts';
import { tinyConfig } from '../t5/test-fixtures.ts';
import { t5SmallConfig } from '../types.ts';
import { buildTokenizer } from '../tokenizer.ts';
import { checkpointConfigJson, hfConfigOf, readCheckpointConfig, t5ConfigFromHf } from './hf-config.ts';

/** The network keys of t5-small's and flan-t5-small's config.json (Hugging Face hub). */
const T5_SMALL = { architectures: ['T5ForConditionalGeneration'], d_ff: 2048, d_kv: 64, d_model: 512, decoder_start_token_id: 0, dropout_rate: 0.1, eos_token_id: 1, initializer_factor: 1.0, is_encoder_decoder: true, layer_norm_epsilon: 1e-6, model_type: 't5', n_positions: 512, num_heads: 8, num_layers: 6, output_past: true, pad_token_id: 0, relative_attention_num_buckets: 32, vocab_size: 32128 };
const FLAN_T5_SMALL = { architectures: ['T5ForConditionalGeneration'], d_ff: 1024, d_kv: 64, d_model: 512, decoder_start_token_id: 0, dense_act_fn: 'gelu_new', dropout_rate: 0.1, eos_token_id: 1, feed_forward_proj: 'gated-gelu', initializer_factor: 1.0, is_encoder_decoder: true, is_gated_act: true, layer_norm_epsilon: 1e-6, model_type: 't5', n_positions: 512, num_decoder_layers: 8, num_heads: 6, num_layers: 8, output_past: true, pad_token_id: 0, relative_attention_max_distance: 128, relative_attention_num_buckets: 32, tie_word_embeddings: false, vocab_size: 32128 };

function invalid(fn: () => unknown, text: RegExp): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CheckpointError);
    expect((e as CheckpointError).code).toBe('invalid');
    expect((e as CheckpointError).message).toMatch(text);
    return;
  }
  throw new Error('expected a CheckpointError');
}

describe('Hugging Face T5 config.json', () => {
  it('t5-small is our T5-small config', () => {
    expect(t5ConfigFromHf(T5_SMALL)).toEqual(t5SmallConfig(32128));
  });

  it('flan-t5-small: gated-gelu, untied, 8 + 8 layers of 6 heads', () => {
    expect(t5ConfigFromHf(FLAN_T5_SMALL)).toEqual({ ...t5SmallConfig(32128), dFf: 1024, numHeads: 6, numEncoderLayers: 8, numDecoderLayers: 8, feedForward: 'gated-gelu', tieWordEmbeddings: false });
  });

  it('round-trips through hfConfigOf', () => {
    const c = { ...t5SmallConfig(100), numDecoderLayers: 3, feedForward: 'gated-gelu' as const, tieWordEmbeddings: false };
    expect(t5ConfigFromHf(hfConfigOf(c))).toEqual(c);
  });

  it('refuses what the runtime cannot run', () => {
    invalid(() => t5ConfigFromHf({ ...T5_SMALL, model_type: 'bart' }), /model_type "bart"/);
    invalid(() => t5ConfigFromHf({ ...T5_SMALL, feed_forward_proj: 'gated-silu' }), /feed_forward_proj "gated-silu"/);
    invalid(() => t5ConfigFromHf({ ...T5_SMALL, decoder_start_token_id: 5 }), /decoder_start_token_id 5/);
    invalid(() => t5ConfigFromHf({ ...T5_SMALL, d_model: undefined }), /d_model = undefined.*required/);
    invalid(() => t5ConfigFromHf({ ...T5_SMALL, num_heads: 2.5 }), /num_heads/);
    invalid(() => t5ConfigFromHf({ ...T5_SMALL, tie_word_embeddings: 'yes' }), /tie_word_embeddings/);
    invalid(() => t5ConfigFromHf([1]), /not a JSON object/);
  });
});

describe('checkpoint config of ours', () => {
  const tok = buildTokenizer({ idScheme: 'atomic', texts: ['a b'], users: [1, 2], items: [1, 2, 3] });
  const config = { ...tinyConfig({ vocabSize: tok.vocabSize, wholeWordVocab: 0 }), idScheme: 'atomic' as const };

  it('reads back what checkpointConfigJson writes', () => {
    const json = JSON.parse(JSON.stringify(checkpointConfigJson({ config, tokenizer: tok.toJSON(), dataset: { name: 'x' } })));
    expect(json.d_model).toBe(16);
    expect(json.model_type).toBe('t5');
    const r = readCheckpointConfig(json);
    expect(r.kind).toBe('peapod');
    if (r.kind !== 'peapod') return;
    expect(r.meta.config).toEqual(config);
    expect(r.meta.tokenizer).toEqual(tok.toJSON());
    expect(r.meta.dataset).toEqual({ name: 'x' });
  });

  it('without the peapod block it is a plain T5', () => {
    expect(readCheckpointConfig(T5_SMALL)).toEqual({ kind: 'hf-t5', t5: t5SmallConfig(32128) });
  });

  it('refuses a broken block', () => {
    const good = checkpointConfigJson({ config, tokenizer: tok.toJSON() });
    const block = good['peapod'] as Record<string, unknown>;
    invalid(() => readCheckpointConfig({ ...good, peapod: { ...block, version: 2 } }), /version 2/);
    invalid(() => readCheckpointConfig({ ...good, peapod: 'x' }), /PeaPOD block/);
    invalid(() => readCheckpointConfig({ ...good, peapod: { ...block, config: { ...config, t5: { ...config.t5, numHeads: 0 } } } }), /cannot describe a model/);
    invalid(() => readCheckpointConfig({ ...good, peapod: { ...block, tokenizer: null } }), /tokenizer/);
    // Without a tokenizer in the block, tokenizer.json is used: SentencePiece ids are p5.
    invalid(() => readCheckpointConfig({ ...good, peapod: { ...block, tokenizer: undefined } }), /idScheme/);
    expect(readCheckpointConfig({ ...good, peapod: { ...block, tokenizer: undefined, config: { ...config, idScheme: 'p5' } } }).kind).toBe('peapod');
    invalid(() => readCheckpointConfig({ ...good, num_heads: 3 }), /num_heads = 3/);
  });
});
