// Counts the GPU work of a piece of code on TF.js's WebGPU backend: dispatches, host->GPU data
// uploads, uniform-buffer writes and GPU->host readbacks. These numbers depend on the code and the
// shapes, not on the hardware, so a software adapter (SwiftShader) gives the same counts as a real
// GPU. The backend is reached at runtime through `tf.backend()`; this module never imports
// @tensorflow/tfjs-backend-webgpu, so it costs nothing on the other backends.
//
// What is hooked (once per backend instance, idempotently; the original methods keep running):
// - `recordAndSubmit`: one compute pass `dispatchWorkgroups` per call (every tfjs WebGPU program,
//   and any custom program run through `runWebGPUProgram`);
// - `uploadToGPU(dataId)`: a data upload when the tensor still holds its values on the host (its
//   first use on the GPU); a call for a tensor already on the GPU, or an output buffer, is not one;
// - `queue.writeBuffer`: a uniform write when the buffer's usage includes UNIFORM (tfjs writes one
//   uniform buffer per dispatch), otherwise a data upload;
// - `getBufferData` (what `tensor.data()` ends in) and `readSync` of a tensor whose values are not
//   on the host: one readback each.
import * as tf from '@tensorflow/tfjs-core';
import type { GpuCounts } from './protocol.ts';

export type { GpuCounts } from './protocol.ts';

/** GPUBufferUsage.UNIFORM (the constant, so that this module also loads where WebGPU is absent). */
const UNIFORM_USAGE = 0x40;

/** The parts of tfjs's WebGPUBackend this module touches (all optional: checked at runtime). */
interface TensorDataLike {
  values?: ArrayLike<unknown> | null;
  resource?: unknown;
  dtype?: string;
}
interface QueueLike {
  writeBuffer?: (...args: unknown[]) => void;
  onSubmittedWorkDone?: () => Promise<unknown>;
}
export interface WebGpuBackendLike {
  recordAndSubmit?: (...args: unknown[]) => unknown;
  uploadToGPU?: (dataId: object) => unknown;
  getBufferData?: (buffer: { size?: number }) => Promise<unknown>;
  readSync?: (dataId: object) => unknown;
  tensorMap?: { get(dataId: object): TensorDataLike | undefined };
  queue?: QueueLike;
  device?: unknown;
  commandEncoder?: unknown;
  submitQueue?: () => void;
  endComputePassEncoder?: () => void;
}

export function zeroCounts(): GpuCounts {
  return { dispatches: 0, uploads: 0, uploadBytes: 0, uniformWrites: 0, readbacks: 0, readbackBytes: 0 };
}

/** b - a, field by field. */
export function diffCounts(a: GpuCounts, b: GpuCounts): GpuCounts {
  return {
    dispatches: b.dispatches - a.dispatches,
    uploads: b.uploads - a.uploads,
    uploadBytes: b.uploadBytes - a.uploadBytes,
    uniformWrites: b.uniformWrites - a.uniformWrites,
    readbacks: b.readbacks - a.readbacks,
    readbackBytes: b.readbackBytes - a.readbackBytes,
  };
}

/** a + b, field by field. */
export function addCounts(a: GpuCounts, b: GpuCounts): GpuCounts {
  return {
    dispatches: a.dispatches + b.dispatches,
    uploads: a.uploads + b.uploads,
    uploadBytes: a.uploadBytes + b.uploadBytes,
    uniformWrites: a.uniformWrites + b.uniformWrites,
    readbacks: a.readbacks + b.readbacks,
    readbackBytes: a.readbackBytes + b.readbackBytes,
  };
}

const HOOKED = Symbol.for('peapod.gpuCounters');
type Hooked = WebGpuBackendLike & { [HOOKED]?: GpuCounts };
type HookedQueue = QueueLike & { [HOOKED]?: GpuCounts };

/** Whether `b` looks like tfjs's WebGPU backend (has the methods the counters hook). */
export function isWebGpuBackend(b: unknown): b is WebGpuBackendLike {
  if (!b || typeof b !== 'object') return false;
  const x = b as WebGpuBackendLike;
  return typeof x.recordAndSubmit === 'function' && typeof x.uploadToGPU === 'function' && typeof x.getBufferData === 'function';
}

function byteSize(values: ArrayLike<unknown> | null | undefined): number {
  if (!values) return 0;
  const v = values as { byteLength?: number; length: number };
  return typeof v.byteLength === 'number' ? v.byteLength : v.length * 4;
}

