import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtemp, readFile, rm, truncate, unlink, writeFile, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadPack, type PackProgress } from './load.ts';
import { nodePackSource, savePack } from './node.ts';
import { fetchPackSource } from './fetch-source.ts';
import { packParams } from './params.ts';
import type { PackContents } from './build.ts';
import type { NamedArray } from './format.ts';
import { buildTokenizer } from '../tokenizer.ts';
import { initialValues, paramSpecs, disposeParams } from '../params.ts';
import { PeapodModel } from '../peapod.ts';
import { PACK_DATA, PACK_FILES, type PeapodConfig } from '../types.ts';
import {
  ModelPackCorruptError,
  ModelPackInvalidManifestError,
  ModelPackMismatchError,
  ModelPackMissingFileError,
  ModelPackTruncatedError,
  ModelPackVersionError,
} from '../errors.ts';

await tf.setBackend('cpu');

const tok = buildTokenizer({ idScheme: 'p5', texts: ['a fine shampoo', 'nice soap'], users: [1, 2, 3], items: [1, 2, 3, 4], wholeWordVocab: 16 });
const config: PeapodConfig = {
  t5: {
    vocabSize: tok.vocabSize, dModel: 32, dKv: 8, numHeads: 4, dFf: 64, numEncoderLayers: 2, numDecoderLayers: 2,
    feedForward: 'relu', relativeAttentionNumBuckets: 8, relativeAttentionMaxDistance: 20, tieWordEmbeddings: true,
    dropoutRate: 0.1, layerNormEpsilon: 1e-6, padTokenId: 0, eosTokenId: 1, wholeWordVocab: 16,
  },
  composer: { cfDim: 8, numNeighbours: 2, numHeads: 2, promptLength: 2, taskPrompts: true, collaborative: true },
  tasks: ['sequential', 'topn', 'explanation'],
  idScheme: 'p5',
};
const weights: NamedArray[] = paramSpecs(config).map((s) => ({ name: s.name, shape: s.shape, values: initialValues(s, 7) }));
const data: NamedArray[] = [
  { name: PACK_DATA.userIds, shape: [3], values: Int32Array.of(1, 2, 3) },
  { name: PACK_DATA.cfUser, shape: [3, 8], values: Float32Array.from({ length: 24 }, (_, i) => Math.sin(i)), store: 'float16' },
  { name: PACK_DATA.neighbourIndices, shape: [3, 2], values: Int32Array.of(1, 2, 0, 2, 0, 1), store: 'uint16' },
  { name: PACK_DATA.neighbourSimilarity, shape: [3, 2], values: Float32Array.of(0.9, 0.5, 0.9, 0.4, 0.5, 0.4) },
  { name: PACK_DATA.historyOffsets, shape: [4], values: Int32Array.of(0, 2, 5, 6) },
  { name: PACK_DATA.historyItems, shape: [6], values: Int32Array.of(1, 2, 1, 3, 4, 2), store: 'uint16' },
];

function contents(over: Partial<PackContents> = {}): PackContents {
  return {
    name: 'test-pack',
    config,
    tokenizer: tok.toJSON(),
    dataset: { name: 'synthetic', fingerprint: '0'.repeat(64), users: 3, items: 4, ids: 'original' },
    provenance: { command: 'vitest', gitCommit: null, date: '2026-01-01T00:00:00.000Z', seconds: 0, samplesPerSecond: null },
    metrics: { note: 'random' },
    weights,
    weightDtype: 'float32',
    data,
    jsonFiles: { [PACK_FILES.items]: ['', 'soap', 'shampoo', 'comb', 'brush'] },
    rawFiles: { [PACK_FILES.trainingLog]: new TextEncoder().encode('{"step":1}\n{"step":2}\n') },
    extraManifest: { training: { lr: 5e-4 }, kind: 'overridden?' },
    shardBytes: 64 * 1024,
    ...over,
  };
}

let root: string;
let dir32: string;
let dir16: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'peapod-pack-'));
  dir32 = path.join(root, 'f32');
  dir16 = path.join(root, 'f16');
  await savePack(dir32, contents());
  await savePack(dir16, contents({ weightDtype: 'float16' }));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A copy of the float32 pack that a test may damage. */
async function copyPack(name: string): Promise<string> {
  const d = path.join(root, name);
  await cp(dir32, d, { recursive: true });
  return d;
}

async function firstShard(d: string): Promise<string> {
  const m = JSON.parse(await readFile(path.join(d, 'manifest.json'), 'utf8'));
  return m.weightsManifest[0].paths[0];
}

