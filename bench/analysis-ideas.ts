// The analysis variants of issue 5 side by side on one hidden layer of the bench data (run
// `npm run bench -- --case analysis` once first so the data exists):
//   npx tsx bench/analysis-ideas.ts [--n 2000] [--layer 1] [--repeats 3] [--skip-slow]
// 1. tfjs ops, one op chain per k and block (the code before issue 5, kept here verbatim);
// 2. tfjs ops, k in chunks (idea c; what the TensorFlow backends and regression targets use now);
// 3. the fused wasm kernel on 1 thread (idea d), 4. on 2 threads (idea b).
// Times are medians of wall-clock seconds; differences are max |LFR - LFR(variant 3)|.
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/main/engine/backend';
import { lowFrequencyRatios, normalise } from '../src/main/engine/frequency';
import { closeAnalysisWorkers, setAnalysisThreads } from '../src/main/engine/lfr-native';
import { deltaGridK } from '../src/shared/config';
import { defaultDeltaGrid } from '../src/shared/presets';
import { argValue, hasFlag } from './lib/args';
import { readMeta, readRows } from './lib/dataset-files';
import { median } from './lib/stats';

/** lowFrequencyRatios as it was before issue 5: per k, exp + matMul + reductions, one read per block. */
function perKTfjs(x: tf.Tensor2D, y: tf.Tensor2D, k: readonly number[], blockRows: number): number[] {
  const [n, d] = x.shape;
  const c = y.shape[1];
  const yValues = y.dataSync();
  let targetEnergy = 0;
  for (let i = 0; i < yValues.length; i++) targetEnergy += yValues[i] * yValues[i];
  const [xCentred, xTransposed, squaredNormsRow, squaredNormsColumn, yWithOnes, columnIndex] = tf.tidy(() => {
    const xf = tf.cast(x, 'float32');
    const centred = tf.sub(xf, tf.mean(xf, 0, true));
    const squaredNorms = tf.sum(tf.square(centred), 1);
    return [
      centred,
      tf.transpose(centred),
      tf.reshape(squaredNorms, [1, n]),
      tf.reshape(squaredNorms, [n, 1]),
      tf.concat([tf.cast(y, 'float32'), tf.ones([n, 1])], 1),
      tf.reshape(tf.range(0, n, 1, 'int32'), [1, n]),
    ] as tf.Tensor[];
  });
  const lowEnergy = new Float64Array(k.length);
  try {
    for (let start = 0; start < n; start += blockRows) {
      const rows = Math.min(blockRows, n - start);
      const blockLowEnergy = tf.tidy(() => {
        const minusHalfDistances = tf.tidy(() => {
          const block = tf.slice(xCentred, [start, 0], [rows, d]);
          const cross = tf.matMul(block, xTransposed);
          const blockSquaredNorms = tf.slice(squaredNormsColumn, [start, 0], [rows, 1]);
          const distances = tf.relu(tf.sub(tf.add(blockSquaredNorms, squaredNormsRow), tf.mul(cross, 2)));
          const rowIndex = tf.reshape(tf.range(start, start + rows, 1, 'int32'), [rows, 1]);
          const offDiagonal = tf.cast(tf.notEqual(rowIndex, columnIndex), 'float32');
          return tf.mul(distances, tf.mul(offDiagonal, -0.5));
        });
        const perK = k.map((kj) =>
          tf.tidy(() => {
            const kernel = tf.exp(tf.mul(minusHalfDistances, kj));
            const sums = tf.matMul(kernel, yWithOnes);
            const numerators = tf.slice(sums, [0, 0], [rows, c]);
            const denominators = tf.slice(sums, [0, c], [rows, 1]);
            return tf.sum(tf.square(tf.div(numerators, denominators)));
          }),
        );
        return tf.stack(perK);
      });
      const values = blockLowEnergy.dataSync();
      blockLowEnergy.dispose();
      for (let j = 0; j < k.length; j++) lowEnergy[j] += values[j];
    }
  } finally {
    tf.dispose([xCentred, xTransposed, squaredNormsRow, squaredNormsColumn, yWithOnes, columnIndex]);
  }
  return Array.from(lowEnergy, (e) => e / targetEnergy);
}

async function main(): Promise<void> {
  const n = Number(argValue('--n', '2000'));
  const layer = Number(argValue('--layer', '1'));
  const repeats = Number(argValue('--repeats', '3'));
  const dir = [10000, 5000, 2000, 1000].map((m) => path.join(os.tmpdir(), 'frequency-lab-bench', `data-v1-mnist-${m}`)).find((d) => existsSync(d) && readMeta(d).n >= n);
  if (!dir) throw new Error('no bench data: run `npm run bench -- --case analysis` first');
  const active = await initBackend('wasm');
  const meta = readMeta(dir);
  const h = tf.tensor2d(readRows(dir, meta.files.hidden[layer - 1], n, meta.hidden[0]), [n, meta.hidden[0]]);
  const y = tf.tensor2d(readRows(dir, meta.files.y, n, meta.classes), [n, meta.classes]);
  const { x } = normalise(h, { kind: 'mean-distance', d0: 1 });
  const k = deltaGridK(defaultDeltaGrid);
  console.log(`${active.detail}; ${meta.source}; layer ${layer}, n = ${n}, ${k.length} k, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);

  const variants: { name: string; run: () => number[]; slow?: boolean }[] = [
    { name: '1. tfjs ops, one chain per k (before)', run: () => perKTfjs(x, y, k, 256), slow: true },
    {
      name: '2. tfjs ops, k in chunks (idea c)',
      run: () => {
        process.env.FREQLAB_ANALYSIS_KERNEL = 'tfjs';
        try {
          return lowFrequencyRatios(x, y, k, 256);
        } finally {
          delete process.env.FREQLAB_ANALYSIS_KERNEL;
        }
      },
      slow: true,
    },
    { name: '3. fused wasm kernel, 1 thread (idea d)', run: () => (setAnalysisThreads(1), lowFrequencyRatios(x, y, k, 256)) },
    { name: '4. fused wasm kernel, 2 threads (idea b)', run: () => (setAnalysisThreads(2), lowFrequencyRatios(x, y, k, 256)) },
  ];
  const results: { name: string; seconds: number; lfr: number[] }[] = [];
  for (const v of variants) {
    if (v.slow && hasFlag('--skip-slow')) continue;
    v.run(); // warm-up
    const times: number[] = [];
    let lfr: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const t0 = performance.now();
      lfr = v.run();
      times.push((performance.now() - t0) / 1000);
    }
    results.push({ name: v.name, seconds: median(times), lfr });
  }
  const ref = results.find((r) => r.name.startsWith('3.'))!.lfr;
  const base = results[0].seconds;
  for (const r of results) {
    const diff = Math.max(...r.lfr.map((v, j) => Math.abs(v - ref[j])));
    console.log(`${r.name.padEnd(44)} ${r.seconds.toFixed(3)} s  (x${(base / r.seconds).toFixed(1)} vs first)  max |dLFR| ${diff.toExponential(1)}`);
  }
  tf.dispose([h, y, x]);
  await closeAnalysisWorkers();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
