// The trainer with a convolutional model and a validation set, and the DFT view of 1-D fits.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { validateConfig, type ExperimentConfig } from '../../../src/shared/config';
import type { EngineEvent } from '../../../src/shared/results';
import { amplitudes, dft } from '../../../src/shared/spectrum';
import { initBackend } from '../../../src/main/engine/backend';
import { loadDataset, oneHot, type Dataset } from '../../../src/main/engine/data/dataset';
import { trainAndAnalyse } from '../../../src/main/engine/train';
import { createRng } from '../../../src/main/engine/random';

function run(config: ExperimentConfig, dataset: Dataset) {
  const events: EngineEvent[] = [];
  const tensors: number[] = [];
  const outcome = trainAndAnalyse(config, dataset, {
    emit: (e) => {
      events.push(e);
      if (e.type === 'epoch') tensors.push(tf.memory().numTensors);
    },
    cancelled: () => false,
  });
  return { outcome, epochs: events.filter((e): e is Extract<EngineEvent, { type: 'epoch' }> => e.type === 'epoch'), tensors };
}

/** Two classes of 6x6 two-channel images: bright top half or bright bottom half, plus noise. */
function images(n: number, seed: number): Dataset {
  const rng = createRng(seed);
  const labels = Uint8Array.from({ length: n }, (_, i) => i % 2);
  const x = new Float32Array(n * 72);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < 36; p++) {
      const top = Math.floor(p / 6) < 3;
      for (let c = 0; c < 2; c++) x[i * 72 + p * 2 + c] = (top === (labels[i] === 0) ? 0.8 : 0.2) + 0.3 * (rng.next() - 0.5);
    }
  }
  return { name: 'halves', n, inputDim: 72, outputDim: 2, x, y: oneHot(labels, 2), labels, classes: 2, imageShape: [6, 6, 2] };
}

describe('training a resnet with a validation set (wasm)', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  const config = validateConfig({
    seed: 2,
    data: { kind: 'cifar10', dir: 'unused', trainSize: 64, validationSize: 32 },
    model: { kind: 'resnet', widths: [4, 8], blocks: [1, 1], hidden: [8] },
    training: { loss: 'cross-entropy', optimiser: { kind: 'adam' }, schedule: [{ fromEpoch: 1, rate: 1e-2 }], batchSize: 16, stop: { maxEpochs: 4 } },
    analysis: { epochs: { every: 2, at: [0] }, samples: 32, deltaGrid: { kind: 'log-k', kMin: 0.1, kMax: 100, count: 8 }, blockRows: 16 },
  });

  it('learns, reports validation loss and accuracy every epoch, analyses the head input by default, and leaks no tensors', () => {
    const train = images(64, 1);
    train.validation = images(32, 2);
    const before = tf.memory().numTensors;
    const { outcome, epochs, tensors } = run(config, train);
    expect(outcome.status).toBe('completed');
    expect(epochs.map((e) => e.epoch)).toEqual([0, 1, 2, 3, 4]);
    for (const e of epochs.slice(1)) {
      expect(e.metrics!.validationLoss).toBeGreaterThan(0);
      expect(e.metrics!.validationAccuracy).toBeGreaterThanOrEqual(0);
      expect(e.metrics!.validationAccuracy).toBeLessThanOrEqual(1);
    }
    const last = epochs[epochs.length - 1].metrics!;
    expect(last.validationAccuracy).toBeGreaterThan(0.9); // an easy task: held-out images are classified
    expect(last.loss).toBeLessThan(epochs[1].metrics!.loss);
    // default analysed layer: the pooled features, layer -(head layers + 1) = -2, i.e. layer 4 of 5
    expect(epochs[0].frequencies.map((f) => [f.layer, f.configuredLayer])).toEqual([[4, -2]]);
    expect(epochs.filter((e) => e.frequencies.length).map((e) => e.epoch)).toEqual([0, 2, 4]);
    expect(epochs.every((e) => !e.spectrum)).toBe(true); // not 1-D data
    expect(new Set(tensors.slice(1)).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('is deterministic for a seed, batch normalisation included', () => {
    const a = run(config, images(64, 1)).epochs.slice(1).map((e) => e.metrics!.loss);
    const b = run(config, images(64, 1)).epochs.slice(1).map((e) => e.metrics!.loss);
    expect(b).toEqual(a);
  });

  it('analyses conv layers (flattened) when configured', () => {
    const c = validateConfig({ ...config, analysis: { ...config.analysis, layers: [0, 1, 3, -1], epochs: { at: [0], final: false } }, training: { ...config.training, stop: { maxEpochs: 1 } } });
    const { epochs } = run(c, images(64, 1));
    expect(epochs[0].frequencies.map((f) => f.layer)).toEqual([0, 1, 3, 5]);
  });
});

describe('1-D fits: the DFT of target and output', () => {
  it('records the target peaks of cos(3x) + cos(5x) and the relative error there at each analysed epoch', async () => {
    await initBackend('wasm');
    const config = validateConfig({
      seed: 1,
      data: { kind: 'synthetic', target: { kind: 'cos-sum', frequencies: [3, 5] }, trainSize: 64, interval: [-Math.PI, Math.PI] },
      model: { kind: 'mlp', hidden: [16, 16] },
      training: { optimiser: { kind: 'adam' }, schedule: [{ fromEpoch: 1, rate: 1e-2 }], batchSize: 16, stop: { maxEpochs: 3 } },
      analysis: { epochs: { every: 3, at: [0] }, samples: 32, deltaGrid: { kind: 'log-k', kMin: 0.1, kMax: 100, count: 8 } },
    });
    const dataset = await loadDataset(config.data, config.seed);
    const { epochs } = run(config, dataset);
    const spectra = epochs.filter((e) => e.spectrum).map((e) => e.spectrum!);
    expect(spectra.map((s) => s.epoch)).toEqual([0, 3]);
    // The grid holds both ends of [-pi, pi]: 63 intervals, so k = 3 and 5 cycles are nearly exact bins.
    expect(spectra[0].peaks).toEqual([3, 5]);
    expect(spectra[0].targetAmplitude).toEqual(amplitudes(dft(Array.from(dataset.y))));
    expect(spectra[0].outputAmplitude).toHaveLength(33);
    for (const s of spectra) for (const e of s.peakErrors) expect(e).toBeGreaterThan(0);
    // Switched off: no spectra.
    const off = validateConfig({ ...config, analysis: { ...config.analysis, spectrum: { enabled: false } } });
    expect(run(off, dataset).epochs.some((e) => e.spectrum)).toBe(false);
  });
});
