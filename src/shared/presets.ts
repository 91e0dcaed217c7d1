// Named experiment configs. `mnist-fc` is the paper's MNIST experiment (method.md section 4.1);
// `mnist-fc-quick` shows the same phenomenon in minutes on a 2-core CPU (docs/results.md).
import type { ExperimentConfigInput } from './config';

/** The paper's delta grid is not given; this default spans LFR ~ 0.1 to ~ 1 for data
 *  normalised to a mean pairwise squared distance of 1 (see docs/method-choices.md). */
export const defaultDeltaGrid = { kind: 'log-k', kMin: 0.1, kMax: 1000, count: 100 } as const;

export const presets = {
  'mnist-fc': {
    name: 'MNIST, fully connected (paper)',
    seed: 1,
    data: { kind: 'idx', dir: 'data/mnist', files: 'train', trainSize: 30000 },
    model: { kind: 'mlp', hidden: [500, 500, 500, 500, 500], activation: 'tanh', output: 'linear' },
    training: {
      loss: 'mse',
      optimiser: { kind: 'adam' },
      schedule: [{ fromEpoch: 1, rate: 1e-5 }],
      batchSize: 256,
      stop: { maxEpochs: 2000, lossBelow: 1e-2 },
    },
    analysis: {
      layers: [1, 2, 3, 4, 5],
      epochs: { every: 200, at: [0], final: true },
      samples: 5000,
      deltaGrid: defaultDeltaGrid,
      normalisation: { kind: 'mean-distance', d0: 1 },
    },
  },
  'mnist-fc-quick': {
    name: 'MNIST, fully connected (quick)',
    seed: 1,
    // The 10000-image t10k files: the smallest MNIST download has them, and 5000 of them are
    // plenty to show the effect. Same network and loss as the paper; a 10x larger learning rate
    // and a smaller batch so that the loss reaches the paper's 1e-2 in tens of epochs, not hundreds.
    data: { kind: 'idx', dir: 'data/mnist', files: 't10k', trainSize: 5000 },
    model: { kind: 'mlp', hidden: [500, 500, 500, 500, 500], activation: 'tanh', output: 'linear' },
    training: {
      loss: 'mse',
      optimiser: { kind: 'adam' },
      schedule: [{ fromEpoch: 1, rate: 1e-4 }],
      batchSize: 128,
      stop: { maxEpochs: 100, lossBelow: 1e-2 },
    },
    analysis: {
      layers: [1, 2, 3, 4, 5],
      epochs: { every: 5, at: [0], final: true },
      samples: 1000,
      deltaGrid: defaultDeltaGrid,
      normalisation: { kind: 'mean-distance', d0: 1 },
    },
  },
} satisfies Record<string, ExperimentConfigInput>;

export type PresetName = keyof typeof presets;
export const presetNames = Object.keys(presets) as PresetName[];
