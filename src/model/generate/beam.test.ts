import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beamSearch, blockedNext, greedyDecode } from './beam.ts';
import { probRow, TableSession, type NextTokenTable } from './table-decoder.ts';
import { TokenTrie } from './trie.ts';
import { GenerationAbortedError, GenerationInputError } from '../errors.ts';
import type { Hypothesis, StepEvent } from './types.ts';

await tf.setBackend('cpu');

// Vocabulary: 0 pad (start), 1 </s>, 2 a, 3 b, 4 c.
const V = 5;
const [EOS, A, B, C] = [1, 2, 3, 4];
const TABLE: Record<string, Record<number, number>> = {
  '': { [A]: 0.5, [B]: 0.3, [C]: 0.2 },
  '2': { [EOS]: 0.4, [A]: 0.1, [B]: 0.5 },
  '3': { [EOS]: 0.9, [C]: 0.1 },
  '4': { [EOS]: 1 },
  '2,3': { [EOS]: 1 },
  '2,2': { [EOS]: 0.6, [C]: 0.4 },
  '3,4': { [EOS]: 1 },
  '2,2,4': { [EOS]: 1 },
};
const handTable: NextTokenTable = (_example, prefix) => probRow(V, TABLE[prefix.join(',')] ?? { [EOS]: 1 });
const session = (table = handTable, batch = 1): TableSession => new TableSession(table, V, batch);
const simple = (hs: Hypothesis[]): [number[], number][] => hs.map((h) => [[...h.tokens], Math.exp(h.logProb)]);

describe('beamSearch on a hand-built table', () => {
  it('finds the exact best sequences and probabilities (width 2)', async () => {
    // step 0: a .5, b .3 live. step 1: b</s> .27 (rank 0, finished), ab .25, a</s> .2 (rank 2: dropped,
    // as in HF), aa .05. step 2: ab</s> .25, aa</s> .03, aac .02 -> done: .27 .25 beat any live beam.
    const out = await beamSearch(session(), { beamWidth: 2, maxLength: 5 });
    expect(out).toHaveLength(1);
    const got = simple(out[0]!);
    expect(got.map((g) => g[0])).toEqual([[B], [A, B]]);
    expect(got[0]![1]).toBeCloseTo(0.27, 6);
    expect(got[1]![1]).toBeCloseTo(0.25, 6);
    expect(out[0]!.every((h) => h.finished && h.score === h.logProb)).toBe(true);
  });

  it('greedy takes the locally best token and differs from the beam result here', async () => {
    const [g] = await greedyDecode(session(), { maxLength: 5 });
    expect([...g!.tokens]).toEqual([A, B]);
    expect(Math.exp(g!.logProb)).toBeCloseTo(0.25, 6);
    expect(g!.finished).toBe(true);
  });

  it('forbids </s> before minLength', async () => {
    // step 1 without </s>: ab .25, aa .05 (bc .03 third). step 2: aa can stop at .03 or go on with c.
    const out = await beamSearch(session(), { beamWidth: 2, maxLength: 5, minLength: 2 });
    const got = simple(out[0]!);
    expect(got.map((g) => g[0])).toEqual([[A, B], [A, A]]);
    expect(got[1]![1]).toBeCloseTo(0.03, 6);
  });

  it('applies the length penalty to the ranking (alpha 1: logProb / length)', async () => {
    const out = await beamSearch(session(), { beamWidth: 2, maxLength: 5, lengthPenalty: 1 });
    // b</s>: ln .27 / 2 = -0.655; ab</s>: ln .25 / 3 = -0.462.
    expect(out[0]!.map((h) => [...h.tokens])).toEqual([[A, B], [B]]);
    expect(out[0]![0]!.score).toBeCloseTo(Math.log(0.25) / 3, 6);
    expect(out[0]![1]!.score).toBeCloseTo(Math.log(0.27) / 2, 6);
  });

  it('early stopping ends a search once beamWidth sentences finished, as Hugging Face does', async () => {
    const table: NextTokenTable = (_e, prefix) =>
      probRow(V, ({ '': { [A]: 0.6, [B]: 0.4 }, '2': { [EOS]: 0.5, [A]: 0.5 }, '3': { [EOS]: 0.5, [B]: 0.5 }, '2,2': { [A]: 0.99, [EOS]: 0.01 }, '3,3': { [EOS]: 1 } } as Record<string, Record<number, number>>)[prefix.join(',')] ?? { [EOS]: 1 });
    // step 1: a</s> .3 finishes (rank 0); b</s> .2 ranks third and is dropped; aa and bb live.
    // step 2: aaa .297 lives, bb</s> .2 finishes (rank 1): two finished = beamWidth, so early stopping
    // ends here and bb</s> (ln .2 / 3 = -0.536) beats a</s> (ln .3 / 2 = -0.602). Without it, the
    // exact bound sees that aaa could still win (ln .297 / 5 > -0.602), and aaa</s> (ln .297 / 4) does.
    const early = await beamSearch(session(table), { beamWidth: 2, maxLength: 6, lengthPenalty: 1, earlyStopping: true });
    expect(early[0]!.map((h) => [...h.tokens])).toEqual([[B, B], [A]]);
    expect(early[0]![0]!.score).toBeCloseTo(Math.log(0.2) / 3, 6);
    const exact = await beamSearch(session(table), { beamWidth: 2, maxLength: 6, lengthPenalty: 1 });
    expect(exact[0]![0]!.tokens).toEqual(Int32Array.from([A, A, A]));
    expect(exact[0]![0]!.score).toBeCloseTo(Math.log(0.297) / 4, 6);
  });

  it('only spells sequences of the constraint', async () => {
    const trie = new TokenTrie([[C], [A, A]], EOS);
    // step 0: a .5, c .2. step 1: c</s> .2, aa .05. step 2: aa</s> .03.
    const out = await beamSearch(session(), { beamWidth: 2, maxLength: 5, constraint: trie });
    const got = simple(out[0]!);
    expect(got.map((g) => g[0])).toEqual([[C], [A, A]]);
    expect(got[0]![1]).toBeCloseTo(0.2, 6);
    expect(got[1]![1]).toBeCloseTo(0.03, 6);
    const [g] = await greedyDecode(session(), { maxLength: 5, constraint: trie });
    expect([...g!.tokens]).toEqual([A, A]);
    expect(Math.exp(g!.logProb)).toBeCloseTo(0.03, 6);
  });

  it('reports unfinished hypotheses cut at maxLength', async () => {
    const out = await beamSearch(session(), { beamWidth: 2, maxLength: 1 });
    expect(out[0]!.map((h) => [[...h.tokens], h.finished])).toEqual([[[A], false], [[B], false]]);
  });

  it('streams the best hypothesis every step and stops on abort', async () => {
    const events: StepEvent[] = [];
    await beamSearch(session(), { beamWidth: 2, maxLength: 5, onStep: (e) => events.push(e) });
    expect(events.map((e) => e.step)).toEqual([0, 1, 2]);
    expect([...events[0]!.best[0]!.tokens]).toEqual([A]);
    expect(events[2]!.done).toEqual([true]);

    const ctrl = new AbortController();
    const s = session();
    const run = beamSearch(s, { beamWidth: 2, maxLength: 5, signal: ctrl.signal, onStep: (e) => e.step === 0 && ctrl.abort() });
    await expect(run).rejects.toBeInstanceOf(GenerationAbortedError);
    expect(s.disposed).toBe(true);
  });

  it('rejects bad options', async () => {
    await expect(beamSearch(session(), { beamWidth: 0, maxLength: 3 })).rejects.toBeInstanceOf(GenerationInputError);
    await expect(beamSearch(session(), { beamWidth: 2, maxLength: 3, minLength: 3 })).rejects.toThrow(/minLength/);
  });
});

