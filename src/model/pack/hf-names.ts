// The bijection between our weight names (model/params.ts, every matrix [in, out]) and checkpoint
// names in Hugging Face's T5 layout plus PeaPOD's extras under `peapod.` (torch Linear weights
// [out, in]), and the conversion of whole weight sets both ways, checked against paramSpecs(config).
//
//   shared/embedding                          shared.weight                                         [V, d]
//   {stack}/block_{i}/self_attn/{q,k,v,o}     {stack}.block.{i}.layer.0.SelfAttention.{q,k,v,o}.weight  (T)
//   {stack}/block_0/self_attn/relative_attention_bias
//                                             {stack}.block.0.layer.0.SelfAttention.relative_attention_bias.weight [buckets, heads]
//   {stack}/block_{i}/self_attn_norm          {stack}.block.{i}.layer.0.layer_norm.weight
//   decoder/block_{i}/cross_attn/{q,k,v,o}    decoder.block.{i}.layer.1.EncDecAttention.{q,k,v,o}.weight (T)
//   decoder/block_{i}/cross_attn_norm         decoder.block.{i}.layer.1.layer_norm.weight
//   {stack}/block_{i}/ffn/{wi,wi_0,wi_1,wo}   {stack}.block.{i}.layer.{1 enc | 2 dec}.DenseReluDense.{...}.weight (T)
//   {stack}/block_{i}/ffn_norm                {stack}.block.{i}.layer.{1 | 2}.layer_norm.weight
//   {stack}/final_norm                        {stack}.final_layer_norm.weight
//   lm_head/kernel [d, V]                     lm_head.weight [V, d] (T, untied models only)
//   whole_word/embedding                      peapod.whole_word.weight
//   composer/{query,key,value,prompt}/kernel  peapod.composer.{query,key,value,prompt}.weight (T)
//   composer/{query,key,value,prompt}/bias    peapod.composer.{query,key,value,prompt}.bias
//   task_prompt/{task}                        peapod.task_prompt.{task} [l, d]
//   cf_prior/item_factors, cf_prior/scales    peapod.cf_prior.item_factors, peapod.cf_prior.scales
//   seq_prior/scale, seq_prior/repeat         peapod.seq_prior.scale, peapod.seq_prior.repeat
//
// (T) = transposed: our [in, out] kernel is the torch Linear weight [out, in].
import * as tf from '@tensorflow/tfjs-core';
import { CheckpointError } from '../errors.ts';
import { paramSpecs, type ParamMap } from '../params.ts';
import type { PeapodConfig } from '../types.ts';
import { writeSafetensors, type SafetensorsDtype } from './safetensors.ts';

export interface NamedValues {
  shape: number[];
  data: Float32Array;
}

/** A tensor as read from a checkpoint: dtype is the stored one when known (F16 / BF16 arrive widened). */
export interface CheckpointTensor {
  dtype?: SafetensorsDtype;
  shape: number[];
  data: Float32Array | Int32Array;
}

const BLOCK = '(0|[1-9][0-9]*)';
const COMPOSER_PARTS = new Set(['query', 'key', 'value', 'prompt']);

interface Rule {
  ours: RegExp;
  hf: RegExp;
  toHf: (m: RegExpExecArray) => string | null;
  toOurs: (m: RegExpExecArray) => string | null;
}

/** The FFN sublayer index: 1 in an encoder block (self-attention, FFN), 2 in a decoder block (self, cross, FFN). */
const ffnLayer = (stack: string): number => (stack === 'encoder' ? 1 : 2);

