// The precomputed example a pack ships (example.json): one user's history, neighbours with
// similarities, attention per head, prompt vectors, top-10 next items with scores, the top-n ranking
// and (when trained) an explanation, computed with the real model at export time so the app can show
// it before the model has loaded. JSON shape = the app's ExampleView (src/runtime/protocol.ts);
// train may not import runtime, so the shape is restated here. Must not write files.
import * as tf from '@tensorflow/tfjs-core';
import { disposeEncoderOutput, type PeapodModel } from '../model/peapod.ts';
import type { Tokenizer } from '../model/tokenizer.ts';
import { peapodDecoder } from '../model/generate/peapod-decoder.ts';
import { sequentialDecoder, sequentialEncoderSample } from '../model/generate/sequential-decoder.ts';
import { generateExplanations, recommendNext } from '../model/generate/recommend.ts';
import { rankCandidates } from '../model/generate/topn.ts';
import { collate, disposeBatch, toTensors, type Sample } from '../model/inputs/batch.ts';
import { disposeCollab, gatherCollab, type CollabTables } from '../model/inputs/collab.ts';
import { heldOutSequential, heldOutTopn } from '../model/inputs/heldout.ts';
import { PAPER_PROTOCOL } from '../paper-protocol.ts';

interface ItemRef {
  id: number;
  name: string;
}
interface ScoredItem {
  item: ItemRef;
  score: number;
}
export interface ExampleJson {
  pack: string;
  result: {
    user: { index: number; label: string; history: ItemRef[]; testItem: ItemRef; neighbours: { index: number; datasetId: string; similarity: number }[] };
    whatIf: { masked: number[]; n: number; individualOnly: boolean };
    attention: { neighbours: number[]; weights: number[][]; mean: number[] } | null;
    prompt: { task: number[][]; collaborative: number[][] };
    sequential: ScoredItem[];
    topn: { ranked: ScoredItem[]; positive: number } | null;
    constrained: boolean;
    evaluation: boolean;
    elapsedMs: number;
  };
  explanation?: { item: ItemRef; text: string };
}

export interface ExampleInputs {
  packId: string;
  model: PeapodModel;
  tok: Tokenizer;
  sequences: readonly Int32Array[];
  userIds: ArrayLike<number>;
  itemNames: readonly string[];
  collab: CollabTables;
  neighbourSimilarity: Float32Array;
  neighbours: number;
  testNegatives: readonly ArrayLike<number>[];
  /** An explanation item for the user, when the pack has the task. */
  explanationItem?: number;
  user: number;
  maxInputTokens: number;
}

function round(x: number, digits = 5): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function rows(t: tf.Tensor, b: number): number[][] {
  // t: [B, P, d] -> row b as P x d nested arrays.
  const [, p, d] = t.shape as [number, number, number];
  const data = t.dataSync();
  const out: number[][] = [];
  for (let i = 0; i < p; i++) out.push(Array.from(data.subarray((b * p + i) * d, (b * p + i + 1) * d), (x) => round(x, 4)));
  return out;
}

