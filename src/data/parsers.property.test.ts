// Property-based tests over every dataset parser: for arbitrary and near-valid inputs, a parser
// either returns or throws one of the data layer's typed errors (DatasetError subclasses) — never a
// TypeError/RangeError, never a hang, never an allocation out of proportion to the input. Valid
// inputs built from a model are also parsed back exactly (so the property cannot pass vacuously by
// rejecting everything). Sizes are small and runs short: CI has 2 cores.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAmazonReviews } from './amazon-reviews.ts';
import { DatasetError } from './errors.ts';
import { parseCsvLine, parseMovieLens, parseMovies } from './movielens.ts';
import { parseNegatives } from './negatives.ts';
import { buildP5Dataset, parseDataMaps, parseItemText, parseSequentialData } from './p5.ts';
import { parsePodExplanations } from './pod-explanations.ts';
import { decodeUtf8 } from './text.ts';

const RUNS = { numRuns: 200 };
/** A parse of a few hundred bytes must not take anywhere near this long (a hang would). */
const MAX_MS = 250;

/** Runs `parse` and returns 'ok' or the typed error; anything else fails the property. */
function typedOutcome(parse: () => unknown): 'ok' | DatasetError {
  const t0 = performance.now();
  try {
    parse();
    return 'ok';
  } catch (e) {
    if (!(e instanceof DatasetError)) throw new Error(`untyped ${(e as Error)?.name}: ${(e as Error)?.message}`, { cause: e });
    // A typed error must say where: the file name is always in the message.
    expect(e.message).toContain(e.file);
    expect(e.hint.length).toBeGreaterThan(0);
    return e;
  } finally {
    expect(performance.now() - t0).toBeLessThan(MAX_MS);
  }
}

// ---- generators: tokens that make near-valid lines plus noise --------------------------------------

const idToken = fc.oneof(
  fc.integer({ min: 0, max: 50 }).map(String),
  fc.constantFrom('0', '-1', '2147483647', '2147483648', '99999999999999999999', '1e3', '0x10', '٣', '１', 'NaN', ''),
);
const sep = fc.constantFrom(' ', '  ', '\t', ',', ' \u00a0');
const intLine = fc.array(fc.tuple(idToken, sep), { maxLength: 8 }).map((ts) => ts.map(([t, s]) => t + s).join('').trimEnd());
const noise = fc.string({ unit: 'binary', maxLength: 60 });
const lineOf = fc.oneof({ weight: 4, arbitrary: intLine }, { weight: 1, arbitrary: noise });
const eol = fc.constantFrom('\n', '\r\n', '');
const fileOf = (line: fc.Arbitrary<string>) => fc.array(fc.tuple(line, eol), { maxLength: 8 }).map((ls) => ls.map(([l, e]) => l + e).join(''));

/** A valid sequential file: unique users >= 1, items 1..30. */
const validSequential = fc
  .uniqueArray(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 6 })
  .chain((users) => fc.tuple(fc.constant(users), fc.array(fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 6 }), { minLength: users.length, maxLength: users.length })));

describe('P5 sequential_data.txt', () => {
  it('never throws anything but a DatasetError', () => {
    fc.assert(fc.property(fileOf(lineOf), (text) => void typedOutcome(() => parseSequentialData(text, 'sequential_data.txt'))), RUNS);
  });
  it('parses every valid file back exactly', () => {
    fc.assert(
      fc.property(validSequential, ([users, seqs]) => {
        const text = users.map((u, i) => `${u} ${seqs[i]!.join(' ')}\n`).join('');
        const d = parseSequentialData(text, 's.txt');
        expect(Array.from(d.users)).toEqual(users);
        expect(d.sequences.map((s) => Array.from(s))).toEqual(seqs);
        expect(d.maxItem).toBe(Math.max(...seqs.flat()));
      }),
      RUNS,
    );
  });
  it('a one-byte change to a valid file parses or is rejected with a typed error naming a line', () => {
    fc.assert(
      fc.property(validSequential, fc.nat(), fc.constantFrom('x', '-', ' ', '\n', '\u0000', '9', ''), ([users, seqs], at, ch) => {
        const text = users.map((u, i) => `${u} ${seqs[i]!.join(' ')}\n`).join('');
        const p = at % text.length;
        const out = typedOutcome(() => parseSequentialData(text.slice(0, p) + ch + text.slice(p + 1), 's.txt'));
        if (out !== 'ok' && out.name !== 'EmptyFileError') expect(out.line).toBeGreaterThanOrEqual(1);
      }),
      RUNS,
    );
  });
  it('builds a dataset (no maps) only within bounds: huge item ids are typed errors, not huge arrays', () => {
    fc.assert(
      fc.property(fileOf(intLine), (text) => void typedOutcome(() => buildP5Dataset({ sequential: { text, file: 's.txt' } }, 't', '/t'))),
      RUNS,
    );
  });
  it('one stray huge item id is a typed error, fast, with or without datamaps', () => {
    fc.assert(
      fc.property(validSequential, fc.nat(), fc.integer({ min: 100_000, max: 2147483647 }), fc.boolean(), ([users, seqs], at, huge, withMaps) => {
        const flat = seqs.flat();
        const k = at % flat.length;
        let n = 0;
        const text = users.map((u, i) => `${u} ${seqs[i]!.map((it) => (n++ === k ? huge : it)).join(' ')}\n`).join('');
        const maps = withMaps ? { text: JSON.stringify({ id2user: { 1: 'u' }, id2item: { 1: 'a', 2: 'b' } }), file: 'datamaps.json' } : undefined;
        const out = typedOutcome(() => buildP5Dataset({ sequential: { text, file: 's.txt' }, ...(maps ? { datamaps: maps } : {}) }, 't', '/t'));
        expect(out === 'ok' ? 'ok' : out.name).toBe(withMaps ? 'InconsistentDatasetError' : 'InvalidIdError');
      }),
      RUNS,
    );
  });
});

