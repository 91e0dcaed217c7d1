// Where a training epoch's time goes on our backend: the app's training loop (trainAndAnalyse)
// for the paper's MNIST network, one warm-up epoch, then one epoch under tf.profile; kernel
// times summed by kernel name (and by the matmul's transpose flags and shapes).
//   npx tsx bench/train-profile.ts [--samples 2560] [--backend wasm]
import * as tf from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initBackend } from '../src/main/engine/backend';
import type { Dataset } from '../src/main/engine/data/dataset';
import { trainAndAnalyse } from '../src/main/engine/train';
import { validateConfig, type BackendName } from '../src/shared/config';
import { defaultDeltaGrid } from '../src/shared/presets';
import { argValue } from './lib/args';
import { readLabels, readMeta, readRows } from './lib/dataset-files';

async function main(): Promise<void> {
  const samples = Number(argValue('--samples', '2560'));
  const backend = argValue('--backend', 'wasm') as BackendName;
  const dir = [10000, 5000, 2000, 1000].map((m) => path.join(os.tmpdir(), 'frequency-lab-bench', `data-v1-mnist-${m}`)).find((d) => existsSync(d) && readMeta(d).n >= samples);
  if (!dir) throw new Error('no bench data: run `npm run bench -- --case train` first');
  const active = await initBackend(backend);
  const meta = readMeta(dir);
  const dataset: Dataset = {
    name: meta.source, n: samples, inputDim: meta.inputDim, outputDim: meta.classes,
    x: readRows(dir, meta.files.x, samples, meta.inputDim), y: readRows(dir, meta.files.y, samples, meta.classes),
    labels: readLabels(dir, meta.files.labels, samples), classes: meta.classes,
  };
  const config = (epochs: number) =>
    validateConfig({
      seed: 1,
      data: { kind: 'idx', dir, files: 't10k', trainSize: samples },
      model: { kind: 'mlp', hidden: [500, 500, 500, 500, 500], activation: 'tanh', output: 'linear' },
      training: { loss: 'mse', optimiser: { kind: 'adam' }, schedule: [{ fromEpoch: 1, rate: 1e-5 }], batchSize: 256, stop: { maxEpochs: epochs, lossBelow: null } },
      analysis: { layers: [1], epochs: { every: null, at: [], final: false }, samples: 2, deltaGrid: defaultDeltaGrid },
      backend,
    });
  const hooks = { emit: () => undefined, cancelled: () => false };
  trainAndAnalyse(config(1), dataset, hooks); // warm-up
  const t0 = performance.now();
  const info = await tf.profile(() => {
    trainAndAnalyse(config(1), dataset, hooks);
  });
  const wall = performance.now() - t0;
  const byName = new Map<string, { ms: number; count: number }>();
  for (const k of info.kernels) {
    let name = k.name;
    if (name === 'BatchMatMul' || name === '_FusedMatMul') {
      const shapes = k.inputShapes.map((s) => `[${s}]`).join('x');
      name = `${name} ${shapes}`;
    }
    const e = byName.get(name) ?? { ms: 0, count: 0 };
    e.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    e.count++;
    byName.set(name, e);
  }
  const total = [...byName.values()].reduce((s, e) => s + e.ms, 0);
  console.log(`${active.detail}; ${samples} samples, batch 256: epoch wall ${wall.toFixed(0)} ms under the profiler, kernels ${total.toFixed(0)} ms`);
  for (const [name, e] of [...byName.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25)) {
    console.log(`${(e.ms).toFixed(1).padStart(9)} ms ${((100 * e.ms) / total).toFixed(1).padStart(5)}%  x${String(e.count).padStart(5)}  ${name}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
