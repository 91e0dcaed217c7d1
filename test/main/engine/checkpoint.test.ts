// Checkpoints in the trainer: taken at every analysed epoch (and only there), and a run resumed
// from any of them computes bit-identical numbers (losses, accuracies, validation metrics, LFR,
// RDF, spectra) and bit-identical later checkpoints as the uninterrupted run, for an MLP with
// Adam, SGD with momentum and plain SGD, and for a ResNet with batch normalisation. A checkpoint
// that does not fit the run is refused with a clear error and leaks nothing.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { validateConfig, type ExperimentConfig, type ExperimentConfigInput } from '../../../src/shared/config';
import type { EngineEvent, EngineOutcome } from '../../../src/shared/results';
import { initBackend } from '../../../src/main/engine/backend';
import type { TrainingCheckpoint } from '../../../src/main/engine/checkpoint';
import { loadDataset, oneHot, type Dataset } from '../../../src/main/engine/data/dataset';
import { createRng } from '../../../src/main/engine/random';
import { trainAndAnalyse } from '../../../src/main/engine/train';

type EpochEvent = Extract<EngineEvent, { type: 'epoch' }>;

function mlpConfig(optimiser: ExperimentConfigInput['training'] extends infer T ? (T extends { optimiser?: infer O } ? O : never) : never, extra: Partial<ExperimentConfigInput> = {}): ExperimentConfig {
  return validateConfig({
    seed: 11,
    data: { kind: 'synthetic', target: { kind: 'cos-sum', frequencies: [1, 4] }, trainSize: 80 },
    model: { kind: 'mlp', hidden: [16, 16], activation: 'tanh' },
    training: {
      optimiser,
      // a schedule that changes inside the resumed part
      schedule: [{ fromEpoch: 1, rate: 1e-2 }, { fromEpoch: 5, rate: 3e-3 }],
      batchSize: 16,
      stop: { maxEpochs: 7 },
    },
    analysis: { layers: [1, 2], epochs: { every: 2, at: [0] }, samples: 40, deltaGrid: { kind: 'log-k', kMin: 0.1, kMax: 100, count: 10 } },
    ...extra,
  });
}

interface Result {
  outcome: EngineOutcome;
  epochs: EpochEvent[];
  checkpoints: Map<number, TrainingCheckpoint>;
  logs: string[];
}

function train(config: ExperimentConfig, dataset: Dataset, resume?: TrainingCheckpoint): Result {
  const epochs: EpochEvent[] = [];
  const logs: string[] = [];
  const checkpoints = new Map<number, TrainingCheckpoint>();
  const outcome = trainAndAnalyse(
    config,
    dataset,
    {
      emit: (e, checkpoint) => {
        if (e.type === 'log') logs.push(e.message);
        if (e.type !== 'epoch') return;
        epochs.push(e);
        if (checkpoint) checkpoints.set(e.epoch, checkpoint);
      },
      cancelled: () => false,
    },
    { resume },
  );
  return { outcome, epochs, checkpoints, logs };
}

/** What must be identical: everything but the wall-clock times. */
function numbers(e: EpochEvent) {
  const { seconds: _s, ...metrics } = e.metrics ?? { seconds: 0 };
  return { epoch: e.epoch, metrics: e.metrics ? metrics : null, frequencies: e.frequencies, spectrum: e.spectrum ?? null };
}

/** A checkpoint as it comes back from storage: fresh copies of its bytes. */
function stored(c: TrainingCheckpoint): TrainingCheckpoint {
  return { manifest: JSON.parse(JSON.stringify(c.manifest)), model: new Uint8Array(c.model), optimiser: new Uint8Array(c.optimiser) };
}

function expectSameCheckpoint(a: TrainingCheckpoint, b: TrainingCheckpoint): void {
  expect(a.manifest).toEqual(b.manifest);
  expect(Buffer.from(a.model).equals(Buffer.from(b.model))).toBe(true);
  expect(Buffer.from(a.optimiser).equals(Buffer.from(b.optimiser))).toBe(true);
}

/** Resumes from every checkpoint of `full` and compares everything after it. */
function expectExactResumes(config: ExperimentConfig, dataset: Dataset, full: Result): void {
  for (const [epoch, checkpoint] of full.checkpoints) {
    if (epoch === config.training.stop.maxEpochs) continue;
    const before = tf.memory().numTensors;
    const resumed = train(config, dataset, stored(checkpoint));
    expect(tf.memory().numTensors).toBe(before);
    expect(resumed.outcome).toEqual(full.outcome);
    expect(resumed.logs[0]).toBe(`resuming from the checkpoint at the end of epoch ${epoch}`);
    expect(resumed.epochs.map(numbers)).toEqual(full.epochs.filter((e) => e.epoch > epoch).map(numbers));
    expect([...resumed.checkpoints.keys()]).toEqual([...full.checkpoints.keys()].filter((e) => e > epoch));
    for (const [e, c] of resumed.checkpoints) expectSameCheckpoint(c, full.checkpoints.get(e)!);
  }
}

