import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { describe, expect, it } from 'vitest';
import { disposeParams, initPeapodParams } from './params.ts';
import { PeapodModel } from './peapod.ts';
import { tidyObject } from './t5/layers.ts';
import { tinyConfig } from './t5/test-fixtures.ts';
import { registerWasmMatmulFix, wasmMatmulFixActive } from './wasm-kernels.ts';

// Top-level await so that skipIf sees the answer when the tests are declared.
const wasmReady = await tf.setBackend('wasm').catch(() => false);
// Without wasm in this Node the wasm kernel tests are skipped, silently: the runner's summary counts them.

function values(seed: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.sin(seed * 100 + i * 1.7) * 2);
}

/** Runs `f` on cpu and on wasm (with the fix) and returns both results as nested arrays. */
async function onBoth<T>(f: () => tf.Tensor | tf.Tensor[]): Promise<{ cpu: T; wasm: T }> {
  const read = (r: tf.Tensor | tf.Tensor[]) => (Array.isArray(r) ? r.map((t) => t.arraySync()) : r.arraySync()) as T;
  await tf.setBackend('cpu');
  const cpu = tidyObject(() => read(f()));
  await tf.setBackend('wasm');
  const wasm = tidyObject(() => read(f()));
  return { cpu, wasm };
}

function maxAbsDiff(a: unknown, b: unknown): number {
  if (typeof a === 'number') return Math.abs(a - (b as number));
  return (a as unknown[]).reduce<number>((m, v, i) => Math.max(m, maxAbsDiff(v, (b as unknown[])[i])), 0);
}

