// SentencePiece unigram tokenization as Hugging Face's `tokenizers` runs T5's tokenizer.json:
// normalise (NFKC, runs of spaces -> one), split on whitespace, prefix each word with "▁" (Metaspace),
// then the highest-scoring segmentation of each word into vocabulary pieces (Viterbi over log
// probabilities; ties keep the shorter piece first found, as `tokenizers` does); characters no piece
// covers become <unk>, and neighbouring <unk>s fuse into one. Decoding joins pieces and turns "▁"
// back into spaces. Pure JS, no tensors, no I/O.
//
// Known difference: T5's normaliser is a precompiled SentencePiece character map; NFKC stands in for
// it. They agree on the ASCII prompts and ids PeaPOD writes; rare Unicode text may split differently.
import { TokenizerError } from './errors.ts';

export const METASPACE = '\u2581';
/** `tokenizers` gives an unknown character the lowest piece score minus this. */
const UNK_PENALTY = 10;

export interface UnigramModel {
  /** [piece, log probability] by id. */
  pieces: readonly (readonly [string, number])[];
  unkId: number;
}

/** Reads the unigram model of a Hugging Face tokenizer.json (T5's). Throws TokenizerError. */
export function unigramFromTokenizerJson(raw: unknown): UnigramModel {
  const json = raw as { model?: { type?: unknown; vocab?: unknown; unk_id?: unknown; byte_fallback?: unknown }; pre_tokenizer?: unknown } | null;
  const model = json?.model;
  if (!model || model.type !== 'Unigram') {
    throw new TokenizerError(`tokenizer.json has model type ${JSON.stringify(model?.type)}; PeaPOD reads SentencePiece unigram tokenizers (T5's tokenizer.json). Save the tokenizer with tokenizer.save_pretrained() from a T5 model.`);
  }
  const vocab = model.vocab;
  if (!Array.isArray(vocab) || vocab.length === 0 || !vocab.every((v) => Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'number' && Number.isFinite(v[1]))) {
    throw new TokenizerError('tokenizer.json model.vocab is not a list of [piece, score] pairs; the file is damaged. Save the tokenizer again.');
  }
  if (model.byte_fallback === true) throw new TokenizerError('tokenizer.json uses byte fallback, which T5 tokenizers do not; this importer reads T5 (SentencePiece unigram without byte fallback) tokenizers.');
  const unkId = model.unk_id;
  if (typeof unkId !== 'number' || !Number.isInteger(unkId) || unkId < 0 || unkId >= vocab.length) {
    throw new TokenizerError(`tokenizer.json model.unk_id is ${JSON.stringify(unkId)}; it must be a piece id (T5: 2).`);
  }
  return { pieces: vocab as [string, number][], unkId };
}

export class Unigram {
  private readonly index = new Map<string, number>();
  private readonly maxLen: number;
  private readonly unkScore: number;

  constructor(readonly model: UnigramModel) {
    let min = Infinity;
    let maxLen = 1;
    model.pieces.forEach(([piece, score], id) => {
      // Special tokens (<pad>, </s>, <unk>, <extra_id_*>) are matched only when written whole, never by
      // the segmentation: T5's added tokens are split off before the model runs.
      if (/^<[^<>]+>$/.test(piece)) return;
      if (!this.index.has(piece)) this.index.set(piece, id);
      min = Math.min(min, score);
      maxLen = Math.max(maxLen, [...piece].length);
    });
    this.maxLen = maxLen;
    this.unkScore = (Number.isFinite(min) ? min : 0) - UNK_PENALTY;
  }

  pieceId(piece: string): number | undefined {
    return this.index.get(piece);
  }

  /** NFKC, whitespace runs to one space, trimmed. */
  static normalize(text: string): string {
    return text.normalize('NFKC').replace(/\s+/gu, ' ').trim();
  }

  /** Piece ids of `text` (no </s>), and the piece strings (for the whole-word rule). */
  encode(text: string): { ids: number[]; pieces: string[] } {
    const ids: number[] = [];
    const pieces: string[] = [];
    const norm = Unigram.normalize(text);
    if (!norm) return { ids, pieces };
    for (const word of norm.split(' ')) this.encodeWord(METASPACE + word, ids, pieces);
    return { ids, pieces };
  }

  private encodeWord(word: string, ids: number[], pieces: string[]): void {
    const chars = [...word];
    const n = chars.length;
    // best[i]: best score of a segmentation of chars[0..i); from[i]: start of its last piece; id[i]: that piece.
    const best = new Float64Array(n + 1).fill(-Infinity);
    const from = new Int32Array(n + 1).fill(-1);
    const pid = new Int32Array(n + 1).fill(-1);
    best[0] = 0;
    for (let i = 0; i < n; i++) {
      if (best[i] === -Infinity) continue;
      let s = '';
      let matched = false;
      for (let len = 1; len <= this.maxLen && i + len <= n; len++) {
        s += chars[i + len - 1];
        const id = this.index.get(s);
        if (id === undefined) continue;
        const score = best[i]! + this.model.pieces[id]![1];
        if (score > best[i + len]!) {
          best[i + len] = score;
          from[i + len] = i;
          pid[i + len] = id;
        }
        if (len === 1) matched = true;
      }
      if (!matched) {
        // No piece starts with this character alone: <unk> for it.
        const score = best[i]! + this.unkScore;
        if (score > best[i + 1]!) {
          best[i + 1] = score;
          from[i + 1] = i;
          pid[i + 1] = this.model.unkId;
        }
      }
    }
    const out: [number, string][] = [];
    for (let end = n; end > 0; end = from[end]!) out.push([pid[end]!, chars.slice(from[end], end).join('')]);
    out.reverse();
    for (const [id, text] of out) {
      // Neighbouring unknowns fuse into one <unk> (tokenizers' fuse_unk).
      if (id === this.model.unkId && ids.length && ids[ids.length - 1] === this.model.unkId && pieces[pieces.length - 1] !== undefined) {
        pieces[pieces.length - 1] += text;
        continue;
      }
      ids.push(id);
      pieces.push(id === this.model.unkId ? text : this.model.pieces[id]![0]);
    }
  }

  /** Text of piece ids (specials dropped, "▁" -> space, leading space trimmed). */
  decode(ids: ArrayLike<number>): string {
    let s = '';
    for (let i = 0; i < ids.length; i++) {
      const p = this.model.pieces[ids[i]!];
      if (!p) throw new TokenizerError(`token id ${ids[i]} at position ${i} is outside the vocabulary (size ${this.model.pieces.length}); the ids do not come from this tokenizer.`);
      if (/^<[^<>]+>$/.test(p[0])) continue;
      s += p[0];
    }
    return s.replaceAll(METASPACE, ' ').trim();
  }
}

/**
 * The authors' whole-word ids (PeaPOD utils.compute_whole_word_id): a "_" piece and the piece before
 * it open an id span that runs over the digit pieces after it; spans are numbered 1, 2, ... in order,
 * everything else is 0.
 */
export function wholeWordIds(pieces: readonly string[]): number[] {
  const out = new Array<number>(pieces.length).fill(0);
  let span = 0;
  for (let k = 0; k < pieces.length; k++) {
    if (pieces[k] !== '_' || k === 0) continue;
    span++;
    let end = k + 1;
    while (end < pieces.length && /^\d+$/.test(pieces[end]!)) end++;
    for (let j = k - 1; j < end; j++) out[j] = span;
  }
  return out;
}
