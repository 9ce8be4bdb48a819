// Parsers for P5-format dataset folders (Beauty, Sports, Toys): sequential_data.txt, datamaps.json,
// item_text_idgenrec.txt. Pure functions over strings (browser-safe); reading files is node-fs.ts's job.
import { DatasetFormatError, DuplicateUserError, InconsistentDatasetError, InvalidIdError } from './errors.ts';
import { parseNegatives, type ParsedNegatives } from './negatives.ts';
import { parseIntLine, parseJson, splitLines } from './text.ts';
import type { InteractionDataset } from './types.ts';

export interface SequentialData {
  /** User id of each line, file order. */
  users: Int32Array;
  /** Items of each line, file order (= chronological in P5 files). */
  sequences: Int32Array[];
  /** Largest item id seen. */
  maxItem: number;
  numInteractions: number;
}

/** sequential_data.txt: `user item item ...` per line. Users unique and >= 1, items >= 1. */
export function parseSequentialData(text: string, file: string): SequentialData {
  const lines = splitLines(text, file);
  const users = new Int32Array(lines.length);
  const sequences: Int32Array[] = new Array(lines.length);
  const lineOfUser = new Map<number, number>();
  const buf: number[] = [];
  let maxItem = 0;
  let total = 0;
  for (let i = 0; i < lines.length; i++) {
    parseIntLine(lines[i]!, file, i + 1, buf);
    if (buf.length === 0) {
      throw new DatasetFormatError('blank line', { file, line: i + 1, hint: 'Every line must be `user item item ...`; remove blank lines' });
    }
    if (buf.length < 2) {
      throw new DatasetFormatError(`user ${buf[0]} has no items`, { file, line: i + 1, hint: 'Every line must be `user item item ...` with at least one item' });
    }
    const user = buf[0]!;
    if (user < 1) throw new InvalidIdError(`user id ${user} is not >= 1`, { file, line: i + 1, hint: 'P5 ids are 1-based; check the file' });
    const prev = lineOfUser.get(user);
    if (prev !== undefined) {
      throw new DuplicateUserError(`user ${user} already has a line (line ${prev})`, {
        file,
        line: i + 1,
        hint: 'Each user must appear on exactly one line; merge the two lines or re-download the file',
      });
    }
    lineOfUser.set(user, i + 1);
    const seq = new Int32Array(buf.length - 1);
    for (let j = 1; j < buf.length; j++) {
      const it = buf[j]!;
      if (it < 1) throw new InvalidIdError(`item id ${it} is not >= 1`, { file, line: i + 1, hint: 'P5 item ids are 1-based; check the file' });
      if (it > maxItem) maxItem = it;
      seq[j - 1] = it;
    }
    users[i] = user;
    sequences[i] = seq;
    total += seq.length;
  }
  return { users, sequences, maxItem, numInteractions: total };
}

export interface DataMaps {
  /** Raw id (reviewerID) per user id; index 0 unused. */
  idToUser: string[];
  /** Raw id (ASIN) per item id; index 0 unused. */
  idToItem: string[];
}

/**
 * datamaps.json: needs `id2user` and `id2item` ({"1": "ASIN", ...}, ids 1..N without gaps); when
 * `user2id` / `item2id` are present they must be their exact inverses.
 */
export function parseDataMaps(text: string, file: string): DataMaps {
  const json = parseJson(text, file);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new DatasetFormatError('top level is not a JSON object', { file, hint: 'Expected P5 datamaps with id2user and id2item' });
  }
  const obj = json as Record<string, unknown>;
  const idToUser = idTable(obj, 'id2user', file);
  const idToItem = idTable(obj, 'id2item', file);
  checkInverse(obj, 'user2id', idToUser, file);
  checkInverse(obj, 'item2id', idToItem, file);
  return { idToUser, idToItem };
}

function idTable(obj: Record<string, unknown>, key: string, file: string): string[] {
  const table = obj[key];
  if (typeof table !== 'object' || table === null || Array.isArray(table)) {
    throw new DatasetFormatError(`has no "${key}" object`, { file, hint: 'P5 datamaps need id2user and id2item; re-download the file' });
  }
  const entries = Object.entries(table as Record<string, unknown>);
  const out: string[] = new Array(entries.length + 1).fill('');
  for (const [k, v] of entries) {
    const id = Number(k);
    if (!Number.isInteger(id) || String(id) !== k) {
      throw new InvalidIdError(`"${key}" key "${k}" is not an integer id`, { file, hint: 'Keys of id2* must be decimal ids' });
    }
    if (id < 1 || id > entries.length) {
      throw new InvalidIdError(`"${key}" id ${id} is outside 1..${entries.length} (ids must have no gaps)`, { file, hint: 'The map is incomplete or from another dataset; re-download it' });
    }
    if (typeof v !== 'string') throw new DatasetFormatError(`"${key}"["${k}"] is not a string`, { file, hint: 'Values of id2* must be raw ids (strings)' });
    out[id] = v;
  }
  return out;
}

function checkInverse(obj: Record<string, unknown>, key: string, ids: string[], file: string): void {
  const table = obj[key];
  if (table === undefined) return;
  if (typeof table !== 'object' || table === null || Array.isArray(table)) {
    throw new DatasetFormatError(`"${key}" is not an object`, { file, hint: 'Remove it or re-download the file' });
  }
  const t = table as Record<string, unknown>;
  if (Object.keys(t).length !== ids.length - 1) {
    throw new InconsistentDatasetError(`"${key}" has ${Object.keys(t).length} entries but its inverse has ${ids.length - 1}`, { file, hint: 'The maps disagree; re-download the file' });
  }
  for (let id = 1; id < ids.length; id++) {
    if (t[ids[id]!] !== String(id)) {
      throw new InconsistentDatasetError(`"${key}"["${ids[id]}"] is ${JSON.stringify(t[ids[id]!])}, expected "${id}"`, { file, hint: 'The maps disagree; re-download the file' });
    }
  }
}