/** Deterministic pseudo-random table: a different distribution for every (example, prefix). */
function randomTable(vocab: number, seed: number): NextTokenTable {
  return (example, prefix) => {
    let h = (seed * 2654435761 + example * 40503) >>> 0;
    for (const t of prefix) h = Math.imul(h ^ (t + 17), 2246822519) >>> 0;
    const row = new Float32Array(vocab);
    let sum = 0;
    for (let i = 0; i < vocab; i++) {
      h = Math.imul(h ^ (h >>> 15), 2654435761) >>> 0;
      row[i] = i === 0 ? 0 : Math.exp(3 * (h / 2 ** 32));
      sum += row[i]!;
    }
    return row.map((x) => Math.log(x / sum));
  };
}

/** All sequences up to maxLength, by enumeration (only for tiny vocabularies). */
function exhaustive(table: NextTokenTable, vocab: number, example: number, maxLength: number): { tokens: number[]; lp: number; finished: boolean }[] {
  const out: { tokens: number[]; lp: number; finished: boolean }[] = [];
  const walk = (prefix: number[], lp: number): void => {
    const row = table(example, prefix);
    for (let t = 0; t < vocab; t++) {
      if (row[t] === -Infinity) continue;
      if (t === EOS) out.push({ tokens: prefix, lp: lp + row[t]!, finished: true });
      else if (prefix.length + 1 === maxLength) out.push({ tokens: [...prefix, t], lp: lp + row[t]!, finished: false });
      else walk([...prefix, t], lp + row[t]!);
    }
  };
  walk([], 0);
  return out.sort((a, b) => b.lp - a.lp);
}

