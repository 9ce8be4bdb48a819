// Task-level decoding on top of beam search: sequential next-item recommendation (beam 20 -> 10
// items, optionally constrained to valid ids, invalid outputs reported as null or replaced by a seeded
// random item as the reference did) and explanation generation (beam search with a minimum length).
// Knows the tokenizer's item API, nothing about prompts or the model.
import { beamSearch } from './beam.ts';
import { itemTrie, type TokenTrie } from './trie.ts';
import type { EncodedDecoder, Hypothesis, StepEvent } from './types.ts';
import type { Tokenizer } from '../tokenizer.ts';
import { mulberry32 as seededRandom } from '../../data/rng.ts';
import { PAPER_PROTOCOL } from '../../paper-protocol.ts';

export interface NextItemOptions {
  /** Default PAPER_PROTOCOL.sequential.beamWidth (the reference's 20). */
  beamWidth?: number;
  /** Items returned per example; default PAPER_PROTOCOL.sequential.topK (the reference's 10). */
  topK?: number;
  /** Constrain beams to valid item ids (our addition; off = the reference's behaviour). */
  constrained?: boolean;
  /** What to return for a hypothesis that is not a catalogue item: null (default) or a random item. */
  invalid?: 'null' | 'random';
  /** Seed of the random replacement (mulberry32). Default 1. */
  seed?: number;
  /** Default: the longest item's token count + 1. */
  maxLength?: number;
  selection?: 'tf' | 'js';
  signal?: AbortSignal;
  onStep?: (event: StepEvent) => void;
}

export interface NextItemResult {
  /** topK entries, best first: an item id, or null for an invalid hypothesis when invalid = 'null'. */
  items: (number | null)[];
  /** Log-probability of each entry's hypothesis (also for replaced ones). */
  scores: number[];
  /** Which entries were invalid and replaced by a random item. */
  replaced: boolean[];
  hypotheses: Hypothesis[];
}

const trieCache = new WeakMap<Tokenizer, TokenTrie>();

/** The item trie of a tokenizer, built once per tokenizer. */
export function cachedItemTrie(tokenizer: Tokenizer): TokenTrie {
  let trie = trieCache.get(tokenizer);
  if (!trie) {
    trie = itemTrie(tokenizer);
    trieCache.set(tokenizer, trie);
  }
  return trie;
}

/** Seeded floats in [0, 1) from the project's shared mulberry32 (src/data/rng.ts). */
export function mulberry32(seed: number): () => number {
  return seededRandom(seed).next;
}

function maxItemLength(tokenizer: Tokenizer): number {
  const items = tokenizer.items();
  if (tokenizer.idScheme === 'atomic' || items.length === 0) return 1;
  return tokenizer.itemTokens(items[items.length - 1]!).length; // pieces grow with the id
}

/** Next-item recommendation for every example of the encoded batch. */
export async function recommendNext(decoder: EncodedDecoder, tokenizer: Tokenizer, opts: NextItemOptions = {}): Promise<NextItemResult[]> {
  const beamWidth = opts.beamWidth ?? PAPER_PROTOCOL.sequential.beamWidth;
  const topK = Math.min(opts.topK ?? PAPER_PROTOCOL.sequential.topK, beamWidth);
  const hyps = await beamSearch(decoder.startSession(), {
    beamWidth,
    numReturn: topK,
    maxLength: opts.maxLength ?? maxItemLength(tokenizer) + 1,
    constraint: opts.constrained ? cachedItemTrie(tokenizer) : null,
    eosId: tokenizer.eosId,
    startId: tokenizer.padId,
    selection: opts.selection,
    signal: opts.signal,
    onStep: opts.onStep,
  });
  const rng = mulberry32(opts.seed ?? 1);
  const catalogue = tokenizer.items();
  return hyps.map((list) => {
    // A hypothesis cut at maxLength did not choose to stop, so it names no item.
    const items = list.map((h) => (h.finished ? tokenizer.parseItem(h.tokens) : null));
    const replaced = items.map(() => false);
    if (opts.invalid === 'random') {
      const used = new Set(items.filter((x): x is number => x !== null));
      items.forEach((it, i) => {
        if (it !== null || used.size >= catalogue.length) return;
        let pick: number;
        do pick = catalogue[Math.floor(rng() * catalogue.length)]!;
        while (used.has(pick));
        used.add(pick);
        items[i] = pick;
        replaced[i] = true;
      });
    }
    return { items, scores: list.map((h) => h.logProb), replaced, hypotheses: list };
  });
}

