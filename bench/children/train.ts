// Case 2, our side: epochs of the paper's MNIST network (784-500x5-10, tanh, linear output,
// MSE, Adam, batch 256) on the bench's `--samples` images, through the app's own training loop
// (trainAndAnalyse, no analysis epochs). The first epoch is a warm-up (kernel compilation,
// buffer allocation); the result lists every epoch's time as the loop reports it.
import type { Dataset } from '../../src/main/engine/data/dataset';
import { initBackend } from '../../src/main/engine/backend';
import { validateConfig, type BackendName } from '../../src/shared/config';
import { defaultDeltaGrid } from '../../src/shared/presets';
import { argValue } from '../lib/args';
import { RESULT_PREFIX } from '../lib/child';
import { readLabels, readMeta, readRows } from '../lib/dataset-files';
import { peakRssBytes } from '../lib/memory';
import { timedEpochs } from '../lib/timed-epochs';

const dir = argValue('--data');
const samples = Number(argValue('--samples'));
const epochs = Number(argValue('--epochs'));
const backend = argValue('--backend', 'auto') as BackendName;
const batchSize = Number(argValue('--batch', '256'));

async function main(): Promise<void> {
  const active = await initBackend(backend);
  const meta = readMeta(dir);
  const dataset: Dataset = {
    name: meta.source,
    n: samples,
    inputDim: meta.inputDim,
    outputDim: meta.classes,
    x: readRows(dir, meta.files.x, samples, meta.inputDim),
    y: readRows(dir, meta.files.y, samples, meta.classes),
    labels: readLabels(dir, meta.files.labels, samples),
    classes: meta.classes,
  };
  const config = validateConfig(
    {
      seed: 1,
      // Not read: the data set is handed over directly. The config must still be a valid one.
      data: { kind: 'idx', dir: dir, files: 't10k', trainSize: samples },
      model: { kind: 'mlp', hidden: [500, 500, 500, 500, 500], activation: 'tanh', output: 'linear' },
      training: {
        loss: 'mse',
        optimiser: { kind: 'adam' },
        schedule: [{ fromEpoch: 1, rate: 1e-5 }],
        batchSize,
        stop: { maxEpochs: epochs, lossBelow: null },
      },
      analysis: { layers: [1], epochs: { every: null, at: [], final: false }, samples: 2, deltaGrid: defaultDeltaGrid },
      backend,
    },
    'bench train config',
  );
  const { seconds, cpuSeconds, losses } = timedEpochs(config, dataset, (epoch, sec, loss) => `ours epoch ${epoch}: ${sec.toFixed(2)} s, loss ${loss.toFixed(5)}`);
  const result = { backend: active.backend, detail: active.detail, samples, batchSize, seconds, cpuSeconds, losses, peakRssBytes: peakRssBytes() };
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
