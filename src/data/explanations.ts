// Explanation ground truth from raw reviews (Musical Instruments): per review, one sentence that
// mentions a product feature, as P5/POD's Sentires-extracted targets do. Pure and deterministic.
//
// The rule (also in README "Data"):
//  1. Tokens: lower-case, runs of [a-z0-9] with inner apostrophes (`don't`); everything else splits.
//  2. Feature words, derived from the whole review corpus: alphabetic tokens of >= 3 letters, not in
//     STOPWORDS (function words, opinion adjectives, generic verbs), found in >= minDocFreq reviews,
//     and noun-like: at least nounRatio of their occurrences come right after a determiner or
//     possessive (the, this, my, a, ...). The maxFeatures most frequent by document frequency (ties:
//     alphabetical) are kept.
//  3. Sentences: split on . ! ? (a period before a digit does not split) and newlines.
//  4. Each sentence is cut to its first maxTokens (20, the paper) tokens. Per review: the first cut
//     sentence with >= minTokens tokens that contains a feature word and an opinion word
//     (OPINION_WORDS, as Sentires pairs features with opinions); if none, the first such sentence
//     with a feature word only. Its first feature word is the record's feature.
//  5. The target is that cut sentence's tokens joined by single spaces.
//  6. Split: shuffle the records with mulberry32(seed); 80/10/10 train/val/test; then every
//     validation/test record whose user or item has no training record moves to training (in
//     validation-then-test order), so every user and item is seen in training.
import { mulberry32, shuffleInPlace } from './rng.ts';

export interface ExplanationRecord {
  /** 1-based user id (same numbering as loadDataset for the review folder). */
  user: number;
  item: number;
  explanation: string;
  feature: string;
  rating: number;
}

export interface ExplanationOptions {
  minDocFreq?: number;
  nounRatio?: number;
  maxFeatures?: number;
  minTokens?: number;
  maxTokens?: number;
}

const DEFAULTS: Required<ExplanationOptions> = { minDocFreq: 20, nounRatio: 0.25, maxFeatures: 400, minTokens: 4, maxTokens: 20 };

const DETERMINERS = new Set(['the', 'this', 'these', 'those', 'that', 'my', 'your', 'its', 'their', 'his', 'her', 'our', 'a', 'an', 'any', 'each', 'every']);

/** Function words, opinion adjectives, quantifiers and generic verbs that follow "the/a" but are not features. */
export const STOPWORDS: ReadonlySet<string> = new Set(
  (
    'the and for are but not you all any can had her was one our out has him his how man new now old see two way who boy did its let put say she too use ' +
    'this that these those with from have they will would there their them then than what when which while were been being into onto over under about above ' +
    'after again against because before below between both down during each few more most other some such only own same very just also even ever still ' +
    'here where why again off once further each much many lot lots bit little great good nice best better well really quite pretty perfect excellent ' +
    'awesome amazing fine bad poor cheap cheaper expensive easy easier hard big small large long short high low full whole real right wrong first second last ' +
    'next last least less several couple thing things stuff something anything everything nothing someone anyone everyone way ways time times day days ' +
    'year years lot kind sort type part parts side end top bottom front back able sure true new newer older due extra overall decent solid simple ' +
    'favorite favourite fact reason point problem problems issue issues job work works worked working use used using uses make makes made get gets got ' +
    'buy bought purchase purchased need needs needed want wanted like liked love loved think thought know knew find found give gave take took come came ' +
    'look looks looked seem seems seemed keep kept try tried going goes went say said tell told feel felt play played playing plays must should could ' +
    'might may shall yes yeah okay amazon product products item items review reviews star stars one ones yet though although however since until unless ' +
    'what whatever whichever whoever whose whom your yours mine ours theirs hers itself myself yourself themselves himself herself ourselves instead else ' +
    'single double different similar usual regular standard typical actual whole entire main major minor basic original additional particular certain ' +
    'own other another same such said highly definitely probably actually certainly exactly simply totally completely absolutely literally'
  ).split(/\s+/),
);

/** Opinion words (adjectives/adverbs of judgement) used to prefer feature-opinion sentences. */
export const OPINION_WORDS: ReadonlySet<string> = new Set(
  (
    'great good nice best better excellent awesome amazing perfect fine bad poor terrible horrible awful cheap expensive easy hard difficult ' +
    'solid sturdy durable flimsy quiet loud clear clean warm bright crisp smooth rich full thin heavy light lightweight comfortable ' +
    'decent happy pleased satisfied disappointed impressed useful useless reliable accurate sweet fantastic wonderful superb worth ' +
    'love loved like liked recommend recommended favorite quality affordable inexpensive reasonable fast quick slow noisy'
  ).split(/\s+/),
);

