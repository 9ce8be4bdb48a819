// Downloads pack files with per-file byte progress (fetch + a stream reader). No tfjs, no DOM: it
// runs in the worker and in Node tests. Failures become PackFetchError naming the URL and status.
import { PeapodError } from '../errors.ts';

export class PackFetchError extends PeapodError {
  override name = 'PackFetchError';
  override readonly code = 'runtime-pack-fetch';
  constructor(
    readonly url: string,
    readonly status: number | null,
    detail: string,
  ) {
    super(`Could not download ${url}: ${detail}.`);
  }
}

export interface ByteProgress {
  file: string;
  loaded: number;
  total: number;
}

export type Fetcher = (url: string, init?: { signal?: AbortSignal }) => Promise<Response>;

/** Reads one response body, reporting bytes as they arrive. `total` is 0 without Content-Length. */
export async function readWithProgress(res: Response, file: string, onProgress: (p: ByteProgress) => void): Promise<Uint8Array> {
  const header = res.headers.get('content-length');
  // A compressed transfer reports the compressed length; the decoded stream is longer. Then the
  // total is only an estimate and we grow it to what actually arrived.
  let total = header && /^\d+$/.test(header) ? Number(header) : 0;
  if (!res.body) {
    const buf = new Uint8Array(await res.arrayBuffer());
    onProgress({ file, loaded: buf.byteLength, total: buf.byteLength });
    return buf;
  }
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  onProgress({ file, loaded: 0, total });
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.byteLength;
    if (total && loaded > total) total = loaded;
    onProgress({ file, loaded, total });
  }
  const out = new Uint8Array(loaded);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.byteLength;
  }
  onProgress({ file, loaded, total: loaded });
  return out;
}

/** Fetches one file; a missing file rejects with PackFetchError (or resolves null when optional). */
export async function fetchFile(
  fetcher: Fetcher,
  url: string,
  file: string,
  onProgress: (p: ByteProgress) => void,
  optional = false,
): Promise<Uint8Array | null> {
  let res: Response;
  try {
    res = await fetcher(url);
  } catch (e) {
    throw new PackFetchError(url, null, `network error (${(e as Error).message})`);
  }
  if (!res.ok) {
    if (optional && res.status === 404) return null;
    throw new PackFetchError(url, res.status, `HTTP ${res.status}`);
  }
  // Vite's preview and dev servers answer unknown paths with index.html (SPA fallback).
  const type = res.headers.get('content-type') ?? '';
  if (type.includes('text/html') && !file.endsWith('.html')) {
    if (optional) return null;
    throw new PackFetchError(url, res.status, 'the server returned an HTML page instead of the file (the file is probably missing)');
  }
  return readWithProgress(res, file, onProgress);
}

export function decodeJson<T>(bytes: Uint8Array, file: string): T {
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as T;
  } catch (e) {
    throw new PackFetchError(file, null, `not valid JSON (${(e as Error).message})`);
  }
}
