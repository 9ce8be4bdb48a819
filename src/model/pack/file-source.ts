// A PackSource over files the user picked or dropped (a pack folder opened from disk). The files are
// Blobs (File objects in the browser), keyed by their path inside the pack folder; the loader then
// checks every size and SHA-256 against the manifest exactly as for a served pack. No DOM beyond
// Blob, no node:* imports: it runs in the page, the worker and Node 20 alike. Nothing is uploaded.
import { ModelPackMissingFileError } from '../errors.ts';
import { MANIFEST_FILE } from './format.ts';
import type { FileProgress, PackSource } from './load.ts';

/** A picked or dropped file with its path relative to what was picked ("folder/weights/x.bin"). */
export interface PickedFile {
  path: string;
  file: Blob;
}

/** Local packs: at most this many files are considered (a pack has tens). */
const MAX_FILES = 10_000;

/**
 * The files of one pack folder among picked files: the manifest.json nearest the top decides the
 * folder; paths become relative to it. Files outside it (other packs, stray files) are left out.
 * Throws ModelPackMissingFileError when no manifest.json was picked.
 */
export function packFilesFromPicked(picked: readonly PickedFile[]): { folder: string; files: Map<string, Blob> } {
  const norm = picked.slice(0, MAX_FILES).map((p) => ({ path: p.path.replace(/\\/g, '/').replace(/^\/+/, ''), file: p.file }));
  const manifests = norm.filter((p) => p.path === MANIFEST_FILE || p.path.endsWith(`/${MANIFEST_FILE}`));
  if (manifests.length === 0) {
    throw new ModelPackMissingFileError(MANIFEST_FILE, 'the files you chose', 'no manifest.json among them: choose the pack folder itself (the one holding manifest.json), or drop all of its files');
  }
  manifests.sort((a, b) => a.path.split('/').length - b.path.split('/').length || (a.path < b.path ? -1 : 1));
  const folder = manifests[0]!.path.slice(0, -MANIFEST_FILE.length);
  const files = new Map<string, Blob>();
  for (const p of norm) if (p.path.startsWith(folder)) files.set(p.path.slice(folder.length), p.file);
  return { folder: folder.replace(/\/$/, ''), files };
}

/** Reads `blob` with byte progress (streamed where the Blob supports it). */
async function readBlob(blob: Blob, onBytes?: FileProgress, signal?: AbortSignal): Promise<Uint8Array> {
  if (typeof blob.stream !== 'function') {
    const all = new Uint8Array(await blob.arrayBuffer());
    onBytes?.(all.byteLength);
    return all;
  }
  const out = new Uint8Array(blob.size);
  const reader = blob.stream().getReader();
  let n = 0;
  for (;;) {
    if (signal?.aborted) {
      await reader.cancel();
      throw signal.reason instanceof Error ? signal.reason : new DOMException('Aborted', 'AbortError');
    }
    const { done, value } = await reader.read();
    if (done) break;
    // A file that changed on disk since it was picked: keep what arrived; the loader checks sizes.
    if (n + value.byteLength > out.byteLength) {
      const grown = new Uint8Array(n + value.byteLength);
      grown.set(out.subarray(0, n));
      grown.set(value, n);
      n += value.byteLength;
      onBytes?.(n);
      return grown;
    }
    out.set(value, n);
    n += value.byteLength;
    onBytes?.(n);
  }
  if (blob.size === 0) onBytes?.(0);
  return n === out.byteLength ? out : out.subarray(0, n);
}

/** `files`: path inside the pack folder -> contents. `description` names the folder in errors. */
export function blobPackSource(files: ReadonlyMap<string, Blob>, description: string): PackSource {
  return {
    description,
    async read(file: string, onBytes?: FileProgress, signal?: AbortSignal): Promise<Uint8Array> {
      const blob = files.get(file);
      if (!blob) throw new ModelPackMissingFileError(file, description, 'it was not among the files you chose; choose the whole pack folder');
      try {
        return await readBlob(blob, onBytes, signal);
      } catch (err) {
        if ((err as Error).name === 'AbortError') throw err;
        throw new ModelPackMissingFileError(file, description, `reading it failed: ${(err as Error).message} (was the file moved or deleted after you chose it?)`);
      }
    },
  };
}
