// Collaborative-filtering user embeddings for PeaPOD's collaborative prompt (docs/method.md §1.1),
// fitted on training interactions only. Two models, one file each:
//  - `fitPmf` (pmf.ts): iALS matrix factorisation of the whole implicit matrix; exact, deterministic
//    sweeps, and fold-in (src/model/foldin.ts) is the same closed-form solve.
//  - `fitBiVae` (bivae.ts): a small bilateral VAE in plain JS.
// Both draw from the project's one seeded PRNG (src/data/rng.ts, mulberry32). Their shared inputs and
// outputs are in cf-common.ts. This module is what callers import: it re-exports both models and adds
// the quality check both are measured with. No I/O and no dataset parsing: inputs are CSR arrays of
// 0-based indices.
import { mulberry32 } from '../data/rng.ts';
import { PAPER_PROTOCOL } from '../paper-protocol.ts';
import type { CfEmbeddings, Interactions } from './cf-common.ts';

export { CfInputError, checkInteractions, interactionsFromLists, transposeInteractions, type CfEmbeddings, type CfProgress, type Interactions } from './cf-common.ts';
export { alsIterationFrom, fitPmf, implicitLoss, PMF_DEFAULTS, type PmfModel, type PmfOptions } from './pmf.ts';
export { BIVAE_DEFAULTS, fitBiVae, type BiVaeModel, type BiVaeOptions } from './bivae.ts';

// ---- quality check ------------------------------------------------------------------------------

/**
 * Sampled HR@k: for each user with a held-out item, rank it among `negatives` random items the user
 * never interacted with (`seen` rows, held-out included) by the inner product of the factors. Ties
 * count against the held-out item. Chance level is k / (negatives + 1). Default negatives: the top-n
 * protocol's (PAPER_PROTOCOL.topn.negatives, 99).
 */
export function sampledHitRate(
  emb: CfEmbeddings,
  heldOut: ArrayLike<number>,
  seen: Interactions,
  options: { negatives?: number; k?: number; seed?: number; firstItem?: number } = {},
): number {
  const negatives = options.negatives ?? PAPER_PROTOCOL.topn.negatives;
  const k = options.k ?? 10;
  const first = options.firstItem ?? 0;
  const rnd = mulberry32(options.seed ?? 2022).next;
  const d = emb.d;
  const score = (u: number, i: number): number => {
    let s = 0;
    for (let a = 0; a < d; a++) s += emb.userFactors[u * d + a]! * emb.itemFactors[i * d + a]!;
    return s;
  };
  let hits = 0;
  let users = 0;
  for (let u = 0; u < heldOut.length; u++) {
    const target = heldOut[u]!;
    if (target < 0) continue;
    users++;
    const row = new Set(seen.items.subarray(seen.offsets[u], seen.offsets[u + 1]));
    row.add(target);
    const ts = score(u, target);
    let better = 0;
    const drawn = new Set<number>();
    while (drawn.size < negatives) {
      const i = first + Math.floor(rnd() * (emb.numItems - first));
      if (row.has(i) || drawn.has(i)) continue;
      drawn.add(i);
      if (score(u, i) >= ts) better++;
    }
    if (better < k) hits++;
  }
  return users ? hits / users : 0;
}
