// Bridges between packs and tfjs: model variables -> named arrays for saving, and loaded weights ->
// the ParamMap (tf.Variable per name) that PeapodModel takes. The only pack module that makes tensors.
import * as tf from '@tensorflow/tfjs-core';
import type { ParamMap } from '../params.ts';
import type { NamedArray } from './format.ts';

/** Reads every variable back (one data() per weight); names and order follow the map. */
export async function paramsToArrays(params: ParamMap): Promise<NamedArray[]> {
  const out: NamedArray[] = [];
  for (const [name, v] of params) out.push({ name, shape: [...v.shape], values: (await v.data()) as Float32Array });
  return out;
}

/** Creates one tf.Variable per loaded weight; trainable only when asked (inference by default). */
export function packParams(weights: Map<string, NamedArray>, trainable = false): ParamMap {
  const params: ParamMap = new Map();
  for (const [name, w] of weights) {
    // No tfjs variable name: tfjs names are global and several packs may be loaded side by side.
    params.set(name, tf.tidy(() => tf.variable(tf.tensor(w.values, w.shape, 'float32'), trainable)));
  }
  return params;
}
