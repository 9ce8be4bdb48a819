// Parser for MovieLens "latest-small" (ratings.csv, movies.csv) into chronological sequences.
// Pure functions over strings (browser-safe).
//
// Id rule (documented in README "Data"): users keep their MovieLens userId; rated movies are
// renumbered 1..N in order of first appearance in ratings.csv (file order: by user, then movieId),
// because movieIds are sparse (up to 193,609). Each user's sequence is sorted by timestamp, equal
// timestamps keeping file order.
import { DatasetFormatError, DuplicateRecordError, EmptyFileError, InconsistentDatasetError, InvalidIdError } from './errors.ts';
import { splitLines } from './text.ts';
import type { InteractionDataset } from './types.ts';

export interface MovieInfo {
  title: string;
  genres: string;
}

/** One CSV record (RFC 4180 quoting, no embedded newlines: MovieLens never has them). */
export function parseCsvLine(line: string, file: string, lineNo: number): string[] {
  if (line.indexOf('"') < 0) return line.split(',');
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  while (i <= n) {
    if (line.charCodeAt(i) === 34) {
      let j = i + 1;
      let field = '';
      for (;;) {
        const q = line.indexOf('"', j);
        if (q < 0) throw new DatasetFormatError('unterminated quoted field', { file, line: lineNo, hint: 'Fix the quotes on this line or re-download the file' });
        field += line.slice(j, q);
        if (line.charCodeAt(q + 1) === 34) {
          field += '"';
          j = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      out.push(field);
      if (i < n && line.charCodeAt(i) !== 44) throw new DatasetFormatError('text after a closing quote', { file, line: lineNo, hint: 'Fix the quotes on this line' });
      i++;
    } else {
      const c = line.indexOf(',', i);
      const end = c < 0 ? n : c;
      out.push(line.slice(i, end));
      i = end + 1;
    }
  }
  return out;
}

function expectHeader(lines: string[], expected: string, file: string): void {
  if (lines[0] !== expected) {
    throw new DatasetFormatError(`header is ${JSON.stringify(lines[0]?.slice(0, 80))}, expected "${expected}"`, { file, line: 1, hint: 'This is not a MovieLens latest-small file; re-download it' });
  }
  if (lines.length < 2) throw new EmptyFileError('has a header but no rows', { file, hint: 'Download the dataset again with `peapod data download`' });
}

export function parseMovies(text: string, file: string): Map<number, MovieInfo> {
  const lines = splitLines(text, file);
  expectHeader(lines, 'movieId,title,genres', file);
  const out = new Map<number, MovieInfo>();
  for (let i = 1; i < lines.length; i++) {
    const f = parseCsvLine(lines[i]!, file, i + 1);
    if (f.length !== 3) throw new DatasetFormatError(`expected 3 fields, found ${f.length}`, { file, line: i + 1, hint: 'Rows must be movieId,title,genres' });
    const id = strictInt(f[0]!, 'movieId', file, i + 1);
    if (out.has(id)) throw new DatasetFormatError(`movie ${id} is listed twice`, { file, line: i + 1, hint: 'Keep one row per movie' });
    out.set(id, { title: f[1]!, genres: f[2]! });
  }
  return out;
}

function strictInt(s: string, what: string, file: string, line: number): number {
  const n = Number(s);
  if (s.length === 0 || !Number.isInteger(n) || n < 1 || n > 2147483647) {
    throw new InvalidIdError(`${what} "${s}" is not a positive integer`, { file, line, hint: 'Fix the row or re-download the file' });
  }
  return n;
}

export interface MovieLensParsed {
  dataset: InteractionDataset;
  /** MovieLens movieId per item id (index 0 = 0). */
  movieIds: Int32Array;
}

export function parseMovieLens(ratingsText: string, moviesText: string, files: { ratings: string; movies: string }, name = 'movielens-latest-small', dir = ''): MovieLensParsed {
  const movies = parseMovies(moviesText, files.movies);
  const file = files.ratings;
  const lines = splitLines(ratingsText, file);
  expectHeader(lines, 'userId,movieId,rating,timestamp', file);
  const userIndex = new Map<number, number>();
  const itemOf = new Map<number, number>();
  const movieIds: number[] = [0];
  const items: number[][] = [];
  const times: number[][] = [];
  const seenPair = new Set<number>();
  let total = 0;
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i]!;
    const f = l.split(',');
    if (f.length !== 4) throw new DatasetFormatError(`expected 4 fields, found ${f.length}`, { file, line: i + 1, hint: 'Rows must be userId,movieId,rating,timestamp' });
    const user = strictInt(f[0]!, 'userId', file, i + 1);
    const movie = strictInt(f[1]!, 'movieId', file, i + 1);
    const rating = Number(f[2]);
    const ts = Number(f[3]);
    if (f[2]!.length === 0 || !(rating >= 0.5 && rating <= 5)) throw new DatasetFormatError(`rating "${f[2]}" is not in 0.5..5`, { file, line: i + 1, hint: 'Fix the row or re-download the file' });
    if (f[3]!.length === 0 || !Number.isInteger(ts) || ts < 0) throw new DatasetFormatError(`timestamp "${f[3]}" is not a non-negative integer`, { file, line: i + 1, hint: 'Fix the row or re-download the file' });
    if (!movies.has(movie)) {
      throw new InconsistentDatasetError(`movie ${movie} is rated but missing from ${files.movies}`, { file, line: i + 1, hint: 'ratings.csv and movies.csv come from different releases; re-download both' });
    }
    let u = userIndex.get(user);
    if (u === undefined) {
      u = items.length;
      userIndex.set(user, u);
      items.push([]);
      times.push([]);
    }
    let it = itemOf.get(movie);
    if (it === undefined) {
      it = movieIds.length;
      itemOf.set(movie, it);
      movieIds.push(movie);
    }
    // user < 2^21 and item < 2^31 in practice; the pair key only needs to be unique for this file.
    const key = u * 4194304 + it;
    if (seenPair.has(key)) {
      throw new DuplicateRecordError(`user ${user} rates movie ${movie} twice`, { file, line: i + 1, hint: 'Each (user, movie) pair must appear once; remove the duplicate row' });
    }
    seenPair.add(key);
    items[u]!.push(it);
    times[u]!.push(ts);
    total++;
  }
  const users = new Int32Array(items.length);
  for (const [user, u] of userIndex) users[u] = user;
  const sequences: Int32Array[] = [];
  const timestamps: Float64Array[] = [];
  for (let u = 0; u < items.length; u++) {
    const its = items[u]!;
    const ts = times[u]!;
    const order = Array.from(its.keys()).sort((a, b) => ts[a]! - ts[b]! || a - b);
    sequences.push(Int32Array.from(order, (k) => its[k]!));
    timestamps.push(Float64Array.from(order, (k) => ts[k]!));
  }
  const numItems = movieIds.length - 1;
  const itemNames = movieIds.map((m, i) => (i === 0 ? '' : movies.get(m)!.title));
  const itemGenres = movieIds.map((m, i) => (i === 0 ? '' : movies.get(m)!.genres));
  return {
    movieIds: Int32Array.from(movieIds),
    dataset: {
      name,
      dir,
      kind: 'movielens',
      users,
      sequences,
      numItems,
      numInteractions: total,
      itemNames,
      rawItemIds: movieIds.map((m, i) => (i === 0 ? '' : String(m))),
      rawUserIds: Array.from(users, String),
      timestamps,
      itemGenres,
    },
  };
}
