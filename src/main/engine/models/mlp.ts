// Fully connected network: h_0 = x, h_l = sigma(h_{l-1} W_l + b_l) for hidden layers, output
// linear (softmax, when configured, is applied by the loss or by `predict`).
import * as tf from '@tensorflow/tfjs-core';
import type { HiddenActivation, ModelConfig } from '../../../shared/config';
import { createRng, deriveSeed, normal, type Rng } from '../random';

export interface Mlp {
  /** Layer widths from input to output, e.g. [784, 500, ..., 10]. */
  sizes: number[];
  weights: tf.Variable[];
  biases: tf.Variable[];
  activation: HiddenActivation;
  /** All trainable variables in a stable order (weights then bias per layer). */
  variables: tf.Variable[];
}

/** The result of a forward pass: output pre-activation and, on request, hidden outputs. */
export interface ForwardResult {
  logits: tf.Tensor2D;
  /** hidden[l - 1] = h_l (after its activation) for l = 1..L, when requested. */
  hidden: tf.Tensor2D[];
}

/** Draws a fanIn x fanOut weight matrix with the configured initialiser. */
export function initialWeights(fanIn: number, fanOut: number, init: ModelConfig['init'], rng: Rng): Float32Array {
  const w = new Float32Array(fanIn * fanOut);
  switch (init) {
    case 'glorot-uniform': {
      const limit = Math.sqrt(6 / (fanIn + fanOut)); // U(-sqrt(6/(in+out)), +sqrt(6/(in+out)))
      for (let i = 0; i < w.length; i++) w[i] = (2 * rng.next() - 1) * limit;
      break;
    }
    case 'glorot-normal': {
      const sd = Math.sqrt(2 / (fanIn + fanOut)); // N(0, 2/(in+out))
      for (let i = 0; i < w.length; i++) w[i] = normal(rng) * sd;
      break;
    }
    case 'he-normal': {
      const sd = Math.sqrt(2 / fanIn); // N(0, 2/in)
      for (let i = 0; i < w.length; i++) w[i] = normal(rng) * sd;
      break;
    }
    case 'lecun-normal': {
      const sd = Math.sqrt(1 / fanIn); // N(0, 1/in)
      for (let i = 0; i < w.length; i++) w[i] = normal(rng) * sd;
      break;
    }
  }
  return w;
}

/** Builds the network with seeded initial weights (biases zero). */
export function createMlp(inputDim: number, outputDim: number, model: ModelConfig, seed: number): Mlp {
  const sizes = [inputDim, ...model.hidden, outputDim];
  const rng = createRng(deriveSeed(seed, 'init'));
  const weights: tf.Variable[] = [];
  const biases: tf.Variable[] = [];
  for (let l = 1; l < sizes.length; l++) {
    const w = initialWeights(sizes[l - 1], sizes[l], model.init, rng);
    // tf.variable shares the initial tensor's data; tidy frees the initial tensor handles.
    weights.push(tf.tidy(() => tf.variable(tf.tensor2d(w, [sizes[l - 1], sizes[l]]), true, `dense${l}/kernel`)));
    biases.push(tf.tidy(() => tf.variable(tf.zeros([sizes[l]]), true, `dense${l}/bias`)));
  }
  const variables = weights.flatMap((w, i) => [w, biases[i]]);
  return { sizes, weights, biases, activation: model.activation, variables };
}

/** sigma(z) for the hidden activation. */
export function activate(z: tf.Tensor2D, activation: HiddenActivation): tf.Tensor2D {
  switch (activation) {
    case 'tanh':
      return tf.tanh(z);
    case 'relu':
      return tf.relu(z);
    case 'sigmoid':
      return tf.sigmoid(z);
    case 'linear':
      return z;
  }
}

/** Forward pass; keeps the hidden outputs when `keepHidden` (call inside tf.tidy). */
export function forward(net: Mlp, x: tf.Tensor2D, keepHidden = false): ForwardResult {
  const hidden: tf.Tensor2D[] = [];
  let h = x;
  const last = net.weights.length - 1;
  for (let l = 0; l < last; l++) {
    h = activate(tf.add(tf.matMul(h, net.weights[l]), net.biases[l]), net.activation);
    if (keepHidden) hidden.push(h);
  }
  const logits = tf.add(tf.matMul(h, net.weights[last]), net.biases[last]) as tf.Tensor2D;
  return { logits, hidden };
}

/** Frees the network's variables. */
export function disposeMlp(net: Mlp): void {
  for (const v of net.variables) v.dispose();
}