const RULES: Rule[] = [
  {
    ours: /^shared\/embedding$/,
    hf: /^shared\.weight$/,
    toHf: () => 'shared.weight',
    toOurs: () => 'shared/embedding',
  },
  {
    ours: new RegExp(`^(encoder|decoder)/block_${BLOCK}/self_attn/(q|k|v|o|relative_attention_bias)$`),
    hf: new RegExp(`^(encoder|decoder)\\.block\\.${BLOCK}\\.layer\\.0\\.SelfAttention\\.(q|k|v|o|relative_attention_bias)\\.weight$`),
    toHf: (m) => `${m[1]}.block.${m[2]}.layer.0.SelfAttention.${m[3]}.weight`,
    toOurs: (m) => `${m[1]}/block_${m[2]}/self_attn/${m[3]}`,
  },
  {
    ours: new RegExp(`^(encoder|decoder)/block_${BLOCK}/self_attn_norm$`),
    hf: new RegExp(`^(encoder|decoder)\\.block\\.${BLOCK}\\.layer\\.0\\.layer_norm\\.weight$`),
    toHf: (m) => `${m[1]}.block.${m[2]}.layer.0.layer_norm.weight`,
    toOurs: (m) => `${m[1]}/block_${m[2]}/self_attn_norm`,
  },
  {
    ours: new RegExp(`^decoder/block_${BLOCK}/cross_attn/(q|k|v|o)$`),
    hf: new RegExp(`^decoder\\.block\\.${BLOCK}\\.layer\\.1\\.EncDecAttention\\.(q|k|v|o)\\.weight$`),
    toHf: (m) => `decoder.block.${m[1]}.layer.1.EncDecAttention.${m[2]}.weight`,
    toOurs: (m) => `decoder/block_${m[1]}/cross_attn/${m[2]}`,
  },
  {
    ours: new RegExp(`^decoder/block_${BLOCK}/cross_attn_norm$`),
    hf: new RegExp(`^decoder\\.block\\.${BLOCK}\\.layer\\.1\\.layer_norm\\.weight$`),
    toHf: (m) => `decoder.block.${m[1]}.layer.1.layer_norm.weight`,
    toOurs: (m) => `decoder/block_${m[1]}/cross_attn_norm`,
  },
  {
    ours: new RegExp(`^(encoder|decoder)/block_${BLOCK}/ffn/(wi|wi_0|wi_1|wo)$`),
    hf: new RegExp(`^(encoder|decoder)\\.block\\.${BLOCK}\\.layer\\.([12])\\.DenseReluDense\\.(wi|wi_0|wi_1|wo)\\.weight$`),
    toHf: (m) => `${m[1]}.block.${m[2]}.layer.${ffnLayer(m[1]!)}.DenseReluDense.${m[3]}.weight`,
    toOurs: (m) => (Number(m[3]) === ffnLayer(m[1]!) ? `${m[1]}/block_${m[2]}/ffn/${m[4]}` : null),
  },
  {
    ours: new RegExp(`^(encoder|decoder)/block_${BLOCK}/ffn_norm$`),
    hf: new RegExp(`^(encoder|decoder)\\.block\\.${BLOCK}\\.layer\\.([12])\\.layer_norm\\.weight$`),
    toHf: (m) => `${m[1]}.block.${m[2]}.layer.${ffnLayer(m[1]!)}.layer_norm.weight`,
    // decoder layer.1.layer_norm is the cross-attention norm (rule above); encoder layer.2 does not exist.
    toOurs: (m) => (Number(m[3]) === ffnLayer(m[1]!) ? `${m[1]}/block_${m[2]}/ffn_norm` : null),
  },
  {
    ours: /^(encoder|decoder)\/final_norm$/,
    hf: /^(encoder|decoder)\.final_layer_norm\.weight$/,
    toHf: (m) => `${m[1]}.final_layer_norm.weight`,
    toOurs: (m) => `${m[1]}/final_norm`,
  },
  {
    ours: /^lm_head\/kernel$/,
    hf: /^lm_head\.weight$/,
    toHf: () => 'lm_head.weight',
    toOurs: () => 'lm_head/kernel',
  },
  {
    ours: /^whole_word\/embedding$/,
    hf: /^peapod\.whole_word\.weight$/,
    toHf: () => 'peapod.whole_word.weight',
    toOurs: () => 'whole_word/embedding',
  },
  {
    ours: /^composer\/([a-z]+)\/(kernel|bias)$/,
    hf: /^peapod\.composer\.([a-z]+)\.(weight|bias)$/,
    toHf: (m) => (COMPOSER_PARTS.has(m[1]!) ? `peapod.composer.${m[1]}.${m[2] === 'kernel' ? 'weight' : 'bias'}` : null),
    toOurs: (m) => (COMPOSER_PARTS.has(m[1]!) ? `composer/${m[1]}/${m[2] === 'weight' ? 'kernel' : 'bias'}` : null),
  },
  {
    ours: /^task_prompt\/(sequential|topn|explanation)$/,
    hf: /^peapod\.task_prompt\.(sequential|topn|explanation)$/,
    toHf: (m) => `peapod.task_prompt.${m[1]}`,
    toOurs: (m) => `task_prompt/${m[1]}`,
  },
  {
    ours: /^(cf_prior)\/(item_factors|scales)$|^(seq_prior)\/(scale|repeat)$/,
    hf: /^peapod\.(cf_prior)\.(item_factors|scales)$|^peapod\.(seq_prior)\.(scale|repeat)$/,
    toHf: (m) => `peapod.${m[1] ?? m[3]}.${m[2] ?? m[4]}`,
    toOurs: (m) => `${m[1] ?? m[3]}/${m[2] ?? m[4]}`,
  },
];

