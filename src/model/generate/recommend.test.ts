import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { rankCandidates } from './topn.ts';
import { generateExplanations, mulberry32, recommendNext } from './recommend.ts';
import { probRow, TableDecoder, type NextTokenTable } from './table-decoder.ts';
import { buildTokenizer } from '../tokenizer.ts';
import { GenerationInputError } from '../errors.ts';

await tf.setBackend('cpu');

const p5 = buildTokenizer({ idScheme: 'p5', texts: ['good great tone'], users: [1], items: [5, 12, 123] });
const at = buildTokenizer({ idScheme: 'atomic', texts: [], users: [1], items: [5, 12, 123] });
const EOS = 1;

/** Table keyed by the token strings of the prefix ('' = start), per example. */
function tableOf(tok: typeof p5, perExample: Record<string, Record<string, number>>[]): NextTokenTable {
  return (example, prefix) => {
    const key = prefix.map((t) => tok.vocab[t]).join(' ');
    const entry = perExample[example]![key] ?? { '</s>': 1 };
    const probs: Record<number, number> = {};
    for (const [t, p] of Object.entries(entry)) probs[tok.tokenId(t)] = p;
    return probRow(tok.vocabSize, probs);
  };
}

describe('rankCandidates', () => {
  it('p5: ranks by teacher-forced sequence probability including </s>', async () => {
    // 5: .2 x .5 = .1; 12: .6 x .25 = .15; 123: .6 x .75 x 1 = .45 (example 0); example 1 prefers 5.
    const t = tableOf(p5, [
      { '': { '#5': 0.2, '#12': 0.6, '#1': 0.2 }, '#5': { '</s>': 0.5, '#3': 0.5 }, '#12': { '</s>': 0.25, '#3': 0.75 } },
      { '': { '#5': 0.9, '#12': 0.1 }, '#12': { '</s>': 0.5, '#3': 0.5 } },
    ]);
    for (const opts of [{ method: 'incremental' as const }, { method: 'teacher-forced' as const, chunkRows: 256 }, { method: 'teacher-forced' as const, chunkRows: 2 }]) {
      const out = await rankCandidates(new TableDecoder(t, p5.vocabSize, 2), p5, [[5, 12, 123], [123, 12, 5]], opts);
      expect(out[0]!.items).toEqual([123, 12, 5]);
      expect(out[0]!.scores.map(Math.exp)).toEqual([0.45, 0.15, 0.1].map((x) => expect.closeTo(x, 6)));
      expect(out[1]!.items).toEqual([5, 123, 12]); // 123 and 12 tie at .05: given order kept
      expect(out[1]!.scores.map(Math.exp)).toEqual([0.9, 0.05, 0.05].map((x) => expect.closeTo(x, 6)));
    }
    await expect(rankCandidates(new TableDecoder(t, p5.vocabSize, 2), p5, [[5]], {})).rejects.toBeInstanceOf(GenerationInputError);
    await expect(rankCandidates(new TableDecoder(t, p5.vocabSize, 1), p5, [[5]], { firstStepOnly: true })).rejects.toThrow(/atomic/);
  });

  it('atomic: first-step scores by default, full sequence on request', async () => {
    const t = tableOf(at, [{ '': { item_5: 0.5, item_12: 0.3, item_123: 0.2 }, item_5: { '</s>': 0.1, item_12: 0.9 } }]);
    const first = await rankCandidates(new TableDecoder(t, at.vocabSize, 1), at, [[123, 12, 5]]);
    expect(first[0]!.items).toEqual([5, 12, 123]);
    expect(first[0]!.scores[0]).toBeCloseTo(Math.log(0.5), 6);
    const full = await rankCandidates(new TableDecoder(t, at.vocabSize, 1), at, [[123, 12, 5]], { firstStepOnly: false });
    expect(full[0]!.items).toEqual([12, 123, 5]);
    expect(full[0]!.scores[2]).toBeCloseTo(Math.log(0.05), 6);
  });

  it('leaves no tensors behind', async () => {
    const t = tableOf(p5, [{ '': { '#5': 1 } }]);
    const before = tf.memory().numTensors;
    await rankCandidates(new TableDecoder(t, p5.vocabSize, 1), p5, [[5, 12, 123]], { method: 'teacher-forced', chunkRows: 2 });
    await rankCandidates(new TableDecoder(t, p5.vocabSize, 1), p5, [[5, 12, 123, 5]], { method: 'incremental' });
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('recommendNext', () => {
  // 123: .5 x .7 = .35; 7 (not an item): .3; 5: .2; 12: .5 x .3 = .15.
  const t = tableOf(p5, [{ '': { '#12': 0.5, '#7': 0.3, '#5': 0.2 }, '#12': { '</s>': 0.3, '#3': 0.7 } }]);
  it('reports an invalid unconstrained output as null', async () => {
    const [r] = await recommendNext(new TableDecoder(t, p5.vocabSize, 1), p5, { beamWidth: 4, topK: 3 });
    expect(r!.items).toEqual([123, null, 5]);
    expect(r!.scores.map(Math.exp)).toEqual([0.35, 0.3, 0.2].map((x) => expect.closeTo(x, 6)));
    expect(r!.replaced).toEqual([false, false, false]);
  });
  it('constrained beams spell only catalogue items', async () => {
    const [r] = await recommendNext(new TableDecoder(t, p5.vocabSize, 1), p5, { beamWidth: 4, topK: 3, constrained: true });
    expect(r!.items).toEqual([123, 5, 12]);
  });
  it('replaces invalid outputs by a seeded random item not already listed', async () => {
    const [r] = await recommendNext(new TableDecoder(t, p5.vocabSize, 1), p5, { beamWidth: 4, topK: 3, invalid: 'random', seed: 9 });
    expect(r!.items).toEqual([123, 12, 5]); // 12 is the only item left
    expect(r!.replaced).toEqual([false, true, false]);
  });
  it('mulberry32 is deterministic and in [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(new Set(xs).size).toBe(1000);
  });
});

describe('generateExplanations', () => {
  it('respects the minimum length and streams text', async () => {
    const t = tableOf(p5, [{ '': { good: 0.6, '</s>': 0.4 }, good: { '</s>': 0.7, great: 0.3 }, 'good great': { '</s>': 0.9, great: 0.1 } }]);
    const texts: string[] = [];
    const [r] = await generateExplanations(new TableDecoder(t, p5.vocabSize, 1), p5, { minLength: 2, beamWidth: 2, onText: (x) => texts.push(x[0]!) });
    expect(r!.text).toBe('good great');
    expect(Math.exp(r!.logProb)).toBeCloseTo(0.6 * 0.3 * 0.9, 6);
    // Early stopping (the protocol's) waits for beamWidth finished sentences: one more step.
    expect(texts).toEqual(['good', 'good great', 'good great', 'good great']);
    expect(EOS).toBe(p5.eosId);
  });
});
