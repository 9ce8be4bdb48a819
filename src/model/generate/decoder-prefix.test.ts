import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { withDecoderPrefix } from './decoder-prefix.ts';
import { TableDecoder } from './table-decoder.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const V = 6;
const START = 0;
const EOS = 1;

/** Logits that encode (example, generated prefix) so every step's input can be read back exactly. */
function table(example: number, prefix: readonly number[]): Float32Array {
  const row = new Float32Array(V);
  for (let t = 0; t < V; t++) row[t] = 1000 * example + 10 * prefix.length + (prefix.length ? prefix[prefix.length - 1]! : 0) + t / 100;
  return row;
}

describe('withDecoderPrefix', () => {
  it('starts after the prefix: the first step sees [p1..pn], later steps extend it, reorders keep rows with their examples', () => {
    const inner = new TableDecoder(table, V, 2);
    const prior = tf.tensor2d([
      [0, 0, 0.5, 0, 0, 0],
      [0, 0, 0, 0, 0.25, 0],
    ]);
    const dec = withDecoderPrefix(inner, Int32Array.from([2, 3, 4, 5, 4, 3]), 3, { startId: START, prior, endOfId: { eos: EOS, logit: 30 } });
    const s = dec.startSession();
    // Prefill fed the start token and p1, p2 (3 steps of 2 rows) before the first outer step.
    expect(inner.sessions[0]!.stepRows).toEqual([2, 2, 2]);
    const l1 = s.step(Int32Array.of(START, START)).arraySync();
    // Row 0 = example 0 after prefix [2, 3, 4]: 10*3 + 4; row 1 = example 1 after [5, 4, 3].
    expect(l1[0]![3]).toBeCloseTo(34.03, 4);
    expect(l1[0]![2]).toBeCloseTo(34.02 + 0.5, 4); // prior of example 0 at the first step only
    expect(l1[1]![4]).toBeCloseTo(1033.04 + 0.25, 4);
    s.reorder(Int32Array.of(1, 1, 0));
    const l2 = s.stepAt!(Int32Array.of(2, 5, 3), Int32Array.of(EOS, 5)).arraySync();
    // Second step: end-of-id on </s>, no prior; rows now example 1, 1, 0 with one more token.
    expect(l2[0]![0]).toBeCloseTo(1000 + 42 + 0.01 + 30, 3);
    expect(l2[1]![1]).toBeCloseTo(1000 + 45 + 0.05, 3);
    expect(l2[2]![0]).toBeCloseTo(43 + 0.01 + 30, 3);
    const l3 = s.step(Int32Array.of(1, 1, 1)).arraySync();
    expect(l3[0]![EOS]).toBeCloseTo(1000 + 51 + 0.01, 3); // third step: nothing added
    s.dispose();
    expect(inner.sessions[0]!.disposed).toBe(true);
    prior.dispose();
  });

  it('an empty prefix is the plain decoder with the prior at its first step', () => {
    const inner = new TableDecoder(table, V, 1);
    const dec = withDecoderPrefix(inner, new Int32Array(0), 0, { startId: START });
    const s = dec.startSession();
    expect(inner.sessions[0]!.stepRows).toEqual([]);
    expect(Array.from(s.step(Int32Array.of(START)).dataSync())).toEqual(Array.from(table(0, [])));
    s.dispose();
  });

  it('teacher forcing prepends the prefix and adds the prior and end-of-id at the outer positions', () => {
    const inner = new TableDecoder(table, V, 2);
    const prior = tf.tensor2d([
      [0, 0, 1, 0, 0, 0],
      [0, 0, 0, 2, 0, 0],
    ]);
    const dec = withDecoderPrefix(inner, Int32Array.from([4, 5, 2, 3]), 2, { startId: START, prior, endOfId: { eos: EOS, logit: 30 } });
    const out = dec.teacherForced(Int32Array.of(1, 0), Int32Array.from([START, 3, START, 2]), 2).arraySync();
    // Row 0: example 1, [start, 2, 3 | 3]: position 0 after prefix [2, 3], position 1 after [2, 3, 3].
    expect(out[0]![0]![3]).toBeCloseTo(1000 + 23 + 0.03 + 2, 4);
    expect(out[0]![1]![EOS]).toBeCloseTo(1000 + 33 + 0.01 + 30, 4);
    expect(out[1]![0]![2]).toBeCloseTo(25 + 0.02 + 1, 4);
    expect(out[1]![1]![4]).toBeCloseTo(32 + 0.04, 4);
    prior.dispose();
  });

  it('refuses a first step that is not the start token, and prefixes of the wrong size', () => {
    const inner = new TableDecoder(table, V, 1);
    const s = withDecoderPrefix(inner, Int32Array.of(3), 1, { startId: START }).startSession();
    expect(() => s.step(Int32Array.of(4))).toThrow(/start token/);
    s.dispose();
    expect(() => withDecoderPrefix(inner, Int32Array.of(3, 4, 5), 2, { startId: START })).toThrow(/1 examples x 2/);
  });
});