const TOKEN = /[a-z0-9]+(?:'[a-z0-9]+)*/g;

export function tokenize(text: string): string[] {
  return text.toLowerCase().match(TOKEN) ?? [];
}

const SENTENCE_BREAK = /[!?]+|\.+(?!\d)|[\r\n]+/;

export function splitSentences(text: string): string[] {
  return text.split(SENTENCE_BREAK).map((s) => s.trim()).filter((s) => s.length > 0);
}

/** Feature vocabulary (rule step 2), most frequent first. */
export function deriveFeatureWords(texts: readonly string[], options: ExplanationOptions = {}): string[] {
  const o = { ...DEFAULTS, ...options };
  const docFreq = new Map<string, number>();
  const total = new Map<string, number>();
  const afterDet = new Map<string, number>();
  for (const text of texts) {
    const toks = tokenize(text);
    const seen = new Set<string>();
    for (let i = 0; i < toks.length; i++) {
      const w = toks[i]!;
      total.set(w, (total.get(w) ?? 0) + 1);
      if (i > 0 && DETERMINERS.has(toks[i - 1]!)) afterDet.set(w, (afterDet.get(w) ?? 0) + 1);
      if (!seen.has(w)) {
        seen.add(w);
        docFreq.set(w, (docFreq.get(w) ?? 0) + 1);
      }
    }
  }
  const features: string[] = [];
  for (const [w, df] of docFreq) {
    if (df < o.minDocFreq || w.length < 3 || STOPWORDS.has(w) || !/^[a-z]+$/.test(w)) continue;
    if ((afterDet.get(w) ?? 0) / total.get(w)! < o.nounRatio) continue;
    features.push(w);
  }
  features.sort((a, b) => docFreq.get(b)! - docFreq.get(a)! || (a < b ? -1 : a > b ? 1 : 0));
  return features.slice(0, o.maxFeatures);
}

export interface PickedSentence {
  explanation: string;
  feature: string;
}

/** Rule steps 3-5 for one review text; null when no sentence mentions a feature. */
export function pickExplanation(text: string, features: ReadonlySet<string>, options: ExplanationOptions = {}): PickedSentence | null {
  const o = { ...DEFAULTS, ...options };
  let fallback: PickedSentence | null = null;
  for (const sentence of splitSentences(text)) {
    const toks = tokenize(sentence);
    if (toks.length < o.minTokens) continue;
    // Judge the truncated target: its feature (and opinion) must survive the cut to maxTokens.
    const kept = toks.slice(0, o.maxTokens);
    const feature = kept.find((t) => features.has(t));
    if (feature === undefined) continue;
    const picked = { explanation: kept.join(' '), feature };
    if (kept.some((t) => OPINION_WORDS.has(t))) return picked;
    fallback ??= picked;
  }
  return fallback;
}

/**
 * Every sentence of a review as the targets are written (rule steps 3-5 without the feature test):
 * lower-case tokens cut to maxTokens, joined by single spaces; sentences under minTokens are left
 * out. The text a language model learns from before it learns the explanation targets.
 */
export function reviewSentences(text: string, options: ExplanationOptions = {}): string[] {
  const o = { ...DEFAULTS, ...options };
  const out: string[] = [];
  for (const sentence of splitSentences(text)) {
    const toks = tokenize(sentence);
    if (toks.length >= o.minTokens) out.push(toks.slice(0, o.maxTokens).join(' '));
  }
  return out;
}

export interface ReviewLike {
  user: number;
  item: number;
  text: string;
  rating: number;
}

export interface ExplanationExtraction {
  features: string[];
  records: ExplanationRecord[];
  reviews: number;
}

export function extractExplanations(reviews: readonly ReviewLike[], options: ExplanationOptions = {}): ExplanationExtraction {
  const features = deriveFeatureWords(reviews.map((r) => r.text), options);
  const set = new Set(features);
  const records: ExplanationRecord[] = [];
  for (const r of reviews) {
    const p = pickExplanation(r.text, set, options);
    if (p) records.push({ user: r.user, item: r.item, explanation: p.explanation, feature: p.feature, rating: r.rating });
  }
  return { features, records, reviews: reviews.length };
}

export interface ExplanationSplit {
  train: ExplanationRecord[];
  val: ExplanationRecord[];
  test: ExplanationRecord[];
  /** Records moved from val/test to train so that every user and item has a training record. */
  moved: number;
}

/** Rule step 6. */
export function splitExplanations(records: readonly ExplanationRecord[], seed: number, fractions: [number, number] = [0.8, 0.1]): ExplanationSplit {
  const order = shuffleInPlace(Array.from(records.keys()), mulberry32(seed));
  const nTrain = Math.round(records.length * fractions[0]);
  const nVal = Math.round(records.length * fractions[1]);
  const train = order.slice(0, nTrain).map((i) => records[i]!);
  const heldVal = order.slice(nTrain, nTrain + nVal).map((i) => records[i]!);
  const heldTest = order.slice(nTrain + nVal).map((i) => records[i]!);
  const users = new Set(train.map((r) => r.user));
  const items = new Set(train.map((r) => r.item));
  let moved = 0;
  const keep = (held: ExplanationRecord[]): ExplanationRecord[] =>
    held.filter((r) => {
      if (users.has(r.user) && items.has(r.item)) return true;
      train.push(r);
      users.add(r.user);
      items.add(r.item);
      moved++;
      return false;
    });
  const val = keep(heldVal);
  const test = keep(heldTest);
  return { train, val, test, moved };
}
