// `peapod import --from DIR --out PACK`: a checkpoint folder (config.json + model.safetensors, see
// model/pack/hf-config.ts) as a weight pack the app and `peapod eval` open.
//
// A checkpoint of ours (config.json with the "peapod" block: PeapodConfig + word tokenizer) is joined
// with its dataset (--dataset, default the one the block names): histories, item names and the
// fixed top-n negatives come from the data folder; CF embeddings from data.safetensors; the
// neighbour lists are computed here (cosine top-n in blocks, never N x N). Every tensor is checked
// against the config (model/pack/hf-names.ts) and the dataset against the CF tables; each failure is
// a CheckpointError naming the tensor or file and what to do.
import * as fs from 'node:fs';
import path from 'node:path';
import { datasetFingerprint } from '../../data/fingerprint.ts';
import { loadDataset, resolveDataDir } from '../../data/node.ts';
import { p5TestNegatives } from '../../data/negatives.ts';
import type { InteractionDataset } from '../../data/types.ts';
import { ProgressLine } from '../../progress-line.ts';
import { CheckpointError } from '../../model/errors.ts';
import { cfPriorItemTable } from '../../model/composer.ts';
import { similarUsers } from '../../model/neighbours.ts';
import { buildPack } from '../../model/pack/build.ts';
import type { NamedArray, PackDataset } from '../../model/pack/format.ts';
import { CHECKPOINT_DATA, CHECKPOINT_FILES, readCheckpointConfig, type PeapodCheckpointMeta } from '../../model/pack/hf-config.ts';
import { fromCheckpointDetailed } from '../../model/pack/hf-names.ts';
import { writePack } from '../../model/pack/node.ts';
import { parseSafetensors, writeSafetensors, type ParsedSafetensors, type SafetensorsTensor } from '../../model/pack/safetensors.ts';
import { PARAM } from '../../model/params.ts';
import { unigramFromTokenizerJson } from '../../model/sentencepiece.ts';
import { Tokenizer, type TokenizerJSON } from '../../model/tokenizer.ts';
import { PACK_DATA, PACK_FILES, type PeapodConfig } from '../../model/types.ts';
import { CliUsageError } from '../args.ts';
import { defineCommand, helpText, parseCommand, wantsHelp } from '../options.ts';
import type { CommandModule } from './types.ts';
import { PAPER_PROTOCOL } from '../../paper-protocol.ts';

/** `--n-max` and `--cf-dim` defaults (importCheckpoint uses them when its options leave them out). */
const IMPORT_N_MAX = 20;
const IMPORT_CF_DIM = 64;

export const IMPORT = defineCommand({
  command: 'peapod import',
  usage: ['--from DIR --out PACK [options]'],
  about: [
    '  Turns a checkpoint folder into a weight pack.',
    '  DIR holds config.json + model.safetensors (+ data.safetensors, tokenizer.json). A checkpoint of',
    '  ours has a "peapod" block in config.json (model config, tokenizer or tokenizer.json) and is joined',
    '  with its dataset (read from PEAPOD_DATA_DIR or ../shared/data). Neighbours are computed from the',
    '  CF user embeddings in data.safetensors.',
    '  A plain Hugging Face T5 (config.json without the block + tokenizer.json) becomes a T5-only pack',
    "  joined with --dataset; its CF embeddings are fitted on the dataset's training parts.",
  ].join('\n'),
  options: {
    from: { kind: 'string', meta: 'DIR', required: true, help: 'the checkpoint folder' },
    out: { kind: 'string', meta: 'PACK', required: true, help: 'pack folder to write' },
    dataset: { kind: 'string', meta: 'NAME|DIR', defaultText: 'the dataset the checkpoint names', help: 'the dataset the model was trained on (required for a plain T5)' },
    dtype: { kind: 'choice', choices: ['float16', 'float32'], default: 'float16', help: 'weight storage in the pack' },
    'n-max': { kind: 'integer', default: IMPORT_N_MAX, help: "neighbours stored per user (at least the model's own number)" },
    'cf-dim': { kind: 'integer', default: IMPORT_CF_DIM, help: 'plain Hugging Face T5: width of the CF embeddings fitted at import' },
    name: { kind: 'string', meta: 'NAME', defaultText: "the checkpoint's name, else imported-<folder>", help: 'pack name in the manifest' },
    quiet: { kind: 'switch', help: 'no progress lines or notes' },
  },
});

