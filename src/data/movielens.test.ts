import { describe, expect, it } from 'vitest';
import { DatasetFormatError, DuplicateRecordError, InconsistentDatasetError, InvalidIdError } from './errors.ts';
import { parseCsvLine, parseMovieLens, parseMovies } from './movielens.ts';
import { loadDataset } from './node-fs.ts';
import { DATA_DIR, hasDataset } from './testing.ts';
import { datasetStats } from './types.ts';

const MOVIES = 'movieId,title,genres\n11,"American President, The (1995)",Comedy|Romance\n5,Heat (1995),Action\n7,"Say ""Hi"" (2000)",Drama\n';
const files = { ratings: 'ratings.csv', movies: 'movies.csv' };

describe('MovieLens CSV', () => {
  it('parses quoted fields with commas and doubled quotes', () => {
    expect(parseCsvLine('11,"American President, The (1995)",Comedy', 'f', 2)).toEqual(['11', 'American President, The (1995)', 'Comedy']);
    expect(parseCsvLine('7,"Say ""Hi"" (2000)",Drama', 'f', 2)).toEqual(['7', 'Say "Hi" (2000)', 'Drama']);
    expect(() => parseCsvLine('7,"open,Drama', 'f', 4)).toThrow(/f:4: unterminated quoted field/);
    expect(parseMovies(MOVIES, 'movies.csv').get(11)!.title).toBe('American President, The (1995)');
  });

  it('renumbers rated movies by first appearance and orders each user by timestamp', () => {
    const ratings = 'userId,movieId,rating,timestamp\n2,5,4.0,300\n2,11,3.5,100\n9,11,5.0,7\n9,7,1.0,7\n';
    const { dataset: ds, movieIds } = parseMovieLens(ratings, MOVIES, files);
    expect(Array.from(movieIds)).toEqual([0, 5, 11, 7]);
    expect(Array.from(ds.users)).toEqual([2, 9]);
    expect(Array.from(ds.sequences[0]!)).toEqual([2, 1]);
    expect(Array.from(ds.sequences[1]!)).toEqual([2, 3]);
    expect(ds.itemNames).toEqual(['', 'Heat (1995)', 'American President, The (1995)', 'Say "Hi" (2000)']);
    expect(ds.itemGenres![2]).toBe('Comedy|Romance');
  });

  it('rejects bad headers, ids, ratings, duplicates and unknown movies with file and line', () => {
    const h = 'userId,movieId,rating,timestamp\n';
    expect(() => parseMovieLens('user,movie\n1,5\n', MOVIES, files)).toThrow(/ratings\.csv:1: header is/);
    expect(() => parseMovieLens(`${h}1,5,4.0,10\nx,5,4.0,10\n`, MOVIES, files)).toThrow(InvalidIdError);
    expect(() => parseMovieLens(`${h}1,5,4.0,10\n1,5,4.0,10\n`, MOVIES, files)).toThrow(DuplicateRecordError);
    expect(() => parseMovieLens(`${h}1,5,9.0,10\n`, MOVIES, files)).toThrow(/ratings\.csv:2: rating "9\.0" is not in 0\.5\.\.5/);
    expect(() => parseMovieLens(`${h}1,5,4.0\n`, MOVIES, files)).toThrow(DatasetFormatError);
    expect(() => parseMovieLens(`${h}1,99,4.0,10\n`, MOVIES, files)).toThrow(InconsistentDatasetError);
    expect(() => parseMovieLens(`${h}`, MOVIES, files)).toThrow(/has a header but no rows/);
  });
});

describe.skipIf(!hasDataset('movielens-latest-small'))('real MovieLens latest-small', () => {
  it('has 610 users, 9,724 rated movies, 100,836 ratings, >= 20 per user', () => {
    const ds = loadDataset('movielens-latest-small', { dataDir: DATA_DIR });
    const s = datasetStats(ds);
    expect([s.users, s.items, s.interactions, s.minLength]).toEqual([610, 9724, 100836, 20]);
    // ratings.csv starts with user 1 rating movie 1 (Toy Story), so it becomes item 1.
    expect(ds.itemNames[1]).toBe('Toy Story (1995)');
    expect(ds.users[0]).toBe(1);
    let unordered = 0;
    for (const ts of ds.timestamps!) for (let i = 1; i < ts.length; i++) if (ts[i]! < ts[i - 1]!) unordered++;
    expect(unordered).toBe(0);
  });
});
