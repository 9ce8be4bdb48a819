// The paper's evaluation protocol and the decoding settings that go with it, in one frozen object
// that every layer reads instead of retyping the numbers (after transformers.js's GenerationConfig:
// every decoding setting is a named, documented field). Sequential: all items ranked by beam search,
// 20 beams, 10 returned, the latest 20 history items in the prompt. Top-n: 1 positive + 99 fixed
// negatives. Explanation: targets cut to 20 tokens, beam search with a minimum length of 10.
// This file imports nothing, so every layer can use it (src/data sits below src/model).

type DeepReadonly<T> = { readonly [K in keyof T]: T[K] extends object ? DeepReadonly<T[K]> : T[K] };

function deepFreeze<T extends object>(o: T): DeepReadonly<T> {
  for (const v of Object.values(o)) if (typeof v === 'object' && v !== null) deepFreeze(v);
  return Object.freeze(o);
}

export const PAPER_PROTOCOL = deepFreeze({
  sequential: {
    /** Beams kept at every decoding step of next-item recommendation: the paper's beam size, 20. */
    beamWidth: 20,
    /** Items returned per user, best first: the 10 that HR@1/5/10 and NDCG@5/10 are computed on. */
    topK: 10,
    /** Latest history items the sequential prompt shows: P5/POD's window of 20 (training samples use it too). */
    maxHistory: 20,
  },
  topn: {
    /** Fixed negatives per user: each top-n list ranks 1 positive + 99 negatives (P5's negative_samples.txt). */
    negatives: 99,
    /** numpy seed of P5's negative draw (np.random.seed(2022)): reproduces P5's negatives byte for byte. */
    negativesSeed: 2022,
    /** Seed of each user's top-n candidate order (fixed per user), the same in the evaluator, the app and examples. */
    orderSeed: 2022,
  },
  explanation: {
    /** Explanation targets are cut to this many tokens before </s> (the paper's 20), in training and evaluation. */
    targetTokens: 20,
    /**
     * Explanation decoding as the reference runs it: Hugging Face group beam search with 21 beams in
     * 3 groups and no diversity penalty, so the three groups stay identical and the search is a
     * 7-beam one; finished hypotheses ranked by log-probability / length (the scorer's default
     * length penalty 1); an example stops once it holds as many finished hypotheses as beams
     * (early stopping); at most 49 tokens after the start token.
     */
    beamWidth: 7,
    /** Tokens that must be generated before </s> is allowed: the reference's minimum length, 10. */
    minLength: 10,
    /** Decoding steps at most, </s> included: the reference's 50 positions less its start token. */
    maxLength: 49,
    /** Length penalty exponent of finished hypotheses: score = log-probability / length^1. */
    lengthPenalty: 1,
    /** An example's search ends once it holds beamWidth finished hypotheses. */
    earlyStopping: true,
    /** Beam groups: 1 (the reference's 3 groups without a diversity penalty are one 7-beam search; --beam-groups offers real groups). */
    groups: 1,
    /** Hamming diversity penalty between groups: 0, as the reference. */
    diversityPenalty: 0,
    /** Block repeated n-grams of this size: 0, off, as the reference decodes (the app and CLI can turn it on). */
    noRepeatNgram: 0,
  },
});

export type PaperProtocol = typeof PAPER_PROTOCOL;