/** Every setting of explanation decoding; each defaults to PAPER_PROTOCOL.explanation. */
export interface ExplanationDecoding {
  /** Beams kept per example (PAPER_PROTOCOL: 7, what the reference's 21 beams in 3 groups without a diversity penalty amount to). */
  beamWidth: number;
  /** Tokens generated before </s> is allowed (the reference's minimum length, 10). */
  minLength: number;
  /** Most decoding steps, </s> included. */
  maxLength: number;
  /** alpha of score = logProb / length^alpha for finished hypotheses (the reference: 1, Hugging Face's default). */
  lengthPenalty: number;
  /** Stop an example once beamWidth hypotheses finished (the reference: true); see BeamSearchOptions.earlyStopping. */
  earlyStopping: boolean;
  /** Beam groups (BeamSearchOptions.groups; 1: plain beam search). */
  groups: number;
  /** Hamming diversity penalty between groups (0: none, as the reference). */
  diversityPenalty: number;
  /** Block repeated n-grams of this size (DecodeOptions.noRepeatNgram); 0: off, as the reference. */
  noRepeatNgram: number;
}

/** Explanation decoding settings a run may change from the protocol's (n-gram blocking has its own flag and field). */
export type DecodingChange = Partial<Omit<ExplanationDecoding, 'noRepeatNgram'>>;

export interface ExplanationOptions extends Partial<ExplanationDecoding> {
  selection?: 'tf' | 'js';
  signal?: AbortSignal;
  /** Streaming: the best text so far per example, after every step. */
  onText?: (texts: string[], event: StepEvent) => void;
}

export interface ExplanationResult {
  text: string;
  tokens: Int32Array;
  logProb: number;
}

/** Explanation sentence for every example of the encoded batch (best beam). */
export async function generateExplanations(decoder: EncodedDecoder, tokenizer: Tokenizer, opts: ExplanationOptions = {}): Promise<ExplanationResult[]> {
  const onText = opts.onText;
  const hyps = await beamSearch(decoder.startSession(), {
    beamWidth: opts.beamWidth ?? PAPER_PROTOCOL.explanation.beamWidth,
    numReturn: 1,
    minLength: opts.minLength ?? PAPER_PROTOCOL.explanation.minLength,
    maxLength: opts.maxLength ?? PAPER_PROTOCOL.explanation.maxLength,
    lengthPenalty: opts.lengthPenalty ?? PAPER_PROTOCOL.explanation.lengthPenalty,
    earlyStopping: opts.earlyStopping ?? PAPER_PROTOCOL.explanation.earlyStopping,
    groups: opts.groups ?? PAPER_PROTOCOL.explanation.groups,
    diversityPenalty: opts.diversityPenalty ?? PAPER_PROTOCOL.explanation.diversityPenalty,
    eosId: tokenizer.eosId,
    startId: tokenizer.padId,
    selection: opts.selection,
    noRepeatNgram: opts.noRepeatNgram ?? PAPER_PROTOCOL.explanation.noRepeatNgram,
    signal: opts.signal,
    onStep: onText ? (e) => onText(e.best.map((h) => (h ? tokenizer.decode(h.tokens) : '')), e) : undefined,
  });
  return hyps.map((list) => {
    const h = list[0]!;
    return { text: tokenizer.decode(h.tokens), tokens: h.tokens, logProb: h.logProb };
  });
}