/**
 * Hooks the counters into `backend` (default: the active tfjs backend) and returns its live counts,
 * or null when it is not the WebGPU backend. Calling it again returns the same counts object.
 */
export function installGpuCounters(backend: unknown = activeBackend()): GpuCounts | null {
  if (!isWebGpuBackend(backend)) return null;
  const b = backend as Hooked;
  const existing = b[HOOKED];
  if (existing) return existing;
  const c = zeroCounts();
  Object.defineProperty(b, HOOKED, { value: c, enumerable: false });

  const record = b.recordAndSubmit!;
  b.recordAndSubmit = function (this: unknown, ...args: unknown[]) {
    c.dispatches++;
    return record.apply(this, args);
  };

  const upload = b.uploadToGPU!;
  b.uploadToGPU = function (this: unknown, dataId: object) {
    const d = b.tensorMap?.get(dataId);
    if (d && d.resource == null && d.values != null) {
      c.uploads++;
      c.uploadBytes += byteSize(d.values);
    }
    return upload.call(this, dataId);
  };

  const getBufferData = b.getBufferData!;
  b.getBufferData = function (this: unknown, buffer: { size?: number }) {
    c.readbacks++;
    c.readbackBytes += buffer?.size ?? 0;
    return getBufferData.call(this, buffer);
  };

  if (typeof b.readSync === 'function') {
    const readSync = b.readSync;
    b.readSync = function (this: unknown, dataId: object) {
      const d = b.tensorMap?.get(dataId);
      // Only a read that leaves the GPU (complex64 recurses into its parts, which count themselves).
      if (d && d.values == null && d.dtype !== 'string' && d.dtype !== 'complex64') {
        c.readbacks++;
        c.readbackBytes += (d.resource as { size?: number } | null)?.size ?? 0;
      }
      return readSync.call(this, dataId);
    };
  }

  const q: HookedQueue | undefined = b.queue;
  if (q && typeof q.writeBuffer === 'function' && !q[HOOKED]) {
    Object.defineProperty(q, HOOKED, { value: c, enumerable: false });
    const write = q.writeBuffer;
    q.writeBuffer = function (this: unknown, ...args: unknown[]) {
      const [buffer, , data, , size] = args as [{ usage?: number } | undefined, number, { byteLength?: number; BYTES_PER_ELEMENT?: number } | undefined, number | undefined, number | undefined];
      if (((buffer?.usage ?? 0) & UNIFORM_USAGE) !== 0) c.uniformWrites++;
      else {
        c.uploads++;
        // size counts elements of a typed array, bytes of an ArrayBuffer.
        c.uploadBytes += size !== undefined ? size * (data?.BYTES_PER_ELEMENT ?? 1) : (data?.byteLength ?? 0);
      }
      // Forwards exactly the arguments given: a missing size is not the same as an undefined one to every implementation.
      return (write).apply(this, args);
    };
  }
  return c;
}

function activeBackend(): unknown {
  try {
    return tf.backend();
  } catch {
    return null;
  }
}

/** A copy of the counts so far on `backend` (hooking it first), or null when it is not WebGPU. */
export function gpuCountsSnapshot(backend: unknown = activeBackend()): GpuCounts | null {
  const c = installGpuCounters(backend);
  return c ? { ...c } : null;
}

/**
 * Runs `fn` and returns its result with the GPU work it caused on `backend` (null counts when the
 * backend is not WebGPU). Work that `fn` leaves running in parallel with other code is counted
 * with whatever else ran meanwhile: the worker runs one request at a time, so its counts are its own.
 */
export async function countGpuWork<T>(fn: () => T | Promise<T>, backend: unknown = activeBackend()): Promise<{ result: T; counts: GpuCounts | null }> {
  const before = gpuCountsSnapshot(backend);
  const result = await fn();
  const after = before ? gpuCountsSnapshot(backend) : null;
  return { result, counts: before && after ? diffCounts(before, after) : null };
}

/**
 * Waits until the GPU has finished everything recorded so far on `backend`: ends tfjs's open compute
 * pass, submits its pending command encoder (tfjs batches dispatches and submits only every few, or
 * at a readback) and awaits `queue.onSubmittedWorkDone()`. No-op (resolves at once) on other backends.
 */
export async function finishGpuWork(backend: unknown = activeBackend()): Promise<void> {
  if (!isWebGpuBackend(backend)) return;
  const b = backend;
  b.endComputePassEncoder?.();
  if (b.commandEncoder != null) b.submitQueue?.();
  await b.queue?.onSubmittedWorkDone?.();
}