export interface ImportOptions {
  from: string;
  out: string;
  /** Dataset name or folder; default the one the checkpoint names. */
  dataset?: string;
  dataDir?: string;
  dtype?: 'float16' | 'float32';
  /** Neighbours kept per user (at least composer.numNeighbours). Default 20. */
  nMax?: number;
  /** Plain Hugging Face T5: width of the CF embeddings fitted at import (default 64). */
  cfDim?: number;
  name?: string;
  command?: string;
  quiet?: boolean;
}

export interface ImportResult {
  out: string;
  kind: 'peapod' | 'hf-t5';
  config: PeapodConfig;
  dataset: string;
  params: number;
  /** Checkpoint tensors accepted but not used (tied copies of the embedding, ...). */
  ignored: string[];
  files: number;
  bytes: number;
  seconds: number;
}

function readFile(dir: string, file: string, required: true): Uint8Array;
function readFile(dir: string, file: string, required: false): Uint8Array | null;
function readFile(dir: string, file: string, required: boolean): Uint8Array | null {
  const p = path.join(dir, file);
  if (!fs.existsSync(p)) {
    if (!required) return null;
    throw new CheckpointError('file', null, `The checkpoint folder ${dir} has no ${file}; a checkpoint folder holds config.json and model.safetensors (see the README, "Import a checkpoint").`, file);
  }
  try {
    const b = fs.readFileSync(p);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (err) {
    throw new CheckpointError('file', null, `${p} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}); check the path and its permissions.`, file);
  }
}

/** parseSafetensors with the file name added to every error. */
function parseFile(bytes: Uint8Array, file: string): ParsedSafetensors {
  try {
    return parseSafetensors(bytes);
  } catch (err) {
    if (err instanceof CheckpointError) throw new CheckpointError(err.code, err.tensor, `${file}: ${err.message}`, file);
    throw err;
  }
}

function withFile<T>(file: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof CheckpointError && err.file === null) throw Object.assign(new CheckpointError(err.code, err.tensor, `${file}: ${err.message}`, file), { problems: (err as { problems?: unknown }).problems });
    throw err;
  }
}

function datasetError(tensor: string | null, detail: string): CheckpointError {
  return new CheckpointError('dataset', tensor, `The dataset does not match the checkpoint: ${detail}. Pass the dataset the model was trained on (--dataset), or re-export the checkpoint with its data.safetensors.`, CHECKPOINT_FILES.data);
}

function floatTable(t: SafetensorsTensor | undefined, name: string, rows: number | null, cols: number): Float32Array | null {
  if (!t) return null;
  if (!(t.data instanceof Float32Array)) throw new CheckpointError('dtype', name, `data.safetensors: tensor "${name}" holds integers (${t.dtype}); CF tables are floats (F32, F16 or BF16).`, CHECKPOINT_FILES.data);
  if (t.shape.length !== 2 || t.shape[1] !== cols || (rows !== null && t.shape[0] !== rows)) {
    throw new CheckpointError('shape', name, `data.safetensors: tensor "${name}" has shape [${t.shape.join(', ')}] but the model needs [${rows ?? 'rows'}, ${cols}] (composer.cfDim ${cols}).`, CHECKPOINT_FILES.data);
  }
  return t.data;
}

function intVector(t: SafetensorsTensor | undefined, name: string, length: number): Int32Array | null {
  if (!t) return null;
  if (!(t.data instanceof Int32Array)) throw new CheckpointError('dtype', name, `data.safetensors: tensor "${name}" is ${t.dtype}; ids are integers (I32 or I64).`, CHECKPOINT_FILES.data);
  if (t.shape.length !== 1 || t.shape[0] !== length) throw datasetError(name, `"${name}" has shape [${t.shape.join(', ')}] but the dataset needs [${length}]`);
  return t.data;
}

