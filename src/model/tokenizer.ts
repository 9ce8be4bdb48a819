// Word-level tokenizer of PeaPOD Web: vocabulary learning, encode/decode, item-id token sequences and
// the whole-word ids of the P5 id scheme. Pure JS (no tensors, no I/O); serialisable into a pack.
//
// Text normalisation: lower-case, then split into `user_<digits>` / `item_<digits>` ids, runs of letters,
// runs of digits, and single punctuation characters. Whitespace only separates.
//
// Id schemes (IdScheme in types.ts):
//  - `atomic`: `user_12` and `item_345` are single tokens (one per known user / item). A target item
//    is that one token.
//  - `p5`: an id is written as the tokens `user`|`item`, `_`, then its digits cut into pieces of two
//    from the left ("12345" -> "12" "34" "5"). This stands in for P5's SentencePiece split of ids
//    (which also yields 1-2 digit pieces); a fixed rule keeps the split deterministic and every id
//    representable. Digit pieces are tokens of their own (written `#12` in the vocabulary) so they
//    never collide with numbers written in text. Whole-word ids number the id spans 1, 2, ... in
//    order of appearance (all tokens of `user_12` share one number); every other token gets 0.
//    A target item is its bare digit pieces ("345" -> `#34` `#5`).
import { TokenizerError } from './errors.ts';
import { Unigram, wholeWordIds } from './sentencepiece.ts';
import { BpeEncoder, joinWords, learnBpe, METASPACE } from './bpe.ts';
import type { IdScheme } from './types.ts';

export const PAD_ID = 0;
export const EOS_ID = 1;
export const UNK_ID = 2;
const SPECIALS = ['<pad>', '</s>', '<unk>'] as const;
const PIECE_PREFIX = '#';
/** P5 used a 512-row whole-word embedding; enough for a user plus 100 top-n candidates and more. */
export const DEFAULT_WHOLE_WORD_VOCAB = 512;

/** One regex for the whole normaliser; the alternation order makes ids win over plain words. */
const TOKEN_RE = /(user|item)_(\d+)|\p{L}+|\p{N}+|[^\s\p{L}\p{N}]/gu;

export interface WordTokenizerJSON {
  kind: 'peapod-word-tokenizer';
  /** 1: whole words; 2: adds `words` (whole words or BPE sub-words). */
  version: 1 | 2;
  idScheme: IdScheme;
  /**
   * How plain words become tokens: 'whole' (one token per word, unseen words are <unk>) or 'bpe'
   * (sub-word pieces learnt from the training text, bpe.ts: a word is "▁"-prefixed pieces, every
   * character seen in training is a base piece). Absent (version 1): 'whole'.
   */
  words?: 'whole' | 'bpe';
  /** words 'bpe': the learnt merges in rank order (each merged piece is also in vocab). */
  merges?: [string, string][];
  /** Every token string, indexed by id. */
  vocab: string[];
  /** Size of the whole-word table the model needs (max whole-word id + 1); 0 for `atomic`. */
  wholeWordVocab: number;
  /** Known item ids as inclusive ranges [first, last], ascending (the catalogue that constraints use). */
  itemRanges: [number, number][];
}

/**
 * T5's SentencePiece tokenizer (imported checkpoints: Hugging Face T5, the authors' PeaPOD). Ids are
 * written as the authors do (`user_12` -> "▁user" "_" "12"; a target item is its digits, "345" ->
 * "▁3" "45"), whole-word ids follow their rule (sentencepiece.ts wholeWordIds). idScheme is 'p5': ids
 * are pieces sharing a whole-word id, as in P5.
 */
export interface SentencePieceTokenizerJSON {
  kind: 'peapod-sentencepiece';
  version: 1;
  idScheme: 'p5';
  /** [piece, log probability] by id (tokenizer.json model.vocab); 0 <pad>, 1 </s>, 2 <unk>. */
  pieces: [string, number][];
  unkId: number;
  /** Rows of the model's embedding table (>= pieces: T5 pads its 32,100 pieces to 32,128 rows). */
  vocabSize: number;
  wholeWordVocab: number;
  itemRanges: [number, number][];
}

