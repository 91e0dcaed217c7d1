// Makes the bench's input files: `--n` samples of MNIST (a seeded permutation of the files in
// `--mnist`, or synthetic 784-pixel images in ten classes when there are none), their one-hot
// labels, and the outputs of the five hidden layers (784-500x5, tanh, Glorot-uniform weights,
// zero biases, seeded) of the paper's network at initialisation: the snapshot the analysis case
// analyses. Prints the meta data as the result.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/main/engine/backend';
import { readIdxPair } from '../../src/main/engine/data/idx';
import { createRng, normal, sampleIndices } from '../../src/main/engine/random';
import { RESULT_PREFIX } from '../lib/child';
import type { BenchDataMeta } from '../lib/dataset-files';
import { argValue } from '../lib/args';

const out = argValue('--out');
const n = Number(argValue('--n'));
const mnistDir = argValue('--mnist', '');
const seed = 20240501;
const inputDim = 784;
const classes = 10;
const hidden = [500, 500, 500, 500, 500];

async function images(): Promise<{ x: Float32Array; labels: Uint8Array; source: string }> {
  if (mnistDir) {
    const pair = await readIdxPair(mnistDir, 't10k');
    if (pair.n < n) throw new RangeError(`${mnistDir} has ${pair.n} images, the bench needs ${n}`);
    const order = sampleIndices(pair.n, n, createRng(seed));
    const x = new Float32Array(n * inputDim);
    const labels = new Uint8Array(n);
    for (let r = 0; r < n; r++) {
      const i = order[r];
      for (let t = 0; t < inputDim; t++) x[r * inputDim + t] = pair.pixels[i * inputDim + t] / 255;
      labels[r] = pair.labels[i];
    }
    return { x, labels, source: `MNIST t10k (${mnistDir}), ${n} images in a seeded order` };
  }
  // Ten class templates plus noise, clipped to [0, 1] like pixels.
  const rng = createRng(seed);
  const templates = Array.from({ length: classes }, () => Float32Array.from({ length: inputDim }, () => rng.next()));
  const x = new Float32Array(n * inputDim);
  const labels = new Uint8Array(n);
  for (let r = 0; r < n; r++) {
    const c = Math.floor(rng.next() * classes);
    labels[r] = c;
    for (let t = 0; t < inputDim; t++) x[r * inputDim + t] = Math.min(1, Math.max(0, templates[c][t] + 0.3 * normal(rng)));
  }
  return { x, labels, source: `synthetic (no MNIST found): ${n} images, ten noisy class templates` };
}

async function main(): Promise<void> {
  await initBackend('auto');
  const { x, labels, source } = await images();
  const y = new Float32Array(n * classes);
  labels.forEach((c, i) => (y[i * classes + c] = 1));
  const tmp = `${out}.tmp-${process.pid}`;
  mkdirSync(tmp, { recursive: true });
  writeFileSync(path.join(tmp, 'x.f32'), x);
  writeFileSync(path.join(tmp, 'y.f32'), y);
  writeFileSync(path.join(tmp, 'labels.u8'), labels);
  const rng = createRng(seed + 1);
  const sizes = [inputDim, ...hidden];
  const hiddenFiles: string[] = [];
  let h = tf.tensor2d(x, [n, inputDim]);
  for (let l = 1; l < sizes.length; l++) {
    const limit = Math.sqrt(6 / (sizes[l - 1] + sizes[l]));
    const w = Float32Array.from({ length: sizes[l - 1] * sizes[l] }, () => (2 * rng.next() - 1) * limit);
    const next = tf.tidy(() => tf.tanh(tf.matMul(h, tf.tensor2d(w, [sizes[l - 1], sizes[l]])))) as tf.Tensor2D;
    h.dispose();
    h = next;
    const file = `h${l}.f32`;
    writeFileSync(path.join(tmp, file), h.dataSync() as Float32Array);
    hiddenFiles.push(file);
    process.stderr.write(`hidden layer ${l} written\n`);
  }
  h.dispose();
  const meta: BenchDataMeta = { source, n, inputDim, classes, hidden, files: { x: 'x.f32', y: 'y.f32', labels: 'labels.u8', hidden: hiddenFiles } };
  writeFileSync(path.join(tmp, 'meta.json'), JSON.stringify(meta, null, 2));
  renameSync(tmp, out); // complete or absent: an interrupted run never leaves half a data set
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(meta)}\n`);
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