describe('blocking repeated n-grams (noRepeatNgram)', () => {
  it('blockedNext names the tokens that would complete an earlier n-gram', () => {
    expect(blockedNext([A, B, A], 2)).toEqual(new Set([B]));
    expect(blockedNext([A, B, C, A, B], 3)).toEqual(new Set([C]));
    expect(blockedNext([A, A], 2)).toEqual(new Set([A]));
    expect(blockedNext([A, B, C], 1)).toEqual(new Set([A, B, C]));
    expect(blockedNext([A, B], 3)).toBeNull();
    expect(blockedNext([], 2)).toBeNull();
  });

  it('a model that stutters ("a a a ...") is kept from repeating any bigram', async () => {
    // Next token depends on the last one only, and "a" always wins: unblocked beams are all a's.
    const stutter: NextTokenTable = (_e, prefix) => {
      const last = prefix.at(-1);
      const rows: Record<string, Record<number, number>> = {
        start: { [A]: 0.9, [B]: 0.05, [C]: 0.05 },
        [A]: { [A]: 0.7, [B]: 0.15, [C]: 0.1, [EOS]: 0.05 },
        [B]: { [A]: 0.6, [C]: 0.2, [B]: 0.1, [EOS]: 0.1 },
        [C]: { [A]: 0.5, [B]: 0.3, [C]: 0.1, [EOS]: 0.1 },
      };
      return probRow(V, rows[last === undefined ? 'start' : String(last)]!);
    };
    const plain = await beamSearch(session(stutter), { beamWidth: 3, minLength: 5, maxLength: 6 });
    expect([...plain[0]![0]!.tokens]).toEqual([A, A, A, A, A, A]);
    const blocked = await beamSearch(session(stutter), { beamWidth: 3, minLength: 5, maxLength: 6, noRepeatNgram: 2 });
    for (const h of blocked[0]!) {
      const grams = [...h.tokens].slice(1).map((t, i) => `${h.tokens[i]},${t}`);
      expect(new Set(grams).size).toBe(grams.length);
    }
    // a a b a c ... : after "a a" the pair (a, a) is used up.
    expect([...blocked[0]![0]!.tokens].slice(0, 3)).toEqual([A, A, B]);
  });

  it('with a beam wider than the search space it returns the exact top-k of the sequences without a repeated bigram', async () => {
    const vocab = 4;
    const table = randomTable(vocab, 11);
    const s = new TableSession(table, vocab, 2);
    const out = await beamSearch(s, { beamWidth: 64, numReturn: 8, maxLength: 5, noRepeatNgram: 2, selection: 'tf' });
    const noRepeat = (t: number[]) => new Set(t.slice(1).map((x, i) => `${t[i]},${x}`)).size === Math.max(0, t.length - 1);
    for (let b = 0; b < 2; b++) {
      const want = exhaustive(table, vocab, b, 5).filter((w) => noRepeat(w.tokens)).slice(0, 8);
      expect(out[b]!.map((h) => [...h.tokens])).toEqual(want.map((w) => w.tokens));
      out[b]!.forEach((h, i) => expect(h.logProb).toBeCloseTo(want[i]!.lp, 5));
    }
  });

  it('rejects a negative or fractional size', async () => {
    await expect(beamSearch(session(), { beamWidth: 2, maxLength: 3, noRepeatNgram: -1 })).rejects.toThrow(/noRepeatNgram/);
    await expect(beamSearch(session(), { beamWidth: 2, maxLength: 3, noRepeatNgram: 1.5 })).rejects.toThrow(/noRepeatNgram/);
    await expect(greedyDecode(session(), { maxLength: 3, noRepeatNgram: 2 })).rejects.toThrow(/beam search option/);
  });
});

