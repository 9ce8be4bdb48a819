// Constrained next-item beam search specialised to the `atomic` id scheme, where every valid output is
// exactly [item token, </s>]: step 1 keeps the beamWidth best item tokens, step 2 can only add </s>.
// Same result as the generic constrained beam search (tested against it), but it reads back only
// [B, beamWidth] values per step instead of the full [B*beamWidth, V] log-probabilities, which made
// full-catalogue evaluation of 22k users take most of an hour.
import * as tf from '@tensorflow/tfjs-core';
import type { EncodedDecoder } from '../model/generate/types.ts';
import type { Tokenizer } from '../model/tokenizer.ts';

export interface AtomicNext {
  items: number[];
  scores: number[];
}

interface ItemColumns {
  tokens: Int32Array;
  items: Int32Array;
  /** Column of each item id (-1: not an item of this tokenizer). */
  columnOf: Map<number, number>;
}

const itemColumns = new WeakMap<Tokenizer, ItemColumns>();

function columns(tok: Tokenizer): ItemColumns {
  let c = itemColumns.get(tok);
  if (!c) {
    const items = Int32Array.from(tok.items());
    c = { items, tokens: Int32Array.from(items, (i) => tok.itemTokens(i)[0]!), columnOf: new Map(Array.from(items, (item, k) => [item, k] as const)) };
    itemColumns.set(tok, c);
  }
  return c;
}

/**
 * `exclude[b]` (optional): item ids row b may not return (e.g. the items already in its history).
 * They are removed before the first step's top-k, so the beam still holds beamWidth other items.
 */
export async function atomicConstrainedNext(decoder: EncodedDecoder, tok: Tokenizer, beamWidth: number, topK: number, exclude?: readonly ArrayLike<number>[]): Promise<AtomicNext[]> {
  if (tok.idScheme !== 'atomic') throw new Error('atomicConstrainedNext needs the atomic id scheme');
  const B = decoder.batchSize;
  const { tokens, items, columnOf } = columns(tok);
  if (exclude && exclude.length !== B) throw new Error(`atomicConstrainedNext: ${exclude.length} exclusion lists for ${B} rows`);
  let banned: Float32Array | null = null;
  let most = 0;
  if (exclude) {
    banned = new Float32Array(B * items.length);
    exclude.forEach((list, b) => {
      let n = 0;
      for (let k = 0; k < list.length; k++) {
        const c = columnOf.get(list[k]!);
        if (c === undefined || banned![b * items.length + c] !== 0) continue;
        banned![b * items.length + c] = -Infinity;
        n++;
      }
      most = Math.max(most, n);
    });
  }
  const W = Math.min(beamWidth, items.length - most);
  const session = decoder.startSession();
  try {
    const logits1 = session.step(new Int32Array(B).fill(tok.padId));
    const [v1, i1] = tf.tidy(() => {
      const lp = tf.logSoftmax(logits1);
      let restricted = tf.gather(lp, tf.tensor1d(tokens, 'int32'), 1);
      if (banned) restricted = tf.add(restricted, tf.tensor2d(banned, [B, items.length]));
      const { values, indices } = tf.topk(restricted, W, true);
      return [values, indices];
    });
    logits1.dispose();
    const lp1 = (await v1.data()) as Float32Array;
    const col = (await i1.data()) as Int32Array;
    v1.dispose();
    i1.dispose();
    const rows = new Int32Array(B * W);
    const next = new Int32Array(B * W);
    for (let b = 0; b < B; b++)
      for (let k = 0; k < W; k++) {
        rows[b * W + k] = b;
        next[b * W + k] = tokens[col[b * W + k]!]!;
      }
    session.reorder(rows);
    const logits2 = session.step(next);
    const eosT = tf.tidy(() => tf.reshape(tf.slice(tf.logSoftmax(logits2), [0, tok.eosId], [B * W, 1]), [-1]));
    logits2.dispose();
    const lp2 = (await eosT.data()) as Float32Array;
    eosT.dispose();
    const out: AtomicNext[] = [];
    for (let b = 0; b < B; b++) {
      const order = Array.from({ length: W }, (_, k) => k);
      const score = (k: number): number => lp1[b * W + k]! + lp2[b * W + k]!;
      order.sort((a, c) => score(c) - score(a) || a - c);
      const top = order.slice(0, Math.min(topK, W));
      out.push({ items: top.map((k) => items[col[b * W + k]!]!), scores: top.map(score) });
    }
    return out;
  } finally {
    session.dispose();
  }
}
