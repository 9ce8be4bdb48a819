// Node-only: fetches dataset files from their original public sources (or a mirror with the same
// layout, e.g. PEAPOD_DATA_MIRROR=http://host/data -> http://host/data/<dataset>/<file>), verifies
// size and SHA-256 before anything lands in place, and writes atomically (tmp file + rename). Never
// leaves a partial or unverified file under the destination name.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ChecksumMismatchError, DownloadError, MissingDatasetError } from './errors.ts';
import { formatNegatives, p5TestNegatives } from './negatives.ts';
import { parseSequentialData } from './p5.ts';
import { readBytes, readTextFile } from './node-fs.ts';
import { DATASET_NAMES, datasetSource, type DatasetSource, type SourceFile } from './sources.ts';

export interface DownloadProgress {
  dataset: string;
  file: string;
  received: number;
  total: number;
}

export interface DownloadOptions {
  /** Data folder to fill (datasets go in <dest>/<name>/). */
  dest: string;
  /** Dataset names (default: all). */
  datasets?: readonly string[];
  /** Base URL replacing the original sources: <mirror>/<dataset>/<path>. */
  mirror?: string;
  /** Include files marked optional (MovieLens links/tags/README); default true. */
  optional?: boolean;
  onProgress?: (p: DownloadProgress) => void;
  /** Called once per file with what happened. */
  onFile?: (r: FileOutcome) => void;
}

export interface FileOutcome {
  dataset: string;
  path: string;
  /** present: already there and verified; downloaded; generated: rebuilt locally (P5 negatives). */
  status: 'present' | 'downloaded' | 'generated';
  bytes: number;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Verifies bytes against the table; throws ChecksumMismatchError naming where they came from. */
export function verifyFile(bytes: Uint8Array, spec: SourceFile, where: string): void {
  if (bytes.length !== spec.bytes) {
    throw new ChecksumMismatchError(`has ${bytes.length} bytes, expected ${spec.bytes}`, {
      file: where,
      hint: 'The copy is truncated or a different version; delete it and run `npx peapod data download` again',
    });
  }
  const got = sha256(bytes);
  if (got !== spec.sha256) {
    throw new ChecksumMismatchError(`SHA-256 is ${got}, expected ${spec.sha256}`, {
      file: where,
      hint: 'The copy is corrupt or a different version; delete it and run `npx peapod data download` again',
    });
  }
}

function isVerified(file: string, spec: SourceFile): boolean {
  if (!existsSync(file)) return false;
  const bytes = readBytes(file);
  return bytes.length === spec.bytes && sha256(bytes) === spec.sha256;
}

export async function fetchBytes(url: string, onChunk?: (received: number, total: number) => void): Promise<Uint8Array> {
  let res: Response | undefined;
  // One retry on a network error: a pooled keep-alive socket may have been closed by the server
  // while we were busy (e.g. regenerating negatives), which surfaces as ECONNRESET on the next call.
  for (let attempt = 1; !res; attempt++) {
    try {
      res = await fetch(url);
    } catch (err) {
      if (attempt < 2) continue;
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new DownloadError(`could not connect (${cause?.code ?? cause?.message ?? (err as Error).message})`, {
        file: url,
        hint: 'Check the network, or set PEAPOD_DATA_MIRROR to a reachable copy laid out as <mirror>/<dataset>/<file>',
      });
    }
  }
  if (!res.ok || !res.body) {
    throw new DownloadError(`HTTP ${res.status} ${res.statusText}`.trim(), {
      file: url,
      hint: res.status === 404 ? 'The file is not at this address; check PEAPOD_DATA_MIRROR or the URL in src/data/sources.ts' : 'Try again later or use a mirror (PEAPOD_DATA_MIRROR)',
    });
  }
  const total = Number(res.headers.get('content-length') ?? 0);
  const chunks: Uint8Array[] = [];
  let received = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.length;
    onChunk?.(received, total);
  }
  const out = new Uint8Array(received);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

/**
 * The exact source text of a top-level key's value in a JSON object document, plus "\n". Scans
 * once, skipping string contents, so brackets inside explanations do not confuse it.
 */
export function extractJsonValueText(text: string, key: string, where: string): string {
  let depth = 0;
  let i = 0;
  const n = text.length;
  let valueStart = -1;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      // A string: find its end, honouring backslash escapes.
      let j = i + 1;
      while (j < n && text.charCodeAt(j) !== 34) j += text.charCodeAt(j) === 92 ? 2 : 1;
      if (valueStart < 0 && depth === 1 && text.slice(i + 1, j) === key) {
        let k = j + 1;
        while (k < n && (text[k] === ' ' || text[k] === '\n' || text[k] === '\r' || text[k] === '\t')) k++;
        if (text[k] === ':') {
          k++;
          while (k < n && (text[k] === ' ' || text[k] === '\n' || text[k] === '\r' || text[k] === '\t')) k++;
          valueStart = k;
          depth++;
          i = k + 1;
          continue;
        }
      }
      i = j + 1;
      continue;
    }
    if (c === 123 || c === 91) depth++;
    else if (c === 125 || c === 93) {
      depth--;
      if (valueStart >= 0 && depth === 1) return text.slice(valueStart, i + 1) + '\n';
    }
    i++;
  }
  throw new DownloadError(`has no top-level "${key}" array/object`, { file: where, hint: 'The source changed; check the URL in src/data/sources.ts or use PEAPOD_DATA_MIRROR' });
}