export type TokenizerJSON = WordTokenizerJSON | SentencePieceTokenizerJSON;

export interface BuildTokenizerOptions {
  idScheme: IdScheme;
  /** Training text (templates, explanation sentences, item names); words are counted over all of it. */
  texts: Iterable<string>;
  /** Dataset user ids (atomic: one token each). */
  users: Iterable<number>;
  /** Dataset item ids (atomic: one token each; both schemes: the catalogue for parseItem/constraints). */
  items: Iterable<number>;
  /** Words seen fewer times are <unk>. Default 1. */
  minCount?: number;
  /** Cap on learned words (most frequent kept). Default: no cap. */
  maxWords?: number;
  /** p5 only: size of the whole-word table (max id spans per input + 1). Default 512. */
  wholeWordVocab?: number;
  /**
   * Sub-words: learn this many BPE merges from `texts` (words become pieces; minCount and maxWords
   * are then unused). 0 / absent: whole words.
   */
  bpeMerges?: number;
}

export interface EncodeOptions {
  /** Append </s> (T5 inputs and targets end with it). Default true. */
  addEos?: boolean;
  /** Keep at most this many tokens before the </s> (explanation targets use 20). */
  maxTokens?: number;
}

export interface Encoded {
  ids: Int32Array;
  wholeWord: Int32Array;
}

/** Splits a digit string into pieces of two from the left: "12345" -> ["12", "34", "5"]. */
export function digitPieces(digits: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < digits.length; i += 2) out.push(digits.slice(i, i + 2));
  return out;
}

function allDigitPieces(): string[] {
  const out: string[] = [];
  for (let i = 0; i < 10; i++) out.push(String(i));
  for (let i = 0; i < 100; i++) out.push(String(i).padStart(2, '0'));
  return out;
}

function sortedUnique(xs: Iterable<number>, what: string): number[] {
  const arr = [...new Set(xs)].sort((a, b) => a - b);
  for (const x of arr) {
    if (!Number.isInteger(x) || x < 0) throw new TokenizerError(`${what} id ${x} is not a non-negative integer; pass dataset ids as integers.`);
  }
  return arr;
}

function toRanges(sorted: number[]): [number, number][] {
  const out: [number, number][] = [];
  for (const x of sorted) {
    const last = out[out.length - 1];
    if (last && last[1] === x - 1) last[1] = x;
    else out.push([x, x]);
  }
  return out;
}

/** Item ranges from a downloaded manifest: typed, and bounded (they are expanded into a set). */
function checkRanges(ranges: unknown): [number, number][] {
  if (!Array.isArray(ranges) || !ranges.every((r) => Array.isArray(r) && r.length === 2 && Number.isInteger(r[0]) && Number.isInteger(r[1]) && r[0] >= 0 && r[0] <= r[1])) {
    throw new TokenizerError('tokenizer itemRanges must be [first, last] pairs of integers with 0 <= first <= last; re-export the pack.');
  }
  const span = (ranges as [number, number][]).reduce((s, [a, b]) => s + b - a + 1, 0);
  if (span > MAX_CATALOGUE_ITEMS) throw new TokenizerError(`tokenizer itemRanges cover ${span} items, more than the ${MAX_CATALOGUE_ITEMS} a pack may hold; re-export the pack.`);
  return ranges as [number, number][];
}

