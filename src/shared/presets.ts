// Named experiment configs. `mnist-fc` is the paper's MNIST experiment (method.md section 4.1);
// `mnist-fc-quick` shows the same phenomenon in minutes on a 2-core CPU (docs/results.md).
import type { ExperimentConfigInput } from './config';

/** The paper's delta grid is not given; this default spans LFR ~ 0.1 to ~ 1 for data
 *  normalised to a mean pairwise squared distance of 1 (see docs/method.md). */
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
  // The paper's ResNet18 variants on CIFAR-10 (method.md section 4.2). Resnet18-v keeps the first
  // 5 - v residual stages in front of the same fully connected head; the analysed layer is left
  // to its default, the pooled features that are the head's input. The head's widths and which
  // stages each variant keeps are not given by the authors (docs/results.md).
  ...resnetVariants(),
  // The same, small enough for a 2-core CPU: narrower stages (16-128 channels instead of
  // 64-512), 2000 training and 500 validation images, 12 epochs with the schedule's steps at
  // epochs 7 and 10 instead of 41 and 61, analysis on 500 samples.
  'cifar10-resnet18-quick': {
    name: 'CIFAR-10, Resnet18-1 (quick)',
    seed: 1,
    data: { kind: 'cifar10', dir: 'data/cifar10', trainSize: 2000, validationSize: 500, download: {} },
    model: { kind: 'resnet', widths: [16, 32, 64, 128], blocks: [2, 2, 2, 2], stages: 4, hidden: [256, 128] },
    training: {
      loss: 'cross-entropy',
      optimiser: { kind: 'adam' },
      schedule: [
        { fromEpoch: 1, rate: 1e-3 },
        { fromEpoch: 7, rate: 1e-4 },
        { fromEpoch: 10, rate: 1e-5 },
      ],
      batchSize: 256,
      stop: { maxEpochs: 12 },
    },
    analysis: {
      epochs: { every: 2, at: [0], final: true },
      samples: 500,
      deltaGrid: defaultDeltaGrid,
      normalisation: { kind: 'mean-distance', d0: 1 },
    },
  },
  // One-dimensional fit of cos(3x) + cos(5x) (method.md section 4.3): equal-width tanh networks;
  // sweep the depth with `lab sweep --preset fit-1d-depth --vary depth --values '[3,4,5,6,7]'`.
  // epochsToThreshold records the first epoch with training loss < training.threshold.
  'fit-1d-depth': {
    name: 'cos(3x) + cos(5x), depth',
    seed: 1,
    data: { kind: 'synthetic', target: { kind: 'cos-sum', frequencies: [3, 5] }, trainSize: 201, interval: [-Math.PI, Math.PI] },
    model: { kind: 'mlp', hidden: [50, 50, 50], activation: 'tanh', output: 'linear', init: 'glorot-uniform' },
    training: {
      loss: 'mse',
      optimiser: { kind: 'adam' },
      schedule: [{ fromEpoch: 1, rate: 1e-3 }],
      batchSize: 32,
      threshold: 1e-2,
      stop: { maxEpochs: 3000, lossBelow: 1e-2 },
    },
    analysis: {
      epochs: { every: 50, at: [0], final: true },
      samples: 201,
      deltaGrid: { kind: 'log-k', kMin: 0.1, kMax: 10000, count: 60 },
      normalisation: { kind: 'mean-distance', d0: 1 },
    },
  },
  // The companion experiment: one network, targets of different frequency; sweep with
  // `lab sweep --preset fit-1d-frequency --vary data.target.frequencies --values '[[1],[3],[5],[7]]'`.
  'fit-1d-frequency': {
    name: 'cos(kx), frequency',
    seed: 1,
    data: { kind: 'synthetic', target: { kind: 'cos-sum', frequencies: [3] }, trainSize: 201, interval: [-Math.PI, Math.PI] },
    model: { kind: 'mlp', hidden: [50, 50, 50], activation: 'tanh', output: 'linear', init: 'glorot-uniform' },
    training: {
      loss: 'mse',
      optimiser: { kind: 'adam' },
      schedule: [{ fromEpoch: 1, rate: 1e-3 }],
      batchSize: 32,
      threshold: 1e-2,
      stop: { maxEpochs: 3000, lossBelow: 1e-2 },
    },
    analysis: {
      epochs: { every: 50, at: [0], final: true },
      samples: 201,
      deltaGrid: { kind: 'log-k', kMin: 0.1, kMax: 10000, count: 60 },
      normalisation: { kind: 'mean-distance', d0: 1 },
    },
  },
} satisfies Record<string, ExperimentConfigInput>;

/** The paper's Resnet18-1 (deepest, all four stages) to Resnet18-4 (shallowest, first stage only). */
function resnetVariants() {
  const variant = (v: 1 | 2 | 3 | 4): ExperimentConfigInput => ({
      name: `CIFAR-10, Resnet18-${v} (paper)`,
      seed: 1,
      data: { kind: 'cifar10', dir: 'data/cifar10', files: 'train', trainSize: 40000, validationSize: 10000, download: {} },
      model: { kind: 'resnet', widths: [64, 128, 256, 512], blocks: [2, 2, 2, 2], stages: 5 - v, hidden: [256, 128], activation: 'relu', output: 'softmax' },
      training: {
        loss: 'cross-entropy',
        optimiser: { kind: 'adam' },
        schedule: [
          { fromEpoch: 1, rate: 1e-3 },
          { fromEpoch: 41, rate: 1e-4 },
          { fromEpoch: 61, rate: 1e-5 },
        ],
        batchSize: 256,
        stop: { maxEpochs: 80 },
      },
      analysis: {
        epochs: { every: 5, at: [0], final: true },
        samples: 5000,
        deltaGrid: defaultDeltaGrid,
        normalisation: { kind: 'mean-distance', d0: 1 },
      },
    });
  return {
    'cifar10-resnet18-1': variant(1),
    'cifar10-resnet18-2': variant(2),
    'cifar10-resnet18-3': variant(3),
    'cifar10-resnet18-4': variant(4),
  };
}

export type PresetName = keyof typeof presets;
export const presetNames = Object.keys(presets) as PresetName[];
