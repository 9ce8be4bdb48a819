// Node-only: the explanation dataset of a review folder (Musical Instruments), extracted and split
// with the documented rule in explanations.ts. Seeded, so every caller gets the same split.
import { extractExplanations, splitExplanations, type ExplanationExtraction, type ExplanationOptions, type ExplanationSplit } from './explanations.ts';
import { loadAmazonReviews } from './node-fs.ts';

export interface LoadedExplanations extends ExplanationExtraction {
  split: ExplanationSplit;
}

export function loadExplanations(nameOrDir = 'amazon-musical-instruments-5core', seed = 1, options: ExplanationOptions & { dataDir?: string } = {}): LoadedExplanations {
  const data = loadAmazonReviews(nameOrDir, options.dataDir);
  const ex = extractExplanations(data.reviews, options);
  return { ...ex, split: splitExplanations(ex.records, seed) };
}
