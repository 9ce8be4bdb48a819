// Opens a weight pack over HTTP for the engine: downloads every file with byte progress, decodes it
// with the model layer's pack reader and hands back the model, tokenizer and data arrays.
// It owns the browser side of pack I/O only; the file format belongs to src/model/pack.
import type { PeapodModel } from '../model/peapod.ts';
import type { Tokenizer } from '../model/tokenizer.ts';
import { PackLoadError } from './errors.ts';
import type { ByteProgress, Fetcher } from './fetch-progress.ts';
import type { TrainingLogRow } from './protocol.ts';

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
  itemNames: string[];
  trainingLog: TrainingLogRow[];
  /** `${userIndex}:${item}` -> reference sentence. */
  explanations: Map<string, string> | null;
  explanationPairs: { user: number; item: number; reference: string }[] | null;
  /** Cold start: the CF vector of a new user who liked `items` (fold-in against the item factors). */
  foldIn(items: number[]): Float32Array;
  dispose(): void;
}

export async function openPack(baseUrl: string, fetcher: Fetcher, onProgress: (p: ByteProgress) => void): Promise<PackContents> {
  void fetcher;
  void onProgress;
  throw new PackLoadError(baseUrl.replace(/\/$/, '').split('/').pop() ?? baseUrl, 'the pack reader (src/model/pack) is not available in this build yet.');
}
