// Node-only API of the data layer: file access, loadDataset, fingerprints, downloads.
export { repoRoot, resolveDataDir, readBytes, readTextFile, readGzipText, detectKind, datasetDir, loadDataset, loadAmazonReviews, type LoadOptions } from './node-fs.ts';
export * from './fingerprint.ts';
export * from './download.ts';
export { loadExplanations, loadPodExplanations, type LoadedExplanations } from './node-explanations.ts';