/** Checkpoint name of one of our weight names, or null if the name is not one of ours. */
export function hfNameOf(name: string): string | null {
  for (const r of RULES) {
    const m = r.ours.exec(name);
    if (m) return r.toHf(m);
  }
  return null;
}

/** Our weight name of a checkpoint name, or null if the checkpoint name has no place in our model. */
export function ourNameOf(hfName: string): string | null {
  for (const r of RULES) {
    const m = r.hf.exec(hfName);
    if (m) return r.toOurs(m);
  }
  return null;
}

/** Whether our weight is stored transposed in a checkpoint (a torch Linear weight, [out, in]). */
export function isTransposed(name: string): boolean {
  return /\/(self_attn|cross_attn)\/[qkvo]$/.test(name) || /\/ffn\/(wi|wi_0|wi_1|wo)$/.test(name) || name === 'lm_head/kernel' || /^composer\/[a-z]+\/kernel$/.test(name);
}

/** A row-major [rows, cols] matrix as row-major [cols, rows]. */
export function transpose2d(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[base + c]!;
  }
  return out;
}

/**
 * Tensors some T5 checkpoints carry that the model does not use. Embedding aliases are accepted only
 * when they equal `shared.weight` (a tied copy); the rest are dropped.
 */
const SHARED_ALIASES = ['encoder.embed_tokens.weight', 'decoder.embed_tokens.weight'];
/** Old T5 checkpoints have a relative bias in the first cross-attention too; T5 never uses it. */
const IGNORED = /^decoder\.block\.0\.layer\.1\.EncDecAttention\.relative_attention_bias\.weight$/;

