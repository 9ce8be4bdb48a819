// The GPU work counters against a stand-in for TF.js's WebGPU backend that behaves like it where the
// counters look: one uniform write per dispatch, uploads of host values on first use, readbacks
// through getBufferData, a command encoder submitted in batches.
import { describe, expect, it } from 'vitest';
import { addCounts, countGpuWork, diffCounts, finishGpuWork, gpuCountsSnapshot, installGpuCounters, isWebGpuBackend, zeroCounts } from './gpu-counters.ts';

const UNIFORM = 0x40;
const STORAGE = 0x80;

interface Data {
  values: Float32Array | null;
  resource: { size: number } | null;
  dtype: string;
}

class FakeWebGpuBackend {
  readonly tensorMap = new Map<object, Data>();
  readonly log: string[] = [];
  commandEncoder: object | null = null;
  readonly queue = {
    writes: 0,
    done: 0,
    writeBuffer: (_buffer: { usage: number }, _offset: number, _data: ArrayBufferView | ArrayBuffer, _dataOffset?: number, _size?: number): void => {
      this.queue.writes++;
    },
    onSubmittedWorkDone: async (): Promise<void> => {
      this.queue.done++;
      await Promise.resolve();
    },
  };

  tensor(values: Float32Array | null): object {
    const id = {};
    this.tensorMap.set(id, { values, resource: null, dtype: 'float32' });
    return id;
  }

  /** What runWebGPUProgram does: make sure inputs and output have buffers, then record the dispatch. */
  run(inputs: object[], output: object): void {
    this.uploadToGPU(output);
    for (const i of inputs) this.uploadToGPU(i);
    this.recordAndSubmit();
  }

  recordAndSubmit(): void {
    this.log.push('dispatch');
    this.queue.writeBuffer({ usage: UNIFORM | 0x8 }, 0, new ArrayBuffer(32), 0, 32);
    this.commandEncoder ??= {};
  }

  uploadToGPU(id: object): void {
    const d = this.tensorMap.get(id)!;
    if (d.resource) return;
    d.resource = { size: (d.values?.length ?? 4) * 4 };
    d.values = null;
  }

  async getBufferData(buffer: { size: number }): Promise<ArrayBuffer> {
    this.submitQueue();
    await Promise.resolve();
    return new ArrayBuffer(buffer.size);
  }

  readSync(id: object): Float32Array {
    const d = this.tensorMap.get(id)!;
    return d.values ?? new Float32Array(d.resource!.size / 4);
  }

  submitQueue(): void {
    if (!this.commandEncoder) throw new Error('nothing to submit');
    this.log.push('submit');
    this.commandEncoder = null;
  }

  endComputePassEncoder(): void {
    this.log.push('end pass');
  }
}

describe('GPU work counters', () => {
  it('counts dispatches, uniform writes, uploads of host values and readbacks, each once', async () => {
    const b = new FakeWebGpuBackend();
    const c = installGpuCounters(b)!;
    expect(c).toEqual(zeroCounts());
    const w = b.tensor(new Float32Array(6)); // a weight with host values: uploaded on first use
    const x = b.tensor(new Float32Array(2));
    const y = b.tensor(null); // an output: a fresh buffer, nothing uploaded
    b.run([w, x], y);
    expect(c).toMatchObject({ dispatches: 1, uniformWrites: 1, uploads: 2, uploadBytes: 32, readbacks: 0 });
    const z = b.tensor(null);
    b.run([w, y], z); // w is on the GPU now: no second upload
    expect(c).toMatchObject({ dispatches: 2, uniformWrites: 2, uploads: 2 });
    // A data write through the queue (not a uniform buffer) is an upload; its size in elements of a typed array.
    b.queue.writeBuffer({ usage: STORAGE | 0x8 }, 0, new Float32Array(10), 0, 5);
    expect(c).toMatchObject({ uploads: 3, uploadBytes: 52, uniformWrites: 2 });
    await b.getBufferData({ size: 24 });
    expect(c).toMatchObject({ readbacks: 1, readbackBytes: 24 });
    // readSync reads from the GPU only when the values are not on the host.
    b.readSync(z);
    b.readSync(b.tensor(new Float32Array(3)));
    expect(c).toMatchObject({ readbacks: 2, readbackBytes: 24 + 16 });
    // The original methods still ran.
    expect(b.queue.writes).toBe(3);
    expect(b.log.filter((e) => e === 'dispatch')).toHaveLength(2);
  });

  it('hooks a backend once, however often it is installed', () => {
    const b = new FakeWebGpuBackend();
    const first = installGpuCounters(b);
    const recordAfterFirst = b.recordAndSubmit;
    expect(installGpuCounters(b)).toBe(first);
    expect(b.recordAndSubmit).toBe(recordAfterFirst);
    b.run([], b.tensor(null));
    expect(first).toMatchObject({ dispatches: 1, uniformWrites: 1 });
  });

  it('gives each request its own difference, and nothing on a backend that is not WebGPU', async () => {
    const b = new FakeWebGpuBackend();
    b.run([b.tensor(new Float32Array(4))], b.tensor(null)); // before counting: not in the result
    const { result, counts } = await countGpuWork(async () => {
      b.run([b.tensor(new Float32Array(4))], b.tensor(null));
      b.run([], b.tensor(null));
      await b.getBufferData({ size: 8 });
      return 'done';
    }, b);
    expect(result).toBe('done');
    expect(counts).toEqual({ dispatches: 2, uploads: 1, uploadBytes: 16, uniformWrites: 2, readbacks: 1, readbackBytes: 8 });
    expect(gpuCountsSnapshot(b)).toMatchObject({ dispatches: 2 });

    const wasmLike = { readSync: () => new Float32Array(1) };
    expect(isWebGpuBackend(wasmLike)).toBe(false);
    expect(installGpuCounters(wasmLike)).toBeNull();
    expect(await countGpuWork(() => 7, wasmLike)).toEqual({ result: 7, counts: null });
  });

  it('adds and subtracts counts field by field', () => {
    const a = { dispatches: 3, uploads: 1, uploadBytes: 8, uniformWrites: 3, readbacks: 1, readbackBytes: 4 };
    const b = { dispatches: 5, uploads: 1, uploadBytes: 8, uniformWrites: 5, readbacks: 2, readbackBytes: 12 };
    expect(diffCounts(a, b)).toEqual({ dispatches: 2, uploads: 0, uploadBytes: 0, uniformWrites: 2, readbacks: 1, readbackBytes: 8 });
    expect(addCounts(a, diffCounts(a, b))).toEqual(b);
  });

  it('finishing submits the pending commands and waits for the queue; a no-op elsewhere', async () => {
    const b = new FakeWebGpuBackend();
    b.run([], b.tensor(null));
    await finishGpuWork(b);
    expect(b.log).toEqual(['dispatch', 'end pass', 'submit']);
    expect(b.queue.done).toBe(1);
    // Nothing pending: no submit (tfjs's submitQueue needs an encoder), still waits for the queue.
    await finishGpuWork(b);
    expect(b.log.filter((e) => e === 'submit')).toHaveLength(1);
    expect(b.queue.done).toBe(2);
    await expect(finishGpuWork({})).resolves.toBeUndefined();
  });
});
