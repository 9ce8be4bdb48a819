// Picks the TensorFlow.js backend for Node training and evaluation: wasm with SIMD plus the project's
// matmul kernel fix (transposed matmuls are 10-15x slower in tfjs-backend-wasm 4.22), falling back to
// the plain cpu backend. Node only; must not be imported by browser code.
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core alone has no gradient registry; the union package fills it (its Node build shares the
// CommonJS tfjs-core instance with our imports, so the kernels and gradients meet).
import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmMatmulFix } from '../model/wasm-kernels.ts';

export interface NodeBackend {
  backend: 'wasm' | 'cpu';
  simd: boolean;
  reason: string;
}

export async function initNodeBackend(prefer: 'wasm' | 'cpu' = 'wasm'): Promise<NodeBackend> {
  if (prefer === 'wasm') {
    try {
      if (await tf.setBackend('wasm')) {
        await tf.ready();
        registerWasmMatmulFix();
        const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
        return { backend: 'wasm', simd, reason: `wasm${simd ? ' + SIMD' : ''} with the transposed-matmul fix` };
      }
    } catch (e) {
      await tf.setBackend('cpu');
      await tf.ready();
      return { backend: 'cpu', simd: false, reason: `wasm failed to start (${(e as Error).message}); using cpu (about 20x slower)` };
    }
  }
  await tf.setBackend('cpu');
  await tf.ready();
  return { backend: 'cpu', simd: false, reason: prefer === 'cpu' ? 'cpu requested' : 'wasm backend unavailable; using cpu' };
}
