// The prefetch reads the manifest once, starts every listed file at once (a bounded number at a time)
// and hashes each as it arrives; the loader fed from it returns exactly what it returns from the
// files directly and raises the same typed errors. The pack is tiny and built in memory.
import { beforeAll, describe, expect, it } from 'vitest';
import { ModelPackCorruptError, ModelPackMissingFileError, ModelPackTruncatedError } from '../errors.ts';
import { sha256Hex, type BuiltPack } from './build.ts';
import { buildTinyPack } from './tiny-pack.fixture.ts';
import { limitedAll } from './limited.ts';
import { loadPack, type PackSource } from './load.ts';
import { prefetchPack } from './prefetch.ts';

let built: BuiltPack;
beforeAll(async () => {
  built = await buildTinyPack('prefetch');
});

/**
 * Serves the built files from memory in two chunks each, a few ms apart (so reads overlap), and
 * records what was read and how many reads ran at once.
 */
function servedFrom(files: Map<string, Uint8Array>) {
  const reads: string[] = [];
  let running = 0;
  let maxRunning = 0;
  const source: PackSource = {
    description: 'memory',
    async read(path, onBytes) {
      reads.push(path);
      running++;
      maxRunning = Math.max(maxRunning, running);
      try {
        const b = files.get(path);
        await new Promise((r) => setTimeout(r, 3));
        if (!b) throw new ModelPackMissingFileError(path, 'memory', 'not found');
        onBytes?.(b.byteLength >> 1);
        await new Promise((r) => setTimeout(r, 3));
        onBytes?.(b.byteLength);
        return b;
      } finally {
        running--;
      }
    },
  };
  return { source, reads, maxRunning: () => maxRunning };
}

describe('limitedAll', () => {
  it('runs at most `limit` tasks at once, answers in item order, and isolates failures', async () => {
    let running = 0;
    let most = 0;
    const out = limitedAll([5, 1, 4, 2, 3], 2, async (ms) => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, ms));
      running--;
      if (ms === 4) throw new Error('four');
      return ms * 10;
    });
    const settled = await Promise.allSettled(out);
    expect(most).toBe(2);
    expect(settled.map((s) => (s.status === 'fulfilled' ? s.value : (s.reason as Error).message))).toEqual([50, 10, 'four', 20, 30]);
  });

  it('a task that throws before its first await is one failed item, not a crash', async () => {
    const out = limitedAll([1, 2], 1, (x) => {
      if (x === 1) throw new Error('sync');
      return Promise.resolve(x);
    });
    await expect(out[0]).rejects.toThrow('sync');
    await expect(out[1]).resolves.toBe(2);
  });
});

describe('prefetchPack', () => {
  it('reads the manifest once, every file once (4 at a time), and loads the same pack as a plain read', async () => {
    const served = servedFrom(built.files);
    const stages: string[] = [];
    const progress = new Map<string, [number, number]>();
    const pf = prefetchPack(served.source, { onStage: (s) => stages.push(s), onProgress: (f, l, t) => progress.set(f, [l, t]) });
    expect(new TextDecoder().decode(await pf.manifest)).toContain('"prefetch"');
    await pf.settled;
    expect(stages).toEqual(['manifest', 'fetched', 'verified']);
    const listed = Object.keys(built.manifest.files);
    expect(listed.length).toBeGreaterThan(4);
    expect(served.maxRunning()).toBe(4);
    // Every listed file at its full size; the manifest's total is what arrived.
    for (const f of listed) expect(progress.get(f)).toEqual([built.files.get(f)!.byteLength, built.manifest.files[f]!.bytes]);
    expect(progress.get('manifest.json')![0]).toBe(built.files.get('manifest.json')!.byteLength);

    const viaPrefetch = await loadPack(pf);
    const direct = await loadPack(servedFrom(built.files).source);
    expect([...served.reads].sort()).toEqual(['manifest.json', ...listed].sort()); // nothing read twice
    expect(viaPrefetch.bytes).toBe(direct.bytes);
    for (const [name, w] of direct.weights) expect(viaPrefetch.weights.get(name)!.values).toEqual(w.values);
    for (const [name, a] of direct.data) expect(viaPrefetch.data.get(name)!.values).toEqual(a.values);
    // The hash it hands over is the file's.
    const f0 = listed[0]!;
    expect((await pf.readHashed!(f0)).sha256).toBe(await sha256Hex(built.files.get(f0)!));
  });

  it('a late listener hears the bytes so far and the rest', async () => {
    const pf = prefetchPack(servedFrom(built.files).source);
    await pf.manifest;
    const f = Object.keys(built.manifest.files)[0]!;
    const heard: number[] = [];
    const bytes = await pf.read(f, (n) => heard.push(n));
    expect(bytes).toEqual(built.files.get(f));
    expect(heard.at(-1)).toBe(bytes.byteLength);
  });

  it('damaged files end in the loader\'s typed errors, naming the file', async () => {
    const shard = built.manifest.weightsManifest[0]!.paths[0]!;
    const flipped = new Map(built.files);
    const b = Uint8Array.from(built.files.get(shard)!);
    b[7] = b[7]! ^ 0xff;
    flipped.set(shard, b);
    const err = await loadPack(prefetchPack(servedFrom(flipped).source)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelPackCorruptError);
    expect((err as ModelPackCorruptError).file).toBe(shard);

    const cut = new Map(built.files);
    cut.set(shard, built.files.get(shard)!.subarray(0, 10));
    await expect(loadPack(prefetchPack(servedFrom(cut).source))).rejects.toThrow(ModelPackTruncatedError);

    const missing = new Map(built.files);
    missing.delete('items.json');
    await expect(loadPack(prefetchPack(servedFrom(missing).source))).rejects.toThrow(/"items.json" could not be read/);
    const noManifest = new Map(built.files);
    noManifest.delete('manifest.json');
    const pf = prefetchPack(servedFrom(noManifest).source);
    await expect(pf.manifest).rejects.toThrow(ModelPackMissingFileError);
    await expect(loadPack(pf)).rejects.toThrow(/"manifest.json" could not be read/);
  });
});
