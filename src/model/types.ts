// Shared contracts of the model layer: configs, id schemes, tasks and the pack manifest.
// Everything that crosses a module boundary (model <-> generation <-> packs <-> train <-> worker) is
// typed here so the pieces can be built independently. No tensors are created in this file.

export type TaskName = 'sequential' | 'topn' | 'explanation';
export const TASKS: readonly TaskName[] = ['sequential', 'topn', 'explanation'];

/** `atomic`: one token per user and per item. `p5`: ids split into digit pieces + whole-word ids. */
export type IdScheme = 'atomic' | 'p5';

export interface T5Config {
  vocabSize: number;
  dModel: number;
  dKv: number;
  numHeads: number;
  dFf: number;
  numEncoderLayers: number;
  numDecoderLayers: number;
  feedForward: 'relu' | 'gated-gelu';
  relativeAttentionNumBuckets: number; // T5: 32
  relativeAttentionMaxDistance: number; // T5: 128
  /** Tied input/output embeddings; when tied, the decoder output is scaled by dModel^-0.5 (T5 rule). */
  tieWordEmbeddings: boolean;
  dropoutRate: number;
  layerNormEpsilon: number; // T5: 1e-6
  padTokenId: number; // also the decoder start token, as in T5
  eosTokenId: number;
  /** Size of the whole-word embedding table (0 = none). Index 0 means "not part of an id span". */
  wholeWordVocab: number;
}

export interface ComposerConfig {
  /** Width of the collaborative-filtering user embeddings. */
  cfDim: number;
  /** Number of neighbours n attended over (reference 20 for Beauty/Sports, 10 for Toys). */
  numNeighbours: number;
  /** Attention heads H over neighbours (reference 4). */
  numHeads: number;
  /** Soft prompt length l (reference 3), for both task and collaborative prompts. */
  promptLength: number;
  /** Whether per-task learned prompt vectors are used (ablation switch). */
  taskPrompts: boolean;
  /** Whether the collaborative prompt is used at all (false = individual-only ablation). */
  collaborative: boolean;
  /**
   * Factor on the CF embeddings where the composer's query and key projections read them (values
   * read them unscaled). PMF rows have norm ~0.5, so at factor 1 every q.k is ~0, the attention stays
   * uniform and the user's own embedding never moves the prompt; ~10 puts the logits on a scale
   * where the heads can learn to prefer some neighbours. Absent = 1 (the reference's composer).
   */
  keyScale?: number;
  /**
   * Collaborative output prior (ours, off in the reference): the first decoded token of a
   * recommendation gets the logit s_u (u . v_i) + s_n (a . N . v_i), u the user's CF embedding, a the
   * composer's attention (mean over heads) over the neighbours' embeddings N, v_i the item's CF
   * factors. Atomic item ids only. Absent = false.
   */
  cfPrior?: boolean;
  /**
   * Sequential transition prior (ours): the sequential task's first decoded token also gets
   * s_t log(1 + sum_r 0.5^r T[h_r][i]) + s_rep [i in history], T = item-to-item transition weights
   * counted on training sequences (model/transitions.ts), h_r the r-th newest history item, s_rep a
   * fitted repeat logit. Atomic ids only.
   */
  seqPrior?: boolean;
}

export interface PeapodConfig {
  t5: T5Config;
  composer: ComposerConfig;
  tasks: TaskName[];
  idScheme: IdScheme;
  /**
   * Tasks whose encoder self-attention only looks back (each position attends to itself and earlier
   * positions). Trained so, one encoder pass over a whole history holds, at every item, the encoder
   * state of the bare prompt ending at that item: every item of a sequence becomes a training target
   * of the inference path (dense next-item supervision). Inference is the bare prompt, unchanged.
   * Absent = none (the reference's bidirectional T5 encoder).
   */
  causalTasks?: TaskName[];
  /**
   * Where the sequential task reads the user's history. 'bare' (absent): the paper's bare prompt,
   * [soft prompts ; user ; items ; </s>] in the encoder, the answer [item, </s>] decoded from the
   * start token. 'history': the encoder reads only [soft prompts ; user ; </s>] and the items are the
   * decoder's own prefix, teacher-forced: [start, item_1 .. item_n], the logits after item_n rank the
   * next item (as a causal sequence model would). Trained so, every position of a sequence is a
   * target from one pass; the output priors apply at the position after the prefix. Atomic ids only.
   */
  sequentialForm?: 'bare' | 'history';
}

/** Input/output sizes of the T5-small configuration (d 512, 6+6 layers, 8 heads, d_ff 2048). */
export function t5SmallConfig(vocabSize: number, wholeWordVocab = 0): T5Config {
  return {
    vocabSize,
    dModel: 512,
    dKv: 64,
    numHeads: 8,
    dFf: 2048,
    numEncoderLayers: 6,
    numDecoderLayers: 6,
    feedForward: 'relu',
    relativeAttentionNumBuckets: 32,
    relativeAttentionMaxDistance: 128,
    tieWordEmbeddings: true,
    dropoutRate: 0.1,
    layerNormEpsilon: 1e-6,
    padTokenId: 0,
    eosTokenId: 1,
    wholeWordVocab,
  };
}

/**
 * Names of the data arrays a pack carries besides the weights (the app and the evaluator read them).
 * Users and items are indexed 0..U-1 / 1..I (item 0 unused) in the ids the pack was trained with
 * (leak-free re-mapped ids when the manifest says so; the manifest keeps the map to dataset ids).
 */
export const PACK_DATA = {
  /** int32 [U]: dataset user id of each user index. */
  userIds: 'users/ids',
  /** int32 [U+1]: offsets into historyItems; user u's full sequence (train + valid + test items). */
  historyOffsets: 'users/history_offsets',
  /** int32 [sum of lengths]: every user's chronological item sequence. */
  historyItems: 'users/history_items',
  /** float [U, cfDim]: frozen CF user embeddings (PMF or BiVAE). */
  cfUser: 'cf/user',
  /** float [I+1, cfDim]: CF item factors (row 0 unused), for cold-start fold-in. */
  cfItem: 'cf/item',
  /** int32 [U, nMax]: most similar users (user indices), best first. */
  neighbourIndices: 'neighbours/indices',
  /** float32 [U, nMax]: their cosine similarities. */
  neighbourSimilarity: 'neighbours/similarity',
  /** int32 [U, 99]: fixed top-n test negatives. */
  topnNegatives: 'topn/negatives',
} as const;

/** JSON side files of a pack (paths relative to the pack folder). */
export const PACK_FILES = {
  manifest: 'manifest.json',
  /** string[] indexed by item id (index 0 = ""): readable item names. */
  items: 'items.json',
  /** Precomputed example shown at once while the model loads (see app). */
  example: 'example.json',
  /** One JSON object per line: {step, epoch, task, loss, valLoss?, lr, elapsedS}. */
  trainingLog: 'training-log.jsonl',
  /** Explanation references for test pairs: {user, item, reference}[] (packs with that task). */
  explanations: 'explanations.json',
} as const;