function checkSentencePiece(json: SentencePieceTokenizerJSON): Unigram {
  if (json.version !== 1 || json.idScheme !== 'p5') {
    throw new TokenizerError(`SentencePiece tokenizer JSON has version ${JSON.stringify(json.version)} and idScheme ${JSON.stringify(json.idScheme)}; expected version 1, idScheme "p5". Re-import the checkpoint.`);
  }
  const pieces: unknown = json.pieces;
  if (!Array.isArray(pieces) || !pieces.every((p) => Array.isArray(p) && p.length === 2 && typeof p[0] === 'string' && typeof p[1] === 'number' && Number.isFinite(p[1]))) {
    throw new TokenizerError('SentencePiece tokenizer pieces are not [piece, score] pairs; re-import the checkpoint.');
  }
  for (let i = 0; i < SPECIALS.length; i++) {
    if (json.pieces[i]?.[0] !== SPECIALS[i]) throw new TokenizerError(`SentencePiece piece ${i} is "${json.pieces[i]?.[0]}", expected "${SPECIALS[i]}" (T5's <pad>, </s>, <unk>); this is not a T5 tokenizer.`);
  }
  if (json.unkId !== UNK_ID) throw new TokenizerError(`SentencePiece unk id is ${json.unkId}; T5 tokenizers use ${UNK_ID}.`);
  if (!Number.isInteger(json.vocabSize) || json.vocabSize < json.pieces.length) {
    throw new TokenizerError(`SentencePiece vocabSize ${json.vocabSize} is smaller than its ${json.pieces.length} pieces; the model's embedding must have a row for every piece.`);
  }
  if (!Number.isInteger(json.wholeWordVocab) || json.wholeWordVocab < 0) throw new TokenizerError(`tokenizer wholeWordVocab ${JSON.stringify(json.wholeWordVocab)} is not a non-negative integer; re-import the checkpoint.`);
  return new Unigram({ pieces: json.pieces, unkId: json.unkId });
}

/** Raw word tokens of a text (after lower-casing), ids kept whole. Exported for vocabulary tools. */
export function splitWords(text: string): string[] {
  return text.toLowerCase().match(TOKEN_RE) ?? [];
}

/** Largest catalogue a tokenizer may declare (Amazon categories have at most a few 10^5 items). */
const MAX_CATALOGUE_ITEMS = 1 << 22;

export class Tokenizer {
  readonly idScheme: IdScheme;
  readonly vocab: readonly string[];
  readonly wholeWordVocab: number;
  private readonly index = new Map<string, number>();
  private readonly itemRanges: [number, number][];
  private readonly itemSet: Set<number>;
  private readonly pieceIds = new Set<number>();
  private readonly userTok: number;
  private readonly itemTok: number;
  private readonly underscoreTok: number;
  /** Set for SentencePiece tokenizers (imported T5 checkpoints); null for the word tokenizer. */
  private readonly sp: Unigram | null = null;
  /** Set for the word tokenizer with BPE sub-words (words 'bpe'). */
  private readonly bpe: BpeEncoder | null = null;
  private readonly merges: [string, string][] = [];

