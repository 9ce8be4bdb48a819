// Property-based tests of weight-pack validation: a manifest of any shape, a valid manifest with any
// one field replaced by a hostile value, and shards with flipped bytes or cut short must all end in
// a typed ModelPack*Error (or a successful load) — never a TypeError, a hang, or an allocation sized
// by a number in the manifest. The pack is tiny and built in memory; runs stay short for 2 cores.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ModelPackError, ModelPackMissingFileError } from '../errors.ts';
import type { BuiltPack } from './build.ts';
import { buildTinyPack } from './tiny-pack.fixture.ts';
import { loadPack, validateManifest, type PackSource } from './load.ts';

const RUNS = { numRuns: Number(process.env.PROP_RUNS ?? 200) };
const MAX_MS = 2000;

let built: BuiltPack;
beforeAll(async () => {
  built = await buildTinyPack('prop');
});

function memorySource(files: Map<string, Uint8Array>): PackSource {
  return {
    description: 'memory',
    async read(path) {
      const b = files.get(path);
      if (!b) throw new ModelPackMissingFileError(path, 'memory', 'not found');
      return b;
    },
  };
}

/** Loads and returns 'ok' or the typed error; anything untyped or slow fails the property. */
async function typedLoad(files: Map<string, Uint8Array>): Promise<'ok' | ModelPackError> {
  const t0 = performance.now();
  try {
    await loadPack(memorySource(files));
    return 'ok';
  } catch (e) {
    if (!(e instanceof ModelPackError)) throw new Error(`untyped ${(e as Error)?.name}: ${(e as Error)?.message}`, { cause: e });
    expect(e.message.length).toBeGreaterThan(20);
    return e;
  } finally {
    expect(performance.now() - t0).toBeLessThan(MAX_MS);
  }
}

const hostile = fc.oneof(
  fc.constantFrom<unknown>(null, -1, 0, 1, 2 ** 31, 1e300, Number.MAX_SAFE_INTEGER, 'x', '', [], {}, [1e9, 1e9], [-1], [0.5], true, { sha256: 'x', bytes: -1 }, '__proto__', { toString: 0 }, 1e9),
  fc.jsonValue({ maxDepth: 2 }),
);

/** Every path in a JSON value (objects and arrays), depth-first; the manifest has a few hundred. */
function paths(v: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (typeof v === 'object' && v !== null) {
    for (const [k, c] of Object.entries(v)) {
      const p = [...prefix, Array.isArray(v) ? Number(k) : k];
      out.push(p);
      paths(c, p, out);
    }
  }
  return out;
}

function withManifest(m: unknown): Map<string, Uint8Array> {
  const files = new Map(built.files);
  files.set('manifest.json', new TextEncoder().encode(JSON.stringify(m)));
  return files;
}

describe('manifest validation', () => {
  it('the untouched pack loads (the properties below start from a valid pack)', async () => {
    expect(await typedLoad(built.files)).toBe('ok');
  });

  it('validateManifest throws only ModelPackError on any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), (v) => {
        try {
          validateManifest(v);
        } catch (e) {
          expect(e).toBeInstanceOf(ModelPackError);
        }
      }),
      RUNS,
    );
  });

  it('any one manifest field replaced by a hostile value: loads or fails with a typed error, quickly', async () => {
    const all = paths(built.manifest);
    await fc.assert(
      fc.asyncProperty(fc.nat(), hostile, fc.boolean(), async (pick, value, remove) => {
        const m = structuredClone(built.manifest) as unknown as Record<string, unknown>;
        const p = all[pick % all.length]!;
        let parent: Record<string | number, unknown> = m;
        for (const k of p.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
        if (remove) delete parent[p.at(-1)!];
        else parent[p.at(-1)!] = value;
        await typedLoad(withManifest(m));
      }),
      RUNS,
    );
  });

  it('a wrong format version or kind is a ModelPackVersionError', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.integer({ min: 2, max: 99 }), fc.constant('1'), fc.constant(0)), async (v) => {
        const out = await typedLoad(withManifest({ ...built.manifest, formatVersion: v }));
        expect(out === 'ok' ? 'ok' : out.name).toBe('ModelPackVersionError');
      }),
      { numRuns: 20 },
    );
  });

  it('manifest.json cut short or garbled is a ModelPackInvalidManifestError', async () => {
    const text = JSON.stringify(built.manifest);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: text.length - 1 }), async (cut) => {
        const files = new Map(built.files);
        files.set('manifest.json', new TextEncoder().encode(text.slice(0, cut)));
        const out = await typedLoad(files);
        expect(out === 'ok' ? 'ok' : out.name).toBe('ModelPackInvalidManifestError');
      }),
      { numRuns: 50 },
    );
  });
});

describe('shards', () => {
  const shardNames = () => [...built.files.keys()].filter((f) => f.endsWith('.bin'));

  it('any flipped byte in any file is a ModelPackCorruptError naming that file', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.nat(), fc.integer({ min: 1, max: 255 }), async (f, at, xor) => {
        const names = [...built.files.keys()].filter((n) => n !== 'manifest.json');
        const name = names[f % names.length]!;
        const bytes = built.files.get(name)!.slice();
        bytes[at % bytes.length]! ^= xor;
        const files = new Map(built.files);
        files.set(name, bytes);
        const out = await typedLoad(files);
        expect(out === 'ok' ? 'ok' : out.name).toBe('ModelPackCorruptError');
        expect((out as ModelPackError).file).toBe(name);
      }),
      RUNS,
    );
  });

  it('a shard cut short or grown is a ModelPackTruncatedError naming it', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.integer({ min: -300, max: 300 }).filter((d) => d !== 0), async (f, delta) => {
        const names = shardNames();
        const name = names[f % names.length]!;
        const orig = built.files.get(name)!;
        const bytes = delta < 0 ? orig.slice(0, Math.max(0, orig.length + delta)) : Uint8Array.from([...orig, ...new Uint8Array(delta)]);
        const files = new Map(built.files);
        files.set(name, bytes);
        const out = await typedLoad(files);
        expect(out === 'ok' ? 'ok' : out.name).toBe('ModelPackTruncatedError');
        expect((out as ModelPackError).file).toBe(name);
      }),
      { numRuns: 100 },
    );
  });

  it('a missing file is a typed error naming it', async () => {
    for (const name of built.files.keys()) {
      const files = new Map(built.files);
      files.delete(name);
      const out = await typedLoad(files);
      expect(out).not.toBe('ok');
      expect((out as ModelPackError).file).toBe(name);
    }
  });
});
