import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../peapod.ts';
import { cfPriorItemTable } from '../../model/composer.ts';
import { CheckpointError } from '../../model/errors.ts';
import { loadPack } from '../../model/pack/load.ts';
import { nodePackSource } from '../../model/pack/node.ts';
import { writeCheckpointDir, type CheckpointContents } from '../../model/pack/checkpoint-node.ts';
import { CHECKPOINT_DATA } from '../../model/pack/hf-config.ts';
import { toCheckpoint, type NamedValues } from '../../model/pack/hf-names.ts';
import { hfConfigOf } from '../../model/pack/hf-config.ts';
import { parseSafetensors, writeSafetensors } from '../../model/pack/safetensors.ts';
import { initialValues, paramSpecs, PARAM } from '../../model/params.ts';
import { tinyConfig } from '../../model/t5/test-fixtures.ts';
import { buildTokenizer } from '../../model/tokenizer.ts';
import { PACK_DATA, type PeapodConfig } from '../../model/types.ts';
import { openPack } from '../../runtime/pack-source.ts';
import { peapodDecoder } from '../../model/generate/peapod-decoder.ts';
import { recommendNext } from '../../model/generate/recommend.ts';
import { importCheckpoint } from './import.ts';

await tf.setBackend('cpu');

const U = 25;
const I = 150;
let root: string;
let dataDir: string;

/** A P5-style folder: user u+1 bought items 6u+1 .. 6u+6 (every item bought once). */
function writeDataset(dir: string): number[][] {
  fs.mkdirSync(dir, { recursive: true });
  const seqs: number[][] = [];
  for (let u = 0; u < U; u++) seqs.push(Array.from({ length: 6 }, (_, k) => ((u * 6 + k) % I) + 1));
  fs.writeFileSync(path.join(dir, 'sequential_data.txt'), seqs.map((s, u) => `${u + 1} ${s.join(' ')}\n`).join(''));
  return seqs;
}

function fixture(): { contents: CheckpointContents; config: PeapodConfig; values: Map<string, NamedValues>; toDataset: Int32Array } {
  const tok = buildTokenizer({ idScheme: 'atomic', texts: ['what next ?'], users: Array.from({ length: U }, (_, u) => u + 1), items: Array.from({ length: I }, (_, i) => i + 1) });
  const base = tinyConfig({ vocabSize: tok.vocabSize, wholeWordVocab: 0, feedForward: 'gated-gelu', tieWordEmbeddings: false }, { cfPrior: true, seqPrior: true });
  const config: PeapodConfig = { ...base, idScheme: 'atomic', tasks: ['sequential', 'topn'] };
  const d = config.composer.cfDim;
  const cfUser = initialValues({ name: 'u', shape: [U, d], init: { kind: 'normal', std: 1 } }, 5);
  const cfItem = initialValues({ name: 'i', shape: [I + 1, d], init: { kind: 'normal', std: 1 } }, 6);
  // Model item p is dataset item toDataset[p] (a reversal), as after a leak-free remap.
  const toDataset = Int32Array.from({ length: I + 1 }, (_, p) => (p === 0 ? 0 : I + 1 - p));
  const values = new Map<string, NamedValues>();
  for (const spec of paramSpecs(config)) {
    const data = spec.name === PARAM.cfPriorItems ? cfPriorItemTable(tok, cfItem, d, config.t5.vocabSize) : initialValues({ ...spec, init: { kind: 'normal', std: 0.5 } }, 9);
    values.set(spec.name, { shape: spec.shape, data });
  }
  return {
    config,
    values,
    toDataset,
    contents: {
      config,
      weights: values,
      tokenizer: tok.toJSON(),
      data: { cfUser, cfItem, userIds: Int32Array.from({ length: U }, (_, u) => u + 1), itemDatasetIds: toDataset },
      dataset: { name: 'tiny', ids: 'remapped' },
      name: 'tiny-import',
      training: { maxInputTokens: 64 },
    },
  };
}