  constructor(json: TokenizerJSON) {
    if (json?.kind === 'peapod-sentencepiece') {
      const sp = checkSentencePiece(json);
      this.sp = sp;
      this.idScheme = 'p5';
      this.wholeWordVocab = json.wholeWordVocab;
      // Rows past the pieces (T5's padding to a multiple of 128) are never produced nor decoded.
      const vocab = json.pieces.map(([p]) => p);
      for (let i = vocab.length; i < json.vocabSize; i++) vocab.push(`<unused_row_${i}>`);
      this.vocab = vocab;
      vocab.forEach((tok, i) => {
        if (!this.index.has(tok)) this.index.set(tok, i);
      });
      this.itemRanges = checkRanges(json.itemRanges).map(([a, b]) => [a, b] as [number, number]);
      this.itemSet = new Set();
      for (const [a, b] of this.itemRanges) for (let x = a; x <= b; x++) this.itemSet.add(x);
      this.userTok = this.itemTok = this.underscoreTok = -1;
      return;
    }
    if (json?.kind !== 'peapod-word-tokenizer' || (json.version !== 1 && json.version !== 2)) {
      throw new TokenizerError(`tokenizer JSON has kind ${JSON.stringify(json?.kind)} version ${JSON.stringify(json?.version)}; expected "peapod-word-tokenizer" version 1 or 2. Re-export the pack.`);
    }
    const words = json.version === 2 ? json.words : 'whole';
    if (words !== 'whole' && words !== 'bpe') throw new TokenizerError(`tokenizer JSON has words ${JSON.stringify(words)}; expected "whole" or "bpe". Re-export the pack.`);
    if (words === 'bpe') {
      const merges: unknown = json.merges;
      if (!Array.isArray(merges) || !merges.every((m) => Array.isArray(m) && m.length === 2 && typeof m[0] === 'string' && typeof m[1] === 'string')) {
        throw new TokenizerError('tokenizer merges are not [left, right] string pairs; re-export the pack.');
      }
      this.bpe = new BpeEncoder(json.merges!);
      this.merges = json.merges!.map(([a, b]) => [a, b] as [string, string]);
    }
    if (json.idScheme !== 'atomic' && json.idScheme !== 'p5') {
      throw new TokenizerError(`tokenizer JSON has unknown idScheme ${JSON.stringify(json.idScheme)}; expected "atomic" or "p5".`);
    }
    // The JSON comes from a downloaded manifest: check the types before using them, and bound the
    // item ranges, which are expanded into a set (a range [1, 1e12] would never finish).
    if (!Array.isArray(json.vocab) || !json.vocab.every((t) => typeof t === 'string')) throw new TokenizerError('tokenizer vocab is not an array of strings; re-export the pack.');
    if (!Number.isInteger(json.wholeWordVocab) || json.wholeWordVocab < 0) throw new TokenizerError(`tokenizer wholeWordVocab ${JSON.stringify(json.wholeWordVocab)} is not a non-negative integer; re-export the pack.`);
    checkRanges(json.itemRanges);
    for (let i = 0; i < SPECIALS.length; i++) {
      if (json.vocab[i] !== SPECIALS[i]) throw new TokenizerError(`tokenizer vocab[${i}] is "${json.vocab[i]}", expected "${SPECIALS[i]}"; the vocabulary is not a PeaPOD vocabulary.`);
    }
    this.idScheme = json.idScheme;
    this.vocab = json.vocab;
    this.wholeWordVocab = json.wholeWordVocab;
    json.vocab.forEach((tok, i) => {
      if (this.index.has(tok)) throw new TokenizerError(`tokenizer vocab has "${tok}" twice (ids ${this.index.get(tok)} and ${i}); re-export the pack.`);
      this.index.set(tok, i);
      if (tok.startsWith(PIECE_PREFIX) && tok.length > 1) this.pieceIds.add(i);
    });
    this.itemRanges = json.itemRanges.map(([a, b]) => [a, b] as [number, number]);
    this.itemSet = new Set();
    for (const [a, b] of this.itemRanges) for (let x = a; x <= b; x++) this.itemSet.add(x);
    this.userTok = this.index.get('user') ?? -1;
    this.itemTok = this.index.get('item') ?? -1;
    this.underscoreTok = this.index.get('_') ?? -1;
    if (this.idScheme === 'p5') {
      for (const p of [...allDigitPieces().map((d) => PIECE_PREFIX + d), 'user', 'item', '_']) {
        if (!this.index.has(p)) throw new TokenizerError(`p5 tokenizer vocab lacks "${p}"; the vocabulary was not built by buildTokenizer. Re-export the pack.`);
      }
    }
  }

  static fromJSON(json: TokenizerJSON): Tokenizer {
    return new Tokenizer(json);
  }

