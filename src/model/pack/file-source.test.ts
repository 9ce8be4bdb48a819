import { describe, expect, it } from 'vitest';
import { ModelPackCorruptError, ModelPackMissingFileError, ModelPackTruncatedError } from '../errors.ts';
import { blobPackSource, packFilesFromPicked, type PickedFile } from './file-source.ts';
import { loadPack } from './load.ts';
import { buildTinyPack } from './tiny-pack.fixture.ts';

async function picked(prefix: string): Promise<PickedFile[]> {
  const built = await buildTinyPack('tiny');
  return [...built.files].map(([p, bytes]) => ({ path: `${prefix}${p}`, file: new Blob([bytes as Uint8Array<ArrayBuffer>]) }));
}

describe('packFilesFromPicked', () => {
  it('takes the folder of the top-most manifest.json and leaves other files out', () => {
    const b = new Blob(['x']);
    const r = packFilesFromPicked([
      { path: 'packs/mine/manifest.json', file: b },
      { path: 'packs/mine/weights/group1-shard1of1.bin', file: b },
      { path: 'packs/mine/old/manifest.json', file: b },
      { path: 'packs/other.txt', file: b },
    ]);
    expect(r.folder).toBe('packs/mine');
    expect([...r.files.keys()].sort()).toEqual(['manifest.json', 'old/manifest.json', 'weights/group1-shard1of1.bin']);
    expect([...packFilesFromPicked([{ path: 'manifest.json', file: b }]).files.keys()]).toEqual(['manifest.json']);
    expect(packFilesFromPicked([{ path: 'a\\manifest.json', file: b }]).folder).toBe('a');
  });

  it('no manifest.json: a typed error that says what to choose', () => {
    expect(() => packFilesFromPicked([{ path: 'x/weights.bin', file: new Blob(['x']) }])).toThrow(ModelPackMissingFileError);
    expect(() => packFilesFromPicked([])).toThrow(/choose the pack folder itself/);
  });
});

describe('blobPackSource', () => {
  it('loads a pack from picked files like a served one, with byte progress', async () => {
    const { files } = packFilesFromPicked(await picked('tiny/'));
    const seen: number[] = [];
    const src = blobPackSource(files, 'the folder tiny');
    const bytes = await src.read('manifest.json', (n) => seen.push(n));
    expect(seen.at(-1)).toBe(bytes.byteLength);
    const pack = await loadPack(src);
    expect(pack.manifest.kind).toBe('peapod-pack');
    expect(pack.weights.size).toBeGreaterThan(0);
  });

  it('a missing, truncated or altered file fails with the same typed errors as a served pack', async () => {
    const base = packFilesFromPicked(await picked('')).files;
    const shard = [...base.keys()].find((p) => p.endsWith('.bin'))!;

    const missing = new Map(base);
    missing.delete(shard);
    await expect(loadPack(blobPackSource(missing, 'the folder x'))).rejects.toThrow(ModelPackMissingFileError);

    const cut = new Map(base);
    cut.set(shard, base.get(shard)!.slice(0, 10));
    await expect(loadPack(blobPackSource(cut, 'the folder x'))).rejects.toThrow(ModelPackTruncatedError);

    const altered = new Map(base);
    const b = new Uint8Array(await base.get(shard)!.arrayBuffer());
    b[0] = b[0]! ^ 0xff;
    altered.set(shard, new Blob([b]));
    await expect(loadPack(blobPackSource(altered, 'the folder x'))).rejects.toThrow(ModelPackCorruptError);
  });
});
