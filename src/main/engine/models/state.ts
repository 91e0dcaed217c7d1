// A network's state as named float32 values, for checkpoints: read from and assigned to its
// variables, with every name and shape checked before anything is assigned.
import * as tf from '@tensorflow/tfjs-core';
import type { NamedFloats } from '../checkpoint';

/** Float32 copies of the values of `variables`, by name. */
export function readVariables(variables: readonly tf.Variable[]): NamedFloats[] {
  return variables.map((v) => ({ name: v.name, shape: [...v.shape], values: (v.dataSync() as Float32Array).slice() }));
}

/** Assigns `state` to `variables` (same names, shapes and order); checks everything first. */
export function assignVariables(variables: readonly tf.Variable[], state: readonly NamedFloats[]): void {
  if (state.length !== variables.length) {
    throw new Error(`the checkpoint holds ${state.length} network tensors, but this network has ${variables.length}`);
  }
  variables.forEach((v, i) => {
    const s = state[i];
    if (s.name !== v.name || s.shape.length !== v.shape.length || s.shape.some((d, j) => d !== v.shape[j])) {
      throw new Error(`the checkpoint's network tensor ${i + 1} is ${s.name} [${s.shape.join(', ')}], but this network has ${v.name} [${v.shape.join(', ')}]`);
    }
    if (s.values.length !== v.size) throw new Error(`the checkpoint's ${s.name} has ${s.values.length} values for ${v.size}`);
  });
  variables.forEach((v, i) => tf.tidy(() => v.assign(tf.tensor(state[i].values, v.shape, 'float32'))));
}