describe('beamSearch against exhaustive search', () => {
  it('with a beam wider than the search space it returns the exact top-k, in both selection modes', async () => {
    const vocab = 4; // pad (never generated), </s>, two tokens
    const table = randomTable(vocab, 7);
    for (const selection of ['tf', 'js'] as const) {
      const s = new TableSession(table, vocab, 3);
      const out = await beamSearch(s, { beamWidth: 64, numReturn: 10, maxLength: 4, selection });
      for (let b = 0; b < 3; b++) {
        const want = exhaustive(table, vocab, b, 4).slice(0, 10);
        expect(out[b]!.map((h) => [...h.tokens]), `${selection} example ${b}`).toEqual(want.map((w) => w.tokens));
        out[b]!.forEach((h, i) => expect(h.logProb).toBeCloseTo(want[i]!.lp, 5));
      }
    }
  });

  it('tf and js selection agree, batches match single runs, beams are sorted, one step call per step', async () => {
    const vocab = 30;
    const table = randomTable(vocab, 3);
    const opts = { beamWidth: 5, maxLength: 6, minLength: 1 };
    const s1 = new TableSession(table, vocab, 4);
    const tfOut = await beamSearch(s1, { ...opts, selection: 'tf' });
    const jsOut = await beamSearch(new TableSession(table, vocab, 4), { ...opts, selection: 'js' });
    expect(jsOut.map((o) => o.map((h) => [...h.tokens]))).toEqual(tfOut.map((o) => o.map((h) => [...h.tokens])));
    for (const list of tfOut) for (let i = 1; i < list.length; i++) expect(list[i - 1]!.score).toBeGreaterThanOrEqual(list[i]!.score);
    // Batched rows: first step one row per example, then at most 4 x 5 beams.
    expect(s1.stepRows[0]).toBe(4);
    expect(Math.max(...s1.stepRows)).toBeLessThanOrEqual(20);
    // Example 2 alone (its table ignores the batch position only through `example`).
    const shifted: NextTokenTable = (_e, p) => table(2, p);
    const single = await beamSearch(new TableSession(shifted, vocab, 1), opts);
    expect(single[0]!.map((h) => [...h.tokens])).toEqual(tfOut[2]!.map((h) => [...h.tokens]));
  });

  it('beam width 1 equals greedy on random tables', async () => {
    const vocab = 12;
    for (let seed = 1; seed <= 5; seed++) {
      const table = randomTable(vocab, seed);
      const beam = await beamSearch(new TableSession(table, vocab, 3), { beamWidth: 1, maxLength: 7, minLength: 2 });
      const greedy = await greedyDecode(new TableSession(table, vocab, 3), { maxLength: 7, minLength: 2 });
      for (let b = 0; b < 3; b++) {
        expect([...beam[b]![0]!.tokens]).toEqual([...greedy[b]!.tokens]);
        expect(beam[b]![0]!.logProb).toBeCloseTo(greedy[b]!.logProb, 5);
        expect(beam[b]![0]!.finished).toBe(greedy[b]!.finished);
      }
    }
  });

  it('groups without a diversity penalty equal a beamWidth / groups search (the reference: 21 beams in 3 groups = 7 beams)', async () => {
    const vocab = 12;
    for (let seed = 1; seed <= 4; seed++) {
      const table = randomTable(vocab, seed);
      for (const earlyStopping of [true, false]) {
        const o = { maxLength: 8, minLength: 2, lengthPenalty: 1, earlyStopping };
        const grouped = await beamSearch(new TableSession(table, vocab, 3), { ...o, beamWidth: 6, groups: 3, numReturn: 1 });
        const plain = await beamSearch(new TableSession(table, vocab, 3), { ...o, beamWidth: 2, numReturn: 1 });
        for (let b = 0; b < 3; b++) {
          expect([...grouped[b]![0]!.tokens]).toEqual([...plain[b]![0]!.tokens]);
          expect(grouped[b]![0]!.score).toBeCloseTo(plain[b]![0]!.score, 6);
        }
      }
    }
  });

  it('a diversity penalty steers later groups off the tokens earlier groups chose at the same step', async () => {
    // Two groups of one beam. Without a penalty both follow a -> ab</s> (.25). With one, group 1 may
    // not take a at step 0 (a costs 10) and takes b, whose b</s> (.27) finishes next step unpenalised
    // (group 0 chose b there, not </s>): the same two sentences as a plain 2-beam search.
    const same = await beamSearch(session(), { beamWidth: 2, groups: 2, maxLength: 5 });
    expect(same[0]!.map((h) => [...h.tokens])).toEqual([[A, B], [A, B]]);
    const diverse = await beamSearch(session(), { beamWidth: 2, groups: 2, diversityPenalty: 10, maxLength: 5 });
    expect(diverse[0]!.map((h) => [...h.tokens])).toEqual([[B], [A, B]]);
    expect(diverse[0]![0]!.logProb).toBeCloseTo(Math.log(0.27), 6);
    expect(diverse[0]![0]!.score).toBeCloseTo(Math.log(0.27), 6);
    await expect(beamSearch(session(), { beamWidth: 3, groups: 2, maxLength: 5 })).rejects.toThrow(/groups must be a positive integer that divides beamWidth 3/);
    await expect(beamSearch(session(), { beamWidth: 2, groups: 2, diversityPenalty: -1, maxLength: 5 })).rejects.toThrow(/diversityPenalty must be >= 0/);
  });

  it('leaves no tensors behind', async () => {
    const table = randomTable(20, 11);
    const before = tf.memory().numTensors;
    await beamSearch(new TableSession(table, 20, 2), { beamWidth: 4, maxLength: 5, selection: 'tf', minLength: 1 });
    await beamSearch(new TableSession(table, 20, 2), { beamWidth: 4, maxLength: 5, selection: 'js' });
    await greedyDecode(new TableSession(table, 20, 2), { maxLength: 5, minLength: 2 });
    expect(tf.memory().numTensors).toBe(before);
  });
});
