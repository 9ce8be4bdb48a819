// Test support for the data layer's Vitest files (not part of the public API): where the real
// datasets are, whether one is present (tests over it are skipped, silently, when it is not: the
// runner's summary counts them), and throw-away folders for bad-input files.
import { existsSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resolveDataDir } from './node-fs.ts';

export const DATA_DIR = resolveDataDir();

/** True when the dataset folder exists (PEAPOD_DATA_DIR, or `npx peapod data download`, provides it). */
export function hasDataset(name: string): boolean {
  return existsSync(path.join(DATA_DIR, name));
}

export function makeTmpDir(prefix = 'peapod-data-'): { dir: string; write: (rel: string, content: string | Uint8Array) => string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return {
    dir,
    write(rel, content) {
      const file = path.join(dir, rel);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, content);
      return file;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