describe('savePack -> loadPack', () => {
  it('float32 is bit-exact, data arrays and side files come back, progress reaches the total', async () => {
    const events: PackProgress[] = [];
    const pack = await loadPack(nodePackSource(dir32), { onProgress: (p) => events.push(p) });
    expect(pack.manifest.weightsManifest[0]!.paths.length).toBe(3); // the weights span three 64 KB shards
    expect(pack.weights.size).toBe(weights.length);
    for (const w of weights) {
      const got = pack.weights.get(w.name)!;
      expect(got.shape).toEqual(w.shape);
      expect(Buffer.from(got.values.buffer, got.values.byteOffset, got.values.byteLength).equals(Buffer.from(w.values.buffer, w.values.byteOffset, w.values.byteLength)), w.name).toBe(true);
    }
    expect([...pack.data.get(PACK_DATA.neighbourIndices)!.values]).toEqual([1, 2, 0, 2, 0, 1]);
    expect(pack.data.get(PACK_DATA.historyItems)!.values).toBeInstanceOf(Int32Array);
    expect([...pack.data.get(PACK_DATA.neighbourSimilarity)!.values]).toEqual([...data[3]!.values]);
    expect(pack.json<string[]>(PACK_FILES.items)).toEqual(['', 'soap', 'shampoo', 'comb', 'brush']);
    expect(pack.json(PACK_FILES.example)).toBeUndefined();
    expect(new TextDecoder().decode(pack.sideFiles.get(PACK_FILES.trainingLog))).toBe('{"step":1}\n{"step":2}\n');
    expect((pack.manifest as unknown as { training: unknown }).training).toEqual({ lr: 5e-4 });
    expect(pack.manifest.kind).toBe('peapod-pack'); // extra fields cannot replace standard ones
    expect(pack.tokenizer.vocab).toEqual(tok.vocab);
    const last = events[events.length - 1]!;
    expect(last.phase).toBe('done');
    expect(last.loaded).toBe(last.total);
    expect(last.total).toBe(pack.bytes);
    const onDisk = Object.values(pack.manifest.files).reduce((s, f) => s + f.bytes, 0) + (await readFile(path.join(dir32, 'manifest.json'))).byteLength;
    expect(pack.bytes).toBe(onDisk);
    for (let i = 1; i < events.length; i++) expect(events[i]!.loaded).toBeGreaterThanOrEqual(events[i - 1]!.loaded);
  });

  it('float16 halves the shards and stays within 2^-11 relative error (2^-25 absolute near zero)', async () => {
    const p16 = await loadPack(nodePackSource(dir16));
    const p32 = await loadPack(nodePackSource(dir32));
    const shardBytes = (p: typeof p16): number => p.manifest.weightsManifest[0]!.paths.reduce((s, f) => s + p.manifest.files[f]!.bytes, 0);
    expect(shardBytes(p16) * 2).toBe(shardBytes(p32));
    let worst = 0;
    for (const w of weights) {
      const a = w.values;
      const b = p16.weights.get(w.name)!.values;
      for (let i = 0; i < a.length; i++) {
        const err = Math.abs(a[i]! - b[i]!);
        worst = Math.max(worst, Math.abs(a[i]!) >= 2 ** -14 ? err / Math.abs(a[i]!) : err / 2 ** -14);
      }
    }
    expect(worst).toBeLessThanOrEqual(2 ** -11);
    expect(worst).toBeGreaterThan(0);
  });

  it('loads into a working PeapodModel and frees its tensors', async () => {
    const pack = await loadPack(nodePackSource(dir32));
    const before = tf.memory().numTensors;
    const params = packParams(pack.weights);
    const model = new PeapodModel(pack.manifest.config, params);
    const { prompt } = model.composePrompt('sequential', null, 1);
    const ids = tok.encodeText('user_1 item_2');
    const enc = model.encode({ tokenIds: tf.tensor2d(ids.ids, [1, ids.ids.length], 'int32'), wholeWordIds: tf.tensor2d(ids.wholeWord, [1, ids.ids.length], 'int32'), attentionMask: tf.ones([1, ids.ids.length]) }, prompt);
    expect(enc.hidden.shape).toEqual([1, 2 + ids.ids.length, 32]);
    tf.dispose([prompt, enc.hidden, enc.mask]);
    model.dispose();
    disposeParams(params);
    // The three input tensors of encode() are the only leftovers of this test's own making.
    expect(tf.memory().numTensors - before).toBe(3);
  });
});

