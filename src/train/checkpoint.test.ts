import { describe, expect, it, beforeAll } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { CheckpointError, loadCheckpoint, restoreVariables, saveCheckpoint } from './checkpoint.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('checkpoints', () => {
  it('round-trip tensors and state exactly, and replace an older checkpoint atomically', () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'peapod-ckpt-')), 'ckpt');
    const a = tf.variable(tf.tensor2d([[1.5, -2.25], [3, 1e-7]]));
    const b = tf.variable(tf.tensor1d([0.1, 0.2, 0.3]));
    saveCheckpoint(dir, new Map<string, tf.Tensor>([['a', a], ['b', b]]), { step: 3 });
    saveCheckpoint(dir, new Map<string, tf.Tensor>([['a', a], ['b', b]]), { step: 7, note: 'x' });
    expect(fs.readdirSync(path.dirname(dir))).toEqual(['ckpt']);
    const loaded = loadCheckpoint<{ step: number; note: string }>(dir);
    expect(loaded.state).toEqual({ step: 7, note: 'x' });
    const a2 = tf.variable(tf.zeros([2, 2]));
    const b2 = tf.variable(tf.zeros([3]));
    restoreVariables(dir, loaded, new Map([['a', a2], ['b', b2]]));
    expect(Array.from(a2.dataSync())).toEqual(Array.from(a.dataSync()));
    expect(Array.from(b2.dataSync())).toEqual(Array.from(b.dataSync()));
    // Shape mismatch and missing tensors name the tensor.
    const wrong = tf.variable(tf.zeros([3, 2]));
    expect(() => restoreVariables(dir, loaded, new Map([['a', wrong]]))).toThrow(/tensor "a" has shape \[2,2\]/);
    expect(() => restoreVariables(dir, loaded, new Map([['c', wrong]]))).toThrow(CheckpointError);
    // A truncated tensors.bin is reported, not silently zero-filled.
    const bin = path.join(dir, 'tensors.bin');
    fs.truncateSync(bin, 20); // a (4 floats) survives, b (elements 4..7) does not
    expect(() => loadCheckpoint(dir)).toThrow(/truncated: tensor b/);
    [a, b, a2, b2, wrong].forEach((v) => v.dispose());
  });

  it('reports a missing checkpoint with what to do', () => {
    expect(() => loadCheckpoint(path.join(os.tmpdir(), 'no-such-peapod-ckpt'))).toThrow(/run without --resume/);
  });
});
