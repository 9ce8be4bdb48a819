// Opens a weight pack for the engine: reads and verifies every file through the model layer's pack
// loader (HTTP in the worker, disk in Node) with per-file byte progress, then builds the model,
// tokenizer and plain data arrays the engine needs. The file format belongs to src/model/pack.
import { DEFAULT_EVAL } from '../eval/evaluate.ts';
import { FoldIn } from '../model/foldin.ts';
import { disposeParams } from '../model/params.ts';
import { loadPack, type PackSource } from '../model/pack/load.ts';
import { packParams } from '../model/pack/params.ts';
import { PeapodModel } from '../model/peapod.ts';
import type { Tokenizer } from '../model/tokenizer.ts';
import { PACK_DATA, PACK_FILES } from '../model/types.ts';
import { BadRequestError, PackLoadError } from './errors.ts';
import type { ByteProgress } from './fetch-progress.ts';
import type { StartupStage, TrainingLogRow } from './protocol.ts';

export interface PackArrays {
  userIds: Int32Array;
  historyOffsets: Int32Array;
  historyItems: Int32Array;
  cfUser: Float32Array;
  cfItem: Float32Array | null;
  neighbourIndices: Int32Array;
  neighbourSimilarity: Float32Array;
  topnNegatives: Int32Array | null;
}

export interface PackContents {
  name: string;
  manifest: Record<string, unknown>;
  model: PeapodModel;
  tokenizer: Tokenizer;
  arrays: PackArrays;
  nMax: number;
  nDefault: number;
  /** Input cap the pack was trained and evaluated with (longer inputs lose their tail). */
  maxInputTokens: number;
  itemNames: string[];
  trainingLog: TrainingLogRow[];
  /** `${userIndex}:${item}` -> reference sentence. */
  explanations: Map<string, string> | null;
  explanationPairs: { user: number; item: number; reference: string }[] | null;
  /** Cold start: the CF vector of a new user who liked `items` (fold-in against the item factors). */
  foldIn(items: number[]): Float32Array;
  dispose(): void;
}

/**
 * iALS hyper-parameters when the manifest does not record them: the trainer's PMF defaults
 * (src/train/cf.ts PMF_DEFAULTS, alpha 50, lambda 10; runtime may not import train).
 */
const CF_DEFAULTS = { alpha: 50, lambda: 10 };

/** Parses training-log.jsonl; a bad line is skipped (the curves are illustrative, not checked). */
export function parseTrainingLog(text: string): TrainingLogRow[] {
  const rows: TrainingLogRow[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const r = JSON.parse(line) as TrainingLogRow;
      if (typeof r === 'object' && r !== null && typeof r.step === 'number') rows.push(r);
    } catch {
      // skip
    }
  }
  return rows;
}

/** The first numeric field called `key` anywhere in the manifest (where export put it is its choice). */
function findNumber(obj: unknown, key: string, depth = 0): number | null {
  if (typeof obj !== 'object' || obj === null || depth > 4) return null;
  const rec = obj as Record<string, unknown>;
  if (typeof rec[key] === 'number') return rec[key];
  for (const v of Object.values(rec)) {
    const f = findNumber(v, key, depth + 1);
    if (f !== null) return f;
  }
  return null;
}

