import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadDatasets, extractJsonValueText, verifyLocalDataset } from './download.ts';
import { sha256Hex } from './fingerprint.ts';
import { ChecksumMismatchError, DownloadError, MissingDatasetError } from './errors.ts';
import { loadDataset } from './node-fs.ts';
import { datasetSource } from './sources.ts';
import { DATA_DIR, hasDataset, makeTmpDir } from './testing.ts';

// A local mirror on 127.0.0.1 serving the real files from the data dir under several behaviours:
// /good/<dataset>/<file> as is, /corrupt/... with one byte flipped, /short/... cut in half,
// /no-negatives/... answering 404 for negative_samples.txt, anything unknown 404.
let server: Server;
let base = '';
const requests: string[] = [];

const ready = hasDataset('amazon-musical-instruments-5core') && hasDataset('amazon-toys-p5');

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const [, mode, dataset, ...rest] = (req.url ?? '').split('/');
    const file = path.join(DATA_DIR, dataset ?? '', ...rest);
    if (!['good', 'corrupt', 'short', 'no-negatives'].includes(mode ?? '') || !existsSync(file) || (mode === 'no-negatives' && file.endsWith('negative_samples.txt'))) {
      res.writeHead(404).end('not found');
      return;
    }
    let body: Buffer = readFileSync(file);
    if (mode === 'corrupt') {
      body = Buffer.from(body);
      body[Math.floor(body.length / 2)]! ^= 0x01;
    } else if (mode === 'short') {
      body = body.subarray(0, Math.floor(body.length / 2));
    }
    res.writeHead(200, { 'content-length': String(body.length) }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe.skipIf(!ready)('downloadDatasets against a local mirror', () => {
  const tmp = makeTmpDir('peapod-dl-');
  afterAll(tmp.cleanup);
  const mi = 'amazon-musical-instruments-5core';

  it('downloads, verifies and writes the file; a second run finds it present', async () => {
    const progress: number[] = [];
    const out = await downloadDatasets({ dest: tmp.dir, datasets: [mi], mirror: `${base}/good`, onProgress: (p) => progress.push(p.received) });
    expect(out).toEqual([{ dataset: mi, path: 'reviews_Musical_Instruments_5.json.gz', status: 'downloaded', bytes: 2460495 }]);
    expect(progress[progress.length - 1]).toBe(2460495);
    expect(verifyLocalDataset(tmp.dir, mi)).toEqual([]);
    expect(loadDataset(path.join(tmp.dir, mi)).numInteractions).toBe(10261);
    const again = await downloadDatasets({ dest: tmp.dir, datasets: [mi], mirror: `${base}/good` });
    expect(again[0]!.status).toBe('present');
  });

  it('one flipped byte -> ChecksumMismatchError naming the URL; nothing written', async () => {
    const dest = path.join(tmp.dir, 'corrupt');
    const err = await downloadDatasets({ dest, datasets: [mi], mirror: `${base}/corrupt` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChecksumMismatchError);
    expect((err as Error).message).toContain(`${base}/corrupt/${mi}/reviews_Musical_Instruments_5.json.gz: SHA-256 is `);
    expect((err as Error).message).toContain('expected 03f9cc27ae13a454cb4ea6cb620fb10546cc1194ef921441d1c5f34addff2748');
    expect(existsSync(path.join(dest, mi)) ? readdirSync(path.join(dest, mi)) : []).toEqual([]);
  });

  it('a cut-short body -> ChecksumMismatchError on the size', async () => {
    const err = await downloadDatasets({ dest: path.join(tmp.dir, 'short'), datasets: [mi], mirror: `${base}/short` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChecksumMismatchError);
    expect((err as Error).message).toMatch(/has 1230247 bytes, expected 2460495/);
  });

  it('HTTP 404 -> DownloadError with status, URL and a hint', async () => {
    const err = await downloadDatasets({ dest: path.join(tmp.dir, 'nf'), datasets: [mi], mirror: `${base}/nowhere` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DownloadError);
    expect((err as Error).message).toContain(`${base}/nowhere/${mi}/reviews_Musical_Instruments_5.json.gz: HTTP 404 Not Found`);
    expect((err as Error).message).toContain('PEAPOD_DATA_MIRROR');
  });

  it('a refused connection -> DownloadError', async () => {
    const err = await downloadDatasets({ dest: path.join(tmp.dir, 'refused'), datasets: [mi], mirror: 'http://127.0.0.1:1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DownloadError);
    expect((err as Error).message).toMatch(/could not connect/);
  });

  it('unknown dataset name -> MissingDatasetError listing the known ones', async () => {
    await expect(downloadDatasets({ dest: tmp.dir, datasets: ['amazon-books'] })).rejects.toThrow(MissingDatasetError);
    await expect(downloadDatasets({ dest: tmp.dir, datasets: ['amazon-books'] })).rejects.toThrow(/unknown dataset "amazon-books"\. Known datasets: amazon-beauty-p5/);
  });

  it("regenerates Toys negatives byte-identically when the mirror lacks them", { timeout: 120_000 }, async () => {
    const out = await downloadDatasets({ dest: tmp.dir, datasets: ['amazon-toys-p5'], mirror: `${base}/no-negatives` });
    expect(out.map((o) => `${o.path}:${o.status}`)).toEqual([
      'sequential_data.txt:downloaded',
      'datamaps.json:downloaded',
      'item_text_idgenrec.txt:downloaded',
      'negative_samples.txt:generated',
      'explanation-pod/val.json:downloaded',
      'explanation-pod/test.json:downloaded',
    ]);
    expect(verifyLocalDataset(tmp.dir, 'amazon-toys-p5')).toEqual([]);
    expect(readdirSync(path.join(tmp.dir, 'amazon-toys-p5')).some((n) => n.includes('.tmp-'))).toBe(false);
  });
});

describe('source table', () => {
  it('pins every URL to a commit and lists the sizes of SOURCE.md', () => {
    for (const name of ['amazon-beauty-p5', 'amazon-sports-p5', 'amazon-toys-p5', 'amazon-musical-instruments-5core', 'movielens-latest-small']) {
      const src = datasetSource(name)!;
      for (const f of src.files) {
        expect(f.url).toMatch(/^https:\/\/raw\.githubusercontent\.com\/[^/]+\/[^/]+\/[0-9a-f]{40}\//);
        expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
      }
    }
    expect(datasetSource('amazon-sports-p5')!.files.find((f) => f.path === 'sequential_data.txt')!.bytes).toBe(1707483);
  });
  it.skipIf(!hasDataset('movielens-latest-small'))('matches the local copies (verifyLocalDataset finds no problem)', () => {
    for (const name of ['amazon-beauty-p5', 'amazon-sports-p5', 'amazon-toys-p5', 'amazon-musical-instruments-5core', 'movielens-latest-small']) {
      expect(verifyLocalDataset(DATA_DIR, name)).toEqual([]);
    }
  });
});


describe('extractJsonValueText', () => {
  it('returns the exact text of a top-level value, ignoring brackets inside strings and nested keys', () => {
    const doc = '{\n    "train": [{"val": "]"}],\n    "val": [\n        {"e": "a ] b [ \\" c"}\n    ],\n    "test": []\n}';
    expect(extractJsonValueText(doc, 'val', 'doc')).toBe('[\n        {"e": "a ] b [ \\" c"}\n    ]\n');
    expect(extractJsonValueText(doc, 'test', 'doc')).toBe('[]\n');
    expect(() => extractJsonValueText(doc, 'nope', 'doc.json')).toThrow(/doc\.json: has no top-level "nope"/);
  });
  it.skipIf(!hasDataset('amazon-toys-p5'))('cuts val/test out of an ISRF-layout explanation.json with the pinned SHA-256', () => {
    const dir = path.join(DATA_DIR, 'amazon-toys-p5', 'explanation-pod');
    const val = readFileSync(path.join(dir, 'val.json'), 'utf8');
    const test = readFileSync(path.join(dir, 'test.json'), 'utf8');
    // ISRF's file is {"train": [...], "val": [...], "test": [...]} with 4-space indentation.
    const doc = `{\n    "train": [\n        {"user": 1, "item": 2, "explanation": "a [b]", "feature": "b"}\n    ],\n    "val": ${val.slice(0, -1)},\n    "test": ${test.slice(0, -1)}\n}`;
    const spec = datasetSource('amazon-toys-p5')!.files;
    expect(sha256Hex(extractJsonValueText(doc, 'val', 'x'))).toBe(spec.find((f) => f.path === 'explanation-pod/val.json')!.sha256);
    expect(sha256Hex(extractJsonValueText(doc, 'test', 'x'))).toBe(spec.find((f) => f.path === 'explanation-pod/test.json')!.sha256);
  });
});
