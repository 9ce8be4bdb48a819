import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { beamSearch } from './beam.ts';
import { BANNED_LOGIT, withFirstStepBan } from './first-step-ban.ts';
import { probRow, TableDecoder } from './table-decoder.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const V = 6;
const EOS = 1;

/** Logits that encode (example, generated prefix), so every value can be checked exactly. */
function table(example: number, prefix: readonly number[]): Float32Array {
  const row = new Float32Array(V);
  for (let t = 0; t < V; t++) row[t] = 100 * example + 10 * prefix.length + t;
  return row;
}

/** A logits row with every banned entry (BANNED_LOGIT added) shown as 'x'. */
const shown = (row: number[]): (number | 'x')[] => row.map((v) => (v < BANNED_LOGIT / 2 ? 'x' : v));

describe('withFirstStepBan', () => {
  it('bans each example its own tokens at the first step only, following rows through reorders', () => {
    const dec = withFirstStepBan(new TableDecoder(table, V, 2), [[2, 5], [3]]);
    const s = dec.startSession();
    s.reorder(Int32Array.from([1, 0, 0])); // rows: example 1, 0, 0
    const l1 = s.step(new Int32Array(3)).arraySync();
    expect(shown(l1[0]!)).toEqual([100, 101, 102, 'x', 104, 105]);
    expect(shown(l1[1]!)).toEqual([0, 1, 'x', 3, 4, 'x']);
    expect(l1[2]).toEqual(l1[1]);
    const l2 = s.step(Int32Array.from([4, 4, 3])).arraySync();
    expect(l2[0]).toEqual([110, 111, 112, 113, 114, 115]); // second step untouched
    expect(l2[1]).toEqual([10, 11, 12, 13, 14, 15]);
    s.dispose();
  });

  it('stepAt bans by column: the ban follows the token, not its position', () => {
    const dec = withFirstStepBan(new TableDecoder(table, V, 1), [[4]]);
    const s = dec.startSession();
    expect(shown(s.stepAt!(new Int32Array(1), Int32Array.from([4, 0, 5])).arraySync()[0]!)).toEqual(['x', 0, 5]);
    s.dispose();
  });

  it('beam search then returns the best tokens that are not banned', async () => {
    const probs = (_example: number, prefix: readonly number[]): Float32Array =>
      prefix.length === 0 ? probRow(V, { 2: 0.5, 3: 0.3, 4: 0.15, 5: 0.05 }) : probRow(V, { [EOS]: 1 });
    const plain = await beamSearch(new TableDecoder(probs, V, 1).startSession(), { beamWidth: 2, maxLength: 2, eosId: EOS, numReturn: 2 });
    expect(plain[0]!.map((h) => Array.from(h.tokens))).toEqual([[2], [3]]);
    const banned = await beamSearch(withFirstStepBan(new TableDecoder(probs, V, 1), [[2]]).startSession(), { beamWidth: 2, maxLength: 2, eosId: EOS, numReturn: 2 });
    expect(banned[0]!.map((h) => Array.from(h.tokens))).toEqual([[3], [4]]);
    expect(banned[0]![0]!.logProb).toBeCloseTo(Math.log(0.3 / 0.5), 5); // the model's own distribution, renormalised without the banned token
  });

  it('passes teacher forcing through, and refuses a ban list count that is not the batch size', () => {
    const inner = new TableDecoder(table, V, 2);
    const dec = withFirstStepBan(inner, [[2], [3]]);
    const args = [Int32Array.from([1, 0]), Int32Array.from([0, 2, 0, 3]), 2] as const;
    expect(dec.teacherForced(...args).arraySync()).toEqual(inner.teacherForced(...args).arraySync());
    expect(() => withFirstStepBan(inner, [[2]])).toThrow(/1 ban lists for 2 examples/);
  });
});