export async function openPack(source: PackSource, onProgress: (p: ByteProgress) => void, onStage: (stage: StartupStage) => void = () => {}): Promise<PackContents> {
  const loaded = await loadPack(source, {
    onProgress: (p) => {
      if (p.phase === 'done') return;
      onProgress({ file: p.file, loaded: p.fileLoaded, total: p.fileTotal ?? p.fileLoaded });
    },
    onStage,
  });
  const m = loaded.manifest;
  const arr = <T extends Float32Array | Int32Array>(name: string, required: boolean): T | null => {
    const a = loaded.data.get(name);
    if (!a) {
      if (required) throw new PackLoadError(m.name, `the data array "${name}" is missing from ${source.description}; re-export the pack with it.`);
      return null;
    }
    return a.values as T;
  };
  const neighbourIndices = arr<Int32Array>(PACK_DATA.neighbourIndices, true)!;
  const users = loaded.data.get(PACK_DATA.userIds)?.shape[0] ?? 0;
  const nMax = users ? neighbourIndices.length / users : 0;
  const arrays: PackArrays = {
    userIds: arr<Int32Array>(PACK_DATA.userIds, true)!,
    historyOffsets: arr<Int32Array>(PACK_DATA.historyOffsets, true)!,
    historyItems: arr<Int32Array>(PACK_DATA.historyItems, true)!,
    cfUser: arr<Float32Array>(PACK_DATA.cfUser, true)!,
    cfItem: arr<Float32Array>(PACK_DATA.cfItem, false),
    neighbourIndices,
    neighbourSimilarity: arr<Float32Array>(PACK_DATA.neighbourSimilarity, true)!,
    topnNegatives: arr<Int32Array>(PACK_DATA.topnNegatives, false),
  };
  const items = loaded.json<string[]>(PACK_FILES.items) ?? [];
  const numItems = Math.max(items.length - 1, m.dataset.items);
  const itemNames = Array.from({ length: numItems + 1 }, (_, i) => (i === 0 ? '' : (items[i] ?? `item ${i}`)));
  const logBytes = loaded.sideFiles.get(PACK_FILES.trainingLog);
  const rawRefs = loaded.json<{ user: number; item: number; reference: string }[]>(PACK_FILES.explanations);
  // A pair without a numeric user and item cannot be shown or scored; drop it rather than fail the pack.
  const refs = rawRefs ? rawRefs.filter((r) => Number.isInteger(r.user) && Number.isInteger(r.item) && typeof r.reference === 'string') : null;
  const params = packParams(loaded.weights);
  const model = PeapodModel.fromPack({ config: m.config, params, tokenizer: loaded.tokenizer, numItems, transitions: arrays }, onStage);
  const cfDim = m.config.composer.cfDim;
  let solver: FoldIn | null = null;
  return {
    name: m.name,
    manifest: { ...(m as unknown as Record<string, unknown>), tokenizer: `(${loaded.tokenizer.vocabSize} tokens, ${loaded.tokenizer.idScheme} ids)`, files: `${Object.keys(m.files).length} files, ${loaded.bytes} bytes` },
    model,
    tokenizer: loaded.tokenizer,
    arrays,
    nMax,
    nDefault: Math.min(m.config.composer.numNeighbours, nMax),
    maxInputTokens: findNumber(m, 'maxInputTokens') ?? DEFAULT_EVAL.maxInputTokens,
    itemNames,
    trainingLog: logBytes ? parseTrainingLog(new TextDecoder().decode(logBytes)) : [],
    explanations: refs ? new Map(refs.map((r) => [`${r.user}:${r.item}`, r.reference])) : null,
    explanationPairs: refs,
    foldIn(picked) {
      if (!arrays.cfItem) throw new BadRequestError(`Pack “${m.name}” carries no CF item factors, so a new user cannot be folded in; use a pack user.`);
      const cf = ((m as unknown as { training?: { cf?: { kind?: string; alpha?: number; lambda?: number } } }).training?.cf ?? {});
      if (cf.kind && cf.kind !== 'pmf') throw new BadRequestError(`Pack “${m.name}” uses ${cf.kind} user embeddings, which cannot be folded in; cold start needs a PMF pack.`);
      // The Gramian costs d^2 * I once; keep the solver for the next profile.
      solver ??= new FoldIn(arrays.cfItem, cfDim, { alpha: cf.alpha ?? CF_DEFAULTS.alpha, lambda: cf.lambda ?? CF_DEFAULTS.lambda });
      return solver.user(picked);
    },
    dispose() {
      model.dispose();
      disposeParams(params);
    },
  };
}
