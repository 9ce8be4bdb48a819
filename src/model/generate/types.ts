// Contracts between the decoding algorithms (beam search, greedy, top-n ranking) and a model.
// The algorithms only see these interfaces, so they can be tested on hand-built tables and driven by
// PeapodModel through a thin adapter (peapod-decoder.ts). No tensors are created here.
import type * as tf from '@tensorflow/tfjs-core';

/**
 * Incremental decoder state for a set of rows (hypotheses). Row order is owned by the caller:
 * `reorder` keeps, drops and duplicates rows in one gather, so all live beams of all examples are
 * advanced by a single `step` call.
 */
export interface DecoderSession {
  /** Rows currently held. */
  readonly rows: number;
  /** Vocabulary size V of the logits. */
  readonly vocabSize: number;
  /** Feeds one token per row; returns next-token logits [rows, V] (the caller disposes them). */
  step(tokens: Int32Array): tf.Tensor2D;
  /**
   * Optional: like step, but returns only the logits of `outputIds` [rows, N] (column j = step's
   * column outputIds[j]), computing N output-head columns instead of V. Log-probabilities still need
   * the normaliser over the whole vocabulary, so this serves callers that only compare tokens within
   * one row, or that score over a restricted set by their own choice.
   */
  stepAt?(tokens: Int32Array, outputIds: Int32Array): tf.Tensor2D;
  /**
   * Optional: like step, but returns per row the k best tokens as [rows, 2k]: their log-probabilities
   * (log-softmax over the whole vocabulary), then their ids as floats; ties rank the lower id first.
   * With `ban.banned`, token `ban.eos` ranks with -1e9 added to its logit. For sessions that can do
   * this in one pass on the device (the fused WebGPU kernels); beam search otherwise builds it from step.
   */
  stepTopK?(tokens: Int32Array, k: number, ban: { eos: number; banned: boolean }): tf.Tensor2D;
  /** Row i of the new state is row `rows[i]` of the current state. */
  reorder(rows: Int32Array): void;
  dispose(): void;
}

/** An encoded batch of B inputs that decoding can start from. */
export interface EncodedDecoder {
  readonly batchSize: number;
  readonly vocabSize: number;
  /** A fresh session with one row per example (row b = example b), nothing fed yet. */
  startSession(): DecoderSession;
  /**
   * Teacher-forced logits [R, T, V]: row r decodes `decoderInputs[r*T .. r*T+T)` (starting with the
   * start token) against the encoding of example `exampleOf[r]`.
   */
  teacherForced(exampleOf: Int32Array, decoderInputs: Int32Array, length: number): tf.Tensor3D;
}

/** Restricts which tokens may follow a prefix (e.g. the item-id trie). State is opaque to callers. */
export interface TokenConstraint<S = unknown> {
  root(): S;
  /** Tokens allowed after this state (ascending); an empty array means the prefix is a dead end. */
  allowed(state: S): Int32Array;
  /** The state after appending token, or null when the token is not allowed. */
  next(state: S, token: number): S | null;
}

export interface Hypothesis {
  /** Generated tokens, without the start token and without the final </s>. */
  tokens: Int32Array;
  /** Sum of the log-probabilities of the generated tokens, </s> included when finished. */
  logProb: number;
  /** Ranking score: logProb / length^lengthPenalty (length counts </s>); = logProb when the penalty is 0. */
  score: number;
  /** True when the hypothesis ended with </s>; false when it was cut at maxLength. */
  finished: boolean;
}

export interface StepEvent {
  /** Decoding step just completed (0-based; step s produced the (s+1)-th token). */
  step: number;
  /** Per example: the best hypothesis so far (live or finished), or null once nothing is left. */
  best: (Hypothesis | null)[];
  /** Per example: whether its search has ended. */
  done: boolean[];
}

export interface DecodeOptions {
  /** Most tokens generated per hypothesis, </s> included. */
  maxLength: number;
  /** </s> is forbidden until this many tokens were generated. Default 0. */
  minLength?: number;
  /** Start token of the decoder (T5: pad = 0). */
  startId?: number;
  eosId?: number;
  /** Called after every step with the best hypothesis of each example (streaming). */
  onStep?: (event: StepEvent) => void;
  /** Checked between steps; when aborted, generation throws GenerationAbortedError. */
  signal?: AbortSignal;
  /** Only sequences this constraint accepts are generated (e.g. valid item ids). */
  constraint?: TokenConstraint | null;
  /**
   * No n-gram of this many tokens occurs twice in a hypothesis (0 or absent: off, as the reference
   * decodes). Beam search only; with it, beam search selects in JS over every token.
   */
  noRepeatNgram?: number;
}