describe('checkpoints and resuming in the trainer (wasm)', () => {
  let dataset: Dataset;
  beforeAll(async () => {
    await initBackend('wasm');
    dataset = await loadDataset(mlpConfig({ kind: 'adam' }).data, 11);
  });

  it.each([
    ['adam', { kind: 'adam' as const }, 2 + 2 * 6],
    ['sgd with momentum', { kind: 'sgd' as const, momentum: 0.9 }, 6],
    ['plain sgd', { kind: 'sgd' as const, momentum: 0 }, 0],
  ])('an mlp with %s resumes bit-exactly from every checkpoint', (_name, optimiser, optimiserTensors) => {
    const config = mlpConfig(optimiser);
    const full = train(config, dataset);
    expect(full.outcome.status).toBe('completed');
    // checkpoints at the analysed epochs only: 0, 2, 4, 6 and the final 7
    expect([...full.checkpoints.keys()]).toEqual([0, 2, 4, 6, 7]);
    expect(full.epochs.filter((e) => e.frequencies.length).map((e) => e.epoch)).toEqual([0, 2, 4, 6, 7]);
    const c = full.checkpoints.get(4)!;
    expect(c.manifest).toMatchObject({ epoch: 4, loss: full.epochs[4].metrics!.loss, backend: 'wasm', model: { kind: 'mlp' } });
    expect(c.manifest.model.tensors.map((t) => t.name)).toEqual(['dense1/kernel', 'dense1/bias', 'dense2/kernel', 'dense2/bias', 'dense3/kernel', 'dense3/bias']);
    expect(c.manifest.optimiser.iterations).toBe(4 * 5); // 80 samples in batches of 16
    expect(c.manifest.optimiser.tensors).toHaveLength(optimiserTensors);
    expect(c.model.byteLength).toBe(4 * (16 + 16 + 16 * 16 + 16 + 16 + 1));
    expectExactResumes(config, dataset, full);
  });

  it('a resnet with batch normalisation and a validation set resumes bit-exactly, running statistics included', () => {
    const images = (n: number, seed: number): Dataset => {
      const rng = createRng(seed);
      const labels = Uint8Array.from({ length: n }, (_, i) => i % 2);
      const x = Float32Array.from({ length: n * 72 }, (_, j) => (Math.floor((j % 72) / 12) < 3 === (labels[Math.floor(j / 72)] === 0) ? 0.8 : 0.2) + 0.3 * (rng.next() - 0.5));
      return { name: 'halves', n, inputDim: 72, outputDim: 2, x, y: oneHot(labels, 2), labels, classes: 2, imageShape: [6, 6, 2] };
    };
    const train48 = images(48, 1);
    train48.validation = images(16, 2);
    const config = validateConfig({
      seed: 2,
      data: { kind: 'cifar10', dir: 'unused', trainSize: 48, validationSize: 16 },
      model: { kind: 'resnet', widths: [4, 8], blocks: [1, 1], hidden: [8] },
      training: { loss: 'cross-entropy', optimiser: { kind: 'adam' }, schedule: [{ fromEpoch: 1, rate: 1e-2 }], batchSize: 16, stop: { maxEpochs: 5 } },
      analysis: { epochs: { every: 2, at: [0] }, samples: 24, deltaGrid: { kind: 'log-k', kMin: 0.1, kMax: 100, count: 8 }, blockRows: 16 },
    });
    const full = train(config, train48);
    expect(full.outcome.status).toBe('completed');
    expect([...full.checkpoints.keys()]).toEqual([0, 2, 4, 5]);
    const names = full.checkpoints.get(2)!.manifest.model.tensors.map((t) => t.name);
    // two running statistics per batch norm: the stem's, two per block and the second block's shortcut
    expect(names.filter((n) => n.includes('running_'))).toHaveLength(2 * 6);
    expect(full.epochs[3].metrics!.validationLoss).toBeGreaterThan(0);
    expectExactResumes(config, train48, full);
  });

  it('completes at once when the checkpoint already met the loss-below rule', () => {
    const config = mlpConfig({ kind: 'adam' });
    const full = train(config, dataset);
    const lossAt4 = full.checkpoints.get(4)!.manifest.loss!;
    const stopping = mlpConfig({ kind: 'adam' }, { training: { ...config.training, stop: { maxEpochs: 7, lossBelow: lossAt4 * 1.000001 } } });
    const resumed = train(stopping, dataset, full.checkpoints.get(4));
    expect(resumed.outcome).toEqual({ status: 'completed', message: `training loss ${lossAt4.toPrecision(3)} < ${lossAt4 * 1.000001} at epoch 4` });
    expect(resumed.epochs).toEqual([]);
  });

  it('refuses a checkpoint that does not fit the run, naming the mismatch, and leaks no tensors', () => {
    const adam = train(mlpConfig({ kind: 'adam' }), dataset).checkpoints.get(2)!;
    const before = tf.memory().numTensors;
    const wider = mlpConfig({ kind: 'adam' }, { model: { kind: 'mlp', hidden: [16, 17], activation: 'tanh' } });
    expect(() => train(wider, dataset, adam)).toThrow(/network tensor 3 is dense2\/kernel \[16, 16\], but this network has dense2\/kernel \[16, 17\]/);
    const deeper = mlpConfig({ kind: 'adam' }, { model: { kind: 'mlp', hidden: [16, 16, 16], activation: 'tanh' } });
    expect(() => train(deeper, dataset, adam)).toThrow('the checkpoint holds 6 network tensors, but this network has 8');
    expect(() => train(mlpConfig({ kind: 'sgd', momentum: 0.9 }), dataset, adam)).toThrow('the checkpoint holds the state of a adam optimiser, but the run trains with momentum');
    const damaged = { ...adam, optimiser: adam.optimiser.slice(4) };
    expect(() => train(mlpConfig({ kind: 'adam' }), dataset, damaged)).toThrow(/the optimiser state of the checkpoint has \d+ bytes, but its manifest describes/);
    const short = mlpConfig({ kind: 'adam' }, { training: { ...mlpConfig({ kind: 'adam' }).training, stop: { maxEpochs: 1 } } });
    expect(() => train(short, dataset, adam)).toThrow("the checkpoint is at epoch 2, after the run's last epoch (1)");
    expect(tf.memory().numTensors).toBe(before);
  });
});
