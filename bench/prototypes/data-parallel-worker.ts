// One worker of the data-parallel training prototype (data-parallel-train.ts): the same network
// and optimiser in every worker; each step every worker takes its share of the batch, writes its
// gradient into its slot of a shared buffer, waits for the others, adds all slots up and applies
// the same Adam step, so the weights stay identical in every worker without being sent around.
import { workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/main/engine/backend';
import { createRng, shuffleInPlace } from '../../src/main/engine/random';

interface Input {
  slot: number;
  workers: number;
  x: SharedArrayBuffer;
  y: SharedArrayBuffer;
  n: number;
  inputDim: number;
  classes: number;
  hidden: number[];
  batch: number;
  epochs: number;
  grads: SharedArrayBuffer; // [2 parities][workers][parameters] float32
  control: SharedArrayBuffer; // Int32: [0] barrier count, [1] barrier generation, [2..] per-epoch done flags
  results: SharedArrayBuffer; // Float64: [epoch] loss (slot 0 writes)
}

const input = workerData as Input;
const ctl = new Int32Array(input.control);

function barrier(): void {
  const gen = Atomics.load(ctl, 1);
  if (Atomics.add(ctl, 0, 1) === input.workers - 1) {
    Atomics.store(ctl, 0, 0);
    Atomics.add(ctl, 1, 1);
    Atomics.notify(ctl, 1);
  } else {
    while (Atomics.load(ctl, 1) === gen) Atomics.wait(ctl, 1, gen);
  }
}

async function main(): Promise<void> {
  await initBackend('wasm');
  const { n, inputDim, classes, hidden, batch, workers, slot } = input;
  const x = tf.tensor2d(new Float32Array(input.x), [n, inputDim]);
  const y = tf.tensor2d(new Float32Array(input.y), [n, classes]);
  const sizes = [inputDim, ...hidden, classes];
  const rng = createRng(7); // the same weights in every worker
  const weights: tf.Variable[] = [];
  const biases: tf.Variable[] = [];
  for (let l = 1; l < sizes.length; l++) {
    const limit = Math.sqrt(6 / (sizes[l - 1] + sizes[l]));
    const w = Float32Array.from({ length: sizes[l - 1] * sizes[l] }, () => (2 * rng.next() - 1) * limit);
    weights.push(tf.variable(tf.tensor2d(w, [sizes[l - 1], sizes[l]]), true, `w${l}`));
    biases.push(tf.variable(tf.zeros([sizes[l]]), true, `b${l}`));
  }
  const variables = weights.flatMap((w, i) => [w, biases[i]]);
  const offsets: number[] = [];
  let total = 0;
  for (const v of variables) {
    offsets.push(total);
    total += v.size;
  }
  const grads = new Float32Array(input.grads);
  const sum = new Float32Array(total);
  const opt = tf.train.adam(1e-5);
  const orderRng = createRng(11); // the same batch order in every worker
  const lossOut = new Float64Array(input.results);

  for (let epoch = 0; epoch < input.epochs; epoch++) {
    const order = shuffleInPlace(Int32Array.from({ length: n }, (_, i) => i), orderRng);
    let lossSum = 0;
    for (let start = 0, step = 0; start < n; start += batch, step++) {
      const size = Math.min(batch, n - start);
      const lo = start + Math.floor((size * slot) / workers);
      const hi = start + Math.floor((size * (slot + 1)) / workers);
      const parity = step % 2;
      const mine = grads.subarray((parity * workers + slot) * total, (parity * workers + slot + 1) * total);
      if (hi > lo) {
        const idx = tf.tensor1d(order.subarray(lo, hi), 'int32');
        const { value, grads: g } = tf.variableGrads(() => {
          const xb = tf.gather(x, idx) as tf.Tensor2D;
          const yb = tf.gather(y, idx) as tf.Tensor2D;
          let h: tf.Tensor2D = xb;
          for (let l = 0; l < weights.length - 1; l++) h = tf.tanh(tf.add(tf.matMul(h, weights[l]), biases[l])) as tf.Tensor2D;
          const out = tf.add(tf.matMul(h, weights[weights.length - 1]), biases[biases.length - 1]);
          // this share of the batch's mean squared error
          return tf.div(tf.sum(tf.squaredDifference(out, yb)), size * classes) as tf.Scalar;
        }, variables);
        variables.forEach((v, i) => mine.set(g[v.name].dataSync() as Float32Array, offsets[i]));
        lossSum += value.dataSync()[0] * size;
        tf.dispose([idx, value, ...Object.values(g)]);
      } else {
        mine.fill(0);
      }
      barrier();
      sum.set(grads.subarray(parity * workers * total, (parity * workers + 1) * total));
      for (let w = 1; w < workers; w++) {
        const other = grads.subarray((parity * workers + w) * total, (parity * workers + w + 1) * total);
        for (let i = 0; i < total; i++) sum[i] += other[i];
      }
      const named = variables.map((v, i) => ({ name: v.name, tensor: tf.tensor(sum.subarray(offsets[i], offsets[i] + v.size), v.shape) }));
      opt.applyGradients(named);
      tf.dispose(named.map((t) => t.tensor));
      // slots of this parity are written again two steps later, after the next barrier: safe
    }
    if (slot === 0) lossOut[epoch] = lossSum; // this worker's share only; summed by the parent
    else lossOut[input.epochs * slot + epoch] = lossSum;
    barrier();
    Atomics.store(ctl, 2 + epoch, 1);
    Atomics.notify(ctl, 2 + epoch);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