/**
 * item_text_idgenrec.txt: `ASIN<space>text` per line. Returns raw id -> text (may be empty: Beauty
 * has lines like `B001LTVF7G ` with no text). A line without the space is malformed, as are
 * duplicate ASINs.
 */
export function parseItemText(text: string, file: string): Map<string, string> {
  const lines = splitLines(text, file);
  const out = new Map<string, string>();
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    const sp = l.indexOf(' ');
    if (sp <= 0) {
      throw new DatasetFormatError(`expected "ASIN text", found ${JSON.stringify(l.slice(0, 60))}`, { file, line: i + 1, hint: 'Each line must be an item id, a space and its name' });
    }
    const raw = l.slice(0, sp);
    if (out.has(raw)) throw new DatasetFormatError(`item ${raw} is named twice`, { file, line: i + 1, hint: 'Keep one line per item' });
    out.set(raw, l.slice(sp + 1));
  }
  return out;
}

export interface P5Files {
  sequential: { text: string; file: string };
  datamaps?: { text: string; file: string };
  itemText?: { text: string; file: string };
  negatives?: { text: string; file: string };
}

/**
 * Builds the normalised dataset from a P5 folder's file contents and cross-checks them: every item
 * in the sequences must be in datamaps' id2item (when given), every user in id2user, and the
 * negatives must cover exactly the users of the sequence file.
 */
export function buildP5Dataset(files: P5Files, name: string, dir: string): InteractionDataset {
  const seq = parseSequentialData(files.sequential.text, files.sequential.file);
  if (!files.datamaps && seq.maxItem > 16 * seq.numInteractions + 4096) {
    // Without a map the ids are taken as 1..maxItem, and the catalogue is sized by the largest id:
    // one stray huge id would allocate (and loop over) billions of names.
    throw new InvalidIdError(`item id ${seq.maxItem} is far beyond the ${seq.numInteractions} interactions in ${files.sequential.file}`, {
      file: files.sequential.file,
      hint: 'Without datamaps.json item ids must number the items 1..N with few gaps; fix the id or add the datamaps.json of this dataset',
    });
  }
  let numItems = seq.maxItem;
  let rawItemIds: string[] = files.datamaps ? [] : new Array(numItems + 1).fill('');
  let rawUserIds: string[] = Array.from(seq.users, String);
  if (files.datamaps) {
    const maps = parseDataMaps(files.datamaps.text, files.datamaps.file);
    if (maps.idToItem.length - 1 < seq.maxItem) {
      throw new InconsistentDatasetError(`item ${seq.maxItem} is used in ${files.sequential.file} but id2item only goes to ${maps.idToItem.length - 1}`, {
        file: files.datamaps.file,
        hint: 'The two files come from different datasets; re-download the folder',
      });
    }
    for (let u = 0; u < seq.users.length; u++) {
      if (seq.users[u]! >= maps.idToUser.length) {
        throw new InconsistentDatasetError(`user ${seq.users[u]} of ${files.sequential.file} has no id2user entry`, {
          file: files.datamaps.file,
          hint: 'The two files come from different datasets; re-download the folder',
        });
      }
    }
    numItems = maps.idToItem.length - 1;
    rawItemIds = maps.idToItem;
    rawUserIds = Array.from(seq.users, (u) => maps.idToUser[u]!);
  }
  const itemNames = new Array<string>(numItems + 1);
  itemNames[0] = '';
  const names = files.itemText ? parseItemText(files.itemText.text, files.itemText.file) : undefined;
  for (let i = 1; i <= numItems; i++) itemNames[i] = names?.get(rawItemIds[i]!) || `item_${i}`;
  const ds: InteractionDataset = {
    name,
    dir,
    kind: 'p5',
    users: seq.users,
    sequences: seq.sequences,
    numItems,
    numInteractions: seq.numInteractions,
    itemNames,
    rawItemIds,
    rawUserIds,
  };
  if (files.negatives) ds.negatives = alignNegatives(ds, parseNegatives(files.negatives.text, files.negatives.file, { numItems }), files.negatives.file);
  return ds;
}

/** Re-orders parsed negatives to the dataset's user order; every user must have exactly one line. */
export function alignNegatives(ds: InteractionDataset, parsed: ParsedNegatives, file: string): Int32Array[] {
  const index = new Map<number, number>();
  for (let u = 0; u < ds.users.length; u++) index.set(ds.users[u]!, u);
  const out: Int32Array[] = new Array(ds.users.length);
  for (let k = 0; k < parsed.users.length; k++) {
    const u = index.get(parsed.users[k]!);
    if (u === undefined) {
      throw new InconsistentDatasetError(`user ${parsed.users[k]} has negatives but no sequence`, { file, line: k + 1, hint: 'The negatives belong to another dataset; regenerate them with `peapod negatives`' });
    }
    out[u] = parsed.negatives[k]!;
  }
  for (let u = 0; u < out.length; u++) {
    if (!out[u]) {
      throw new InconsistentDatasetError(`user ${ds.users[u]} has no negatives line`, { file, hint: 'The file is incomplete; regenerate it with `peapod negatives`' });
    }
  }
  return out;
}
