// Starts a pack's downloads before the loader asks for them: manifest.json first (read once; the
// backend choice and the loader share its bytes), then every file it lists, a few at a time, each
// hashed as soon as it is complete. The result is a PackSource that answers the loader from those
// reads, so the loader (load.ts) still does every check and raises every typed error. No tfjs and
// no DOM, so the worker can run it while the engine module (tfjs + model) is still being fetched.
import { sha256Hex } from './build.ts';
import { MANIFEST_FILE } from './format.ts';
import { limitedAll, READ_CONCURRENCY } from './limited.ts';
import type { FileProgress, PackSource } from './load.ts';

export interface PrefetchOptions {
  concurrency?: number;
  /** Byte progress of manifest.json and every prefetched file (total from the manifest). */
  onProgress?: (file: string, loaded: number, total: number) => void;
  /** 'fetched' when every listed file has arrived, 'verified' when every one is hashed too. */
  onStage?: (stage: 'manifest' | 'fetched' | 'verified') => void;
}

export interface PackPrefetch extends PackSource {
  /** manifest.json as read (once); rejects with the source's error when it cannot be read. */
  readonly manifest: Promise<Uint8Array>;
  /** Resolves when every prefetched read has settled (for tests and shutdown). */
  readonly settled: Promise<void>;
}

interface Entry {
  loaded: number;
  listeners: Set<FileProgress>;
  result: Promise<{ bytes: Uint8Array; sha256: string }>;
}

/** The `files` table of a manifest that may be malformed (then nothing is prefetched; the loader reports it). */
function listedFiles(manifestBytes: Uint8Array): [string, number][] {
  try {
    const m = JSON.parse(new TextDecoder().decode(manifestBytes)) as { files?: unknown };
    if (typeof m !== 'object' || m === null || typeof m.files !== 'object' || m.files === null) return [];
    return Object.entries(m.files as Record<string, { bytes?: unknown }>).flatMap(([p, f]) => (typeof f?.bytes === 'number' && p !== MANIFEST_FILE ? [[p, f.bytes] as [string, number]] : []));
  } catch {
    return [];
  }
}

export function prefetchPack(inner: PackSource, opts: PrefetchOptions = {}): PackPrefetch {
  const entries = new Map<string, Entry>();
  // Its size is not known in advance: the total grows with what arrived (as the loader reports it).
  const manifest = inner.read(MANIFEST_FILE, (n) => opts.onProgress?.(MANIFEST_FILE, n, n));
  manifest.catch(() => {});
  // Resolves (never rejects) once `entries` lists every file being prefetched.
  const listed = manifest.then(
    (bytes) => {
      opts.onStage?.('manifest');
      const files = listedFiles(bytes);
      for (const [path] of files) entries.set(path, { loaded: 0, listeners: new Set(), result: Promise.resolve({ bytes: new Uint8Array(0), sha256: '' }) });
      let arrived = 0;
      const results = limitedAll(files, opts.concurrency ?? READ_CONCURRENCY, async ([path, total]) => {
        const entry = entries.get(path)!;
        const bytes = await inner.read(path, (n) => {
          entry.loaded = n;
          opts.onProgress?.(path, n, total);
          for (const l of entry.listeners) l(n);
        });
        if (++arrived === files.length) opts.onStage?.('fetched');
        return { bytes, sha256: await sha256Hex(bytes) };
      });
      files.forEach(([path], k) => {
        entries.get(path)!.result = results[k]!;
      });
      const settled = Promise.allSettled(results).then((r) => {
        if (files.length && r.every((x) => x.status === 'fulfilled')) opts.onStage?.('verified');
      });
      return { settled };
    },
    () => ({ settled: Promise.resolve() }),
  );

  const readHashed = async (path: string, onBytes?: FileProgress, signal?: AbortSignal): Promise<{ bytes: Uint8Array; sha256: string }> => {
    await listed;
    const entry = entries.get(path);
    if (!entry) {
      const bytes = await inner.read(path, onBytes, signal);
      return { bytes, sha256: await sha256Hex(bytes) };
    }
    if (!onBytes) return entry.result;
    if (entry.loaded) onBytes(entry.loaded);
    entry.listeners.add(onBytes);
    try {
      return await entry.result;
    } finally {
      entry.listeners.delete(onBytes);
    }
  };

  return {
    description: inner.description,
    manifest,
    settled: listed.then((l) => l.settled),
    async read(path, onBytes, signal) {
      if (path === MANIFEST_FILE) {
        const bytes = await manifest;
        onBytes?.(bytes.byteLength);
        return bytes;
      }
      return (await readHashed(path, onBytes, signal)).bytes;
    },
    readHashed,
  };
}
