// Node-only side of weight packs: a PackSource over a folder and writing a built pack to disk.
// Must never be imported by browser code (it uses node:fs).
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ModelPackMissingFileError } from '../errors.ts';
import { buildPack, type BuiltPack, type PackContents } from './build.ts';
import { MANIFEST_FILE } from './format.ts';
import type { FileProgress, PackSource } from './load.ts';

/** Reads pack files from a folder, streaming so that progress is reported per chunk. */
export function nodePackSource(dir: string): PackSource {
  const root = path.resolve(dir);
  return {
    description: `the folder ${root}`,
    async read(file: string, onBytes?: FileProgress, signal?: AbortSignal): Promise<Uint8Array> {
      const full = path.resolve(root, file);
      if (!full.startsWith(root + path.sep)) throw new ModelPackMissingFileError(file, `the folder ${root}`, 'the path leaves the pack folder');
      let size: number;
      try {
        size = (await stat(full)).size;
      } catch (err) {
        throw new ModelPackMissingFileError(file, `the folder ${root}`, (err as NodeJS.ErrnoException).code ?? String(err));
      }
      const out = new Uint8Array(size);
      let n = 0;
      const stream = createReadStream(full, { signal, highWaterMark: 1 << 20 });
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        // A file that grew since stat() is reported by its real length (the caller checks sizes).
        if (n + chunk.byteLength > out.byteLength) {
          const all = await readFile(full);
          onBytes?.(all.byteLength);
          return new Uint8Array(all.buffer, all.byteOffset, all.byteLength);
        }
        out.set(chunk, n);
        n += chunk.byteLength;
        onBytes?.(n);
      }
      if (size === 0) onBytes?.(0);
      return n === size ? out : out.subarray(0, n);
    },
  };
}

/**
 * Writes a pack folder: every file via a temporary name then rename, manifest.json last, so an
 * interrupted export never leaves a manifest that points at missing shards.
 */
export async function writePack(dir: string, built: BuiltPack): Promise<void> {
  await mkdir(dir, { recursive: true });
  const order = [...built.files.keys()].filter((p) => p !== MANIFEST_FILE).concat(MANIFEST_FILE);
  for (const file of order) {
    const full = path.join(dir, file);
    await mkdir(path.dirname(full), { recursive: true });
    await writeFile(full + '.tmp', built.files.get(file)!);
    await rename(full + '.tmp', full);
  }
}

export async function savePack(dir: string, contents: PackContents): Promise<BuiltPack> {
  const built = await buildPack(contents);
  await writePack(dir, built);
  return built;
}
