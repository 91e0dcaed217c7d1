// The wasm kernels for convolutional training against the cpu backend's outputs and gradients,
// with the native kernels (native-conv.ts) and without them (wasm-conv-kernels.ts alone).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/main/engine/backend';
import { registerWasmConvKernels, setPatchBudget } from '../../../src/main/engine/wasm-conv-kernels';
import { createNetwork } from '../../../src/main/engine/models/network';
import { nativeConvCalls } from '../../../src/main/engine/native-conv';
import { nativeKernelsEnvVar, nativeKernelsStatus } from '../../../src/main/engine/native-kernels';
import { batchLoss } from '../../../src/main/engine/loss';
import { createRng, normal } from '../../../src/main/engine/random';
import { validateConfig } from '../../../src/shared/config';

function randoms(n: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => normal(rng));
}

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];

/** Gradients of sum(conv(x, w)^2) with respect to x and w on one backend, as plain arrays. */
async function convGrads(backend: string, x: Float32Array, w: Float32Array, xShape: number[], wShape: number[], stride: number, pad: Pad) {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const xt = tf.tensor4d(x, xShape as [number, number, number, number]);
    const wt = tf.tensor4d(w, wShape as [number, number, number, number]);
    const f = (a: tf.Tensor4D, b: tf.Tensor4D) => tf.sum(tf.square(tf.conv2d(a, b, stride, pad)));
    const [dx, dw] = tf.grads(f as (...args: tf.Tensor[]) => tf.Tensor)([xt, wt]);
    return { y: Array.from(tf.conv2d(xt, wt, stride, pad).dataSync()), dx: Array.from(dx.dataSync()), dw: Array.from(dw.dataSync()) };
  });
}

function maxRelativeDifference(a: number[], b: number[]): number {
  expect(a.length).toBe(b.length);
  const scale = Math.max(...a.map(Math.abs), 1e-6);
  return Math.max(...a.map((v, i) => Math.abs(v - b[i]))) / scale;
}

const cases: { name: string; x: number[]; w: number[]; stride: number; pad: Pad }[] = [
  { name: '3x3 same stride 1', x: [2, 7, 6, 3], w: [3, 3, 3, 4], stride: 1, pad: 'same' },
  { name: '3x3 same stride 2, even size', x: [3, 8, 8, 2], w: [3, 3, 2, 5], stride: 2, pad: 'same' },
  { name: '3x3 same stride 2, odd size', x: [2, 9, 7, 2], w: [3, 3, 2, 3], stride: 2, pad: 'same' },
  { name: '1x1 projection stride 2', x: [2, 8, 8, 3], w: [1, 1, 3, 4], stride: 2, pad: 'same' },
  { name: '2x2 valid', x: [1, 5, 5, 2], w: [2, 2, 2, 3], stride: 1, pad: 'valid' },
  { name: '3x3 valid stride 2, leftover rows', x: [2, 9, 8, 3], w: [3, 3, 3, 2], stride: 2, pad: 'valid' },
  { name: 'explicit asymmetric padding', x: [2, 6, 6, 2], w: [3, 3, 2, 2], stride: 1, pad: [[0, 0], [1, 2], [2, 0], [0, 0]] },
  { name: '5x5 kernel wider than the image', x: [2, 3, 3, 1], w: [5, 5, 1, 2], stride: 1, pad: 'same' },
  { name: 'large enough to be shared among threads (5 M multiply-adds)', x: [4, 24, 24, 16], w: [3, 3, 16, 16], stride: 1, pad: 'same' },
];

describe.each(['native', 'wasm'] as const)('convolutions with the %s kernels match the cpu backend', (kind) => {
  beforeAll(async () => {
    await initBackend('wasm');
    registerWasmConvKernels();
    if (kind === 'wasm') process.env[nativeKernelsEnvVar] = '0';
    else expect(nativeKernelsStatus(), 'the native kernels must be built (npm run build:kernels)').toMatchObject({ loaded: true });
  });
  afterAll(() => {
    delete process.env[nativeKernelsEnvVar];
  });

  for (const c of cases) {
    it(c.name, async () => {
      const x = randoms(c.x.reduce((a, b) => a * b), 1);
      const w = randoms(c.w.reduce((a, b) => a * b), 2);
      const cpu = await convGrads('cpu', x, w, c.x, c.w, c.stride, c.pad);
      const before = { ...nativeConvCalls };
      for (const budget of [Number.MAX_SAFE_INTEGER, 7]) {
        const old = setPatchBudget(budget); // 7 floats: one image per chunk, exercising the sum over chunks
        try {
          const wasm = await convGrads('wasm', x, w, c.x, c.w, c.stride, c.pad);
          expect(maxRelativeDifference(cpu.y, wasm.y)).toBeLessThan(1e-5);
          expect(maxRelativeDifference(cpu.dw, wasm.dw)).toBeLessThan(1e-5);
          expect(maxRelativeDifference(cpu.dx, wasm.dx)).toBeLessThan(1e-5);
        } finally {
          setPatchBudget(old);
        }
      }
      // Which kernels ran: the native ones for every pass (twice: two budgets), or none of them.
      const ran = (['forward', 'filter', 'input'] as const).map((k) => nativeConvCalls[k] - before[k]);
      if (kind === 'native') ran.forEach((n) => expect(n).toBeGreaterThanOrEqual(2));
      else expect(ran).toEqual([0, 0, 0]);
    });
  }

  it('a whole ResNet training step: every variable gradient as on cpu', async () => {
    const config = validateConfig({
      seed: 4,
      data: { kind: 'cifar10', dir: 'unused', trainSize: 100, validationSize: 0 },
      model: { kind: 'resnet', widths: [4, 6], blocks: [1, 1], hidden: [5] },
      training: { loss: 'cross-entropy', optimiser: { kind: 'adam' }, schedule: [{ fromEpoch: 1, rate: 1e-3 }], batchSize: 4, stop: { maxEpochs: 1 } },
      analysis: { epochs: {}, samples: 2, deltaGrid: { kind: 'log-k', kMin: 1, kMax: 10, count: 3 } },
    });
    const x = randoms(4 * 8 * 8 * 3, 9);
    const labels = [0, 3, 1, 2];
    const gradsOn = async (backend: string) => {
      await tf.setBackend(backend);
      const net = createNetwork(config.model, { inputDim: 192, outputDim: 4, imageShape: [8, 8, 3] }, config.seed);
      try {
        return tf.tidy(() => {
          const xb = tf.tensor2d(x, [4, 192]);
          const yb = tf.oneHot(tf.tensor1d(labels, 'int32'), 4).toFloat() as tf.Tensor2D;
          const { grads } = tf.variableGrads(() => batchLoss(net.forward(xb, { training: true }).logits, yb, 'cross-entropy', 'softmax'), net.variables);
          return net.variables.map((v) => Array.from(grads[v.name].dataSync()));
        });
      } finally {
        net.dispose();
      }
    };
    const cpu = await gradsOn('cpu');
    const wasm = await gradsOn('wasm');
    expect(cpu.length).toBeGreaterThan(10);
    cpu.forEach((g, i) => expect(maxRelativeDifference(g, wasm[i]), `variable ${i}`).toBeLessThan(1e-4));
  });
});
