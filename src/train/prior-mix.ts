// The weight of the output priors beside a T5 that was trained on its own (engine torch). The priors'
// scales were fitted for the priors alone; added to a T5 that already ranks well they may over- or
// under-weigh it. One factor lambda scales both priors (first-token logit = T5 + lambda * prior), chosen
// on validation items from a small grid (0.25 to 8) by next-item + top-n NDCG@10; test items are never
// looked at.
import * as tf from '@tensorflow/tfjs-core';
import { DEFAULT_EVAL, evaluateModel, type EvalModel } from '../eval/evaluate.ts';
import { PARAM } from '../model/params.ts';
import type { PeapodModel } from '../model/peapod.ts';

export const PRIOR_MIX_GRID = [0.25, 0.5, 1, 2, 4, 8] as const;

export interface PriorMixResult {
  lambda: number;
  /** Validation next-item + top-n NDCG@10 per lambda tried (and 0 = the T5 alone). */
  scores: Record<string, number>;
  users: number;
}

/** Scales both priors by `factor` in place: log-scales shift by log(factor), the repeat logit multiplies. */
export function scalePriors(model: PeapodModel, factor: number): void {
  if (!(factor > 0)) throw new Error(`prior factor must be > 0, got ${factor}`);
  const p = model.params;
  for (const name of [PARAM.cfPriorScales, PARAM.seqPriorScale]) {
    const v = p.get(name);
    if (!v) continue;
    const t = tf.tidy(() => tf.add(v, Math.log(factor)));
    v.assign(t);
    t.dispose();
  }
  const r = p.get(PARAM.seqPriorRepeat);
  if (r) {
    const t = tf.tidy(() => tf.mul(r, factor));
    r.assign(t);
    t.dispose();
  }
}

export async function fitPriorMix(e: EvalModel, users: number, onProgress?: (msg: string) => void): Promise<PriorMixResult> {
  const c = e.model.config.composer;
  if (!c.cfPrior && !c.seqPrior) return { lambda: 1, scores: {}, users: 0 };
  const run = async (priors: boolean): Promise<number> => {
    const r = await evaluateModel(e, { ...DEFAULT_EVAL, split: 'valid', tasks: ['sequential', 'topn'], users, sampleSeed: 2024, priors });
    return (r.metrics.sequential?.NDCG10 ?? 0) + (r.metrics.topn?.NDCG10 ?? 0);
  };
  const scores: Record<string, number> = { '0': await run(false) };
  onProgress?.(`prior mix: T5 alone ${scores['0']!.toFixed(4)}`);
  let current = 1;
  let best = { lambda: 1, score: -Infinity };
  for (const lambda of PRIOR_MIX_GRID) {
    scalePriors(e.model, lambda / current);
    current = lambda;
    const s = await run(true);
    scores[String(lambda)] = s;
    onProgress?.(`prior mix: lambda ${lambda} ${s.toFixed(4)}`);
    if (s > best.score) best = { lambda, score: s };
  }
  scalePriors(e.model, best.lambda / current);
  return { lambda: best.lambda, scores, users };
}
