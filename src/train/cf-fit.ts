// Adapter between the pipeline and the CF models of cf.ts: builds the interaction matrix from the
// training parts of the sequences (item ids 1..I map to columns 1..I; column 0 stays empty so item
// factors are indexed by item id, as PACK_DATA.cfItem expects) and reports progress.
import { fitBiVae, fitPmf, interactionsFromLists } from './cf.ts';
import { ProgressLine } from '../progress-line.ts';

export type CfKind = 'pmf' | 'bivae';

export interface CfResult {
  /** [U * d] */
  userFactors: Float32Array;
  /** [(I + 1) * d], row 0 unused. */
  itemFactors: Float32Array;
  d: number;
}

export function fitUserEmbeddings(kind: CfKind, trainSeqs: readonly Int32Array[], numItems: number, d: number, seed: number, quiet = false): CfResult {
  const x = interactionsFromLists(trainSeqs, numItems + 1);
  const progress = quiet ? null : new ProgressLine(`cf ${kind}`);
  if (kind === 'pmf') {
    const m = fitPmf(x, { d, seed, onProgress: (p) => progress?.update(p.fraction, `${p.phase} ${p.iteration}/${p.iterations}`) });
    progress?.done(`d=${m.d}`);
    return { userFactors: m.userFactors, itemFactors: m.itemFactors, d: m.d };
  }
  const m = fitBiVae(x, { d, seed, onProgress: (p) => progress?.update(p.fraction, `${p.phase} ${p.iteration}/${p.iterations}`) });
  progress?.done(`d=${m.d}`);
  return { userFactors: m.userFactors, itemFactors: m.itemFactors, d: m.d };
}