const fmt = (shape: readonly number[]): string => `[${shape.join(', ')}]`;
const sameShape = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((s, i) => s === b[i]);
const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
function sameValues(a: Float32Array | Int32Array, b: Float32Array | Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Throws the first problem, the message listing the others too (so one run shows everything to fix). */
function throwProblems(problems: CheckpointError[]): void {
  if (problems.length === 0) return;
  const first = problems[0]!;
  if (problems.length === 1) throw first;
  const rest = problems.slice(1, 11).map((p) => `- ${p.message}`);
  const more = problems.length > 11 ? `\n- ... and ${problems.length - 11} more` : '';
  const err = new CheckpointError(first.code, first.tensor, `${first.message}\n${problems.length - 1} more problem(s) in the same checkpoint:\n${rest.join('\n')}${more}`);
  throw Object.assign(err, { problems });
}

function describeModel(config: PeapodConfig): string {
  const c = config.t5;
  return `d_model ${c.dModel}, ${c.numEncoderLayers}+${c.numDecoderLayers} layers, ${c.numHeads} heads x d_kv ${c.dKv}, d_ff ${c.dFf}, ${c.feedForward}, vocab ${c.vocabSize}, ${c.tieWordEmbeddings ? 'tied' : 'untied'} head`;
}

/**
 * Our weights (every spec of `config`, [in, out] layout) as checkpoint tensors, transposed where the
 * checkpoint keeps torch's [out, in]. Throws CheckpointError for a missing, extra or mis-shaped weight.
 */
export function toCheckpoint(config: PeapodConfig, values: Map<string, NamedValues>): Map<string, NamedValues> {
  const specs = paramSpecs(config);
  const known = new Set(specs.map((s) => s.name));
  const problems: CheckpointError[] = [];
  const out = new Map<string, NamedValues>();
  for (const spec of specs) {
    const v = values.get(spec.name);
    if (!v) {
      problems.push(new CheckpointError('missing', spec.name, `Weight "${spec.name}" ${fmt(spec.shape)} is missing from the weights to save; the config (${describeModel(config)}) needs it.`));
      continue;
    }
    if (!sameShape(v.shape, spec.shape) || v.data.length !== size(spec.shape)) {
      problems.push(new CheckpointError('shape', spec.name, `Weight "${spec.name}" has shape ${fmt(v.shape)} (${v.data.length} values) but the config needs ${fmt(spec.shape)}; the weights and the config do not belong together.`));
      continue;
    }
    if (!(v.data instanceof Float32Array)) {
      problems.push(new CheckpointError('dtype', spec.name, `Weight "${spec.name}" is not a Float32Array; weights are float32.`));
      continue;
    }
    const hf = hfNameOf(spec.name)!;
    if (isTransposed(spec.name)) out.set(hf, { shape: [spec.shape[1]!, spec.shape[0]!], data: transpose2d(v.data, spec.shape[0]!, spec.shape[1]!) });
    else out.set(hf, { shape: [...spec.shape], data: v.data });
  }
  for (const name of values.keys()) {
    if (!known.has(name)) problems.push(new CheckpointError('extra', name, `Weight "${name}" is not part of this config (${describeModel(config)}); drop it or save with the config it belongs to.`));
  }
  throwProblems(problems);
  return out;
}

export interface FromCheckpointResult {
  /** Our name -> values in our [in, out] layout, in paramSpecs order. */
  values: Map<string, NamedValues>;
  /** Checkpoint tensors that were accepted but not used (tied embedding copies, T5's unused cross-attention bias). */
  ignored: string[];
}

/**
 * Checkpoint tensors (HF T5 names + `peapod.` extras) as our weights for `config`, transposed back
 * to [in, out]. Every weight of paramSpecs(config) must be there with the right shape and a float
 * dtype, and nothing else may be: each violation is a CheckpointError naming the tensor (all of them
 * are listed in the message of the first).
 */
export function fromCheckpointDetailed(config: PeapodConfig, tensors: Map<string, CheckpointTensor>): FromCheckpointResult {
  const specs = paramSpecs(config);
  const byName = new Map(specs.map((s) => [s.name, s]));
  const problems: CheckpointError[] = [];
  const ignored: string[] = [];
  const values = new Map<string, NamedValues>();
  const found = new Map<string, { hf: string; t: CheckpointTensor }>();
  const shared = tensors.get('shared.weight');

  for (const [hf, t] of tensors) {
    if (SHARED_ALIASES.includes(hf) || (hf === 'lm_head.weight' && config.t5.tieWordEmbeddings)) {
      // A tied copy of the embedding: fine if it is one; a different matrix means another model.
      if (shared && sameShape(shared.shape, t.shape) && sameValues(shared.data, t.data)) {
        ignored.push(hf);
        continue;
      }
      if (!shared && hf !== 'lm_head.weight') {
        // Some exports keep only the encoder's copy: take it as the shared embedding.
        if (!found.has('shared/embedding')) {
          found.set('shared/embedding', { hf, t });
          continue;
        }
        if (sameValues(found.get('shared/embedding')!.t.data, t.data)) {
          ignored.push(hf);
          continue;
        }
      }
      const why =
        hf === 'lm_head.weight'
          ? 'the config ties the output head to the embedding (tie_word_embeddings true) but this lm_head.weight differs from shared.weight; import it with tie_word_embeddings false (an untied model such as flan-t5) or drop the tensor'
          : `it differs from shared.weight, so the checkpoint does not tie its embeddings as T5 does; re-export it from a standard T5 model`;
      problems.push(new CheckpointError('extra', hf, `Tensor "${hf}" cannot be used: ${why}.`));
      continue;
    }
    if (IGNORED.test(hf)) {
      ignored.push(hf);
      continue;
    }
    const ours = ourNameOf(hf);
    if (ours === null || !byName.has(ours)) {
      const hint =
        ours === null
          ? 'it has no place in a PeaPOD T5 (a different architecture, or a name the export script does not produce)'
          : `it maps to our weight "${ours}", which this config (${describeModel(config)}${config.composer.collaborative ? '' : ', no composer'}) does not have; the checkpoint and its config.json do not belong together`;
      problems.push(new CheckpointError('extra', hf, `Tensor "${hf}" ${fmt(t.shape)} is not expected: ${hint}.`));
      continue;
    }
    found.set(ours, { hf, t });
  }

  for (const spec of specs) {
    const f = found.get(spec.name);
    const hf = hfNameOf(spec.name)!;
    if (!f) {
      problems.push(new CheckpointError('missing', hf, `Tensor "${hf}" (our "${spec.name}", ${isTransposed(spec.name) ? `shape ${fmt([spec.shape[1]!, spec.shape[0]!])} as a torch Linear weight` : `shape ${fmt(spec.shape)}`}) is missing from the checkpoint; the config (${describeModel(config)}) needs it. Export the full state dict, or fix config.json to match the model.`));
      continue;
    }
    const { t } = f;
    const transposed = isTransposed(spec.name);
    const want = transposed ? [spec.shape[1]!, spec.shape[0]!] : spec.shape;
    const isInt = t.dtype === 'I32' || t.dtype === 'I64' || t.data instanceof Int32Array;
    if (isInt) {
      problems.push(new CheckpointError('dtype', f.hf, `Tensor "${f.hf}" holds integers (${t.dtype ?? 'Int32Array'}) but our "${spec.name}" is a float weight; save the float tensor (F32, F16 or BF16), not an index or a count.`));
      continue;
    }
    if (!sameShape(t.shape, want) || t.data.length !== size(want)) {
      const looksTransposed = t.shape.length === 2 && want.length === 2 && t.shape[0] === want[1] && t.shape[1] === want[0] && want[0] !== want[1];
      const hint = looksTransposed
        ? ' It looks transposed: checkpoints keep torch Linear weights as [out, in]; save module.weight as is, without .T.'
        : ' The checkpoint was made for a different model size: check config.json (d_model, d_kv, num_heads, d_ff, vocab_size, num_layers, relative_attention_num_buckets) against it.';
      problems.push(new CheckpointError('shape', f.hf, `Tensor "${f.hf}" has shape ${fmt(t.shape)} but the config (${describeModel(config)}) needs ${fmt(want)} for our "${spec.name}".${hint}`));
      continue;
    }
    const data = t.data as Float32Array;
    values.set(spec.name, transposed ? { shape: [...spec.shape], data: transpose2d(data, want[0]!, want[1]!) } : { shape: [...spec.shape], data });
  }
  throwProblems(problems);
  return { values, ignored };
}

/** fromCheckpointDetailed without the list of ignored tensors. */
export function fromCheckpoint(config: PeapodConfig, tensors: Map<string, CheckpointTensor>): Map<string, NamedValues> {
  return fromCheckpointDetailed(config, tensors).values;
}

/** Reads every weight of a ParamMap (float32, [in, out]) into plain arrays. */
export function paramValues(params: ParamMap): Map<string, NamedValues> {
  const out = new Map<string, NamedValues>();
  for (const [name, v] of params) out.set(name, { shape: [...v.shape], data: v.dataSync() as Float32Array });
  return out;
}

/**
 * A whole ParamMap as safetensors bytes in the checkpoint layout (F32, paramSpecs order), e.g. for the
 * PyTorch side to load with `safetensors.torch.load_file`. `metadata` goes into `__metadata__`.
 */
export function paramsToSafetensors(config: PeapodConfig, params: ParamMap, metadata?: Record<string, string>): Uint8Array {
  const tensors = toCheckpoint(config, paramValues(params));
  return writeSafetensors(
    [...tensors].map(([name, v]) => ({ name, dtype: 'F32' as const, shape: v.shape, data: v.data })),
    { format: 'pt', ...metadata },
  );
}

/**
 * Assigns checkpoint tensors into an existing ParamMap (tf.Variable.assign), after checking the whole
 * checkpoint (nothing is assigned if any tensor is missing, extra, mis-shaped or wrongly typed) and
 * that `params` holds every weight of the config. Returns the checkpoint tensors that were ignored.
 */
export function assignCheckpoint(config: PeapodConfig, params: ParamMap, tensors: Map<string, CheckpointTensor>): string[] {
  const { values, ignored } = fromCheckpointDetailed(config, tensors);
  for (const [name, v] of values) {
    const variable = params.get(name);
    if (!variable) throw new CheckpointError('missing', hfNameOf(name), `The parameter map has no weight "${name}" to assign the checkpoint's "${hfNameOf(name)}" into; build it with initPeapodParams(config) for the checkpoint's config.`);
    if (!sameShape(variable.shape, v.shape)) {
      throw new CheckpointError('shape', hfNameOf(name), `The parameter map's "${name}" has shape ${fmt(variable.shape)} but the checkpoint gives ${fmt(v.shape)}; the map was built for another config.`);
    }
  }
  for (const [name, v] of values) {
    const variable = params.get(name)!;
    const t = tf.tensor(v.data, v.shape, 'float32');
    variable.assign(t);
    t.dispose();
  }
  return ignored;
}
