// Test support for the data layer's Vitest files (not part of the public API): where the real
// datasets are, a skip message when they are absent, and throw-away folders for bad-input files.
import { existsSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resolveDataDir } from './node-fs.ts';

export const DATA_DIR = resolveDataDir();

/** True when the dataset folder exists; otherwise prints why the real-data tests are skipped. */
export function hasDataset(name: string): boolean {
  const ok = existsSync(path.join(DATA_DIR, name));
  if (!ok) console.warn(`[skip] real-data tests for ${name}: ${path.join(DATA_DIR, name)} not found (set PEAPOD_DATA_DIR or run \`npx peapod data download\`)`);
  return ok;
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
