// Node-only file access for the data layer: where the data lives (resolveDataDir), reading bytes
// with typed errors (missing file, bad gzip, bad encoding) and `loadDataset`, the single entry point
// that turns any dataset folder into an InteractionDataset. Parsing itself stays in the pure modules.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { parseAmazonReviews, reviewsToDataset, type AmazonReviewData } from './amazon-reviews.ts';
import { GzipError, MissingDatasetError } from './errors.ts';
import { parseMovieLens } from './movielens.ts';
import { buildP5Dataset, type P5Files } from './p5.ts';
import { DATASET_NAMES, datasetSource } from './sources.ts';
import { decodeUtf8 } from './text.ts';
import type { InteractionDataset, SourceKind } from './types.ts';

/** The repository root (two levels above src/data). */
export function repoRoot(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
}

/** `PEAPOD_DATA_DIR` if set, else <repo>/../shared/data. */
export function resolveDataDir(env: Record<string, string | undefined> = process.env): string {
  const fromEnv = env['PEAPOD_DATA_DIR'];
  return fromEnv && fromEnv.length > 0 ? path.resolve(fromEnv) : path.resolve(repoRoot(), '..', 'shared', 'data');
}

function missingHint(file: string): string {
  const dataset = path.basename(path.dirname(file));
  const named = DATASET_NAMES.includes(dataset) ? ` --dataset ${dataset}` : '';
  return `Run \`npx peapod data download${named}\` or set PEAPOD_DATA_DIR to the folder that holds the datasets`;
}

export function readBytes(file: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new MissingDatasetError('file not found', { file, hint: missingHint(file) });
    if (code === 'EISDIR') throw new MissingDatasetError('is a folder, expected a file', { file, hint: missingHint(file) });
    throw err;
  }
}

export function readTextFile(file: string): string {
  return decodeUtf8(readBytes(file), file);
}

/** gunzip + UTF-8 decode; a corrupt or cut-short gzip stream is a GzipError. */
export function readGzipText(file: string): string {
  const bytes = readBytes(file);
  let raw: Uint8Array;
  try {
    raw = gunzipSync(bytes);
  } catch (err) {
    throw new GzipError(`is not a valid gzip file (${(err as Error).message})`, {
      file,
      hint: 'The download is corrupt or cut short; run `npx peapod data download` again (it checks SHA-256)',
    });
  }
  return decodeUtf8(raw, file);
}

/** Recognises a dataset folder by the files in it. */
export function detectKind(dir: string): SourceKind {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new MissingDatasetError('dataset folder not found', { file: dir, hint: missingHint(path.join(dir, 'x')) });
  }
  const known = datasetSource(path.basename(dir));
  if (known) return known.kind;
  if (existsSync(path.join(dir, 'sequential_data.txt'))) return 'p5';
  if (existsSync(path.join(dir, 'ratings.csv'))) return 'movielens';
  if (findReviewsFile(dir)) return 'amazon-reviews';
  throw new MissingDatasetError('is not a dataset folder (no sequential_data.txt, ratings.csv or reviews_*.json.gz)', {
    file: dir,
    hint: 'Point --data at a folder holding one of those files',
  });
}

function findReviewsFile(dir: string): string | undefined {
  const known = datasetSource(path.basename(dir))?.files.find((f) => f.path.endsWith('.json.gz'));
  if (known) return path.join(dir, known.path);
  try {
    const hit = readdirSync(dir).find((n) => n.startsWith('reviews_') && n.endsWith('.json.gz'));
    return hit ? path.join(dir, hit) : undefined;
  } catch {
    return undefined;
  }
}

/** A dataset name (folder under the data dir) or a path to a dataset folder -> its absolute path. */
export function datasetDir(nameOrDir: string, dataDir = resolveDataDir()): string {
  if (nameOrDir.includes('/') || nameOrDir.includes(path.sep) || nameOrDir.startsWith('.')) return path.resolve(nameOrDir);
  return path.join(dataDir, nameOrDir);
}

export interface LoadOptions {
  dataDir?: string;
  /** Read P5's negative_samples.txt when present (default true). */
  negatives?: boolean;
}

/** The single entry point: any supported dataset folder -> InteractionDataset. */
export function loadDataset(nameOrDir: string, options: LoadOptions = {}): InteractionDataset {
  const dir = datasetDir(nameOrDir, options.dataDir);
  const name = path.basename(dir);
  const kind = detectKind(dir);
  if (kind === 'p5') {
    const p = (f: string): string => path.join(dir, f);
    const optional = (f: string): { text: string; file: string } | undefined => (existsSync(p(f)) ? { text: readTextFile(p(f)), file: p(f) } : undefined);
    const files: P5Files = { sequential: { text: readTextFile(p('sequential_data.txt')), file: p('sequential_data.txt') } };
    const maps = optional('datamaps.json');
    if (maps) files.datamaps = maps;
    const names = optional('item_text_idgenrec.txt');
    if (names) files.itemText = names;
    if (options.negatives !== false) {
      const neg = optional('negative_samples.txt');
      if (neg) files.negatives = neg;
    }
    return buildP5Dataset(files, name, dir);
  }
  if (kind === 'movielens') {
    const ratings = path.join(dir, 'ratings.csv');
    const movies = path.join(dir, 'movies.csv');
    return parseMovieLens(readTextFile(ratings), readTextFile(movies), { ratings, movies }, name, dir).dataset;
  }
  return reviewsToDataset(loadAmazonReviews(dir), name, dir);
}

/** The raw reviews of an Amazon review-data folder (needed for explanations). */
export function loadAmazonReviews(nameOrDir: string, dataDir?: string): AmazonReviewData {
  const dir = datasetDir(nameOrDir, dataDir);
  const file = findReviewsFile(dir);
  if (!file) throw new MissingDatasetError('has no reviews_*.json.gz file', { file: dir, hint: missingHint(path.join(dir, 'x')) });
  return parseAmazonReviews(readGzipText(file), file);
}
