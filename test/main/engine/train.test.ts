import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { validateConfig, type ExperimentConfig, type ExperimentConfigInput } from '../../../src/shared/config';
import type { EngineEvent } from '../../../src/shared/results';
import { initBackend } from '../../../src/main/engine/backend';
import { loadDataset, type Dataset } from '../../../src/main/engine/data/dataset';
import { trainAndAnalyse } from '../../../src/main/engine/train';

/** A small 1-D regression run: fit sin(pi x) with a 1-16-16-1 tanh network. */
function smallConfig(overrides: Partial<ExperimentConfigInput> = {}): ExperimentConfig {
  return validateConfig({
    seed: 7,
    data: { kind: 'synthetic', target: { kind: 'sin', m: 1 }, trainSize: 64 },
    model: { kind: 'mlp', hidden: [16, 16], activation: 'tanh', output: 'linear' },
    training: {
      loss: 'mse',
      optimiser: { kind: 'adam' },
      schedule: [{ fromEpoch: 1, rate: 1e-2 }],
      batchSize: 16,
      stop: { maxEpochs: 6 },
    },
    analysis: {
      layers: [1, -1],
      epochs: { every: 2, at: [0] },
      samples: 32,
      deltaGrid: { kind: 'log-k', kMin: 1, kMax: 1000, count: 12 },
      normalisation: { kind: 'none' },
      blockRows: 8,
    },
    ...overrides,
  });
}

function collect(config: ExperimentConfig, dataset: Dataset, cancelAfterEpoch?: number) {
  const events: EngineEvent[] = [];
  const tensorsAtEpochEnd: number[] = [];
  let lastEpoch = -1;
  const outcome = trainAndAnalyse(config, dataset, {
    emit: (e) => {
      events.push(e);
      if (e.type === 'epoch') {
        lastEpoch = e.epoch;
        tensorsAtEpochEnd.push(tf.memory().numTensors);
      }
    },
    cancelled: () => cancelAfterEpoch !== undefined && lastEpoch >= cancelAfterEpoch,
  });
  const epochs = events.filter((e): e is Extract<EngineEvent, { type: 'epoch' }> => e.type === 'epoch');
  return { outcome, epochs, tensorsAtEpochEnd };
}

describe('trainAndAnalyse', () => {
  let dataset: Dataset;
  beforeAll(async () => {
    await initBackend('wasm');
    dataset = await loadDataset(smallConfig().data, 7);
  });

  it('trains, analyses at the scheduled epochs, and reduces the loss', () => {
    const { outcome, epochs } = collect(smallConfig(), dataset);
    expect(outcome.status).toBe('completed');
    expect(epochs.map((e) => e.epoch)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(epochs[0].metrics).toBeNull();
    // analysis at 0 (at), 2, 4, 6 (every 2; 6 is also the final epoch)
    expect(epochs.filter((e) => e.frequencies.length > 0).map((e) => e.epoch)).toEqual([0, 2, 4, 6]);
    for (const e of epochs.filter((e) => e.frequencies.length)) {
      expect(e.frequencies.map((f) => [f.layer, f.configuredLayer])).toEqual([
        [1, 1],
        [2, -1],
      ]);
      for (const f of e.frequencies) {
        expect(f.k).toHaveLength(12);
        expect(f.rdf).toHaveLength(11);
        // LFR lies between the delta -> infinity limit and 1
        for (const v of f.lfr) {
          expect(v).toBeGreaterThanOrEqual(-1e-6);
          expect(v).toBeLessThanOrEqual(1 + 1e-6);
        }
      }
    }
    const losses = epochs.slice(1).map((e) => e.metrics!.loss);
    // mean of sin^2(pi x) on [-1,1] is 1/2: the initial MSE is of that order; training must go well below it.
    expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
    expect(losses[losses.length - 1]).toBeLessThan(0.25);
    expect(epochs[1].metrics!.accuracy).toBeNull(); // regression: no accuracy
  });

  it('keeps the tensor count flat across epochs and frees everything at the end', () => {
    const before = tf.memory().numTensors;
    const { tensorsAtEpochEnd } = collect(smallConfig(), dataset);
    // From epoch 1 on, every epoch ends with exactly the same live tensors (the optimiser's
    // slots are created in epoch 1's first step).
    const afterFirst = tensorsAtEpochEnd.slice(1);
    expect(new Set(afterFirst).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('gives identical numbers for the same seed and different ones for another seed', () => {
    const a = collect(smallConfig(), dataset).epochs;
    const b = collect(smallConfig(), dataset).epochs;
    const c = collect(smallConfig({ seed: 8 }), dataset).epochs;
    const losses = (r: typeof a) => r.slice(1).map((e) => e.metrics!.loss);
    const lfr = (r: typeof a) => r.flatMap((e) => e.frequencies.flatMap((f) => f.lfr));
    expect(losses(b)).toEqual(losses(a));
    expect(lfr(b)).toEqual(lfr(a));
    expect(losses(c)).not.toEqual(losses(a));
  });

  it('stops when the training loss is below the threshold and analyses that final epoch', () => {
    const cfg = smallConfig();
    const first = collect(cfg, dataset).epochs;
    const threshold = first[3].metrics!.loss * 1.0000001; // reached at epoch 3 of the same seeded run
    const { outcome, epochs } = collect(smallConfig({ training: { ...cfg.training, stop: { maxEpochs: 6, lossBelow: threshold } } }), dataset);
    expect(outcome.status).toBe('completed');
    const last = epochs[epochs.length - 1];
    expect(last.epoch).toBeLessThanOrEqual(3);
    expect(last.metrics!.loss).toBeLessThan(threshold);
    expect(last.frequencies.length).toBe(2); // final analysis
  });

  it('stops cleanly when cancelled, keeping the finished epochs', () => {
    const { outcome, epochs } = collect(smallConfig(), dataset, 2);
    expect(outcome.status).toBe('cancelled');
    expect(epochs.map((e) => e.epoch)).toEqual([0, 1, 2]);
  });

  it('reports divergence with the epoch when the loss is not finite', () => {
    const cfg = smallConfig();
    const diverging = smallConfig({
      training: { ...cfg.training, optimiser: { kind: 'sgd', momentum: 0.9 }, schedule: [{ fromEpoch: 1, rate: 1e6 }] },
    });
    const { outcome, epochs } = collect(diverging, dataset);
    expect(outcome.status).toBe('diverged');
    if (outcome.status !== 'diverged') return;
    const last = epochs[epochs.length - 1];
    expect(Number.isFinite(last.metrics!.loss)).toBe(false);
    expect(outcome.epoch).toBe(last.epoch);
    expect(outcome.message).toContain(`epoch ${last.epoch}`);
  });

  it('follows the piecewise learning-rate schedule', () => {
    const cfg = smallConfig();
    const scheduled = smallConfig({
      training: { ...cfg.training, schedule: [{ fromEpoch: 1, rate: 1e-2 }, { fromEpoch: 3, rate: 1e-3 }, { fromEpoch: 5, rate: 1e-4 }] },
    });
    const { epochs } = collect(scheduled, dataset);
    expect(epochs.slice(1).map((e) => e.metrics!.learningRate)).toEqual([1e-2, 1e-2, 1e-3, 1e-3, 1e-4, 1e-4]);
  });
});