describe('loadPack failures', () => {
  it('corrupt shard -> ModelPackCorruptError naming the file', async () => {
    const d = await copyPack('corrupt');
    const shard = await firstShard(d);
    const bytes = await readFile(path.join(d, shard));
    bytes[100] = bytes[100]! ^ 0xff;
    await writeFile(path.join(d, shard), bytes);
    const err = await loadPack(nodePackSource(d)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelPackCorruptError);
    expect((err as ModelPackCorruptError).file).toBe(shard);
    expect((err as Error).message).toMatch(/SHA-256 .* download the pack again/);
  });

  it('truncated shard -> ModelPackTruncatedError with both sizes', async () => {
    const d = await copyPack('truncated');
    const shard = await firstShard(d);
    await truncate(path.join(d, shard), 1000);
    const err = await loadPack(nodePackSource(d)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelPackTruncatedError);
    expect((err as Error).message).toContain(`"${shard}" has 1000 bytes but the manifest says 65536`);
  });

  it('missing file -> ModelPackMissingFileError; missing manifest too', async () => {
    const d = await copyPack('missing');
    await unlink(path.join(d, PACK_FILES.items));
    await expect(loadPack(nodePackSource(d))).rejects.toThrow(ModelPackMissingFileError);
    await expect(loadPack(nodePackSource(d))).rejects.toThrow(/"items.json" could not be read/);
    await expect(loadPack(nodePackSource(path.join(root, 'nowhere')))).rejects.toThrow(/"manifest.json" could not be read/);
  });

  it('shapes that do not fit the config -> ModelPackMismatchError naming the tensor', async () => {
    const d = await copyPack('mismatch');
    const m = JSON.parse(await readFile(path.join(d, 'manifest.json'), 'utf8'));
    m.config.t5.dFf = 128; // the stored ffn weights are [32, 64] / [64, 32]
    await writeFile(path.join(d, 'manifest.json'), JSON.stringify(m));
    const err = await loadPack(nodePackSource(d)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelPackMismatchError);
    expect((err as ModelPackMismatchError).tensor).toBe('encoder/block_0/ffn/wi');
    expect((err as Error).message).toMatch(/shape is \[32, 64\] but the config .* implies \[32, 128\]/);
    // Explicit expected shapes (e.g. from another model) are honoured too.
    await expect(loadPack(nodePackSource(dir32), { expectedShapes: new Map([['shared/embedding', [1, 1]]]) })).rejects.toThrow(/"shared\/embedding"/);
  });

  it('data arrays that contradict the config -> ModelPackMismatchError naming the array', async () => {
    const d = path.join(root, 'baddata');
    const bad = data.map((a) => (a.name === PACK_DATA.cfUser ? { ...a, shape: [4, 6] } : a));
    await savePack(d, contents({ data: bad }));
    await expect(loadPack(nodePackSource(d))).rejects.toThrow(/at tensor "cf\/user".*\[4, 6\] should be \[users, 8\]/);
  });

  it('wrong formatVersion or kind -> ModelPackVersionError; broken JSON -> ModelPackInvalidManifestError', async () => {
    const d = await copyPack('version');
    const m = JSON.parse(await readFile(path.join(d, 'manifest.json'), 'utf8'));
    await writeFile(path.join(d, 'manifest.json'), JSON.stringify({ ...m, formatVersion: 2 }));
    await expect(loadPack(nodePackSource(d))).rejects.toThrow(ModelPackVersionError);
    await writeFile(path.join(d, 'manifest.json'), JSON.stringify({ ...m, kind: 'tfjs-graph-model' }));
    await expect(loadPack(nodePackSource(d))).rejects.toThrow(/kind is "tfjs-graph-model"/);
    await writeFile(path.join(d, 'manifest.json'), '{"kind": "peapod-pack",');
    await expect(loadPack(nodePackSource(d))).rejects.toThrow(ModelPackInvalidManifestError);
    const noFiles = { ...m };
    delete noFiles.files;
    await writeFile(path.join(d, 'manifest.json'), JSON.stringify(noFiles));
    await expect(loadPack(nodePackSource(d))).rejects.toThrow(/"files" is missing/);
  });
});

describe('fetchPackSource over real HTTP', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    // The handler catches its own errors, so the promise it returns never rejects.
    const serve = async (req: IncomingMessage, res: ServerResponse) => {
      try {
        const file = decodeURIComponent(new URL(req.url!, 'http://x').pathname).replace(/^\/pack\//, '');
        const body = await readFile(path.join(dir16, file));
        res.writeHead(200, { 'content-length': body.byteLength });
        // Two writes so the client sees more than one chunk.
        res.write(body.subarray(0, body.byteLength >> 1));
        setTimeout(() => res.end(body.subarray(body.byteLength >> 1)), 5);
      } catch {
        res.writeHead(404).end();
      }
    };
    server = createServer((req, res) => void serve(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const addr = server.address() as { port: number };
    base = `http://127.0.0.1:${addr.port}/pack`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('loads the same pack as from disk, with per-chunk progress', async () => {
    const events: PackProgress[] = [];
    const viaHttp = await loadPack(fetchPackSource(base), { onProgress: (p) => events.push(p) });
    const fromDisk = await loadPack(nodePackSource(dir16));
    for (const [name, w] of fromDisk.weights) expect([...viaHttp.weights.get(name)!.values]).toEqual([...w.values]);
    const shard = viaHttp.manifest.weightsManifest[0]!.paths[0]!;
    const partial = events.filter((e) => e.file === shard && e.phase === 'files' && e.fileLoaded < e.fileTotal!);
    expect(partial.length).toBeGreaterThan(0);
    expect(events.at(-1)!.loaded).toBe(events.at(-1)!.total);
  });

  it('a 404 is a ModelPackMissingFileError naming the URL', async () => {
    await expect(loadPack(fetchPackSource(base + '/nope'))).rejects.toThrow(/"manifest.json" could not be read from http:\/\/127\.0\.0\.1:\d+\/pack\/nope\/manifest\.json \(HTTP 404\)/);
  });
});
