// Kernel replacements this project registers on the TensorFlow.js wasm backend (4.22):
// - BatchMatMul and _FusedMatMul: with transposeA/transposeB the wasm kernel takes a path 10-15x
//   slower than a plain matmul (docs/machine-notes.md §4), and backpropagation issues exactly those calls.
//   The replacements transpose explicitly with the wasm Transpose kernel, then run the original
//   kernel untransposed. Results are unchanged.
// - UnsortedSegmentSum: missing from the wasm backend, yet it is the gradient of tf.gather (every
//   embedding lookup), so training on wasm fails without it. Implemented in JS over the wasm heap.
// Call after the wasm backend is ready. Registering touches only the 'wasm' backend's kernels.
import * as tf from '@tensorflow/tfjs-core';
import { PeapodModelError } from './errors.ts';

/** The wasm backend is not loaded, so there are no kernels to replace. */
export class WasmBackendMissingError extends PeapodModelError {
  override name = 'WasmBackendMissingError';
  override readonly code = 'model-wasm-backend-missing';
}

/** The slice of the wasm backend API the replacement kernels use. */
interface WasmBackendLike {
  disposeData(dataId: object, force?: boolean): boolean;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

const ours = new WeakSet<tf.KernelConfig>();

function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return perm;
}

function replaceTransposedMatmul(kernelName: 'BatchMatMul' | '_FusedMatMul'): void {
  const original = tf.getKernel(kernelName, 'wasm');
  if (!original) {
    throw new WasmBackendMissingError(`No '${kernelName}' kernel is registered for the wasm backend: import '@tensorflow/tfjs-backend-wasm' and await tf.setBackend('wasm') before calling registerWasmMatmulFix().`);
  }
  if (ours.has(original)) return;
  const transposeKernel = tf.getKernel('Transpose', 'wasm');
  if (!transposeKernel) throw new WasmBackendMissingError("The wasm backend has no 'Transpose' kernel; is '@tensorflow/tfjs-backend-wasm' 4.x loaded?");
  const config: tf.KernelConfig = {
    kernelName,
    backendName: 'wasm',
    setupFunc: original.setupFunc,
    disposeFunc: original.disposeFunc,
    kernelFunc: (args) => {
      const attrs = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
      if (!attrs.transposeA && !attrs.transposeB) return original.kernelFunc(args);
      const backend = args.backend as unknown as WasmBackendLike;
      const inputs = { ...args.inputs } as Record<string, tf.TensorInfo>;
      const temporaries: tf.TensorInfo[] = [];
      for (const [key, flag] of [['a', attrs.transposeA], ['b', attrs.transposeB]] as const) {
        if (!flag) continue;
        const x = inputs[key]!;
        const t = transposeKernel.kernelFunc({ inputs: { x }, backend: args.backend, attrs: { perm: swapLastTwo(x.shape.length) } }) as tf.TensorInfo;
        temporaries.push(t);
        inputs[key] = t;
      }
      const out = original.kernelFunc({ inputs, backend: args.backend, attrs: { ...args.attrs, transposeA: false, transposeB: false } });
      for (const t of temporaries) backend.disposeData(t.dataId);
      return out;
    },
  };
  tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel(config);
  ours.add(config);
}

function registerUnsortedSegmentSum(): void {
  const existing = tf.getKernel('UnsortedSegmentSum', 'wasm');
  if (existing) return; // ours from an earlier call, or a future tfjs that ships one
  tf.registerKernel({
    kernelName: 'UnsortedSegmentSum',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
      const numSegments = (attrs as unknown as { numSegments: number }).numSegments;
      const b = backend as unknown as WasmBackendLike;
      const rows = segmentIds.shape.reduce((p, s) => p * s, 1);
      const outShape = [numSegments, ...x.shape.slice(segmentIds.shape.length)];
      const inner = outShape.slice(1).reduce((p, s) => p * s, 1);
      const out = b.makeOutput(outShape, x.dtype);
      // Views taken after makeOutput: allocating may grow (and detach) the wasm heap.
      const outValues = b.typedArrayFromHeap(out);
      const values = b.typedArrayFromHeap(x);
      const ids = b.typedArrayFromHeap(segmentIds);
      outValues.fill(0);
      for (let r = 0; r < rows; r++) {
        const s = ids[r]!;
        if (s < 0 || s >= numSegments) continue; // TF drops out-of-range segment ids
        const src = r * inner;
        const dst = s * inner;
        for (let k = 0; k < inner; k++) outValues[dst + k]! += values[src + k]!;
      }
      return out;
    },
  });
}

/**
 * Replaces the wasm BatchMatMul/_FusedMatMul kernels by transpose-then-multiply versions and adds the
 * UnsortedSegmentSum kernel wasm lacks. Idempotent. Call after the wasm backend is ready.
 */
export function registerWasmMatmulFix(): void {
  replaceTransposedMatmul('BatchMatMul');
  replaceTransposedMatmul('_FusedMatMul');
  registerUnsortedSegmentSum();
}

/** Whether registerWasmMatmulFix has replaced the matmul kernels (for diagnostics and benchmarks). */
export function wasmMatmulFixActive(): boolean {
  const k = tf.getKernel('BatchMatMul', 'wasm');
  return k !== undefined && ours.has(k);
}