  toJSON(): TokenizerJSON {
    if (this.sp) {
      return {
        kind: 'peapod-sentencepiece',
        version: 1,
        idScheme: 'p5',
        pieces: this.sp.model.pieces.map(([p, sc]) => [p, sc]),
        unkId: this.sp.model.unkId,
        vocabSize: this.vocab.length,
        wholeWordVocab: this.wholeWordVocab,
        itemRanges: this.itemRanges.map(([a, b]) => [a, b]),
      };
    }
    return {
      kind: 'peapod-word-tokenizer',
      version: this.bpe ? 2 : 1,
      idScheme: this.idScheme,
      ...(this.bpe ? { words: 'bpe' as const, merges: this.merges.map(([a, b]) => [a, b] as [string, string]) } : {}),
      vocab: [...this.vocab],
      wholeWordVocab: this.wholeWordVocab,
      itemRanges: this.itemRanges.map(([a, b]) => [a, b]),
    };
  }

  /** Whether plain words are BPE sub-words (pieces starting with "▁" begin a word). */
  get subwords(): boolean {
    return this.bpe !== null;
  }

  get vocabSize(): number {
    return this.vocab.length;
  }
  get padId(): number {
    return PAD_ID;
  }
  get eosId(): number {
    return EOS_ID;
  }
  get unkId(): number {
    return UNK_ID;
  }

  /** All catalogue item ids, ascending. */
  items(): number[] {
    const out: number[] = [];
    for (const [a, b] of this.itemRanges) for (let x = a; x <= b; x++) out.push(x);
    return out;
  }

  hasItem(itemId: number): boolean {
    return this.itemSet.has(itemId);
  }

  tokenId(token: string): number {
    return this.index.get(token) ?? UNK_ID;
  }

  /** Whether this is T5's SentencePiece tokenizer (imported checkpoints). */
  get sentencePiece(): boolean {
    return this.sp !== null;
  }

  encodeText(text: string, opts: EncodeOptions = {}): Encoded {
    if (this.sp) return this.encodeSentencePiece(this.sp, text, opts);
    const ids: number[] = [];
    const whole: number[] = [];
    let span = 0;
    const max = opts.maxTokens ?? Infinity;
    for (const m of text.toLowerCase().matchAll(TOKEN_RE)) {
      if (ids.length >= max) break;
      const [word, kind, digits] = m;
      if (kind !== undefined && digits !== undefined && this.idScheme === 'p5') {
        span++;
        if (span >= this.wholeWordVocab) {
          throw new TokenizerError(
            `text has more than ${this.wholeWordVocab - 1} user/item ids ("${word}" is id number ${span}); the whole-word table of this tokenizer is too small. Shorten the input or build the tokenizer with a larger wholeWordVocab.`,
          );
        }
        const toks = [kind === 'user' ? this.userTok : this.itemTok, this.underscoreTok, ...digitPieces(digits).map((p) => this.index.get(PIECE_PREFIX + p)!)];
        for (const t of toks) {
          if (ids.length >= max) break;
          ids.push(t);
          whole.push(span);
        }
      } else if (this.bpe && kind === undefined) {
        for (const piece of this.bpe.encodeWord(word)) {
          if (ids.length >= max) break;
          ids.push(this.index.get(piece) ?? UNK_ID);
          whole.push(0);
        }
      } else {
        ids.push(this.index.get(word) ?? UNK_ID);
        whole.push(0);
      }
    }
    if (opts.addEos ?? true) {
      ids.push(EOS_ID);
      whole.push(0);
    }
    return { ids: Int32Array.from(ids), wholeWord: Int32Array.from(whole) };
  }

  private encodeSentencePiece(sp: Unigram, text: string, opts: EncodeOptions): Encoded {
    const { ids, pieces } = sp.encode(text);
    // No whole-word table (a plain T5): every position gets 0, which the model never looks up.
    let whole = this.wholeWordVocab > 0 ? wholeWordIds(pieces) : new Array<number>(pieces.length).fill(0);
    const spans = whole.reduce((m, x) => Math.max(m, x), 0);
    if (this.wholeWordVocab > 0 && spans >= this.wholeWordVocab) {
      throw new TokenizerError(`text has ${spans} user/item ids; the whole-word table of this model has ${this.wholeWordVocab} rows (ids 1..${this.wholeWordVocab - 1}). Shorten the input.`);
    }
    let kept = ids;
    if (opts.maxTokens !== undefined && ids.length > opts.maxTokens) {
      kept = ids.slice(0, opts.maxTokens);
      whole = whole.slice(0, opts.maxTokens);
    }
    if (opts.addEos ?? true) {
      kept = [...kept, EOS_ID];
      whole = [...whole, 0];
    }
    return { ids: Int32Array.from(kept), wholeWord: Int32Array.from(whole) };
  }