/** Computes the example for `user` in the evaluation view (history without the held-out test item). */
export async function buildExample(x: ExampleInputs): Promise<ExampleJson> {
  const t0 = performance.now();
  const u = x.user;
  const ref = (id: number): ItemRef => ({ id, name: x.itemNames[id] ?? `item_${id}` });
  const seq = x.sequences[u]!;
  const n = x.neighbours;
  const nMax = x.collab.nMax;
  const neighbourList = Array.from({ length: nMax }, (_, k) => ({
    index: x.collab.neighbourIndices[u * nMax + k]!,
    datasetId: String(x.userIds[x.collab.neighbourIndices[u * nMax + k]!]),
    similarity: round(x.neighbourSimilarity[u * nMax + k]!),
  }));
  const collab = gatherCollab(x.collab, [u], n);
  const l = x.model.config.composer.promptLength;
  const promptOut = x.model.composePrompt('sequential', x.model.config.composer.collaborative ? collab : null, 1, [heldOutSequential(x, u, 'test').items]);
  const all = rows(promptOut.prompt, 0);
  const taskRows = x.model.config.composer.taskPrompts ? all.slice(0, l) : [];
  const collabRows = x.model.config.composer.taskPrompts ? all.slice(l) : all;
  let attention: ExampleJson['result']['attention'] = null;
  if (promptOut.attention) {
    const [, H] = promptOut.attention.shape;
    const a = promptOut.attention.dataSync();
    const weights: number[][] = [];
    for (let h = 0; h < H; h++) weights.push(Array.from(a.subarray(h * n, (h + 1) * n), (v) => round(v)));
    const mean = Array.from({ length: n }, (_, k) => round(weights.reduce((s, w) => s + w[k]!, 0) / H));
    attention = { neighbours: neighbourList.slice(0, n).map((nb) => nb.index), weights, mean };
  }
  promptOut.prompt.dispose();
  promptOut.attention?.dispose();
  promptOut.prior?.dispose();

  const encodeOne = (task: 'sequential' | 'topn' | 'explanation', s: Sample) => {
    const b = toTensors(collate(x.tok, [sequentialEncoderSample(x.model.config, s)], x.userIds, x.maxInputTokens));
    const p = x.model.composePrompt(task, x.model.config.composer.collaborative ? collab : null, 1, s.task === 'sequential' ? [s.items] : undefined);
    p.attention?.dispose();
    const enc = x.model.encode(b, p.prompt, false, p.prior);
    p.prompt.dispose();
    p.prior?.dispose();
    disposeBatch(b);
    return enc;
  };
  const seqSample = heldOutSequential(x, u, 'test');
  let enc = encodeOne('sequential', seqSample);
  const next = (await recommendNext(sequentialDecoder(x.model, enc, x.tok, [seqSample.items]), x.tok, { beamWidth: PAPER_PROTOCOL.sequential.beamWidth, topK: PAPER_PROTOCOL.sequential.topK, constrained: true }))[0]!;
  disposeEncoderOutput(enc);
  const sequential: ScoredItem[] = [];
  next.items.forEach((it, k) => {
    if (it !== null) sequential.push({ item: ref(it), score: round(next.scores[k]!) });
  });

  let topn: ExampleJson['result']['topn'] = null;
  if (x.model.config.tasks.includes('topn')) {
    const s = heldOutTopn(x, u, 'test', x.testNegatives[u]!, PAPER_PROTOCOL.topn.orderSeed);
    enc = encodeOne('topn', s);
    const r = (await rankCandidates(peapodDecoder(x.model, enc), x.tok, [s.items]))[0]!;
    disposeEncoderOutput(enc);
    topn = { ranked: r.items.map((it, k) => ({ item: ref(it), score: round(r.scores[k]!) })), positive: s.target };
  }
  let explanation: ExampleJson['explanation'];
  if (x.explanationItem !== undefined && x.model.config.tasks.includes('explanation')) {
    enc = encodeOne('explanation', { task: 'explanation', user: u, item: x.explanationItem, text: '', template: -1 });
    const r = (await generateExplanations(peapodDecoder(x.model, enc), x.tok, {}))[0]!;
    disposeEncoderOutput(enc);
    explanation = { item: ref(x.explanationItem), text: r.text };
  }
  disposeCollab(collab);
  const out: ExampleJson = {
    pack: x.packId,
    result: {
      user: {
        index: u,
        label: String(x.userIds[u]),
        history: Array.from(seq, ref),
        testItem: ref(seq[seq.length - 1]!),
        neighbours: neighbourList,
      },
      whatIf: { masked: [], n, individualOnly: false },
      attention,
      prompt: { task: taskRows, collaborative: collabRows },
      sequential,
      topn,
      constrained: true,
      evaluation: true,
      elapsedMs: Math.round(performance.now() - t0),
    },
  };
  if (explanation) out.explanation = explanation;
  return out;
}