/** Dataset -> model item ids (and back) from items.dataset_ids, checked to be a permutation of 1..I. */
function itemMaps(ds: InteractionDataset, map: Int32Array | null): { toModel: Int32Array; toDataset: Int32Array } {
  const I = ds.numItems;
  const toDataset = map ?? Int32Array.from({ length: I + 1 }, (_, i) => i);
  const toModel = new Int32Array(I + 1).fill(-1);
  toModel[0] = 0;
  if (toDataset[0] !== 0) throw datasetError(CHECKPOINT_DATA.itemDatasetIds, `"${CHECKPOINT_DATA.itemDatasetIds}"[0] is ${toDataset[0]}; row 0 is the unused item 0`);
  for (let p = 1; p <= I; p++) {
    const d = toDataset[p]!;
    if (d < 1 || d > I || toModel[d] !== -1) throw datasetError(CHECKPOINT_DATA.itemDatasetIds, `"${CHECKPOINT_DATA.itemDatasetIds}" is not a permutation of the dataset's items 1..${I} (model item ${p} -> dataset item ${d})`);
    toModel[d] = p;
  }
  return { toModel, toDataset };
}

/**
 * The tokenizer of the checkpoint: the block's own (our word tokenizer), else the folder's
 * tokenizer.json (T5's SentencePiece, the authors' PeaPOD) with every dataset item in the catalogue.
 */
function loadTokenizer(from: string, meta: PeapodCheckpointMeta, config: PeapodConfig, numItems: number): Tokenizer {
  let json: TokenizerJSON;
  let where: string;
  if (meta.tokenizer) {
    json = meta.tokenizer;
    where = 'config.json "peapod.tokenizer"';
  } else {
    where = CHECKPOINT_FILES.tokenizer;
    const bytes = readFile(from, CHECKPOINT_FILES.tokenizer, false);
    if (!bytes) {
      throw new CheckpointError('file', null, `The checkpoint has no tokenizer: config.json's "peapod" block has none and the folder has no tokenizer.json. Save the T5 tokenizer next to the weights (tokenizer.save_pretrained(DIR)).`, CHECKPOINT_FILES.tokenizer);
    }
    let raw: unknown;
    try {
      raw = JSON.parse(new TextDecoder().decode(bytes));
    } catch (err) {
      throw new CheckpointError('invalid', null, `tokenizer.json is not valid JSON (${(err as Error).message}); save the tokenizer again.`, CHECKPOINT_FILES.tokenizer);
    }
    let model;
    try {
      model = unigramFromTokenizerJson(raw);
    } catch (err) {
      throw new CheckpointError('invalid', null, `tokenizer.json: ${(err as Error).message}`, CHECKPOINT_FILES.tokenizer);
    }
    json = { kind: 'peapod-sentencepiece', version: 1, idScheme: 'p5', pieces: model.pieces.map(([p, sc]) => [p, sc]), unkId: model.unkId, vocabSize: config.t5.vocabSize, wholeWordVocab: config.t5.wholeWordVocab, itemRanges: numItems > 0 ? [[1, numItems]] : [] };
  }
  let tok: Tokenizer;
  try {
    tok = Tokenizer.fromJSON(json);
  } catch (err) {
    throw new CheckpointError('invalid', null, `${where} cannot be loaded (${(err as Error).message}).`, meta.tokenizer ? CHECKPOINT_FILES.config : CHECKPOINT_FILES.tokenizer);
  }
  if (tok.vocabSize !== config.t5.vocabSize) {
    throw new CheckpointError('invalid', null, `${where}: the tokenizer has ${tok.vocabSize} tokens but the model's vocab_size is ${config.t5.vocabSize}; the tokenizer is not the one the model was trained with.`, meta.tokenizer ? CHECKPOINT_FILES.config : CHECKPOINT_FILES.tokenizer);
  }
  if (tok.idScheme !== config.idScheme) {
    throw new CheckpointError('invalid', null, `${where}: the tokenizer writes ids as "${tok.idScheme}" but the model config says "${config.idScheme}".`, CHECKPOINT_FILES.config);
  }
  return tok;
}