describe.skipIf(!wasmReady)('registerWasmMatmulFix', () => {
  it('replaces BatchMatMul and _FusedMatMul once (idempotent) and adds UnsortedSegmentSum', () => {
    expect(wasmMatmulFixActive()).toBe(false);
    registerWasmMatmulFix();
    const batch = tf.getKernel('BatchMatMul', 'wasm');
    const fused = tf.getKernel('_FusedMatMul', 'wasm');
    registerWasmMatmulFix();
    expect(tf.getKernel('BatchMatMul', 'wasm')).toBe(batch);
    expect(tf.getKernel('_FusedMatMul', 'wasm')).toBe(fused);
    expect(wasmMatmulFixActive()).toBe(true);
    expect(tf.getKernel('UnsortedSegmentSum', 'wasm')).toBeDefined();
    expect(tf.getKernel('BatchMatMul', 'cpu')).toBeDefined(); // cpu untouched
  });

  it.each([
    [[5, 7], [7, 3], false, false],
    [[7, 5], [7, 3], true, false],
    [[5, 7], [3, 7], false, true],
    [[7, 5], [3, 7], true, true],
    [[4, 5, 7], [4, 3, 7], false, true],
    [[4, 7, 5], [4, 7, 3], true, false],
    [[1, 6, 4], [3, 5, 4], false, true], // batch broadcast from 1 (general broadcasting is unsupported by the wasm kernel itself)
    [[2, 3, 4, 6], [2, 3, 4, 5], true, false],
  ])('matMul %j x %j (transposeA %s, transposeB %s) equals cpu', async (sa, sb, ta, tb) => {
    registerWasmMatmulFix();
    const size = (s: number[]) => s.reduce((p, x) => p * x, 1);
    const r = await onBoth(() => tf.matMul(tf.tensor(values(1, size(sa)), sa), tf.tensor(values(2, size(sb)), sb), ta, tb));
    expect(maxAbsDiff(r.wasm, r.cpu)).toBeLessThan(1e-5);
  });

  it('fused matMul with bias and relu, transposed, equals cpu', async () => {
    registerWasmMatmulFix();
    const r = await onBoth(() =>
      tf.fused.matMul({ a: tf.tensor2d(values(3, 24), [4, 6]), b: tf.tensor2d(values(4, 20), [5, 4]), transposeA: true, transposeB: true, bias: tf.tensor1d(values(5, 5)), activation: 'relu' }),
    );
    expect(maxAbsDiff(r.wasm, r.cpu)).toBeLessThan(1e-5);
  });

  it('matMul gradients (which use the transposed forms) equal cpu', async () => {
    registerWasmMatmulFix();
    const r = await onBoth(() => {
      const a = tf.tensor3d(values(6, 2 * 5 * 7), [2, 5, 7]);
      const b = tf.tensor3d(values(7, 2 * 7 * 3), [2, 7, 3]); // same batch dims: tfjs cannot backprop a broadcast matmul
      const w = tf.tensor3d(values(8, 2 * 5 * 3), [2, 5, 3]);
      return tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, y), w)))([a, b]);
    });
    expect(maxAbsDiff(r.wasm, r.cpu)).toBeLessThan(1e-5);
  });

  it('unsortedSegmentSum and the gradient of gather equal cpu', async () => {
    registerWasmMatmulFix();
    const r = await onBoth(() => {
      const table = tf.tensor2d(values(9, 6 * 4), [6, 4]);
      const ids = tf.tensor2d([[1, 3, 1], [5, 0, 1]], undefined, 'int32');
      const seg = tf.unsortedSegmentSum(tf.tensor2d(values(10, 12), [4, 3]), tf.tensor1d([2, 0, 2, 7], 'int32'), 3);
      const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, ids), tf.tensor3d(values(11, 24), [2, 3, 4]))))(table);
      return [seg, g];
    });
    expect(maxAbsDiff(r.wasm, r.cpu)).toBeLessThan(1e-5);
    // segment 2 = rows 0 and 2; id 7 is out of range and dropped; segment 1 receives nothing.
    const seg = (r.cpu as number[][][])[0]!;
    expect(seg[1]).toEqual([0, 0, 0]);
  });

  it('PeaPOD loss, its gradients and cached decoding agree between wasm and cpu', async () => {
    registerWasmMatmulFix();
    const config = tinyConfig({ dropoutRate: 0 });
    await tf.setBackend('cpu');
    const params = initPeapodParams(config, 17);
    const model = new PeapodModel(config, params);
    const names = [...params.keys()];
    const r = await onBoth(() => {
      const batch = {
        tokenIds: tf.tensor2d([[5, 9, 10, 1], [7, 12, 1, 0]], undefined, 'int32'),
        wholeWordIds: tf.tensor2d([[0, 1, 1, 0], [0, 1, 0, 0]], undefined, 'int32'),
        attentionMask: tf.tensor2d([[1, 1, 1, 1], [1, 1, 1, 0]]),
      };
      const collab = { userEmb: tf.tensor2d([values(12, 8), values(13, 8)]), neighbourEmb: tf.tensor3d(values(14, 2 * 4 * 8), [2, 4, 8]) };
      const labels = tf.tensor2d([[4, 17, 1], [22, 1, 0]], undefined, 'int32');
      const { value, grads } = tf.variableGrads(() => model.loss('sequential', batch, collab, labels, false), [...params.values()]);
      const byName = new Map([...params].map(([n, v]) => [v.name, n]));
      const ordered = names.map((n) => Object.entries(grads).find(([k]) => byName.get(k) === n)?.[1] ?? tf.zeros([1]));
      const enc = model.encode(batch, model.composePrompt('sequential', collab, 2).prompt);
      let cache = model.startDecoding(enc);
      const steps: tf.Tensor[] = [];
      for (const t of [0, 4, 17]) {
        const s = model.decodeStep(cache, tf.tensor1d([t, t], 'int32'));
        steps.push(s.logits);
        cache = s.cache;
      }
      model.disposeCache(cache);
      model.dispose();
      return [value, ...ordered, ...steps];
    });
    expect(maxAbsDiff(r.wasm, r.cpu)).toBeLessThan(1e-4);
    disposeParams(params);
  });
});
