// Shared by the training tests: a tiny PeaPOD model (d 16, one layer per stack, 4 neighbours) that
// trains in seconds on a slice of real data.
/** The model and collaborative settings of a tiny end-to-end training run. */
export const TINY = {
  idMode: 'remap',
  idScheme: 'atomic',
  cf: 'pmf',
  cfDim: 8,
  nMax: 6,
  neighbours: 4,
  composerHeads: 2,
  promptLength: 2,
  taskPrompts: true,
  collaborative: true,
  userTokens: false,
  size: { dModel: 16, layers: 1, heads: 2, dFf: 32, dropout: 0 },
} as const;