/** Writes next to the target then renames, so readers never see a half-written file. */
export function writeAtomic(file: string, bytes: Uint8Array | string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  try {
    writeFileSync(tmp, bytes);
    renameSync(tmp, file);
  } finally {
    rmSync(tmp, { force: true });
  }
}

function sourceUrl(ds: DatasetSource, spec: SourceFile, mirror: string | undefined): string {
  return mirror ? `${mirror.replace(/\/+$/, '')}/${ds.name}/${spec.path}` : spec.url;
}

function generateNegatives(dir: string): Uint8Array {
  const seqFile = path.join(dir, 'sequential_data.txt');
  const seq = parseSequentialData(readTextFile(seqFile), seqFile);
  return new TextEncoder().encode(formatNegatives(seq.users, p5TestNegatives(seq.sequences)));
}

/** Downloads (or verifies) the files of the chosen datasets. Returns one outcome per file. */
export async function downloadDatasets(options: DownloadOptions): Promise<FileOutcome[]> {
  const names = options.datasets ?? DATASET_NAMES;
  const outcomes: FileOutcome[] = [];
  for (const name of names) {
    const ds = datasetSource(name);
    if (!ds) {
      throw new MissingDatasetError(`unknown dataset "${name}"`, { file: name, hint: `Known datasets: ${DATASET_NAMES.join(', ')}` });
    }
    const dir = path.join(options.dest, ds.name);
    for (const spec of ds.files) {
      if (spec.optional && options.optional === false) continue;
      const target = path.join(dir, spec.path);
      let outcome: FileOutcome;
      if (isVerified(target, spec)) {
        outcome = { dataset: ds.name, path: spec.path, status: 'present', bytes: spec.bytes };
      } else {
        const url = sourceUrl(ds, spec, options.mirror);
        let bytes: Uint8Array;
        let status: FileOutcome['status'] = 'downloaded';
        try {
          bytes = await fetchBytes(url, (received, total) => options.onProgress?.({ dataset: ds.name, file: spec.path, received, total: total || spec.bytes }));
          if (spec.extractJsonKey && !options.mirror) {
            const whole = new TextDecoder().decode(bytes);
            bytes = new TextEncoder().encode(extractJsonValueText(whole, spec.extractJsonKey, url));
          }
        } catch (err) {
          if (!(err instanceof DownloadError) || spec.fallback !== 'p5-negatives') throw err;
          // P5's negatives are a deterministic function of sequential_data.txt: rebuild them.
          bytes = generateNegatives(dir);
          status = 'generated';
        }
        verifyFile(bytes, spec, status === 'generated' ? `${target} (regenerated)` : url);
        writeAtomic(target, bytes);
        outcome = { dataset: ds.name, path: spec.path, status, bytes: bytes.length };
      }
      options.onFile?.(outcome);
      outcomes.push(outcome);
    }
  }
  return outcomes;
}

/** Local copies vs the table: the files of one dataset that are missing or differ. */
export function verifyLocalDataset(dataDir: string, name: string): { path: string; problem: string }[] {
  const ds = datasetSource(name);
  if (!ds) return [];
  const problems: { path: string; problem: string }[] = [];
  for (const spec of ds.files) {
    const file = path.join(dataDir, name, spec.path);
    if (!existsSync(file)) {
      if (!spec.optional) problems.push({ path: spec.path, problem: 'missing' });
      continue;
    }
    try {
      verifyFile(readBytes(file), spec, file);
    } catch (err) {
      problems.push({ path: spec.path, problem: (err as ChecksumMismatchError).problem ?? String(err) });
    }
  }
  return problems;
}
