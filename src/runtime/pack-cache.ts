// Caches verified weight-pack files with the Cache API, one cache per pack version
// ("peapod-pack:<pack>:<sha-256 of its manifest, 16 hex>"), so a reload or a retry after a failed
// download takes the files already fetched from the cache and fetches only the rest. A file enters
// the cache only when its SHA-256 matches the manifest, and a cached file is re-checked before use,
// so the cache can never serve corrupt bytes. A newer manifest purges the older versions of the
// same pack. A body that delivers no byte for `stallMs` fails with a typed PackFetchError instead of
// hanging. Plain fetch semantics, no tfjs, no DOM: it runs in the worker; where the Cache API is
// missing (Node, insecure origins) it only adds the stall watchdog.
import { sha256Hex } from '../model/pack/build.ts';
import type { FetchLike } from '../model/pack/fetch-source.ts';
import { PackFetchError } from './fetch-progress.ts';
import { PACK_CACHE_PREFIX } from './protocol.ts';

export { PACK_CACHE_PREFIX };
const MANIFEST = 'manifest.json';

export interface PackCacheOptions {
  /** Milliseconds without a byte before a download counts as stalled. */
  stallMs?: number;
  caches?: CacheStorage | null;
  fetch?: FetchLike;
}

/** A response whose body errors with PackFetchError when no chunk arrives for `stallMs`. */
export function withStallWatchdog(res: Response, url: string, stallMs: number): Response {
  if (!res.body) return res;
  const reader = res.body.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const stalled = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new PackFetchError(url, res.status, `no data arrived for ${Math.round(stallMs / 1000)} s, so the download counts as stalled; press Retry (files already downloaded are kept)`)), stallMs);
      });
      try {
        const { done, value } = await Promise.race([reader.read(), stalled]);
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (e) {
        void reader.cancel().catch(() => {});
        controller.error(e);
      } finally {
        clearTimeout(timer);
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
}

function isHtml(res: Response): boolean {
  return (res.headers.get('content-type') ?? '').includes('text/html');
}

/**
 * A FetchLike for fetchPackSource(baseUrl, …) that reads through the pack cache. `baseUrl` is the
 * pack folder's URL (as given to fetchPackSource) and `packId` names the cache family.
 */
export function cachedPackFetch(baseUrl: string, packId: string, opts: PackCacheOptions = {}): FetchLike {
  const base = baseUrl.endsWith('/') ? baseUrl : baseUrl + '/';
  const net: FetchLike = opts.fetch ?? ((u, i) => globalThis.fetch(u, i));
  const store = opts.caches === undefined ? ((globalThis as { caches?: CacheStorage }).caches ?? null) : opts.caches;
  const stallMs = opts.stallMs ?? 20_000;
  const family = `${PACK_CACHE_PREFIX}${packId}:`;
  // The open cache of the adopted version; a promise so that the manifest's answer need not wait
  // for the Cache API (the shards' reads wait for it instead, while the manifest is being parsed).
  let cacheOpen: Promise<Cache | null> = Promise.resolve(null);
  let hashes = new Map<string, string>();

  const fileOf = (url: string): string => decodeURIComponent(url.startsWith(base) ? url.slice(base.length) : url);

  const adopt = (name: string, manifestBytes: Uint8Array): void => {
    try {
      const m = JSON.parse(new TextDecoder().decode(manifestBytes)) as { files?: Record<string, { sha256?: unknown }> };
      hashes = new Map(Object.entries(m.files ?? {}).flatMap(([p, f]) => (typeof f?.sha256 === 'string' ? [[p, f.sha256] as [string, string]] : [])));
    } catch {
      // An unreadable manifest is the loader's to report (typed); it just is not cached.
      hashes = new Map();
      cacheOpen = Promise.resolve(null);
      return;
    }
    if (!store) return;
    cacheOpen = store.open(name).catch(() => null);
  };

  async function manifest(url: string, init?: { signal?: AbortSignal }): Promise<Response> {
    let res: Response | null = null;
    try {
      res = await net(url, { ...init, cache: 'no-cache' });
    } catch (e) {
      if ((e as Error).name === 'AbortError') throw e;
    }
    if (res && res.ok && !isHtml(res)) {
      const bytes = new Uint8Array(await res.arrayBuffer());
      const name = family + (await sha256Hex(bytes)).slice(0, 16);
      adopt(name, bytes);
      if (store && hashes.size) {
        // Stored (and older versions purged) in the background: the loader needs only the bytes.
        const opened = cacheOpen;
        void (async () => {
          const c = await opened;
          if (!c) return;
          await c.put(url, new Response(bytes, { headers: { 'content-type': 'application/json' } }));
          for (const old of await store.keys()) if (old.startsWith(family) && old !== name) await store.delete(old);
        })().catch(() => {});
      }
      return new Response(bytes, { status: 200, headers: res.headers });
    }
    // Offline or server down: the newest cached version of this pack, if any.
    if (store) {
      for (const name of (await store.keys()).filter((n) => n.startsWith(family)).reverse()) {
        const hit = await (await store.open(name)).match(url);
        if (!hit) continue;
        const bytes = new Uint8Array(await hit.arrayBuffer());
        adopt(name, bytes);
        return new Response(bytes, { status: 200, headers: { 'content-type': 'application/json' } });
      }
    }
    if (res) return res;
    throw new TypeError(`network error fetching ${url} and no cached copy`);
  }

  async function file(url: string, init?: { signal?: AbortSignal }): Promise<Response> {
    const want = hashes.get(fileOf(url));
    const cache = want ? await cacheOpen : null;
    if (cache && want) {
      const hit = await cache.match(url);
      if (hit) {
        const bytes = new Uint8Array(await hit.arrayBuffer());
        if ((await sha256Hex(bytes)) === want) return new Response(bytes, { status: 200, headers: { 'content-length': String(bytes.byteLength) } });
        await cache.delete(url);
      }
    }
    // A server that never answers stalls before the body exists; the same watchdog covers it.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const res = await Promise.race([
      net(url, init),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new PackFetchError(url, null, `the server sent no answer for ${Math.round(stallMs / 1000)} s, so the download counts as stalled; press Retry (files already downloaded are kept)`)), stallMs);
      }),
    ]).finally(() => clearTimeout(timer));
    if (cache && want && res.ok && !isHtml(res)) {
      const target = cache;
      const copy = res.clone();
      // Stored in the background once complete and verified; the loader streams the original.
      void (async () => {
        const bytes = new Uint8Array(await copy.arrayBuffer());
        if ((await sha256Hex(bytes)) === want) await target.put(url, new Response(bytes, { headers: { 'content-length': String(bytes.byteLength) } }));
      })().catch(() => {});
    }
    return withStallWatchdog(res, url, stallMs);
  }

  return (url, init) => (fileOf(url) === MANIFEST ? manifest(url, init) : file(url, init));
}

