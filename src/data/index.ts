// Public, browser-safe API of the data layer (no Node imports reachable from here).
export * from './errors.ts';
export * from './types.ts';
export { decodeUtf8, splitLines, parseIntLine, parseJson } from './text.ts';
export * from './rng.ts';
export { LegacyMT19937 } from './mt19937.ts';
export * from './p5.ts';
export * from './negatives.ts';
export * from './amazon-reviews.ts';
export * from './movielens.ts';
export * from './splits.ts';
export * from './remap.ts';
export * from './catalogue.ts';
export * from './explanations.ts';
export * from './sources.ts';
export { parsePodExplanations } from './pod-explanations.ts';
