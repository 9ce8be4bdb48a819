import { describe, expect, it } from 'vitest';
import { PackFetchError } from './fetch-progress.ts';
import { cachedPackFetch, withStallWatchdog } from './pack-cache.ts';

function streamOf(chunks: Uint8Array[], hangAfter: boolean): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    pull(c) {
      if (i < chunks.length) c.enqueue(chunks[i++]);
      else if (!hangAfter) c.close();
      else return new Promise<void>(() => {}); // never delivers another byte
    },
  });
}

describe('withStallWatchdog', () => {
  it('passes a healthy body through byte for byte', async () => {
    const res = withStallWatchdog(new Response(streamOf([Uint8Array.of(1, 2), Uint8Array.of(3)], false)), 'u', 200);
    expect([...new Uint8Array(await res.arrayBuffer())]).toEqual([1, 2, 3]);
  });
  it('fails a body that stops delivering with a PackFetchError naming the URL, after about stallMs', async () => {
    const res = withStallWatchdog(new Response(streamOf([Uint8Array.of(1)], true)), 'http://h/models/beauty/weights-shard1of2.bin', 150);
    const t0 = performance.now();
    const err = await res.arrayBuffer().then(() => null, (e: unknown) => e);
    const dt = performance.now() - t0;
    expect(err).toBeInstanceOf(PackFetchError);
    expect((err as Error).message).toMatch(/weights-shard1of2\.bin.*stalled/);
    expect(dt).toBeGreaterThanOrEqual(140);
    expect(dt).toBeLessThan(2000);
  });
});

describe('cachedPackFetch without a Cache API (Node)', () => {
  it('fetches through, with the watchdog on shard bodies', async () => {
    const seen: string[] = [];
    const f = cachedPackFetch('http://h/p/', 'beauty', {
      caches: null,
      stallMs: 100,
      fetch: async (u) => {
        seen.push(u);
        return u.endsWith('manifest.json') ? new Response('{"files":{}}', { headers: { 'content-type': 'application/json' } }) : new Response(streamOf([Uint8Array.of(9)], true));
      },
    });
    expect(await (await f('http://h/p/manifest.json')).text()).toBe('{"files":{}}');
    const err = await (await f('http://h/p/weights-shard1of1.bin')).arrayBuffer().then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(PackFetchError);
    expect(seen).toEqual(['http://h/p/manifest.json', 'http://h/p/weights-shard1of1.bin']);
  });
});
