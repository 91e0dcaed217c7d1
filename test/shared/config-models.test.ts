// The config's version-1 extensions: resnet models, CIFAR-10 and arrays data, default analysed
// layers, the loss threshold and the spectrum settings; and the paper presets of section 4.2/4.3.
import { describe, expect, it } from 'vitest';
import { analysedLayers, lossThreshold, modelDepth, parseConfig, spectrumSettings, validateConfig, cifar10Archive } from '../../src/shared/config';
import { presets } from '../../src/shared/presets';

function input(over: Record<string, unknown> = {}): Record<string, any> {
  return {
    seed: 1,
    data: { kind: 'cifar10', dir: 'data/cifar10' },
    model: { kind: 'resnet' },
    training: { loss: 'cross-entropy', optimiser: { kind: 'adam' }, schedule: [{ fromEpoch: 1, rate: 1e-3 }], batchSize: 256, stop: { maxEpochs: 80 } },
    analysis: { epochs: {}, samples: 5000, deltaGrid: { kind: 'log-k', kMin: 1, kMax: 10, count: 3 } },
    ...over,
  };
}

const paths = (r: ReturnType<typeof parseConfig>) => (r.ok ? [] : r.issues.map((i) => i.path).sort());

describe('resnet and CIFAR-10 settings', () => {
  it('defaults to ResNet18 with the paper split and no download', () => {
    const c = validateConfig(input());
    expect(c.model).toEqual({
      kind: 'resnet',
      widths: [64, 128, 256, 512],
      blocks: [2, 2, 2, 2],
      stages: null,
      hidden: [256, 128],
      activation: 'relu',
      output: 'softmax',
      init: 'he-normal',
      batchNorm: { momentum: 0.9, epsilon: 1e-5 },
    });
    expect(c.data).toEqual({ kind: 'cifar10', dir: 'data/cifar10', files: 'train', trainSize: 40000, validationSize: 10000, download: null });
    // stem + 8 blocks + pooled + 2 head layers; default analysed layer: the head input
    expect(modelDepth(c.model)).toBe(12);
    expect(analysedLayers(c)).toEqual([-3]);
    const d = validateConfig(input({ data: { kind: 'cifar10', dir: 'x', download: {} } }));
    expect(d.data.kind === 'cifar10' && d.data.download).toEqual(cifar10Archive);
  });

  it('checks stage lists, kept stages, layer indices, sizes and data kinds', () => {
    expect(paths(parseConfig(input({ model: { kind: 'resnet', widths: [8, 16], blocks: [1] } })))).toEqual(['model.blocks']);
    expect(paths(parseConfig(input({ model: { kind: 'resnet', widths: [8, 16], blocks: [1, 1], stages: 3 } })))).toEqual(['model.stages']);
    const layers = parseConfig(input({ model: { kind: 'resnet', widths: [8], blocks: [1], hidden: [] }, analysis: { ...input().analysis, layers: [3, 4] } }));
    expect(layers.ok ? [] : layers.issues).toEqual([
      { path: 'analysis.layers[1]', message: "layer 4 does not exist: the model has 3 analysable layers (use 0..3 or -3..-1; the head's input is layer -1)" },
    ]);
    expect(paths(parseConfig(input({ data: { kind: 'cifar10', dir: 'x', trainSize: 45000 } })))).toEqual(['data.trainSize']);
    expect(paths(parseConfig(input({ data: { kind: 'cifar10', dir: 'x', files: 'test', trainSize: 9000, validationSize: 0 } })))).toEqual([]);
    expect(paths(parseConfig(input({ data: { kind: 'cifar10', dir: 'x', download: { sha256: 'abc' } } })))).toEqual(['data.download.sha256']);
    expect(paths(parseConfig(input({ data: { kind: 'synthetic', target: { kind: 'sin', m: 1 }, trainSize: 10 }, analysis: { ...input().analysis, samples: 5 } })))).toEqual(['model.kind']);
  });

  it('arrays data: defaults, and no static size check when the training size is all rows', () => {
    const c = validateConfig(input({ data: { kind: 'arrays', inputs: 'x.npy', targets: 'y.csv' }, model: { kind: 'mlp', hidden: [4, 4], output: 'softmax' } }));
    expect(c.data).toEqual({ kind: 'arrays', inputs: 'x.npy', targets: 'y.csv', task: 'regression', header: false, trainSize: null, validationSize: 0, imageShape: null });
    expect(analysedLayers(c)).toEqual([1, 2]);
    expect(paths(parseConfig(input({ data: { kind: 'arrays', inputs: 'x.npy', targets: 'y.csv', trainSize: 10 }, model: { kind: 'mlp', hidden: [4], output: 'softmax' } })))).toEqual(['analysis.samples']);
  });

  it('threshold and spectrum settings have documented defaults', () => {
    const c = validateConfig(input());
    expect(lossThreshold(c.training)).toBeNull();
    expect(spectrumSettings(c.analysis)).toEqual({ enabled: true, peakFraction: 0.1, maxPeaks: 8 });
    const t = validateConfig(input({ training: { ...input().training, threshold: 0.01, stop: { maxEpochs: 3, lossBelow: 0.5 } } }));
    expect(lossThreshold(t.training)).toBe(0.01);
    expect(lossThreshold(validateConfig(input({ training: { ...input().training, stop: { maxEpochs: 3, lossBelow: 0.5 } } })).training)).toBe(0.5);
  });
});

describe('paper presets', () => {
  it('Resnet18-1..4: 4..1 stages, one head, softmax cross-entropy, Adam, batch 256, 1e-3/1e-4/1e-5 over epochs 1-40/41-60/61-80, 40000/10000', () => {
    [1, 2, 3, 4].forEach((v) => {
      const c = validateConfig(presets[`cifar10-resnet18-${v}` as keyof typeof presets]);
      expect(c.model.kind === 'resnet' && c.model.stages).toBe(5 - v);
      expect(c.model.hidden).toEqual([256, 128]);
      expect(c.model.output).toBe('softmax');
      expect(c.training.loss).toBe('cross-entropy');
      expect(c.training.optimiser.kind).toBe('adam');
      expect(c.training.batchSize).toBe(256);
      expect(c.training.schedule).toEqual([
        { fromEpoch: 1, rate: 1e-3 },
        { fromEpoch: 41, rate: 1e-4 },
        { fromEpoch: 61, rate: 1e-5 },
      ]);
      expect(c.training.stop.maxEpochs).toBe(80);
      expect(c.data.kind === 'cifar10' && [c.data.trainSize, c.data.validationSize]).toEqual([40000, 10000]);
      expect(c.analysis.layers).toBeUndefined(); // the head input
    });
  });

  it('the 1-D presets fit cos(3x) + cos(5x) and record epochs to a threshold', () => {
    const c = validateConfig(presets['fit-1d-depth']);
    expect(c.data.kind === 'synthetic' && c.data.target).toEqual({ kind: 'cos-sum', frequencies: [3, 5] });
    expect(lossThreshold(c.training)).toBeGreaterThan(0);
  });
});
