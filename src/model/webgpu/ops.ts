// The fused programs (programs.ts) as TensorFlow.js kernels of the 'webgpu' backend, and the switch
// that turns them off. Each kernel name is registered once; its kernelFunc hands the program object
// (passed as an attribute) to the backend's runWebGPUProgram, so the outputs are ordinary tensors
// that tf.tidy tracks and the backend's own dispatch batching, buffer pool and counters see.
// Importing this module does not load the WebGPU backend.
import * as tf from '@tensorflow/tfjs-core';
import type { FusedProgram } from './programs.ts';

/** The environment flag behind the switch; tf.env().set(FUSED_FLAG, false) turns the fused path off. */
export const FUSED_FLAG = 'PEAPOD_FUSED_WEBGPU';

export const FUSED_KERNELS = ['PeapodKv', 'PeapodAttend', 'PeapodFfn', 'PeapodNorm', 'PeapodHead', 'PeapodTopK', 'PeapodEmbed'] as const;
export type FusedKernelName = (typeof FUSED_KERNELS)[number];

type Uniform = { type: 'int32' | 'float32'; data: number[] };

interface WebGPUBackendLike {
  runWebGPUProgram(program: FusedProgram, inputs: tf.TensorInfo[], outputDtype: tf.DataType, uniforms?: Uniform[]): tf.TensorInfo;
}

interface FusedAttrs {
  program: FusedProgram;
  uniforms: Uniform[];
  count: number;
}

let registered = false;

function register(): void {
  if (registered) return;
  registered = true;
  // Registering again (a second copy of this module) only replaces the default with the same one.
  tf.env().registerFlag(FUSED_FLAG, () => true);
  for (const kernelName of FUSED_KERNELS) {
    if (tf.getKernel(kernelName, 'webgpu')) continue;
    tf.registerKernel({
      kernelName,
      backendName: 'webgpu',
      kernelFunc: ({ inputs, backend, attrs }) => {
        const a = attrs as unknown as FusedAttrs;
        const list = Array.from({ length: a.count }, (_, i) => (inputs as Record<string, tf.TensorInfo>)[`i${i}`]!);
        return (backend as unknown as WebGPUBackendLike).runWebGPUProgram(a.program, list, 'float32', a.uniforms);
      },
    });
  }
}

register();

/** Whether the fused kernels may run now: the active backend is webgpu and the switch is on. */
export function fusedKernelsActive(): boolean {
  return tf.getBackend() === 'webgpu' && tf.env().getBool(FUSED_FLAG);
}

/** Runs one fused program on the active (webgpu) backend; inputs in the program's variableNames order. */
export function runFused<T extends tf.Tensor>(kernel: FusedKernelName, program: FusedProgram, inputs: tf.Tensor[], uniforms: Uniform[] = []): T {
  if (inputs.length !== program.variableNames.length) {
    throw new Error(`${kernel}: ${inputs.length} inputs for ${program.variableNames.length} names (${program.variableNames.join(', ')})`);
  }
  const named: Record<string, tf.Tensor> = {};
  inputs.forEach((t, i) => (named[`i${i}`] = t));
  const attrs: FusedAttrs = { program, uniforms, count: inputs.length };
  return tf.engine().runKernel<T>(kernel, named, attrs as unknown as tf.NamedAttrMap);
}

export const int32 = (data: number[]): Uniform => ({ type: 'int32', data });
