// Node-only: SHA-256 of dataset files and the dataset fingerprint model packs record, so a pack can
// say exactly which data it was trained on. The fingerprint covers every regular file under the
// folder (recursively) except documentation (*.md, README*), so adding a SOURCE note does not change it.
import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { MissingDatasetError } from './errors.ts';
import { readBytes } from './node-fs.ts';

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export interface FileDigest {
  /** Path relative to the dataset folder, '/'-separated. */
  path: string;
  bytes: number;
  sha256: string;
}

export interface DatasetFingerprint {
  /** SHA-256 over the lines `path\tbytes\tsha256\n` of the files, sorted by path. */
  fingerprint: string;
  files: FileDigest[];
}

function isDocumentation(name: string): boolean {
  return name.endsWith('.md') || name.startsWith('README');
}

function listFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...listFiles(dir, rel));
    else if (entry.isFile() && !isDocumentation(entry.name)) out.push(rel);
  }
  return out;
}

/** Combines per-file digests (order-independent: they are sorted by path first). */
export function combineDigests(files: readonly FileDigest[]): string {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return sha256Hex(sorted.map((f) => `${f.path}\t${f.bytes}\t${f.sha256}\n`).join(''));
}

export function datasetFingerprint(dir: string): DatasetFingerprint {
  let exists: boolean;
  try {
    exists = statSync(dir).isDirectory();
  } catch {
    exists = false;
  }
  if (!exists) throw new MissingDatasetError('dataset folder not found', { file: dir, hint: 'Run `npx peapod data download` or set PEAPOD_DATA_DIR' });
  const files = listFiles(dir)
    .sort()
    .map((rel) => {
      const bytes = readBytes(path.join(dir, rel));
      return { path: rel, bytes: bytes.length, sha256: sha256Hex(bytes) };
    });
  if (files.length === 0) throw new MissingDatasetError('dataset folder holds no data files', { file: dir, hint: 'Run `npx peapod data download`' });
  return { fingerprint: combineDigests(files), files };
}