export interface PackCacheUsage {
  bytes: number;
  versions: { name: string; files: number; bytes: number }[];
}

/** Bytes held by every cached pack version (what the "clear cached models" control shows). */
export async function packCacheUsage(store: CacheStorage | null = (globalThis as { caches?: CacheStorage }).caches ?? null): Promise<PackCacheUsage> {
  const versions: PackCacheUsage['versions'] = [];
  if (!store) return { bytes: 0, versions };
  for (const name of await store.keys()) {
    if (!name.startsWith(PACK_CACHE_PREFIX)) continue;
    const c = await store.open(name);
    let bytes = 0;
    const reqs = await c.keys();
    for (const r of reqs) bytes += (await (await c.match(r))!.arrayBuffer()).byteLength;
    versions.push({ name, files: reqs.length, bytes });
  }
  return { bytes: versions.reduce((s, v) => s + v.bytes, 0), versions };
}

/** Deletes every cached pack version; returns how many caches went. */
export async function clearPackCaches(store: CacheStorage | null = (globalThis as { caches?: CacheStorage }).caches ?? null): Promise<number> {
  if (!store) return 0;
  let n = 0;
  for (const name of await store.keys()) if (name.startsWith(PACK_CACHE_PREFIX) && (await store.delete(name))) n++;
  return n;
}
