// Cold-start profiles: a user made of picked catalogue items, folded into the CF model (the pack's
// closed-form fold-in) and given the most similar pack users as neighbours. The fold-in and the
// neighbour search run once per profile name and item list; asking again with the same items reuses them.
import { neighboursOf } from '../model/neighbours.ts';
import { BadRequestError } from './errors.ts';
import type { PackContents } from './pack-source.ts';
import type { NeighbourInfo, Target, UserInfo } from './protocol.ts';
import type { UserDirectory } from './user-directory.ts';

/** A profile as inference uses it. */
export interface ResolvedProfile {
  user: UserInfo;
  cf: Float32Array;
  history: number[];
}

export class ProfileCache {
  private readonly byName = new Map<string, { items: string; cf: Float32Array; neighbours: NeighbourInfo[] }>();

  constructor(
    private readonly pack: PackContents,
    private readonly users: UserDirectory,
  ) {}

  /** The profile's items of this pack, its folded-in CF vector and its neighbours; BadRequestError without items. */
  resolve(target: Extract<Target, { kind: 'profile' }>): ResolvedProfile {
    const items = target.items.filter((i) => Number.isInteger(i) && i >= 1 && i < this.pack.itemNames.length);
    if (items.length === 0) throw new BadRequestError(`Profile “${target.name}” has no items of this pack; add items from the catalogue.`);
    const key = items.join(',');
    let p = this.byName.get(target.name);
    if (!p || p.items !== key) {
      const cf = this.pack.foldIn(items);
      const list = neighboursOf(cf, this.pack.arrays.cfUser, this.pack.nMax);
      const neighbours = Array.from(list.indices, (v, k) => ({ index: v, datasetId: String(this.pack.arrays.userIds[v]), similarity: list.similarities[k]!, shared: this.users.sharedWith(items, v) }));
      p = { items: key, cf, neighbours };
      this.byName.set(target.name, p);
    }
    return {
      user: { index: null, label: target.name, history: items.map((i) => this.users.item(i)), testItem: null, neighbours: p.neighbours, explainable: [] },
      cf: p.cf,
      history: items,
    };
  }
}
