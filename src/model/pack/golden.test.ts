import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { atomicConstrainedNext } from '../../eval/atomic-next.ts';
import { peapodDecoder } from '../generate/peapod-decoder.ts';
import { sequentialDecoder } from '../generate/sequential-decoder.ts';
import { END_OF_ID_LOGIT, PeapodModel, disposeEncoderOutput } from '../peapod.ts';
import { disposeParams, type ParamMap } from '../params.ts';
import { buildTokenizer } from '../tokenizer.ts';
import type { PeapodConfig, TaskName } from '../types.ts';
import { fromCheckpoint } from './hf-names.ts';
import { parseSafetensors } from './safetensors.ts';

// Cross-framework golden test: tools/torch/make_golden.py builds tiny models with the PyTorch model
// of tools/torch/peapod_t5.py (random weights, checkpoint names) and records what PyTorch computes.
// Imported through the checkpoint importer, the TypeScript model must give the same encoder states,
// composer attention and logits (1e-4) and the same atomic next-item order, on cpu and on wasm; for
// the history form of the sequential task, through the decoder that reads the items as its prefix.
const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'golden');

interface TaskExpect {
  encoderHidden: number[][];
  attention: number[][];
  firstLogits: number[];
  firstToken: number;
  secondLogits: number[];
  topItems: number[];
  topScores: number[];
}
interface Case {
  config: PeapodConfig;
  user: number[];
  neighbours: number[][];
  inputs: Record<'sequential' | 'topn', number[]>;
  /** History form (config.sequentialForm 'history'): the decoder's prefix tokens after the start token. */
  history?: number[];
  tasks: Record<'sequential' | 'topn', TaskExpect>;
}
const expected = JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8')) as { cases: Record<string, Case> };

const wasmReady = await tf.setBackend('wasm').catch(() => false);

function maxDiff(a: number[] | number[][], b: number[] | number[][]): number {
  const fa = (a as number[]).flat(2);
  const fb = (b as number[]).flat(2);
  expect(fa.length).toBe(fb.length);
  let m = 0;
  for (let i = 0; i < fa.length; i++) m = Math.max(m, Math.abs(fa[i]! - fb[i]!));
  return m;
}

function load(name: string, c: Case): PeapodModel {
  const parsed = parseSafetensors(new Uint8Array(fs.readFileSync(path.join(dir, `${name}.safetensors`))));
  const values = fromCheckpoint(c.config, parsed.tensors);
  const params: ParamMap = new Map();
  for (const [n, v] of values) params.set(n, tf.variable(tf.tensor(v.data, v.shape, 'float32'), false));
  return new PeapodModel(c.config, params);
}

describe.each(['cpu', 'wasm'] as const)('golden: PyTorch model imported into TypeScript (%s)', (backend) => {
  const models: PeapodModel[] = [];
  afterAll(() => models.forEach((m) => disposeParams(m.params)));

  describe.each(Object.keys(expected.cases))('%s', (name) => {
    const c = expected.cases[name]!;
    it.skipIf(backend === 'wasm' && !wasmReady).each(['sequential', 'topn'] as TaskName[])('%s task: encoder, attention, logits and item order', async (task) => {
      await tf.setBackend(backend);
      const model = load(name, c);
      models.push(model);
      const e = c.tasks[task as 'sequential'];
      const toks = c.inputs[task as 'sequential'];
      const batch = {
        tokenIds: tf.tensor2d([toks], undefined, 'int32'),
        wholeWordIds: tf.tensor2d([toks.map(() => 0)], undefined, 'int32'),
        attentionMask: tf.tensor2d([toks.map(() => 1)], undefined, 'float32'),
        task,
      };
      const collab = { userEmb: tf.tensor2d([c.user]), neighbourEmb: tf.tensor3d([c.neighbours]) };
      const { prompt, attention } = model.composePrompt(task, collab, 1);
      const enc = model.encode(batch, prompt, false);
      expect(maxDiff(enc.hidden.arraySync()[0]!, e.encoderHidden)).toBeLessThan(1e-4);
      expect(maxDiff(attention!.arraySync()[0]!, e.attention)).toBeLessThan(1e-4);

      const items = Array.from({ length: c.config.t5.vocabSize - 3 }, (_, i) => i + 1);
      const tok = buildTokenizer({ idScheme: 'atomic', texts: [], users: [], items });
      expect(tok.vocabSize).toBe(c.config.t5.vocabSize);
      // The history form reads the items in the decoder (token = item id + 2 here); its second step
      // carries END_OF_ID_LOGIT on </s>, which the raw logits PyTorch recorded do not.
      const history = task === 'sequential' && c.history ? c.history.map((t) => t - 2) : null;
      const decoder = history ? sequentialDecoder(model, enc, tok, [history]) : peapodDecoder(model, enc);
      const secondExpected = history ? e.secondLogits.map((v, t) => (t === tok.eosId ? v + END_OF_ID_LOGIT : v)) : e.secondLogits;

      const session = decoder.startSession();
      const s1 = session.step(Int32Array.of(0));
      expect(maxDiff(s1.arraySync()[0]!, e.firstLogits)).toBeLessThan(1e-4);
      const s2 = session.step(Int32Array.of(e.firstToken));
      expect(maxDiff(s2.arraySync()[0]!, secondExpected)).toBeLessThan(1e-4);
      session.dispose();

      const [next] = await atomicConstrainedNext(decoder, tok, items.length, 5);
      expect(next!.items).toEqual(e.topItems);
      expect(maxDiff(next!.scores, e.topScores)).toBeLessThan(1e-4);

      tf.dispose([s1, s2, prompt, attention!, batch.tokenIds, batch.wholeWordIds, batch.attentionMask, collab.userEmb, collab.neighbourEmb]);
      disposeEncoderOutput(enc);
    });
  });
});
