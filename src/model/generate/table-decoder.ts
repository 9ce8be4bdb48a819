// A hand-built "model" for testing decoding: next-token log-probabilities come from a function of
// (example, generated prefix), so exact beams and scores can be worked out by hand. It implements the
// same DecoderSession / EncodedDecoder contracts as the PeapodModel adapter. Test support only.
import * as tf from '@tensorflow/tfjs-core';
import type { DecoderSession, EncodedDecoder } from './types.ts';

/** Next-token log-probabilities (length V) after `prefix` (generated tokens, start token excluded). */
export type NextTokenTable = (example: number, prefix: readonly number[]) => Float32Array;

/** Log-probability row from a {token: probability} map; unlisted tokens get probability 0 (-Infinity). */
export function probRow(vocab: number, probs: Record<number, number>): Float32Array {
  const row = new Float32Array(vocab).fill(-Infinity);
  for (const [t, p] of Object.entries(probs)) row[Number(t)] = Math.log(p);
  return row;
}

export class TableSession implements DecoderSession {
  private prefixes: number[][];
  private examples: number[];
  private started: boolean[];
  /** Every step's row count, for tests that check batching. */
  readonly stepRows: number[] = [];
  disposed = false;

  constructor(
    private readonly table: NextTokenTable,
    readonly vocabSize: number,
    batch: number,
  ) {
    this.prefixes = Array.from({ length: batch }, () => []);
    this.examples = Array.from({ length: batch }, (_, b) => b);
    this.started = new Array<boolean>(batch).fill(false);
  }

  get rows(): number {
    return this.prefixes.length;
  }

  step(tokens: Int32Array): tf.Tensor2D {
    if (tokens.length !== this.rows) throw new Error(`TableSession.step got ${tokens.length} tokens for ${this.rows} rows`);
    this.stepRows.push(this.rows);
    const out = new Float32Array(this.rows * this.vocabSize);
    for (let r = 0; r < this.rows; r++) {
      // The first fed token is the start token and is not part of the prefix.
      if (this.started[r]) this.prefixes[r]!.push(tokens[r]!);
      this.started[r] = true;
      out.set(this.table(this.examples[r]!, this.prefixes[r]!), r * this.vocabSize);
    }
    return tf.tensor2d(out, [this.rows, this.vocabSize]);
  }

  reorder(rows: Int32Array): void {
    this.prefixes = Array.from(rows, (r) => [...this.prefixes[r]!]);
    this.examples = Array.from(rows, (r) => this.examples[r]!);
    this.started = Array.from(rows, (r) => this.started[r]!);
  }

  dispose(): void {
    this.disposed = true;
  }
}

export class TableDecoder implements EncodedDecoder {
  readonly sessions: TableSession[] = [];
  constructor(
    private readonly table: NextTokenTable,
    readonly vocabSize: number,
    readonly batchSize: number,
  ) {}

  startSession(): TableSession {
    const s = new TableSession(this.table, this.vocabSize, this.batchSize);
    this.sessions.push(s);
    return s;
  }

  teacherForced(exampleOf: Int32Array, decoderInputs: Int32Array, length: number): tf.Tensor3D {
    const R = exampleOf.length;
    const V = this.vocabSize;
    const out = new Float32Array(R * length * V);
    for (let r = 0; r < R; r++) {
      for (let t = 0; t < length; t++) {
        const prefix = Array.from(decoderInputs.subarray(r * length + 1, r * length + t + 1));
        out.set(this.table(exampleOf[r]!, prefix), (r * length + t) * V);
      }
    }
    return tf.tensor3d(out, [R, length, V]);
  }
}
