// Case 1, our side: the frequency analysis of one snapshot (every stored hidden layer) of the
// first `--n` samples, through the app's own analyseLayer (normalisation, LFR on the delta grid
// of the presets, RDF), `--repeats` times after one small untimed warm-up.
// FREQLAB_ANALYSIS_THREADS (set by the parent) is the thread count under test.
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/main/engine/backend';
import { analyseLayer } from '../../src/main/engine/frequency';
import { describeAnalysisImplementation } from '../../src/main/engine/lfr-native';
import type { AnalysisConfig, BackendName } from '../../src/shared/config';
import { defaultDeltaGrid } from '../../src/shared/presets';
import { argValue } from '../lib/args';
import { RESULT_PREFIX } from '../lib/child';
import { readMeta, readRows } from '../lib/dataset-files';
import { peakRssBytes } from '../lib/memory';

const dir = argValue('--data');
const n = Number(argValue('--n'));
const repeats = Number(argValue('--repeats', '3'));
const backend = argValue('--backend', 'auto') as BackendName;

async function main(): Promise<void> {
  const active = await initBackend(backend);
  const meta = readMeta(dir);
  const width = meta.hidden[0];
  const layers = meta.files.hidden.map((f) => tf.tensor2d(readRows(dir, f, n, width), [n, width]));
  const y = tf.tensor2d(readRows(dir, meta.files.y, n, meta.classes), [n, meta.classes]);
  const analysis = {
    layers: layers.map((_, l) => l + 1),
    epochs: { every: null, at: [0], final: true },
    samples: n,
    deltaGrid: defaultDeltaGrid,
    normalisation: { kind: 'mean-distance', d0: 1 },
    blockRows: 256,
  } as AnalysisConfig;

  // Warm-up: compiles kernels and starts worker threads, on a slice small enough not to matter.
  const w0 = performance.now();
  const m = Math.min(n, 256);
  tf.tidy(() => analyseLayer(tf.slice(layers[0], [0, 0], [m, width]) as tf.Tensor2D, tf.slice(y, [0, 0], [m, meta.classes]) as tf.Tensor2D, analysis));
  const warmupSeconds = (performance.now() - w0) / 1000;

  const seconds: number[] = [];
  const cpuSeconds: number[] = [];
  const layerSeconds: number[][] = [];
  let lfr: number[][] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const perLayer: number[] = [];
    lfr = layers.map((h) => {
      const l0 = performance.now();
      const result = analyseLayer(h, y, analysis).lfr;
      perLayer.push((performance.now() - l0) / 1000);
      return result;
    });
    seconds.push((performance.now() - t0) / 1000);
    const c1 = process.cpuUsage(c0);
    cpuSeconds.push((c1.user + c1.system) / 1e6);
    layerSeconds.push(perLayer);
    process.stderr.write(`ours n=${n} repeat ${r + 1}/${repeats}: ${seconds[r].toFixed(2)} s\n`);
  }
  const implementation = ['wasm', 'cpu'].includes(tf.getBackend()) ? describeAnalysisImplementation() : `tfjs ops on the ${tf.getBackend()} backend`;
  tf.dispose([...layers, y]);
  const result = {
    backend: active.backend,
    detail: active.detail,
    implementation,
    n,
    layers: layers.length,
    k: lfr[0]?.length ?? 0,
    seconds,
    cpuSeconds,
    layerSeconds,
    warmupSeconds,
    lfr,
    peakRssBytes: peakRssBytes(),
  };
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