describe('P5 negative_samples.txt', () => {
  it('never throws anything but a DatasetError, with and without expectations', () => {
    fc.assert(
      fc.property(fileOf(lineOf), fc.option(fc.integer({ min: 1, max: 5 })), fc.option(fc.integer({ min: 1, max: 40 })), (text, count, numItems) =>
        void typedOutcome(() => parseNegatives(text, 'negative_samples.txt', { ...(count !== null ? { count } : {}), ...(numItems !== null ? { numItems } : {}) })),
      ),
      RUNS,
    );
  });
  it('round-trips valid lines and rejects an out-of-range negative', () => {
    fc.assert(
      fc.property(validSequential, ([users, negs]) => {
        const text = users.map((u, i) => `${u} ${negs[i]!.join(' ')}\n`).join('');
        const p = parseNegatives(text, 'n.txt', { numItems: 30 });
        expect(p.negatives.map((s) => Array.from(s))).toEqual(negs);
        const out = typedOutcome(() => parseNegatives(text, 'n.txt', { numItems: Math.max(...negs.flat()) - 1 }));
        expect(out === 'ok' ? 'ok' : out.name).toBe('InvalidIdError');
      }),
      RUNS,
    );
  });
});

describe('P5 datamaps.json', () => {
  const key = fc.oneof(fc.integer({ min: -2, max: 8 }).map(String), fc.constantFrom('01', '1.0', '', ' 1', '__proto__', 'constructor', '1e0'));
  const val = fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), fc.constant(null), fc.constant({}));
  const table = fc.dictionary(key, val, { maxKeys: 6 });
  const mapsJson = fc.record(
    { id2user: fc.oneof(table, fc.constant(null), fc.constant([])), id2item: table, user2id: table, item2id: table },
    { requiredKeys: [] },
  );
  it('never throws anything but a DatasetError on JSON objects of the right and wrong shape', () => {
    fc.assert(fc.property(mapsJson, (obj) => void typedOutcome(() => parseDataMaps(JSON.stringify(obj), 'datamaps.json'))), RUNS);
  });
  it('never throws anything but a DatasetError on arbitrary JSON and non-JSON', () => {
    fc.assert(
      fc.property(fc.oneof(fc.json({ maxDepth: 3 }), fc.string({ maxLength: 40 }), fc.json().map((j) => j.slice(0, Math.max(0, j.length - 1)))), (text) =>
        void typedOutcome(() => parseDataMaps(text, 'datamaps.json')),
      ),
      RUNS,
    );
  });
  it('reads valid maps and their inverses exactly', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 6 }), (raw) => {
        const id2 = Object.fromEntries(raw.map((r, i) => [String(i + 1), r]));
        const inv = Object.fromEntries(raw.map((r, i) => [r, String(i + 1)]));
        const m = parseDataMaps(JSON.stringify({ id2user: id2, id2item: id2, user2id: inv, item2id: inv }), 'd.json');
        expect(m.idToItem).toEqual(['', ...raw]);
      }),
      RUNS,
    );
  });
});

describe('P5 item_text_idgenrec.txt', () => {
  it('never throws anything but a DatasetError', () => {
    const line = fc.oneof(fc.tuple(fc.stringMatching(/^[A-Z0-9]{0,10}$/), fc.constantFrom(' ', '', '\t'), fc.string({ maxLength: 20 })).map(([a, s, t]) => a + s + t), noise);
    fc.assert(fc.property(fileOf(line), (text) => void typedOutcome(() => parseItemText(text, 'item_text.txt'))), RUNS);
  });
});