/** Imports a checkpoint folder of ours as a pack. */
export async function importCheckpoint(o: ImportOptions): Promise<ImportResult> {
  const t0 = performance.now();
  const progress = new ProgressLine('import', o.quiet ? Number.POSITIVE_INFINITY : 3000);
  const note = (s: string): void => {
    if (!o.quiet) process.stderr.write(`${s}\n`);
  };
  const from = path.resolve(o.from);
  if (!fs.existsSync(from) || !fs.statSync(from).isDirectory()) throw new CheckpointError('file', null, `--from ${from} is not a folder; point it at the checkpoint folder (config.json + model.safetensors).`);
  let configJson: unknown;
  const configBytes = readFile(from, CHECKPOINT_FILES.config, true);
  try {
    configJson = JSON.parse(new TextDecoder().decode(configBytes));
  } catch (err) {
    throw new CheckpointError('invalid', null, `config.json is not valid JSON (${(err as Error).message}); fix or re-export it.`, CHECKPOINT_FILES.config);
  }
  const cc = withFile(CHECKPOINT_FILES.config, () => readCheckpointConfig(configJson));
  progress.update(0.02, 'reading model.safetensors', true);
  const weightsFile = parseFile(readFile(from, CHECKPOINT_FILES.model, true), CHECKPOINT_FILES.model);
  progress.update(0.25, `checking ${weightsFile.tensors.size} tensors`, true);
  let meta: PeapodCheckpointMeta;
  if (cc.kind === 'peapod') {
    meta = cc.meta;
  } else {
    // A plain Hugging Face T5: the T5 alone (no composer, no task prompts), T5's tokenizer.json, the
    // dataset joined; CF embeddings are fitted here for the neighbour view and cold start.
    if (!o.dataset) throw new CliUsageError('a plain Hugging Face T5 names no dataset; pass --dataset NAME|DIR (the catalogue its ids refer to).');
    const ww = weightsFile.tensors.get('peapod.whole_word.weight');
    const cfDim = o.cfDim ?? IMPORT_CF_DIM;
    meta = {
      format: 'peapod-checkpoint',
      version: 1,
      config: {
        t5: { ...cc.t5, wholeWordVocab: ww?.shape.length === 2 ? ww.shape[0]! : 0 },
        composer: { cfDim, numNeighbours: 20, numHeads: 1, promptLength: 1, taskPrompts: false, collaborative: false },
        tasks: ['sequential', 'topn', 'explanation'],
        idScheme: 'p5',
      },
      dataset: { name: o.dataset },
    };
  }
  const config = meta.config;
  const { values, ignored } = withFile(CHECKPOINT_FILES.model, () => fromCheckpointDetailed(config, weightsFile.tensors));
  const dtypes = new Set([...weightsFile.tensors.values()].map((t) => t.dtype));
  if (ignored.length) note(`import: ignored ${ignored.length} tensor(s) the model does not use: ${ignored.join(', ')}`);

  const datasetArg = o.dataset ?? meta.dataset?.name;
  if (!datasetArg) throw new CliUsageError('the checkpoint names no dataset; pass --dataset NAME|DIR (the dataset the model was trained on).');
  progress.update(0.3, `loading dataset ${datasetArg}`, true);
  const ds = loadDataset(datasetArg, o.dataDir ? { dataDir: o.dataDir } : {});
  const fingerprint = ds.dir ? datasetFingerprint(ds.dir).fingerprint : 'in-memory';
  if (meta.dataset?.fingerprint && meta.dataset.fingerprint !== fingerprint) {
    throw datasetError(null, `the checkpoint was trained on ${meta.dataset.name} with fingerprint ${meta.dataset.fingerprint}, but ${ds.dir} has ${fingerprint} (other files or another version)`);
  }
  const U = ds.sequences.length;
  const I = ds.numItems;
  const cfDim = config.composer.cfDim;
  const tok = loadTokenizer(from, meta, config, I);

  const dataBytes = readFile(from, CHECKPOINT_FILES.data, false);
  let fitted: { alpha: number; lambda: number; d: number } | null = null;
  let dataFile: ParsedSafetensors;
  if (!dataBytes && cc.kind === 'hf-t5') {
    // Fitted on the training parts (all but each user's last two items), as `peapod train` does.
    progress.update(0.3, `fitting CF embeddings (PMF, d ${cfDim})`, true);
    const { fitPmf, interactionsFromLists, PMF_DEFAULTS } = await import('../../train/cf.ts');
    const train = ds.sequences.map((q) => q.subarray(0, Math.max(0, q.length - 2)));
    const pmf = fitPmf(interactionsFromLists(train, I + 1), { d: cfDim, onProgress: (p) => progress.update(0.3 + 0.05 * p.fraction, `fitting CF embeddings (PMF, d ${cfDim})`) });
    fitted = { alpha: PMF_DEFAULTS.alpha, lambda: PMF_DEFAULTS.lambda, d: cfDim };
    config.composer.numNeighbours = Math.min(config.composer.numNeighbours, U - 1);
    const cfData = writeSafetensors([
      { name: CHECKPOINT_DATA.cfUser, dtype: 'F32', shape: [U, cfDim], data: pmf.userFactors },
      { name: CHECKPOINT_DATA.cfItem, dtype: 'F32', shape: [I + 1, cfDim], data: pmf.itemFactors },
    ]);
    dataFile = parseSafetensors(cfData);
  } else {
    if (!dataBytes) {
      throw new CheckpointError('missing', CHECKPOINT_DATA.cfUser, `The checkpoint folder has no data.safetensors; the pack needs the CF user embeddings "${CHECKPOINT_DATA.cfUser}" [users, ${cfDim}] the model was trained with (see the README, "Import a checkpoint").`, CHECKPOINT_FILES.data);
    }
    dataFile = parseFile(dataBytes, CHECKPOINT_FILES.data);
  }
  for (const name of dataFile.tensors.keys()) {
    if (!(Object.values(CHECKPOINT_DATA) as string[]).includes(name)) {
      throw new CheckpointError('extra', name, `data.safetensors: tensor "${name}" is not expected; it may hold ${Object.values(CHECKPOINT_DATA).join(', ')}.`, CHECKPOINT_FILES.data);
    }
  }
  const cfUserT = dataFile.tensors.get(CHECKPOINT_DATA.cfUser);
  if (!cfUserT) throw new CheckpointError('missing', CHECKPOINT_DATA.cfUser, `data.safetensors lacks "${CHECKPOINT_DATA.cfUser}" [users, ${cfDim}], the CF user embeddings the composer reads.`, CHECKPOINT_FILES.data);
  if (cfUserT.shape.length === 2 && cfUserT.shape[1] === cfDim && cfUserT.shape[0] !== U) {
    throw datasetError(CHECKPOINT_DATA.cfUser, `"${CHECKPOINT_DATA.cfUser}" has ${cfUserT.shape[0]} users but ${ds.name} has ${U}`);
  }
  let cfUser = floatTable(cfUserT, CHECKPOINT_DATA.cfUser, U, cfDim)!;
  const cfItemT = dataFile.tensors.get(CHECKPOINT_DATA.cfItem);
  if (cfItemT && cfItemT.shape.length === 2 && cfItemT.shape[1] === cfDim && cfItemT.shape[0] !== I + 1) {
    throw datasetError(CHECKPOINT_DATA.cfItem, `"${CHECKPOINT_DATA.cfItem}" has ${cfItemT.shape[0]} rows but ${ds.name} has ${I} items (+ row 0)`);
  }
  const cfItem = floatTable(cfItemT, CHECKPOINT_DATA.cfItem, I + 1, cfDim);
  if (config.composer.cfPrior && !cfItem) {
    throw new CheckpointError('missing', CHECKPOINT_DATA.cfItem, `data.safetensors lacks "${CHECKPOINT_DATA.cfItem}" [items + 1, ${cfDim}]; the model's collaborative prior (composer.cfPrior) reads the CF item factors.`, CHECKPOINT_FILES.data);
  }
  const priorItems = values.get(PARAM.cfPriorItems);
  if (priorItems && cfItem) {
    // Packs rebuild the prior's item table from cf/item at load: the checkpoint's table must be that one.
    const want = cfPriorItemTable(tok, cfItem, cfDim, config.t5.vocabSize);
    let scale = 1;
    for (const x of want) scale = Math.max(scale, Math.abs(x));
    const at = priorItems.data.findIndex((x, i) => !(Math.abs(x - want[i]!) <= 1e-4 * scale));
    if (at >= 0) {
      throw new CheckpointError(
        'dataset',
        'peapod.cf_prior.item_factors',
        `model.safetensors: "peapod.cf_prior.item_factors" row ${Math.floor(at / cfDim)} differs from the CF item factors "${CHECKPOINT_DATA.cfItem}" of data.safetensors (${priorItems.data[at]} vs ${want[at]}); the prior's table must hold each item token's CF factors. Export both from the same CF fit.`,
        CHECKPOINT_FILES.model,
      );
    }
  }
  const userIds = intVector(dataFile.tensors.get(CHECKPOINT_DATA.userIds), CHECKPOINT_DATA.userIds, U);
  if (userIds) {
    // Rows may come in any order (the authors' user_to_embeddings.json is a map): put them in the
    // dataset's user order; every dataset user needs exactly one row.
    const rowOf = new Map<number, number>();
    userIds.forEach((id, row) => {
      if (rowOf.has(id)) throw datasetError(CHECKPOINT_DATA.userIds, `user ${id} has two rows (${rowOf.get(id)} and ${row}) in "${CHECKPOINT_DATA.userIds}"`);
      rowOf.set(id, row);
    });
    const ordered = new Float32Array(U * cfDim);
    for (let u = 0; u < U; u++) {
      const row = rowOf.get(ds.users[u]!);
      if (row === undefined) throw datasetError(CHECKPOINT_DATA.userIds, `${ds.name} has user ${ds.users[u]} but "${CHECKPOINT_DATA.userIds}" has no row for it (the CF embeddings come from another dataset)`);
      ordered.set(cfUser.subarray(row * cfDim, (row + 1) * cfDim), u * cfDim);
    }
    cfUser = ordered;
  }
  const { toModel, toDataset } = itemMaps(ds, intVector(dataFile.tensors.get(CHECKPOINT_DATA.itemDatasetIds), CHECKPOINT_DATA.itemDatasetIds, I + 1));
  const catalogue = tok.items();
  const outside = catalogue.find((i) => i < 1 || i > I);
  if (outside !== undefined) throw datasetError(null, `the tokenizer knows item ${outside} but ${ds.name} has items 1..${I}`);

  // Histories, names and negatives in model item ids.
  const sequences = ds.sequences.map((s) => Int32Array.from(s, (d) => toModel[d]!));
  const itemNames = Array.from({ length: I + 1 }, (_, p) => (p === 0 ? '' : (ds.itemNames[toDataset[p]!] ?? '')));
  const datasetNegatives = ds.negatives ?? p5TestNegatives(ds.sequences);
  const NEG = PAPER_PROTOCOL.topn.negatives;
  const negatives = new Int32Array(U * NEG);
  datasetNegatives.forEach((row, u) => {
    for (let k = 0; k < NEG; k++) negatives[u * NEG + k] = toModel[row[k % row.length]!]!;
  });

  const nMax = Math.min(Math.max(o.nMax ?? IMPORT_N_MAX, config.composer.numNeighbours), U - 1);
  if (nMax < config.composer.numNeighbours) throw datasetError(null, `${ds.name} has ${U} users; the model attends over ${config.composer.numNeighbours} neighbours`);
  const nb = similarUsers(cfUser, cfDim, nMax, { onProgress: (done, total) => progress.update(0.35 + (0.45 * done) / total, `neighbours ${done}/${total} users`) });

  const offsets = new Int32Array(U + 1);
  sequences.forEach((s, u) => (offsets[u + 1] = offsets[u]! + s.length));
  const history = new Int32Array(offsets[U]!);
  sequences.forEach((s, u) => history.set(s, offsets[u]));
  const small = I < 65536;
  const data: NamedArray[] = [
    { name: PACK_DATA.userIds, shape: [U], values: Int32Array.from(ds.users), store: 'int32' },
    { name: PACK_DATA.historyOffsets, shape: [U + 1], values: offsets, store: 'int32' },
    { name: PACK_DATA.historyItems, shape: [history.length], values: history, store: small ? 'uint16' : 'int32' },
    { name: PACK_DATA.cfUser, shape: [U, cfDim], values: cfUser, store: 'float16' },
    ...(cfItem ? [{ name: PACK_DATA.cfItem, shape: [I + 1, cfDim], values: cfItem, store: 'float16' as const }] : []),
    { name: PACK_DATA.neighbourIndices, shape: [U, nMax], values: nb.indices, store: U < 65536 ? 'uint16' : 'int32' },
    { name: PACK_DATA.neighbourSimilarity, shape: [U, nMax], values: nb.similarities, store: 'float16' },
    { name: PACK_DATA.topnNegatives, shape: [U, NEG], values: negatives, store: small ? 'uint16' : 'int32' },
    { name: 'items/dataset_ids', shape: [I + 1], values: toDataset, store: 'int32' },
  ];
  // The prior's item table is the CF item factors, shipped once as data (cf/item) and rebuilt at load.
  const weights: NamedArray[] = [];
  let params = 0;
  for (const [name, v] of values) {
    params += v.data.length;
    if (name !== PARAM.cfPriorItems) weights.push({ name, shape: v.shape, values: v.data });
  }
  progress.update(0.82, 'encoding and hashing', true);
  const datasetInfo: PackDataset = { name: ds.name, fingerprint, users: U, items: I, ids: meta.dataset?.ids ?? (toDataset.every((d, i) => d === i) ? 'original' : 'remapped') };
  const { gitCommit } = await import('../../train/export.ts');
  const built = await buildPack({
    name: o.name ?? meta.name ?? `imported-${path.basename(from)}`,
    config,
    tokenizer: tok.toJSON(),
    dataset: datasetInfo,
    provenance: { command: o.command ?? `peapod import --from ${o.from}`, gitCommit: gitCommit(), date: new Date().toISOString(), seconds: 0, samplesPerSecond: null, backend: 'imported' },
    metrics: {},
    weights,
    weightDtype: o.dtype ?? 'float16',
    data,
    jsonFiles: { [PACK_FILES.items]: itemNames },
    extraManifest: {
      imported: { from, kind: cc.kind === 'peapod' ? 'peapod-checkpoint' : 'hugging-face-t5', checkpointDtypes: [...dtypes].sort(), ignoredTensors: ignored, metadata: weightsFile.metadata },
      ...(meta.training ? { training: meta.training } : {}),
      // Fold-in (cold start) reads the CF kind and its hyper-parameters here.
      ...(fitted ? { training: { cf: { kind: 'pmf', ...fitted, fittedBy: 'peapod import (training parts)' } } } : {}),
    },
  });
  // Write into a fresh folder, then swap it in, so a reader never sees a half-written pack.
  const out = path.resolve(o.out);
  const tmp = `${out}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  await writePack(tmp, built);
  const old = `${out}.old-${process.pid}`;
  if (fs.existsSync(out)) fs.renameSync(out, old);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.renameSync(tmp, out);
  fs.rmSync(old, { recursive: true, force: true });
  let bytes = 0;
  for (const b of built.files.values()) bytes += b.byteLength;
  progress.done(`${built.files.size} files, ${(bytes / 1e6).toFixed(1)} MB -> ${out}`);
  return { out, kind: cc.kind, config, dataset: ds.name, params, ignored, files: built.files.size, bytes, seconds: (performance.now() - t0) / 1000 };
}

export const command: CommandModule = {
  async run(argv) {
    if (wantsHelp(argv)) {
      console.log(helpText(IMPORT));
      return 0;
    }
    const { values: o } = parseCommand(IMPORT, argv);
    try {
      const r = await importCheckpoint({
        from: o.from,
        out: o.out,
        ...(o.dataset ? { dataset: o.dataset } : {}),
        dataDir: resolveDataDir(),
        dtype: o.dtype,
        nMax: o.nMax,
        cfDim: o.cfDim,
        ...(o.name !== undefined ? { name: o.name } : {}),
        quiet: o.quiet,
        command: ['npx', 'peapod', 'import', ...argv].join(' '),
      });
      console.log(`wrote ${r.out}: ${r.dataset}, ${(r.params / 1e6).toFixed(2)}M parameters, ${r.files} files, ${(r.bytes / 1e6).toFixed(1)} MB in ${r.seconds.toFixed(1)} s`);
      return 0;
    } catch (err) {
      if (err instanceof CheckpointError) {
        process.stderr.write(`import failed [${err.code}${err.tensor ? ` ${err.tensor}` : ''}]: ${err.message}\n`);
        return 1;
      }
      throw err;
    }
  },
};