  /**
   * Token sequence of a target item (no </s>). Throws for an item outside the catalogue because a
   * target the model can never spell (atomic) would silently become <unk>.
   */
  itemTokens(itemId: number): Int32Array {
    if (!this.itemSet.has(itemId)) throw new TokenizerError(`item ${itemId} is not in this tokenizer's catalogue (${this.itemSet.size} items); use an item id of the dataset the pack was built on.`);
    if (this.idScheme === 'atomic') return Int32Array.of(this.index.get(`item_${itemId}`)!);
    if (this.sp) return Int32Array.from(this.sp.encode(String(itemId)).ids);
    return Int32Array.from(digitPieces(String(itemId)), (p) => this.index.get(PIECE_PREFIX + p)!);
  }

  /**
   * The item a generated sequence spells, or null when it spells none of the catalogue's items.
   * Trailing </s> and <pad> are ignored; for p5 the pieces must be exactly the canonical split.
   */
  parseItem(ids: ArrayLike<number>): number | null {
    let n = ids.length;
    while (n > 0 && (ids[n - 1] === EOS_ID || ids[n - 1] === PAD_ID)) n--;
    if (n === 0) return null;
    let item: number;
    if (this.sp) {
      const text = this.sp.decode(Array.from({ length: n }, (_, i) => ids[i]!));
      if (!/^\d+$/.test(text)) return null;
      item = Number(text);
      const canonical = this.itemSet.has(item) ? this.itemTokens(item) : null;
      if (!canonical || canonical.length !== n || canonical.some((t, i) => t !== ids[i])) return null;
      return item;
    }
    if (this.idScheme === 'atomic') {
      if (n !== 1) return null;
      const m = /^item_(\d+)$/.exec(this.vocab[ids[0]!] ?? '');
      if (!m) return null;
      item = Number(m[1]);
    } else {
      let digits = '';
      for (let i = 0; i < n; i++) {
        if (!this.pieceIds.has(ids[i]!)) return null;
        digits += this.vocab[ids[i]!]!.slice(PIECE_PREFIX.length);
      }
      item = Number(digits);
      if (String(item) !== digits) return null; // leading zeros are not a canonical id
      const canonical = this.itemSet.has(item) ? this.itemTokens(item) : null;
      if (!canonical || canonical.length !== n || canonical.some((t, i) => t !== ids[i])) return null;
    }
    return this.itemSet.has(item) ? item : null;
  }