describe('Amazon reviews JSON lines', () => {
  const review = fc.record(
    {
      reviewerID: fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), fc.constant(null)),
      asin: fc.oneof(fc.string({ maxLength: 6 }), fc.constant(7)),
      overall: fc.oneof(fc.double(), fc.constant('5'), fc.constant(null)),
      unixReviewTime: fc.oneof(fc.integer({ min: 0, max: 2e9 }), fc.constant(Number.NaN), fc.string({ maxLength: 3 })),
      reviewText: fc.oneof(fc.string({ maxLength: 30 }), fc.integer()),
      summary: fc.string({ maxLength: 10 }),
    },
    { requiredKeys: [] },
  );
  const line = fc.oneof(
    { weight: 4, arbitrary: review.map((r) => JSON.stringify(r)) },
    { weight: 1, arbitrary: fc.json({ maxDepth: 2 }) },
    { weight: 1, arbitrary: review.map((r) => JSON.stringify(r)).map((s) => s.slice(0, s.length >> 1)) },
    { weight: 1, arbitrary: noise },
  );
  it('never throws anything but a DatasetError', () => {
    fc.assert(fc.property(fileOf(line), (text) => void typedOutcome(() => parseAmazonReviews(text, 'reviews.json'))), RUNS);
  });
  it('keeps every valid review, numbering users and items by first appearance', () => {
    const valid = fc.record({ reviewerID: fc.constantFrom('A', 'B', 'C'), asin: fc.constantFrom('x', 'y'), overall: fc.integer({ min: 1, max: 5 }), unixReviewTime: fc.nat(1000) });
    fc.assert(
      fc.property(fc.array(valid, { minLength: 1, maxLength: 8 }), (rs) => {
        const d = parseAmazonReviews(rs.map((r) => JSON.stringify(r) + '\n').join(''), 'r.json');
        expect(d.reviews).toHaveLength(rs.length);
        expect(d.rawUserIds).toEqual(['', ...new Set(rs.map((r) => r.reviewerID))]);
        expect(d.reviews.map((r) => d.rawItemIds[r.item])).toEqual(rs.map((r) => r.asin));
      }),
      RUNS,
    );
  });
});

describe('MovieLens CSV', () => {
  const field = fc.oneof(fc.integer({ min: -1, max: 12 }).map(String), fc.constantFrom('', '"a,b"', '"x""y"', '"open', 'Title (1995)', '4.5', '0.4', '1e9', 'NaN'));
  const csvLine = fc.array(field, { maxLength: 5 }).map((f) => f.join(','));
  it('a CSV line never throws anything but a DatasetError', () => {
    fc.assert(fc.property(fc.oneof(csvLine, fc.string({ maxLength: 40 })), (l) => void typedOutcome(() => parseCsvLine(l, 'movies.csv', 2))), RUNS);
  });
  it('quoted fields round-trip', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 8 }).filter((s) => !s.includes('\n')), { minLength: 1, maxLength: 4 }), (fields) => {
        const l = fields.map((f) => `"${f.replaceAll('"', '""')}"`).join(',');
        expect(parseCsvLine(l, 'm.csv', 1)).toEqual(fields);
      }),
      RUNS,
    );
  });
  it('movies.csv and ratings.csv never throw anything but a DatasetError', () => {
    const movies = fc.tuple(fc.constantFrom('movieId,title,genres', 'movieId,title', ''), fileOf(csvLine)).map(([h, b]) => `${h}\n${b}`);
    const ratings = fc.tuple(fc.constantFrom('userId,movieId,rating,timestamp', 'x'), fileOf(csvLine)).map(([h, b]) => `${h}\n${b}`);
    fc.assert(
      fc.property(movies, ratings, (m, r) => {
        typedOutcome(() => parseMovies(m, 'movies.csv'));
        typedOutcome(() => parseMovieLens(r, m, { ratings: 'ratings.csv', movies: 'movies.csv' }));
      }),
      RUNS,
    );
  });
});

describe('POD explanation JSON', () => {
  const rec = fc.record({ user: fc.oneof(fc.integer({ min: -1, max: 5 }), fc.constant('1'), fc.double()), item: fc.integer({ min: 0, max: 5 }), explanation: fc.oneof(fc.string(), fc.constant(3)), feature: fc.string() }, { requiredKeys: [] });
  it('never throws anything but a DatasetError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.array(fc.oneof(rec, fc.constant(null), fc.constant(1))).map((a) => JSON.stringify(a)), fc.json({ maxDepth: 2 }), fc.string({ maxLength: 20 })), (text) =>
        void typedOutcome(() => parsePodExplanations(text, 'test.json', { numUsers: 4, numItems: 4 })),
      ),
      RUNS,
    );
  });
});

describe('bytes -> text', () => {
  it('decodeUtf8 either returns the text or throws EncodingError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const out = typedOutcome(() => decodeUtf8(bytes, 'f.txt'));
        if (out !== 'ok') expect(out.name).toBe('EncodingError');
      }),
      RUNS,
    );
  });
  it('round-trips any well-formed string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }), (s) => {
        expect(decodeUtf8(new TextEncoder().encode(s), 'f.txt')).toBe(s.startsWith('\ufeff') ? s.slice(1) : s);
      }),
      RUNS,
    );
  });
});
