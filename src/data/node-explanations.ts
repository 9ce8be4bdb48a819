// Node-only: explanation datasets. Review folders (Musical Instruments) are extracted and split with
// the documented rule in explanations.ts (seeded, so every caller gets the same split); POD's Toys
// splits are read as shipped.
import path from 'node:path';
import { extractExplanations, splitExplanations, type ExplanationExtraction, type ExplanationOptions, type ExplanationRecord, type ExplanationSplit } from './explanations.ts';
import { datasetDir, loadAmazonReviews, loadDataset, readTextFile } from './node-fs.ts';
import { parsePodExplanations } from './pod-explanations.ts';

export interface LoadedExplanations extends ExplanationExtraction {
  split: ExplanationSplit;
}

export function loadExplanations(nameOrDir = 'amazon-musical-instruments-5core', seed = 1, options: ExplanationOptions & { dataDir?: string } = {}): LoadedExplanations {
  const data = loadAmazonReviews(nameOrDir, options.dataDir);
  const ex = extractExplanations(data.reviews, options);
  return { ...ex, split: splitExplanations(ex.records, seed) };
}

/** POD's explanation splits shipped with a P5 folder (amazon-toys-p5/explanation-pod/{val,test}.json). */
export function loadPodExplanations(nameOrDir = 'amazon-toys-p5', split: 'val' | 'test' | 'train' = 'test', dataDir?: string): ExplanationRecord[] {
  const dir = datasetDir(nameOrDir, dataDir);
  const ds = loadDataset(dir, { negatives: false });
  const file = path.join(dir, 'explanation-pod', `${split}.json`);
  return parsePodExplanations(readTextFile(file), file, { numUsers: ds.users.length, numItems: ds.numItems });
}
