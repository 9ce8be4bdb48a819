// tools/export_authors_checkpoint.py --self-test writes a small random model under the authors'
// parameter names (Solomon: T5 + whole_word_embeddings, query/key/value_layer, prompt_projector,
// task_embeddings) the way it exports a real one; this imports that folder and checks every mapping
// against the source tensors, then decodes with the imported model. Needs Debian's python3-torch
// (PEAPOD_PYTHON names another interpreter); skipped without it.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadPack } from '../../model/pack/load.ts';
import { nodePackSource } from '../../model/pack/node.ts';
import { transpose2d } from '../../model/pack/hf-names.ts';
import { parseSafetensors } from '../../model/pack/safetensors.ts';
import { PACK_DATA } from '../../model/types.ts';
import { peapodDecoder } from '../../model/generate/peapod-decoder.ts';
import { recommendNext } from '../../model/generate/recommend.ts';
import { openPack } from '../../runtime/pack-source.ts';
import { importCheckpoint } from './import.ts';

await tf.setBackend('cpu');

const python = process.env['PEAPOD_PYTHON'] ?? '/usr/bin/python3';
const hasTorch = fs.existsSync(python) && spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
const script = path.resolve(import.meta.dirname, '../../../tools/export_authors_checkpoint.py');

let root: string;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(tmpdir(), 'peapod-authors-'));
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterAll(() => {
  vi.restoreAllMocks();
  fs.rmSync(root, { recursive: true, force: true });
});

describe.skipIf(!hasTorch)("the authors' export script", () => {
  it('writes a folder that imports with every tensor where it belongs', async () => {
    const dir = path.join(root, 'export');
    const r = spawnSync(python, [script, '--self-test', '--out', dir], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    // The dataset the self-test names: 25 users, items 1..150 (every one bought once).
    const data = path.join(root, 'data', 'tiny');
    fs.mkdirSync(data, { recursive: true });
    const lines = Array.from({ length: 25 }, (_, u) => `${u + 1} ${Array.from({ length: 6 }, (_, k) => u * 6 + k + 1).join(' ')}\n`);
    fs.writeFileSync(path.join(data, 'sequential_data.txt'), lines.join(''));

    const out = path.join(root, 'pack');
    await importCheckpoint({ from: dir, out, dataDir: path.join(root, 'data'), quiet: true, dtype: 'float32' });
    const pack = await loadPack(nodePackSource(out));
    const src = parseSafetensors(new Uint8Array(fs.readFileSync(path.join(dir, 'source.safetensors')))).tensors;
    const w = (name: string) => pack.weights.get(name)!.values as Float32Array;
    const s = (name: string) => src.get(name)!.data as Float32Array;
    const T = (name: string) => {
      const t = src.get(name)!;
      return transpose2d(t.data as Float32Array, t.shape[0]!, t.shape[1]!);
    };

    expect(pack.manifest.config.composer).toMatchObject({ cfDim: 8, numNeighbours: 4, numHeads: 2, promptLength: 3, taskPrompts: true, collaborative: true });
    expect(pack.manifest.config.t5.wholeWordVocab).toBe(128); // n_positions: top-n's 101 id spans fit
    expect(pack.tokenizer.sentencePiece).toBe(true);
    expect(w('shared/embedding')).toEqual(s('shared.weight'));
    expect(w('whole_word/embedding')).toEqual(s('whole_word_embeddings.weight'));
    expect(w('encoder/block_1/self_attn/q')).toEqual(T('encoder.block.1.layer.0.SelfAttention.q.weight'));
    expect(w('decoder/block_0/cross_attn/o')).toEqual(T('decoder.block.0.layer.1.EncDecAttention.o.weight'));
    expect(w('decoder/block_1/ffn/wi')).toEqual(T('decoder.block.1.layer.2.DenseReluDense.wi.weight'));
    expect(w('decoder/block_0/self_attn/relative_attention_bias')).toEqual(s('decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight'));
    for (const [ours, theirs] of [['query', 'query_layer'], ['key', 'key_layer'], ['value', 'value_layer'], ['prompt', 'prompt_projector']]) {
      expect(w(`composer/${ours}/kernel`)).toEqual(T(`${theirs}.weight`));
      expect(w(`composer/${ours}/bias`)).toEqual(s(`${theirs}.bias`));
    }
    // task_embeddings[0] explanation, [1] sequential, [2] top-n (the authors' task ids).
    const te = s('task_embeddings');
    const per = te.length / 3;
    expect(w('task_prompt/explanation')).toEqual(te.subarray(0, per));
    expect(w('task_prompt/sequential')).toEqual(te.subarray(per, 2 * per));
    expect(w('task_prompt/topn')).toEqual(te.subarray(2 * per));
    // CF rows in dataset user order, whatever the order of user_to_embeddings.json.
    const users = JSON.parse(fs.readFileSync(path.join(dir, 'source-users.json'), 'utf8')) as Record<string, number[]>;
    const cf = pack.data.get(PACK_DATA.cfUser)!.values;
    for (let u = 0; u < 25; u++) users[String(u + 1)]!.forEach((x, k) => expect(cf[u * 8 + k]).toBeCloseTo(x, 2));

    // The imported model decodes valid items under the constraint.
    const opened = await openPack(nodePackSource(out), () => {});
    try {
      const t = opened.tokenizer;
      const x = t.encodeText('user_3 item_13 item_14');
      const enc = tf.tidy(() => {
        const cfRows = tf.tensor2d(opened.arrays.cfUser.subarray(2 * 8, 3 * 8), [1, 8]);
        const nb = Array.from(opened.arrays.neighbourIndices.subarray(2 * opened.nMax, 2 * opened.nMax + 4));
        const nbRows = tf.tensor3d(nb.flatMap((v) => Array.from(opened.arrays.cfUser.subarray(v * 8, v * 8 + 8))), [1, 4, 8]);
        const { prompt } = opened.model.composePrompt('sequential', { userEmb: cfRows, neighbourEmb: nbRows }, 1);
        const o = opened.model.encode({ tokenIds: tf.tensor2d(x.ids, [1, x.ids.length], 'int32'), wholeWordIds: tf.tensor2d(x.wholeWord, [1, x.ids.length], 'int32'), attentionMask: tf.ones([1, x.ids.length]) }, prompt);
        return { hidden: o.hidden, mask: o.mask };
      });
      const [rec] = await recommendNext(peapodDecoder(opened.model, enc), t, { beamWidth: 5, topK: 5, constrained: true });
      tf.dispose(enc);
      expect(rec!.items.every((i) => i !== null && i >= 1 && i <= 150)).toBe(true);
    } finally {
      opened.dispose();
    }
  });
});
