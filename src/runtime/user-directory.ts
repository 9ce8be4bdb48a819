// The pack's users as the page sees them: found by dataset id or index, with their history, test
// item, stored neighbours (and the items shared with each) and the items they have a reference
// explanation for. Plain arrays in, plain objects out: no tensors, no model, no inference.
import type { HeldOutSource } from '../model/inputs/heldout.ts';
import { UnknownUserError } from './errors.ts';
import type { PackContents } from './pack-source.ts';
import type { ItemRef, NeighbourInfo, UserInfo } from './protocol.ts';

export class UserDirectory implements HeldOutSource {
  /** Every user's full sequence as views into the pack's history array (eval's HeldOutSource). */
  readonly sequences: Int32Array[];
  private readonly byDatasetId = new Map<string, number>();
  private readonly explainable = new Map<number, number[]>();

  constructor(private readonly pack: PackContents) {
    const a = pack.arrays;
    a.userIds.forEach((id, u) => this.byDatasetId.set(String(id), u));
    for (const p of pack.explanationPairs ?? []) this.explainable.set(p.user, [...(this.explainable.get(p.user) ?? []), p.item]);
    this.sequences = Array.from(a.userIds, (_, u) => a.historyItems.subarray(a.historyOffsets[u], a.historyOffsets[u + 1]));
  }

  get numUsers(): number {
    return this.pack.arrays.userIds.length;
  }

  item(id: number): ItemRef {
    return { id, name: this.pack.itemNames[id] ?? '' };
  }

  /** The number the user's token is written with (`user_{n}`). */
  userWord(index: number): number {
    return this.pack.arrays.userIds[index]!;
  }

  private checkUser(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.numUsers) throw new UnknownUserError(`#${index}`, this.numUsers);
  }

  /** A dataset user id, `user_<id>`, `#<index>`, or 'random'; UnknownUserError for anything else. */
  findUser(query: string): number {
    if (query === 'random') return Math.floor(Math.random() * this.numUsers);
    const m = /^#(\d+)$/.exec(query);
    if (m) {
      const i = Number(m[1]);
      this.checkUser(i);
      return i;
    }
    const bare = query.replace(/^user_/, '');
    const u = this.byDatasetId.get(bare);
    if (u === undefined) throw new UnknownUserError(query, this.numUsers);
    return u;
  }

  /** The index of a dataset user id; undefined when the pack has no such user. */
  indexOf(datasetId: string): number | undefined {
    return this.byDatasetId.get(datasetId);
  }

  historyOf(index: number): number[] {
    const a = this.pack.arrays;
    return Array.from(a.historyItems.subarray(a.historyOffsets[index], a.historyOffsets[index + 1]));
  }

  /** The distinct items of a neighbour's history that are also among `items`. */
  sharedWith(items: readonly number[], neighbour: number): number[] {
    const mine = new Set(items);
    return [...new Set(this.sequences[neighbour])].filter((i) => mine.has(i));
  }

  /** The user's stored neighbours (n_max of them at most), best first. */
  neighboursOf(index: number): NeighbourInfo[] {
    const a = this.pack.arrays;
    const n = this.pack.nMax;
    const history = this.historyOf(index);
    const out: NeighbourInfo[] = [];
    for (let k = 0; k < n; k++) {
      const v = a.neighbourIndices[index * n + k]!;
      if (v < 0) break;
      out.push({ index: v, datasetId: String(a.userIds[v]), similarity: a.neighbourSimilarity[index * n + k]!, shared: this.sharedWith(history, v) });
    }
    return out;
  }

  userInfo(index: number): UserInfo {
    this.checkUser(index);
    const h = this.historyOf(index);
    return {
      index,
      label: String(this.pack.arrays.userIds[index]),
      history: h.map((i) => this.item(i)),
      testItem: h.length ? this.item(h[h.length - 1]!) : null,
      neighbours: this.neighboursOf(index),
      explainable: this.explainable.get(index) ?? [],
    };
  }

  /** The user's CF vector (a view into the pack's array). */
  cfRow(index: number): Float32Array {
    const d = this.pack.model.config.composer.cfDim;
    return this.pack.arrays.cfUser.subarray(index * d, (index + 1) * d);
  }
}
