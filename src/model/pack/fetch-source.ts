// Browser side of weight packs: a PackSource over HTTP that streams each response body so progress
// is reported per chunk. No DOM and no node:* imports; works in a worker and in Node 20 (global fetch).
import { ModelPackMissingFileError } from '../errors.ts';
import type { FileProgress, PackSource } from './load.ts';

export type FetchLike = (url: string, init?: { signal?: AbortSignal; cache?: RequestCache }) => Promise<Response>;

/** `baseUrl` is the pack folder's URL (a trailing slash is added when missing). */
export function fetchPackSource(baseUrl: string, fetchImpl: FetchLike = (u, i) => globalThis.fetch(u, i)): PackSource {
  const base = baseUrl.endsWith('/') ? baseUrl : baseUrl + '/';
  return {
    description: base,
    async read(file: string, onBytes?: FileProgress, signal?: AbortSignal): Promise<Uint8Array> {
      const url = base + file.split('/').map(encodeURIComponent).join('/');
      let res: Response;
      try {
        res = await fetchImpl(url, { signal });
      } catch (err) {
        if ((err as Error).name === 'AbortError') throw err;
        throw new ModelPackMissingFileError(file, url, `network error: ${(err as Error).message}`);
      }
      if (!res.ok) throw new ModelPackMissingFileError(file, url, `HTTP ${res.status}`);
      if (!res.body) {
        const all = new Uint8Array(await res.arrayBuffer());
        onBytes?.(all.byteLength);
        return all;
      }
      const reader = res.body.getReader();
      const chunks: Uint8Array[] = [];
      let n = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        n += value.byteLength;
        onBytes?.(n);
      }
      if (chunks.length === 1) return chunks[0]!;
      const out = new Uint8Array(n);
      let off = 0;
      for (const c of chunks) {
        out.set(c, off);
        off += c.byteLength;
      }
      return out;
    },
  };
}
