import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../../src/main/engine/backend';
import { createNetwork } from '../../../../src/main/engine/models/network';
import { createResnet, trainingBatchNorm, type Resnet } from '../../../../src/main/engine/models/resnet';
import { modelDepth, validateConfig, type ResnetConfig } from '../../../../src/shared/config';

function resnetConfig(model: Record<string, unknown>): ResnetConfig {
  const c = validateConfig({
    seed: 1,
    data: { kind: 'cifar10', dir: 'x', trainSize: 10, validationSize: 0 },
    model: { kind: 'resnet', ...model },
    training: { loss: 'cross-entropy', optimiser: { kind: 'adam' }, schedule: [{ fromEpoch: 1, rate: 1e-3 }], batchSize: 4, stop: { maxEpochs: 1 } },
    analysis: { epochs: {}, samples: 2, deltaGrid: { kind: 'log-k', kMin: 1, kMax: 10, count: 3 } },
  });
  return c.model as ResnetConfig;
}

describe('ResNet', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('ResNet18 has 2+2+2+2 basic blocks, projection shortcuts where the width or stride changes, and the shared head', () => {
    const net = createResnet(resnetConfig({}), [32, 32, 3], 10, 1);
    try {
      const { blocks, head, output } = net.parts;
      expect(blocks.map((b) => `${b.stage}.${b.index}`)).toEqual(['1.1', '1.2', '2.1', '2.2', '3.1', '3.2', '4.1', '4.2']);
      expect(blocks.map((b) => b.conv1.stride)).toEqual([1, 1, 2, 1, 2, 1, 2, 1]);
      expect(blocks.map((b) => b.shortcut !== null)).toEqual([false, false, true, false, true, false, true, false]);
      expect(head.map((d) => d.kernel.shape)).toEqual([
        [512, 256],
        [256, 128],
      ]);
      expect(output.kernel.shape).toEqual([128, 10]);
      // 1 stem + 8 blocks + pooled features + 2 head layers
      expect(net.depth).toBe(12);
      expect([0, 1, 2, 9, 10, 11, 12].map(net.layerName)).toEqual(['input', 'stem', 'stage 1 block 1', 'stage 4 block 2', 'pooled features (head input)', 'head 1', 'head 2']);
      // Conv weights: 3*3*3*64 (stem) + blocks; BN gamma/beta trainable, running statistics not.
      expect(net.variables.every((v) => v.trainable)).toBe(true);
      expect(net.parts.statistics.every((v) => !v.trainable)).toBe(true);
    } finally {
      net.dispose();
    }
  });

  it('the paper variants keep 4, 3, 2, 1 stages in front of the same head', () => {
    const depths = [4, 3, 2, 1].map((stages) => {
      const model = resnetConfig({ widths: [4, 8, 16, 32], stages });
      const net = createResnet(model, [8, 8, 3], 10, 1);
      try {
        expect(net.parts.head.map((d) => d.kernel.shape[1])).toEqual([256, 128]);
        expect(net.parts.head[0].kernel.shape[0]).toBe([4, 8, 16, 32][stages - 1]);
        return [net.depth, modelDepth(model), net.parts.blocks.length];
      } finally {
        net.dispose();
      }
    });
    expect(depths).toEqual([
      [12, 12, 8],
      [10, 10, 6],
      [8, 8, 4],
      [6, 6, 2],
    ]);
  });

  it('returns the requested layers flattened, and the logits', () => {
    const net = createResnet(resnetConfig({ widths: [4, 6], blocks: [1, 1], hidden: [5] }), [6, 6, 2], 3, 1);
    try {
      const out = tf.tidy(() => {
        const o = net.forward(tf.ones([2, 72]) as tf.Tensor2D, { training: false, keep: [1, 2, 3, 4, 5] });
        return [o.logits, ...[1, 2, 3, 4, 5].map((l) => o.hidden.get(l)!)].map((t) => t.shape);
      });
      // stem 6x6x4, block 1 6x6x4, block 2 (stride 2) 3x3x6, pooled 6, head 5
      expect(out).toEqual([[2, 3], [2, 144], [2, 144], [2, 54], [2, 6], [2, 5]]);
      expect(() => tf.tidy(() => void net.forward(tf.ones([1, 72]) as tf.Tensor2D, { training: false, keep: [6] }))).toThrow(/layer 6 is not an analysable layer/);
    } finally {
      net.dispose();
    }
  });

  it('batch normalisation: training uses batch statistics and updates the running averages; inference uses them', () => {
    const net = createResnet(resnetConfig({ widths: [2], blocks: [1], hidden: [], batchNorm: { momentum: 0.75 } }), [2, 2, 1], 2, 3);
    try {
      const x = tf.tensor2d([[1, 2, 3, 4], [5, 6, 7, 8]]);
      const stemConv = tf.tidy(() => tf.conv2d(tf.reshape(x, [2, 2, 2, 1]) as tf.Tensor4D, net.parts.stem.conv.filter as tf.Variable<tf.Rank.R4>, 1, 'same'));
      const values = stemConv.arraySync() as number[][][][];
      const channel = (c: number) => values.flatMap((im) => im.flatMap((row) => row.map((px) => px[c])));
      const mean = [0, 1].map((c) => channel(c).reduce((s, v) => s + v, 0) / 8);
      const variance = [0, 1].map((c) => channel(c).reduce((s, v) => s + (v - mean[c]) ** 2, 0) / 8);
      tf.tidy(() => void net.forward(x, { training: true }));
      const running = net.parts.stem.bn;
      // running = 0.75 * running + 0.25 * batch, from 0 and 1
      expect(Array.from(running.runningMean.dataSync())).toEqual(mean.map((m) => expect.closeTo(0.25 * m, 5)));
      expect(Array.from(running.runningVariance.dataSync())).toEqual(variance.map((v) => expect.closeTo(0.75 + 0.25 * v, 5)));
      // inference does not change them
      tf.tidy(() => void net.forward(x, { training: false }));
      expect(Array.from(running.runningMean.dataSync())).toEqual(mean.map((m) => expect.closeTo(0.25 * m, 5)));
      tf.dispose([x, stemConv]);
    } finally {
      net.dispose();
    }
  });

  it('the training batch normalisation and its written-out gradient agree with tfjs autodiff of the formula', () => {
    const x = tf.tensor4d(Array.from({ length: 2 * 3 * 2 * 2 }, (_, i) => Math.sin(i * 1.7) * 3 + i / 5), [2, 3, 2, 2]);
    const gamma = tf.tensor1d([1.5, -0.5]);
    const beta = tf.tensor1d([0.2, 0.1]);
    const w = tf.tensor4d(Array.from({ length: 24 }, (_, i) => Math.cos(i)), [2, 3, 2, 2]);
    const reference = (a: tf.Tensor4D, g: tf.Tensor1D, b: tf.Tensor1D) => {
      const { mean, variance } = tf.moments(a, [0, 1, 2]);
      return tf.sum(tf.mul(tf.add(tf.mul(tf.div(tf.sub(a, mean), tf.sqrt(tf.add(variance, 1e-3))), g), b), w));
    };
    const ours = (a: tf.Tensor4D, g: tf.Tensor1D, b: tf.Tensor1D) => {
      const r = trainingBatchNorm(a, g, b, 1e-3);
      tf.dispose([r.mean, r.variance]);
      return tf.sum(tf.mul(r.y, w));
    };
    const ref = tf.grads(reference as (...t: tf.Tensor[]) => tf.Tensor)([x, gamma, beta]).map((t) => Array.from(t.dataSync()));
    const got = tf.grads(ours as (...t: tf.Tensor[]) => tf.Tensor)([x, gamma, beta]).map((t) => Array.from(t.dataSync()));
    got.forEach((g, i) => g.forEach((v, j) => expect(v).toBeCloseTo(ref[i][j], 4)));
    expect(ours(x, gamma, beta).dataSync()[0]).toBeCloseTo(reference(x, gamma, beta).dataSync()[0], 4);
  });

  it('the same seed gives the same initial weights', () => {
    const model = resnetConfig({ widths: [3], blocks: [1], hidden: [2] });
    const weights = (seed: number) => {
      const net: Resnet = createResnet(model, [4, 4, 1], 2, seed);
      const v = net.variables.map((x) => Array.from(x.dataSync()));
      net.dispose();
      return v;
    };
    expect(weights(5)).toEqual(weights(5));
    expect(weights(5)).not.toEqual(weights(6));
  });

  it('needs image data', () => {
    expect(() => createNetwork(resnetConfig({}), { inputDim: 10, outputDim: 2 }, 1)).toThrow(/model\.kind "resnet" needs image data: the data gives rows of 10 values/);
  });
});
