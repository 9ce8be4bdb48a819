// FLOP counts of the PeaPOD T5 forward pass, derived from the config alone: the runtime's backend
// choice sizes a model by them (src/runtime/backend-choice.ts), and the benchmark turns measured
// times into achieved GFLOP/s with them (bench/page.ts). A multiply-add counts as 2 FLOPs; softmax,
// norms and the relative-position bias are ignored (O(L^2 h) or O(L d), small next to the matmuls).
import type { T5Config } from './types.ts';

function ffnFlopsPerToken(c: T5Config): number {
  // gated-gelu has two input projections (wi_0, wi_1), relu one.
  const inputs = c.feedForward === 'gated-gelu' ? 2 : 1;
  return 2 * c.dModel * c.dFf * inputs + 2 * c.dFf * c.dModel;
}

function attnProjFlopsPerToken(c: T5Config): number {
  const inner = c.numHeads * c.dKv;
  return 4 * 2 * c.dModel * inner; // q, k, v, o
}

/** Encoder forward over `tokens` positions (prompt + text) for one example. */
export function encoderFlops(c: T5Config, tokens: number): number {
  const inner = c.numHeads * c.dKv;
  const perLayer = tokens * (attnProjFlopsPerToken(c) + ffnFlopsPerToken(c)) + 2 * 2 * tokens * tokens * inner;
  return c.numEncoderLayers * perLayer;
}

/**
 * One cached decoder step for one row at position `t` (t previous tokens), attending over `srcLen`
 * encoder positions. Cross-attention K/V were computed once; only q and o of cross-attention run, or,
 * with `foldedCross` (beams sharing one input, FoldedCrossMemory), two [d] x [d, H*S]-sized products.
 * `headColumns`: output-head columns computed (default the vocabulary; fewer for a restricted head).
 */
export function decoderStepFlops(c: T5Config, t: number, srcLen: number, withHead = true, headColumns = c.vocabSize, foldedCross = false): number {
  const inner = c.numHeads * c.dKv;
  const self = attnProjFlopsPerToken(c) + 2 * 2 * (t + 1) * inner;
  const cross = foldedCross ? 2 * 2 * c.dModel * c.numHeads * srcLen : 2 * 2 * c.dModel * inner + 2 * 2 * srcLen * inner;
  const perLayer = self + cross + ffnFlopsPerToken(c);
  const head = withHead ? 2 * c.dModel * headColumns : 0;
  return c.numDecoderLayers * perLayer + head;
}

/** Cross-attention K/V for the whole source, done once per input by the cached decoder. */
export function crossKvFlops(c: T5Config, srcLen: number): number {
  return c.numDecoderLayers * srcLen * 2 * 2 * c.dModel * c.numHeads * c.dKv;
}

/** Full recomputation of a decoder of length T (teacher forced), head on every position. */
export function decoderFullFlops(c: T5Config, T: number, srcLen: number): number {
  let total = crossKvFlops(c, srcLen);
  for (let t = 0; t < T; t++) total += decoderStepFlops(c, t, srcLen, true);
  return total;
}

/** Folding one input's cross-attention for its beams (foldCrossMemory): per layer and head, two [S, dk] x [dk, d] products. */
export function foldCrossFlops(c: T5Config, srcLen: number): number {
  return c.numDecoderLayers * c.numHeads * 2 * 2 * srcLen * c.dKv * c.dModel;
}
