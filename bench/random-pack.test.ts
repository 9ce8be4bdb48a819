import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModelPackMissingFileError } from '../src/model/errors.ts';
import { loadPack } from '../src/model/pack/load.ts';
import { nodePackSource } from '../src/model/pack/node.ts';
import { initialValues, paramSpecs } from '../src/model/params.ts';
import { smallT5Config } from '../src/model/t5/config.ts';
import { PACK_DATA, PACK_FILES } from '../src/model/types.ts';
import { buildRandomPack, memoryPackSource } from './random-pack.ts';

const beauty = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../public/models/beauty');
const haveBeauty = existsSync(path.join(beauty, 'manifest.json'));
// Without the shipped Beauty pack the tests that need it are skipped, silently: the runner's summary counts them.

describe('buildRandomPack', () => {
  it.skipIf(!haveBeauty)('builds a loadable, hash-checked random pack over the Beauty catalogue, like `peapod export --random`', async () => {
    const rp = await buildRandomPack(nodePackSource(beauty), { preset: 'small', seed: 1 });
    // `peapod export --random --config t5-small` over the amazon-beauty-p5 folder gave V4408 (p5)
    // (BENCHMARKS.md); the same catalogue read back from the shipped pack must give the same vocabulary.
    expect(rp.config.t5.vocabSize).toBe(4408);
    expect(rp.config.t5).toEqual(smallT5Config(4408, rp.config.t5.wholeWordVocab));
    expect(rp.config.composer.cfDim).toBe(64);

    const loaded = await loadPack(rp.source); // default: checks every hash and the weight shapes
    expect(loaded.bytes).toBe(rp.packBytes);
    const spec = paramSpecs(rp.config).find((s) => s.init.kind === 'normal')!;
    const want = initialValues(spec, 1);
    const got = loaded.weights.get(spec.name)!.values;
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / Math.max(Math.abs(want[i]!), 2 ** -14));
    expect(worst).toBeLessThanOrEqual(2 ** -11); // float16 storage

    const U = loaded.data.get(PACK_DATA.userIds)!.shape[0]!;
    const idx = loaded.data.get(PACK_DATA.neighbourIndices)!.values;
    const sim = loaded.data.get(PACK_DATA.neighbourSimilarity)!.values;
    const offsets = loaded.data.get(PACK_DATA.historyOffsets)!.values;
    const hist = loaded.data.get(PACK_DATA.historyItems)!.values;
    const neg = loaded.data.get(PACK_DATA.topnNegatives)!.values;
    for (const u of [0, 1, U - 1]) {
      const row = Array.from(idx.subarray(u * 20, u * 20 + 20));
      expect(new Set(row).size).toBe(20);
      expect(row).not.toContain(u);
      for (let k = 1; k < 20; k++) expect(sim[u * 20 + k]!).toBeLessThanOrEqual(sim[u * 20 + k - 1]!);
      const seen = new Set(Array.from(hist.subarray(offsets[u], offsets[u + 1])));
      for (const i of neg.subarray(u * 99, u * 99 + 99)) expect(seen.has(i)).toBe(false);
    }
    expect(loaded.json<string[]>(PACK_FILES.items)!.length).toBe(loaded.manifest.dataset.items + 1);
  }, 120_000);

  it('a memory source names the missing file', async () => {
    const src = memoryPackSource(new Map([['a.bin', Uint8Array.of(1, 2)]]), 'test pack');
    expect(Array.from(await src.read('a.bin'))).toEqual([1, 2]);
    await expect(src.read('manifest.json')).rejects.toBeInstanceOf(ModelPackMissingFileError);
    await expect(src.read('manifest.json')).rejects.toThrow(/manifest\.json/);
  });
});
