// Prefix trie of the token sequences of all catalogue items (+ </s>), used to constrain beams to
// valid item ids. Pure JS; building it for 12k items takes a few milliseconds.
import type { TokenConstraint } from './types.ts';

export interface TrieNode {
  readonly children: Map<number, TrieNode>;
  /** Lazily computed ascending child tokens. */
  allowed?: Int32Array;
}

function newNode(): TrieNode {
  return { children: new Map() };
}

export class TokenTrie implements TokenConstraint<TrieNode> {
  private readonly rootNode = newNode();
  private count = 0;

  /** Every sequence gets `eosId` appended, so a prefix that is itself an item may end there. */
  constructor(sequences: Iterable<ArrayLike<number>>, readonly eosId = 1) {
    for (const seq of sequences) this.add(seq);
  }

  private add(seq: ArrayLike<number>): void {
    let node = this.rootNode;
    for (let i = 0; i <= seq.length; i++) {
      const tok = i < seq.length ? seq[i]! : this.eosId;
      let child = node.children.get(tok);
      if (!child) {
        child = newNode();
        node.children.set(tok, child);
        node.allowed = undefined;
      }
      node = child;
    }
    this.count++;
  }

  /** Number of sequences added (duplicates counted). */
  get size(): number {
    return this.count;
  }

  root(): TrieNode {
    return this.rootNode;
  }

  allowed(node: TrieNode): Int32Array {
    if (!node.allowed) node.allowed = Int32Array.from([...node.children.keys()].sort((a, b) => a - b));
    return node.allowed;
  }

  next(node: TrieNode, token: number): TrieNode | null {
    return node.children.get(token) ?? null;
  }

  /** Whether `seq` (without </s>) is one of the sequences. */
  has(seq: ArrayLike<number>): boolean {
    let node: TrieNode | null = this.rootNode;
    for (let i = 0; i < seq.length && node; i++) node = this.next(node, seq[i]!);
    return node !== null && node.children.has(this.eosId);
  }
}

/** The trie over every catalogue item of a tokenizer (item tokens + </s>). */
export function itemTrie(tokenizer: { items(): number[]; itemTokens(id: number): Int32Array; eosId: number }): TokenTrie {
  return new TokenTrie(
    tokenizer.items().map((id) => tokenizer.itemTokens(id)),
    tokenizer.eosId,
  );
}