  /**
   * Readable text of a token sequence. Stops at the first </s>; drops <pad>. Id pieces are glued back
   * (`user` `_` `#12` `#3` -> `user_123`; a bare target `#45` `#6` -> `456`); punctuation is attached
   * to the previous word. encodeText(decode(ids)) gives ids back for any sequence encodeText produced
   * (without <unk>).
   */
  decode(ids: ArrayLike<number>): string {
    if (this.sp) {
      const upTo: number[] = [];
      for (let i = 0; i < ids.length; i++) {
        if (ids[i] === EOS_ID) break;
        if (ids[i]! >= this.sp.model.pieces.length && ids[i]! < this.vocab.length) continue; // padding rows
        upTo.push(ids[i]!);
      }
      return this.sp.decode(upTo);
    }
    const words: string[] = [];
    let gluePiece = false; // the next digit piece continues the current word
    let noGlue = true; // bpe: the last token cannot be continued (a special or an id)
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (id === EOS_ID) break;
      if (id === PAD_ID) continue;
      const tok = this.vocab[id];
      if (tok === undefined) throw new TokenizerError(`token id ${id} at position ${i} is outside the vocabulary (size ${this.vocab.length}); the ids do not come from this tokenizer.`);
      if (this.pieceIds.has(id)) {
        const digits = tok.slice(PIECE_PREFIX.length);
        if (gluePiece && words.length) words[words.length - 1] += digits;
        else words.push(digits);
        gluePiece = true;
        continue;
      }
      const next = ids[i + 1];
      if (id === this.underscoreTok && (words.at(-1) === 'user' || words.at(-1) === 'item') && next !== undefined && this.pieceIds.has(next)) {
        words[words.length - 1] += '_';
        gluePiece = true;
        continue;
      }
      gluePiece = false;
      if (this.bpe) {
        // Sub-words: a "▁" piece starts a word, any other continues the last one.
        if (tok.startsWith(METASPACE)) words.push(tok.slice(METASPACE.length));
        else if (words.length && !noGlue) words[words.length - 1] += tok;
        else words.push(tok);
        noGlue = id < SPECIALS.length || /^(user|item)_\d+$/.test(tok);
        continue;
      }
      if (/^[.,!?;:)\]}%]$/u.test(tok) && words.length) words[words.length - 1] += tok;
      else words.push(tok);
    }
    if (this.bpe) return joinWords(words);
    return words.join(' ');
  }
}

/**
 * Learns a vocabulary deterministically: specials, then (p5) the id tokens and all digit pieces,
 * then (atomic) one token per user and per item in ascending id order, then words seen at least
 * minCount times, most frequent first, ties in alphabetical (code-unit) order.
 */
export function buildTokenizer(opts: BuildTokenizerOptions): Tokenizer {
  const users = sortedUnique(opts.users, 'user');
  const items = sortedUnique(opts.items, 'item');
  const minCount = opts.minCount ?? 1;
  const vocab: string[] = [...SPECIALS];
  const seen = new Set<string>(vocab);
  const add = (t: string): void => {
    if (!seen.has(t)) {
      seen.add(t);
      vocab.push(t);
    }
  };
  if (opts.idScheme === 'p5') {
    for (const t of ['user', 'item', '_']) add(t);
    for (const p of allDigitPieces()) add(PIECE_PREFIX + p);
  } else {
    for (const u of users) add(`user_${u}`);
    for (const i of items) add(`item_${i}`);
  }
  const counts = new Map<string, number>();
  for (const text of opts.texts) {
    for (const m of text.toLowerCase().matchAll(TOKEN_RE)) {
      if (m[1] !== undefined) continue; // ids are covered by the scheme, never learned as words
      counts.set(m[0], (counts.get(m[0]) ?? 0) + 1);
    }
  }
  const wholeWordVocab = opts.idScheme === 'p5' ? (opts.wholeWordVocab ?? DEFAULT_WHOLE_WORD_VOCAB) : 0;
  if (opts.bpeMerges && opts.bpeMerges > 0) {
    // Sub-words: every base character, then the merged pieces in rank order.
    const model = learnBpe(counts, opts.bpeMerges);
    for (const sym of model.alphabet) add(sym);
    for (const [a, b] of model.merges) add(a + b);
    return new Tokenizer({ kind: 'peapod-word-tokenizer', version: 2, idScheme: opts.idScheme, words: 'bpe', merges: model.merges, vocab, wholeWordVocab, itemRanges: toRanges(items) });
  }
  const words = [...counts].filter(([w, c]) => c >= minCount && !seen.has(w));
  words.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const cap = opts.maxWords ?? Infinity;
  for (let i = 0; i < words.length && i < cap; i++) add(words[i]![0]);
  return new Tokenizer({
    kind: 'peapod-word-tokenizer',
    version: 1,
    idScheme: opts.idScheme,
    vocab,
    wholeWordVocab,
    itemRanges: toRanges(items),
  });
}
