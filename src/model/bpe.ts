// Byte-pair-encoding sub-words for the word tokenizer (tokenizer.ts, `words: 'bpe'`): learned from the
// training text only, so ordinary words are never <unk> (every character seen in training is a base
// symbol) and frequent words stay one piece. Pure JS, no tensors, no I/O.
//
// A word (a run of letters, a run of digits, or one punctuation character, as tokenizer.ts splits
// text) is written as its characters with "▁" glued to the first ("guitar" -> "▁g" "u" "i" "t" "a"
// "r"); learning repeatedly merges the most frequent adjacent pair (counted over word frequencies,
// ties: the pair whose merged string sorts first) until `merges` merges are learnt or no pair occurs
// twice. Encoding applies the learnt merges in their order of rank (standard BPE); decoding starts a
// word at every "▁" piece and glues the others to it.
import { TokenizerError } from './errors.ts';
import { METASPACE } from './sentencepiece.ts';

export { METASPACE };

/** Base symbols of a word: its characters, the first carrying "▁" (alone, "▁" is not a piece). */
export function wordSymbols(word: string): string[] {
  const chars = [...word];
  if (chars.length === 0) return [];
  chars[0] = METASPACE + chars[0];
  return chars;
}

export interface BpeModel {
  /** Base symbols, most frequent first (ties: code-unit order). */
  alphabet: string[];
  /** Learnt merges in rank order; merge k creates the piece left + right. */
  merges: [string, string][];
}

/**
 * Learns BPE merges from word counts. Deterministic: the same counts give the same model whatever
 * the map's insertion order.
 */
export function learnBpe(wordCounts: ReadonlyMap<string, number>, maxMerges: number): BpeModel {
  const words = [...wordCounts].filter(([w, c]) => w.length > 0 && c > 0).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const symId = new Map<string, number>();
  const symStr: string[] = [];
  const intern = (s: string): number => {
    let id = symId.get(s);
    if (id === undefined) {
      id = symStr.length;
      symId.set(s, id);
      symStr.push(s);
    }
    return id;
  };
  const baseCount = new Map<string, number>();
  const seqs: number[][] = words.map(([w, c]) => {
    const syms = wordSymbols(w);
    for (const s of syms) baseCount.set(s, (baseCount.get(s) ?? 0) + c);
    return syms.map(intern);
  });
  const freq = words.map(([, c]) => c);
  // Both forms of every character seen (word-initial "▁c" and inner "c"), so a new word made of
  // training characters always has pieces.
  for (const sym of [...baseCount.keys()]) {
    const ch = sym.startsWith(METASPACE) ? sym.slice(METASPACE.length) : sym;
    for (const form of [ch, METASPACE + ch]) if (!baseCount.has(form)) baseCount.set(form, 0);
  }
  const alphabet = [...baseCount].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([s]) => s);
  // Pair statistics: count per pair key and the words holding it.
  const SHIFT = 2 ** 21;
  const key = (a: number, b: number): number => a * SHIFT + b;
  const pairCount = new Map<number, number>();
  const where = new Map<number, Set<number>>();
  const addWord = (wi: number, sign: number): void => {
    const s = seqs[wi]!;
    for (let i = 0; i + 1 < s.length; i++) {
      const k = key(s[i]!, s[i + 1]!);
      pairCount.set(k, (pairCount.get(k) ?? 0) + sign * freq[wi]!);
      if (sign > 0) {
        let set = where.get(k);
        if (!set) where.set(k, (set = new Set()));
        set.add(wi);
      }
    }
  };
  for (let wi = 0; wi < seqs.length; wi++) addWord(wi, 1);
  const merges: [string, string][] = [];
  while (merges.length < maxMerges) {
    let best = -1;
    let bestCount = 0;
    let bestStr = '';
    for (const [k, c] of pairCount) {
      if (c <= 0) {
        pairCount.delete(k);
        where.delete(k);
        continue;
      }
      if (c < 2 || (best >= 0 && c < bestCount)) continue; // a pair must occur at least twice
      const str = symStr[Math.floor(k / SHIFT)]! + symStr[k % SHIFT]!;
      if (best < 0 || c > bestCount || str < bestStr) {
        best = k;
        bestCount = c;
        bestStr = str;
      }
    }
    if (best < 0) break;
    const a = Math.floor(best / SHIFT);
    const b = best % SHIFT;
    if (symStr.length >= SHIFT) throw new TokenizerError(`BPE learning ran past ${SHIFT} symbols; ask for fewer merges.`);
    const merged = intern(symStr[a]! + symStr[b]!);
    merges.push([symStr[a]!, symStr[b]!]);
    const holders = [...(where.get(best) ?? [])].sort((x, y) => x - y);
    for (const wi of holders) {
      addWord(wi, -1);
      const s = seqs[wi]!;
      const out: number[] = [];
      for (let i = 0; i < s.length; i++) {
        if (i + 1 < s.length && s[i] === a && s[i + 1] === b) {
          out.push(merged);
          i++;
        } else out.push(s[i]!);
      }
      seqs[wi] = out;
      addWord(wi, 1);
    }
    pairCount.delete(best);
    where.delete(best);
  }
  return { alphabet, merges };
}

/** Applies learnt merges to words (cached per word). */
export class BpeEncoder {
  private readonly rank = new Map<string, number>();
  private readonly cache = new Map<string, string[]>();

  constructor(merges: readonly (readonly [string, string])[]) {
    merges.forEach(([a, b], i) => {
      const k = `${a}\u0000${b}`;
      if (!this.rank.has(k)) this.rank.set(k, i);
    });
  }

  /** The pieces of one word (no whitespace inside). */
  encodeWord(word: string): string[] {
    const hit = this.cache.get(word);
    if (hit) return hit;
    const s = wordSymbols(word);
    for (;;) {
      let bestRank = Infinity;
      let at = -1;
      for (let i = 0; i + 1 < s.length; i++) {
        const r = this.rank.get(`${s[i]}\u0000${s[i + 1]}`);
        if (r !== undefined && r < bestRank) {
          bestRank = r;
          at = i;
        }
      }
      if (at < 0) break;
      s.splice(at, 2, s[at]! + s[at + 1]!);
    }
    if (this.cache.size < 100_000) this.cache.set(word, s);
    return s;
  }
}

/** English clitics written after an apostrophe ("don't", "it's"): decode glues "' t" back to "'t". */
const CLITICS = new Set(['s', 't', 're', 've', 'll', 'd', 'm']);

/**
 * Words as they are shown: punctuation attached to the previous word (".", ",", ...), an apostrophe
 * between a word and a clitic glued on both sides ("don ' t" -> "don't"), the rest space-separated.
 */
export function joinWords(words: readonly string[]): string {
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === "'" && out.length && /\p{L}$/u.test(out[out.length - 1]!) && CLITICS.has(words[i + 1] ?? '')) {
      out[out.length - 1] += `'${words[i + 1]}`;
      i++;
      continue;
    }
    if (/^[.,!?;:)\]}%]$/u.test(w) && out.length) out[out.length - 1] += w;
    else out.push(w);
  }
  return out.join(' ');
}
