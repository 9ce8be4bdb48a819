import { describe, expect, it, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { PAPER_PROTOCOL } from './paper-protocol.ts';
import { MAX_HISTORY } from './data/splits.ts';
import { p5TestNegatives } from './data/negatives.ts';
import { EXPLANATION_MAX_TOKENS } from './model/inputs/batch.ts';
import { DEFAULT_EVAL } from './eval/evaluate.ts';
import { heldOutSequential, validationNegatives } from './model/inputs/heldout.ts';
import { generateExplanations, recommendNext } from './model/generate/recommend.ts';
import { probRow, TableDecoder } from './model/generate/table-decoder.ts';
import type { BeamSearchOptions } from './model/generate/beam.ts';
import { buildTokenizer } from './model/tokenizer.ts';

// Every beam search the decoding helpers start, with the options they passed.
const beamCalls = vi.hoisted(() => [] as BeamSearchOptions[]);
vi.mock('./model/generate/beam.ts', async (importOriginal) => {
  const mod = await importOriginal<typeof import('./model/generate/beam.ts')>();
  return { ...mod, beamSearch: (session: Parameters<typeof mod.beamSearch>[0], opts: BeamSearchOptions) => (beamCalls.push(opts), mod.beamSearch(session, opts)) };
});

await tf.setBackend('cpu');

describe('PAPER_PROTOCOL', () => {
  it("holds the paper's protocol values", () => {
    expect(PAPER_PROTOCOL).toEqual({
      sequential: { beamWidth: 20, topK: 10, maxHistory: 20 },
      topn: { negatives: 99, negativesSeed: 2022, orderSeed: 2022 },
      explanation: { targetTokens: 20, beamWidth: 7, minLength: 10, maxLength: 49, lengthPenalty: 1, earlyStopping: true, groups: 1, diversityPenalty: 0, noRepeatNgram: 0 },
    });
    // Decoding may run past the 20-token training targets, as the reference's max_length 50 allows.
    expect(PAPER_PROTOCOL.explanation.maxLength).toBeGreaterThan(PAPER_PROTOCOL.explanation.targetTokens);
    expect(PAPER_PROTOCOL.sequential.topK).toBeLessThanOrEqual(PAPER_PROTOCOL.sequential.beamWidth);
  });

  it('is frozen all the way down', () => {
    expect(Object.isFrozen(PAPER_PROTOCOL)).toBe(true);
    for (const part of Object.values(PAPER_PROTOCOL)) expect(Object.isFrozen(part)).toBe(true);
    expect(() => {
      (PAPER_PROTOCOL.sequential as { beamWidth: number }).beamWidth = 5;
    }).toThrow(TypeError);
    expect(PAPER_PROTOCOL.sequential.beamWidth).toBe(20);
  });
});

describe('consumers read PAPER_PROTOCOL', () => {
  it("the evaluator's defaults, the history window and the explanation target cap", () => {
    expect(DEFAULT_EVAL.beamWidth).toBe(PAPER_PROTOCOL.sequential.beamWidth);
    expect(DEFAULT_EVAL.topK).toBe(PAPER_PROTOCOL.sequential.topK);
    expect(DEFAULT_EVAL.orderSeed).toBe(PAPER_PROTOCOL.topn.orderSeed);
    expect(MAX_HISTORY).toBe(PAPER_PROTOCOL.sequential.maxHistory);
    expect(EXPLANATION_MAX_TOKENS).toBe(PAPER_PROTOCOL.explanation.targetTokens);
  });

  it('held-out sequential samples keep the last maxHistory items', () => {
    const seq = Int32Array.from({ length: 30 }, (_, i) => i + 1);
    const s = heldOutSequential({ sequences: [seq] }, 0, 'test');
    expect(Array.from(s.items)).toEqual(Array.from(seq.subarray(30 - 1 - PAPER_PROTOCOL.sequential.maxHistory, 29)));
    expect(s.target).toBe(30);
  });

  it('negatives: P5 draw and validation draw default to the protocol count and seed', () => {
    const sequences = Array.from({ length: 3 }, (_, u) => Int32Array.from({ length: 50 }, (_, i) => 1 + ((u * 37 + i * 3) % 150)));
    const p5 = p5TestNegatives(sequences);
    expect(p5.map((r) => r.length)).toEqual([99, 99, 99]);
    expect(p5).toEqual(p5TestNegatives(sequences, { seed: 2022, count: 99 }));
    expect(validationNegatives({ sequences, numItems: 150 }, 7).map((r) => r.length)).toEqual([99, 99, 99]);
  });

  it('recommendNext and generateExplanations decode with the protocol settings by default', async () => {
    const items = Array.from({ length: 30 }, (_, i) => i + 1);
    const at = buildTokenizer({ idScheme: 'atomic', texts: [], users: [1], items });
    const firstStep = probRow(at.vocabSize, Object.fromEntries(items.map((i, k) => [at.itemTokens(i)[0]!, (k + 1) / 465])));
    const stop = probRow(at.vocabSize, { [at.eosId]: 1 });
    beamCalls.length = 0;
    const [next] = await recommendNext(new TableDecoder((_, prefix) => (prefix.length === 0 ? firstStep : stop), at.vocabSize, 1), at);
    expect(next!.items).toEqual([30, 29, 28, 27, 26, 25, 24, 23, 22, 21]);
    expect(beamCalls).toHaveLength(1);
    expect(beamCalls[0]).toMatchObject({ beamWidth: 20, numReturn: 10 });

    const p5 = buildTokenizer({ idScheme: 'p5', texts: ['good great tone'], users: [1], items: [5] });
    const word = probRow(p5.vocabSize, { [p5.tokenId('good')]: 0.6, [p5.eosId]: 0.4 });
    beamCalls.length = 0;
    const [text] = await generateExplanations(new TableDecoder(() => word, p5.vocabSize, 1), p5);
    // </s> is banned for the first minLength steps; from then on one sentence finishes per step (the
    // only other live beam continues with 'good'), and early stopping ends the search once beamWidth
    // have finished. Ranked by log-probability / length, the longest of them wins: n 'good's score
    // (n log .6 + log .4) / (n + 1), which grows with n (tokens exclude </s>).
    const { minLength, beamWidth } = PAPER_PROTOCOL.explanation;
    expect(text!.tokens.length).toBe(minLength + beamWidth - 1);
    expect(beamCalls).toHaveLength(1);
    expect(beamCalls[0]).toMatchObject({ beamWidth: 7, numReturn: 1, minLength: 10, maxLength: 49, lengthPenalty: 1, earlyStopping: true, groups: 1, diversityPenalty: 0, noRepeatNgram: 0 });
  });
});