/** Checkpoint bytes of plain weight arrays. */
function paramsToSafetensorsValues(config: PeapodConfig, values: Map<string, NamedValues>): Uint8Array {
  return writeSafetensors([...toCheckpoint(config, values)].map(([name, v]) => ({ name, dtype: 'F32' as const, shape: v.shape, data: v.data })));
}

let seqs: number[][];
beforeAll(() => {
  root = fs.mkdtempSync(path.join(tmpdir(), 'peapod-import-'));
  dataDir = path.join(root, 'data');
  seqs = writeDataset(path.join(dataDir, 'tiny'));
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterAll(() => {
  vi.restoreAllMocks();
  fs.rmSync(root, { recursive: true, force: true });
});

async function importError(dir: string, extra: Partial<Parameters<typeof importCheckpoint>[0]> = {}): Promise<CheckpointError> {
  try {
    await importCheckpoint({ from: dir, out: path.join(root, 'never'), dataDir, quiet: true, ...extra });
  } catch (e) {
    expect(e).toBeInstanceOf(CheckpointError);
    return e as CheckpointError;
  }
  throw new Error('import should have failed');
}

function checkpointDir(name: string, edit?: (c: CheckpointContents) => void): string {
  const f = fixture();
  edit?.(f.contents);
  const dir = path.join(root, name);
  writeCheckpointDir(dir, f.contents);
  return dir;
}

describe('peapod import (checkpoint of ours)', () => {
  it('writes a pack that loads and opens, with the weights, data and id map of the checkpoint', async () => {
    const f = fixture();
    const dir = path.join(root, 'ckpt');
    writeCheckpointDir(dir, f.contents);
    const out = path.join(root, 'pack');
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const prevData = process.env['PEAPOD_DATA_DIR'];
    process.env['PEAPOD_DATA_DIR'] = dataDir;
    try {
      const rc = await main(['import', '--from', dir, '--out', out, '--dtype', 'float32', '--n-max', '6']);
      expect(rc).toBe(0);
      expect(String(log.mock.calls.at(-1)?.[0])).toMatch(/^wrote .*pack: tiny, /);
    } finally {
      log.mockRestore();
      if (prevData === undefined) delete process.env['PEAPOD_DATA_DIR'];
      else process.env['PEAPOD_DATA_DIR'] = prevData;
    }

    const pack = await loadPack(nodePackSource(out));
    expect(pack.manifest.name).toBe('tiny-import');
    expect(pack.manifest.config).toEqual(f.config);
    expect(pack.manifest.dataset).toMatchObject({ name: 'tiny', users: U, items: I, ids: 'remapped' });
    for (const [name, v] of f.values) {
      const got = pack.weights.get(name)!;
      expect(got.shape, name).toEqual(v.shape);
      // float32 pack: bit-exact, the prior's item table included (rebuilt from cf/item, exact in float32? stored float16 -> close)
      if (name === PARAM.cfPriorItems) {
        const g = got.values as Float32Array;
        for (let i = 0; i < g.length; i++) expect(g[i]).toBeCloseTo(v.data[i]!, 2);
      } else {
        expect(got.values, name).toEqual(v.data);
      }
    }
    // Histories in model item ids, mapped back they are the dataset's sequences.
    const off = pack.data.get(PACK_DATA.historyOffsets)!.values;
    const hist = pack.data.get(PACK_DATA.historyItems)!.values;
    for (let u = 0; u < U; u++) {
      const row = Array.from(hist.subarray(off[u], off[u + 1]), (p) => f.toDataset[p]);
      expect(row).toEqual(seqs[u]);
    }
    expect(Array.from(pack.data.get('items/dataset_ids')!.values)).toEqual(Array.from(f.toDataset));
    // Neighbours: [U, 6], never the user itself.
    const nb = pack.data.get(PACK_DATA.neighbourIndices)!;
    expect(nb.shape).toEqual([U, 6]);
    for (let u = 0; u < U; u++) expect(Array.from(nb.values.subarray(u * 6, u * 6 + 6))).not.toContain(u);
    // Negatives: 99 per user, none in the user's history.
    const neg = pack.data.get(PACK_DATA.topnNegatives)!;
    expect(neg.shape).toEqual([U, 99]);
    for (let u = 0; u < U; u++) {
      const seen = new Set(hist.subarray(off[u], off[u + 1]));
      for (const p of neg.values.subarray(u * 99, u * 99 + 99)) expect(seen.has(p)).toBe(false);
    }
    const names = pack.json<string[]>('items.json')!;
    expect(names).toHaveLength(I + 1);

    const opened = await openPack(nodePackSource(out), () => {});
    try {
      expect(opened.maxInputTokens).toBe(64);
      expect(opened.nMax).toBe(6);
    } finally {
      opened.dispose();
    }
  });

  it('CF rows in another user order are put in the dataset order', async () => {
    const f = fixture();
    const d = f.config.composer.cfDim;
    const perm = Array.from({ length: U }, (_, r) => U - 1 - r); // row r holds dataset user index perm[r]
    const cf = f.contents.data!.cfUser;
    const shuffled = new Float32Array(cf.length);
    perm.forEach((u, r) => shuffled.set(cf.subarray(u * d, (u + 1) * d), r * d));
    const dir = checkpointDir('reordered', (c) => {
      c.data!.cfUser = shuffled;
      c.data!.userIds = Int32Array.from(perm, (u) => u + 1);
    });
    const out = path.join(root, 'reordered-pack');
    await importCheckpoint({ from: dir, out, dataDir, quiet: true, dtype: 'float32' });
    const pack = await loadPack(nodePackSource(out));
    const got = pack.data.get(PACK_DATA.cfUser)!.values;
    for (let i = 0; i < cf.length; i++) expect(got[i]).toBeCloseTo(cf[i]!, 2); // float16 in the pack
  });

  it('a missing, extra or mis-shaped weight names the tensor and the file', async () => {
    const f = fixture();
    const dir = path.join(root, 'bad-weights');
    writeCheckpointDir(dir, f.contents);
    const file = path.join(dir, 'model.safetensors');
    const parsed = parseSafetensors(new Uint8Array(fs.readFileSync(file)));
    parsed.tensors.delete('decoder.final_layer_norm.weight');
    const q = parsed.tensors.get('encoder.block.0.layer.0.SelfAttention.q.weight')!;
    parsed.tensors.set('encoder.block.0.layer.0.SelfAttention.q.weight', { ...q, shape: [q.shape[1]!, q.shape[0]!] });
    fs.writeFileSync(file, writeSafetensors([...parsed.tensors].map(([name, t]) => ({ name, dtype: 'F32', shape: t.shape, data: t.data as Float32Array }))));
    const err = await importError(dir);
    expect(err.code).toBe('shape');
    expect(err.file).toBe('model.safetensors');
    expect(err.tensor).toBe('encoder.block.0.layer.0.SelfAttention.q.weight');
    expect(err.message).toMatch(/^model\.safetensors: /);
    expect(err.message).toMatch(/looks transposed/);
    expect(err.message).toMatch(/decoder\.final_layer_norm\.weight.*missing/);
  });

  it('a truncated model.safetensors', async () => {
    const dir = checkpointDir('truncated');
    const file = path.join(dir, 'model.safetensors');
    const b = fs.readFileSync(file);
    fs.writeFileSync(file, b.subarray(0, b.length - 100));
    const err = await importError(dir);
    expect(err.code).toBe('offsets');
    expect(err.file).toBe('model.safetensors');
  });

  it('config.json missing, not JSON, another model type; a plain T5 without --dataset', async () => {
    const dir = checkpointDir('configs');
    fs.rmSync(path.join(dir, 'config.json'));
    let err = await importError(dir);
    expect(err.code).toBe('file');
    expect(err.file).toBe('config.json');
    fs.writeFileSync(path.join(dir, 'config.json'), '{"d_model": ');
    err = await importError(dir);
    expect(err.code).toBe('invalid');
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ model_type: 't5', vocab_size: 100, d_model: 16, d_kv: 4, d_ff: 32, num_layers: 2, num_heads: 4 }));
    await expect(importCheckpoint({ from: dir, out: path.join(root, 'never'), dataDir, quiet: true })).rejects.toThrow(/plain Hugging Face T5 names no dataset; pass --dataset/);
    // With a dataset, its weights are checked against the config it describes.
    err = await importError(dir, { dataset: 'tiny' });
    expect(err.file).toBe('model.safetensors');
    expect(err.message).toMatch(/vocab 100/);
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ model_type: 'bart', vocab_size: 100 }));
    err = await importError(dir);
    expect(err.message).toMatch(/model_type "bart"/);
  });

  it('HF keys that disagree with the peapod block', async () => {
    const dir = checkpointDir('disagree');
    const p = path.join(dir, 'config.json');
    const json = JSON.parse(fs.readFileSync(p, 'utf8')) as Record<string, unknown>;
    json['d_ff'] = 999;
    fs.writeFileSync(p, JSON.stringify(json));
    const err = await importError(dir);
    expect(err.code).toBe('invalid');
    expect(err.message).toMatch(/d_ff = 999 .*peapod\.config\.t5\.dFf/);
  });

  it('data that does not match the dataset', async () => {
    let err = await importError(checkpointDir('no-data', (c) => delete c.data));
    expect(err.code).toBe('missing');
    expect(err.tensor).toBe(CHECKPOINT_DATA.cfUser);

    err = await importError(checkpointDir('rows', (c) => (c.data!.cfUser = c.data!.cfUser.subarray(0, (U - 1) * 8))));
    expect(err.code).toBe('dataset');
    expect(err.tensor).toBe(CHECKPOINT_DATA.cfUser);
    expect(err.message).toMatch(/24 users but tiny has 25/);

    err = await importError(checkpointDir('users', (c) => (c.data!.userIds = Int32Array.from({ length: U }, (_, u) => u + 2))));
    expect(err.code).toBe('dataset');
    expect(err.tensor).toBe(CHECKPOINT_DATA.userIds);
    expect(err.message).toMatch(/has user 1 but "users\.ids" has no row for it/);
    err = await importError(checkpointDir('users-twice', (c) => (c.data!.userIds = Int32Array.from({ length: U }, (_, u) => Math.max(1, u)))));
    expect(err.message).toMatch(/user 1 has two rows/);

    err = await importError(checkpointDir('perm', (c) => (c.data!.itemDatasetIds = Int32Array.from({ length: I + 1 }, (_, p) => (p === 0 ? 0 : Math.min(p, 5))))));
    expect(err.code).toBe('dataset');
    expect(err.message).toMatch(/not a permutation/);

    err = await importError(checkpointDir('fingerprint', (c) => (c.dataset = { name: 'tiny', fingerprint: 'abc' })));
    expect(err.code).toBe('dataset');
    expect(err.message).toMatch(/fingerprint abc/);

    err = await importError(checkpointDir('prior', (c) => (c.data!.cfItem = new Float32Array(c.data!.cfItem!.length))));
    expect(err.code).toBe('dataset');
    expect(err.tensor).toBe('peapod.cf_prior.item_factors');
  });

  it("a SentencePiece checkpoint (the authors' layout): tokenizer.json, p5 ids, whole-word table", async () => {
    const S = '\u2581';
    const pieces: [string, number][] = [['<pad>', 0], ['</s>', 0], ['<unk>', 0], [S, -3], [`${S}user`, -2], [`${S}item`, -2], ['_', -2], [`${S}what`, -2]];
    for (let d = 0; d < 10; d++) pieces.push([String(d), -3], [`${S}${d}`, -3]);
    pieces.push(['<extra_id_0>', 0]);
    const vocabSize = 40; // T5 pads its embedding past the pieces
    const base = tinyConfig({ vocabSize, wholeWordVocab: 16 });
    const config: PeapodConfig = { ...base, idScheme: 'p5', tasks: ['explanation', 'sequential', 'topn'] };
    const d = config.composer.cfDim;
    const values = new Map<string, NamedValues>();
    for (const spec of paramSpecs(config)) values.set(spec.name, { shape: spec.shape, data: initialValues({ ...spec, init: { kind: 'normal', std: 0.5 } }, 4) });
    const dir = path.join(root, 'sentencepiece');
    writeCheckpointDir(dir, {
      config,
      weights: values,
      tokenizerJson: { version: '1.0', model: { type: 'Unigram', unk_id: 2, vocab: pieces } },
      data: { cfUser: initialValues({ name: 'u', shape: [U, d], init: { kind: 'normal', std: 1 } }, 5) },
      dataset: { name: 'tiny', ids: 'original' },
    });
    const out = path.join(root, 'sp-pack');
    await importCheckpoint({ from: dir, out, dataDir, quiet: true, dtype: 'float32' });
    const pack = await loadPack(nodePackSource(out));
    expect(pack.tokenizer.sentencePiece).toBe(true);
    expect(pack.tokenizer.vocabSize).toBe(vocabSize);
    expect(pack.tokenizer.items()).toHaveLength(I);
    const e = pack.tokenizer.encodeText('user_12 item_7');
    expect(Array.from(e.wholeWord)).toEqual([1, 1, 1, 1, 2, 2, 2, 0]);
    expect(pack.tokenizer.parseItem(pack.tokenizer.itemTokens(123))).toBe(123);
    // End to end: the imported model decodes valid catalogue items under the constraint.
    const opened = await openPack(nodePackSource(out), () => {});
    try {
      const model = opened.model;
      const t = opened.tokenizer;
      const enc = tf.tidy(() => {
        const x = t.encodeText('user_3 item_5 item_17');
        const { prompt } = model.composePrompt('sequential', null, 1);
        const o = model.encode({ tokenIds: tf.tensor2d(x.ids, [1, x.ids.length], 'int32'), wholeWordIds: tf.tensor2d(x.wholeWord, [1, x.ids.length], 'int32'), attentionMask: tf.ones([1, x.ids.length]) }, prompt);
        return { hidden: o.hidden, mask: o.mask };
      });
      const [rec] = await recommendNext(peapodDecoder(model, enc), t, { beamWidth: 5, topK: 5, constrained: true });
      tf.dispose(enc);
      expect(rec!.items).toHaveLength(5);
      expect(rec!.items.every((x) => x !== null && x >= 1 && x <= I)).toBe(true);
    } finally {
      opened.dispose();
    }

    // Without tokenizer.json there is no tokenizer at all.
    fs.rmSync(path.join(dir, 'tokenizer.json'));
    let err = await importError(dir);
    expect(err.code).toBe('file');
    expect(err.file).toBe('tokenizer.json');
    // A BPE tokenizer.json is not T5's.
    fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify({ model: { type: 'BPE', vocab: {}, merges: [] } }));
    err = await importError(dir);
    expect(err.message).toMatch(/tokenizer\.json: .*model type "BPE"/);
  });

  it('a plain Hugging Face T5 (gated-gelu, untied, tokenizer.json): a T5-only pack with CF fitted at import', async () => {
    const S = '\u2581';
    const pieces: [string, number][] = [['<pad>', 0], ['</s>', 0], ['<unk>', 0], [S, -3], [`${S}user`, -2], [`${S}item`, -2], ['_', -2]];
    for (let d = 0; d < 10; d++) pieces.push([String(d), -3], [`${S}${d}`, -3]);
    const t5 = { ...tinyConfig().t5, vocabSize: 32, wholeWordVocab: 0, feedForward: 'gated-gelu' as const, tieWordEmbeddings: false };
    const config: PeapodConfig = { t5, composer: { cfDim: 8, numNeighbours: 20, numHeads: 1, promptLength: 1, taskPrompts: false, collaborative: false }, tasks: ['sequential', 'topn', 'explanation'], idScheme: 'p5' };
    const values = new Map<string, NamedValues>();
    for (const spec of paramSpecs(config)) values.set(spec.name, { shape: spec.shape, data: initialValues({ ...spec, init: { kind: 'normal', std: 0.5 } }, 8) });
    const dir = path.join(root, 'hf-t5');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...hfConfigOf(t5), n_positions: 512 }));
    fs.writeFileSync(path.join(dir, 'model.safetensors'), paramsToSafetensorsValues(config, values));
    fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify({ version: '1.0', model: { type: 'Unigram', unk_id: 2, vocab: pieces } }));
    const out = path.join(root, 'hf-pack');
    const r = await importCheckpoint({ from: dir, out, dataDir, dataset: 'tiny', quiet: true, dtype: 'float32', cfDim: 8 });
    expect(r.kind).toBe('hf-t5');
    const pack = await loadPack(nodePackSource(out));
    expect(pack.manifest.config.t5).toEqual(t5);
    expect(pack.manifest.config.composer).toMatchObject({ collaborative: false, taskPrompts: false, cfDim: 8, numNeighbours: 20 });
    expect((pack.manifest as unknown as { training: { cf: { kind: string } } }).training.cf.kind).toBe('pmf');
    expect(pack.data.get(PACK_DATA.cfUser)!.shape).toEqual([U, 8]);
    expect(pack.data.get(PACK_DATA.cfItem)!.shape).toEqual([I + 1, 8]);
    for (const [name, v] of values) expect(pack.weights.get(name)!.values, name).toEqual(v.data);
    const opened = await openPack(nodePackSource(out), () => {});
    try {
      expect(opened.foldIn([1, 2, 3])).toHaveLength(8); // cold start works on the fitted CF
      const t = opened.tokenizer;
      const enc = tf.tidy(() => {
        const x = t.encodeText('user_3 item_13 item_14');
        const { prompt } = opened.model.composePrompt('sequential', null, 1);
        const o = opened.model.encode({ tokenIds: tf.tensor2d(x.ids, [1, x.ids.length], 'int32'), wholeWordIds: tf.tensor2d(x.wholeWord, [1, x.ids.length], 'int32'), attentionMask: tf.ones([1, x.ids.length]) }, prompt);
        return { hidden: o.hidden, mask: o.mask };
      });
      const [rec] = await recommendNext(peapodDecoder(opened.model, enc), t, { beamWidth: 4, topK: 4, constrained: true });
      tf.dispose(enc);
      expect(rec!.items.every((i) => i !== null && i >= 1 && i <= I)).toBe(true);
    } finally {
      opened.dispose();
    }
  });

  it('the CLI prints the typed error and exits 1', async () => {
    const dir = checkpointDir('cli', (c) => delete c.data);
    const writes: string[] = [];
    (process.stderr.write as unknown as ReturnType<typeof vi.fn>).mockImplementation((s: string) => {
      writes.push(String(s));
      return true;
    });
    const rc = await main(['import', '--from', dir, '--out', path.join(root, 'x'), '--dataset', path.join(dataDir, 'tiny')]);
    expect(rc).toBe(1);
    expect(writes.join('')).toMatch(/import failed \[missing cf\.user\]: The checkpoint folder has no data\.safetensors/);
    expect(fs.existsSync(path.join(root, 'x'))).toBe(false);
  });
});
