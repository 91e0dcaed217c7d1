// ResNet of basic blocks for images (He et al. 2016; the CIFAR form of ResNet18), with a fully
// connected head: the paper's Resnet18-1..4 variants (method.md 4.2) keep fewer residual stages
// in front of the same head.
//
//   stem:   conv3x3(c -> widths[0], stride 1) -> BN -> ReLU                      (layer 1)
//   block:  y = ReLU(BN(conv3x3(ReLU(BN(conv3x3(x, stride))))) + shortcut(x))  (layers 2..B+1)
//           shortcut = x, or BN(conv1x1(x, stride)) when the stride or width changes
//           the first block of stage s > 1 has stride 2
//   pool:   mean over height and width -> [batch, widths[last kept]]          (layer B+2)
//   head:   dense + activation per config.hidden                              (layers B+3..)
//   output: dense -> logits (softmax, when configured, in the loss)
//
// Batch normalisation: in training, normalise by the batch mean and (biased) variance over
// batch, height and width, and update running = momentum * running + (1 - momentum) * batch;
// in inference, normalise by the running averages. Convolutions have no bias (BN follows).
import * as tf from '@tensorflow/tfjs-core';
import { keptStages, modelDepth, type ResnetConfig } from '../../../shared/config';
import { createRng, deriveSeed, normal, type Rng } from '../random';
import { activate } from './mlp';
import type { Network, NetworkOutput } from './network';
import { assignVariables, readVariables } from './state';
import { registerWasmConvKernels } from '../wasm-conv-kernels';

/** Draws `count` weights for a layer with the given fans (kernel area included). */
export function drawWeights(count: number, fanIn: number, fanOut: number, init: ResnetConfig['init'], rng: Rng): Float32Array {
  const w = new Float32Array(count);
  switch (init) {
    case 'glorot-uniform': {
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      for (let i = 0; i < count; i++) w[i] = (2 * rng.next() - 1) * limit;
      break;
    }
    case 'glorot-normal': {
      const sd = Math.sqrt(2 / (fanIn + fanOut));
      for (let i = 0; i < count; i++) w[i] = normal(rng) * sd;
      break;
    }
    case 'he-normal': {
      const sd = Math.sqrt(2 / fanIn);
      for (let i = 0; i < count; i++) w[i] = normal(rng) * sd;
      break;
    }
    case 'lecun-normal': {
      const sd = Math.sqrt(1 / fanIn);
      for (let i = 0; i < count; i++) w[i] = normal(rng) * sd;
      break;
    }
  }
  return w;
}

interface BatchNorm {
  gamma: tf.Variable;
  beta: tf.Variable;
  runningMean: tf.Variable;
  runningVariance: tf.Variable;
}

interface Conv {
  /** [k, k, in, out] */
  filter: tf.Variable;
  stride: number;
}

interface Block {
  conv1: Conv;
  bn1: BatchNorm;
  conv2: Conv;
  bn2: BatchNorm;
  shortcut: { conv: Conv; bn: BatchNorm } | null;
  stage: number;
  index: number;
}

interface Dense {
  kernel: tf.Variable;
  bias: tf.Variable;
}

/** The parts of a built ResNet (exposed for tests). */
export interface ResnetParts {
  imageShape: [number, number, number];
  stem: { conv: Conv; bn: BatchNorm };
  blocks: Block[];
  head: Dense[];
  output: Dense;
  /** BN running averages: not trained, updated by training-mode forward passes. */
  statistics: tf.Variable[];
}

/** A ResNet as a Network, with its parts. */
export type Resnet = Network & { parts: ResnetParts };

/**
 * Batch normalisation in training mode over batch, height and width, with its gradient written
 * out (tfjs's FusedBatchNorm gradient materialises tiled copies, slow on wasm):
 *   mu = mean(x), var = mean((x - mu)^2), xhat = (x - mu) / sqrt(var + eps), y = gamma xhat + beta
 *   dbeta = sum(dy), dgamma = sum(dy xhat), dx = gamma / (N sqrt(var + eps)) (N dy - dbeta - xhat dgamma)
 * with sums over the N = batch * height * width positions of each channel. Returns y and the
 * batch mean and (biased) variance, which the caller disposes.
 */
export function trainingBatchNorm(
  x: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  epsilon: number,
): { y: tf.Tensor4D; mean: tf.Tensor1D; variance: tf.Tensor1D } {
  const axes = [0, 1, 2];
  const n = x.shape[0] * x.shape[1] * x.shape[2];
  let stats: tf.Tensor1D[] = [];
  const forward = (xIn: tf.Tensor, gammaIn: tf.Tensor, betaIn: tf.Tensor, save: tf.GradSaveFunc) => {
    const mean = tf.mean(xIn, axes);
    const centred = tf.sub(xIn, mean);
    const variance = tf.mean(tf.square(centred), axes);
    const invStd = tf.rsqrt(tf.add(variance, epsilon));
    const xHat = tf.mul(centred, invStd);
    stats = [tf.keep(mean.clone()) as tf.Tensor1D, tf.keep(variance.clone()) as tf.Tensor1D];
    save([xHat, invStd, gammaIn]);
    return {
      value: tf.add(tf.mul(xHat, gammaIn), betaIn),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xh, inv, g] = saved;
        const dBeta = tf.sum(dy, axes);
        const dGamma = tf.sum(tf.mul(dy, xh), axes);
        const scale = tf.div(tf.mul(g, inv), n);
        const dx = tf.mul(tf.sub(tf.sub(tf.mul(dy, n), dBeta), tf.mul(xh, dGamma)), scale);
        return [dx, dGamma, dBeta];
      },
    };
  };
  const f = tf.customGrad(forward as unknown as Parameters<typeof tf.customGrad>[0]);
  const y = f(x, gamma, beta) as tf.Tensor4D;
  return { y, mean: stats[0], variance: stats[1] };
}

export function createResnet(model: ResnetConfig, imageShape: [number, number, number], outputDim: number, seed: number): Resnet {
  registerWasmConvKernels();
  const rng = createRng(deriveSeed(seed, 'init'));
  const trainable: tf.Variable[] = [];
  const statistics: tf.Variable[] = [];
  let counter = 0;
  const variable = (values: tf.Tensor, name: string, train = true) => {
    const v = tf.tidy(() => tf.variable(values, train, `resnet/${name}_${counter++}`));
    values.dispose();
    (train ? trainable : statistics).push(v);
    return v;
  };
  const conv = (k: number, cin: number, cout: number, stride: number, name: string): Conv => ({
    filter: variable(tf.tensor4d(drawWeights(k * k * cin * cout, k * k * cin, k * k * cout, model.init, rng), [k, k, cin, cout]), `${name}/filter`),
    stride,
  });
  const bn = (c: number, name: string): BatchNorm => ({
    gamma: variable(tf.ones([c]), `${name}/gamma`),
    beta: variable(tf.zeros([c]), `${name}/beta`),
    runningMean: variable(tf.zeros([c]), `${name}/running_mean`, false),
    runningVariance: variable(tf.ones([c]), `${name}/running_variance`, false),
  });
  const dense = (fanIn: number, fanOut: number, name: string): Dense => ({
    kernel: variable(tf.tensor2d(drawWeights(fanIn * fanOut, fanIn, fanOut, model.init, rng), [fanIn, fanOut]), `${name}/kernel`),
    bias: variable(tf.zeros([fanOut]), `${name}/bias`),
  });

  const stages = keptStages(model);
  const stem = { conv: conv(3, imageShape[2], model.widths[0], 1, 'stem'), bn: bn(model.widths[0], 'stem') };
  const blocks: Block[] = [];
  let channels = model.widths[0];
  for (let s = 0; s < stages; s++) {
    for (let b = 0; b < model.blocks[s]; b++) {
      const stride = s > 0 && b === 0 ? 2 : 1;
      const out = model.widths[s];
      const name = `stage${s + 1}/block${b + 1}`;
      blocks.push({
        conv1: conv(3, channels, out, stride, `${name}/conv1`),
        bn1: bn(out, `${name}/bn1`),
        conv2: conv(3, out, out, 1, `${name}/conv2`),
        bn2: bn(out, `${name}/bn2`),
        shortcut: stride !== 1 || channels !== out ? { conv: conv(1, channels, out, stride, `${name}/shortcut`), bn: bn(out, `${name}/shortcut_bn`) } : null,
        stage: s + 1,
        index: b + 1,
      });
      channels = out;
    }
  }
  const head: Dense[] = [];
  let width = channels;
  model.hidden.forEach((h, i) => {
    head.push(dense(width, h, `head${i + 1}`));
    width = h;
  });
  const output = dense(width, outputDim, 'output');
  const parts: ResnetParts = { imageShape, stem, blocks, head, output, statistics };
  const depth = modelDepth(model);
  const poolLayer = blocks.length + 2;
  const { momentum, epsilon } = model.batchNorm;

  const batchNorm = (x: tf.Tensor4D, p: BatchNorm, training: boolean): tf.Tensor4D => {
    const beta = p.beta as tf.Tensor as tf.Tensor1D;
    const gamma = p.gamma as tf.Tensor as tf.Tensor1D;
    if (!training) {
      return tf.batchNorm4d(x, p.runningMean as tf.Tensor as tf.Tensor1D, p.runningVariance as tf.Tensor as tf.Tensor1D, beta, gamma, epsilon);
    }
    const { y, mean, variance } = trainingBatchNorm(x, gamma, beta, epsilon);
    // Running averages (not trained: the assignments are not part of the loss's gradient).
    tf.tidy(() => {
      p.runningMean.assign(tf.add(tf.mul(p.runningMean, momentum), tf.mul(mean, 1 - momentum)));
      p.runningVariance.assign(tf.add(tf.mul(p.runningVariance, momentum), tf.mul(variance, 1 - momentum)));
    });
    tf.dispose([mean, variance]);
    return y;
  };
  const convolve = (x: tf.Tensor4D, c: Conv) => tf.conv2d(x, c.filter as tf.Variable<tf.Rank.R4>, c.stride, 'same');
  const flat = (x: tf.Tensor): tf.Tensor2D => tf.reshape(x, [x.shape[0], -1]) as tf.Tensor2D;

  const forward = (x: tf.Tensor2D, opts: { training: boolean; keep?: readonly number[] }): NetworkOutput => {
    const keep = new Set(opts.keep ?? []);
    for (const l of keep) if (l < 1 || l > depth) throw new RangeError(`layer ${l} is not an analysable layer of this ${depth}-layer resnet`);
    const hidden = new Map<number, tf.Tensor2D>();
    const { training } = opts;
    let h = tf.reshape(x, [x.shape[0], ...imageShape]) as tf.Tensor4D;
    h = tf.relu(batchNorm(convolve(h, stem.conv), stem.bn, training));
    if (keep.has(1)) hidden.set(1, flat(h));
    blocks.forEach((block, i) => {
      const a = tf.relu(batchNorm(convolve(h, block.conv1), block.bn1, training));
      const b = batchNorm(convolve(a, block.conv2), block.bn2, training);
      const s = block.shortcut ? batchNorm(convolve(h, block.shortcut.conv), block.shortcut.bn, training) : h;
      h = tf.relu(tf.add(b, s)) as tf.Tensor4D;
      if (keep.has(i + 2)) hidden.set(i + 2, flat(h));
    });
    let z = tf.mean(h, [1, 2]) as tf.Tensor2D;
    if (keep.has(poolLayer)) hidden.set(poolLayer, z);
    head.forEach((d, i) => {
      z = activate(tf.add(tf.matMul(z, d.kernel as tf.Variable<tf.Rank.R2>), d.bias), model.activation);
      if (keep.has(poolLayer + 1 + i)) hidden.set(poolLayer + 1 + i, z);
    });
    const logits = tf.add(tf.matMul(z, output.kernel as tf.Variable<tf.Rank.R2>), output.bias) as tf.Tensor2D;
    return { logits, hidden };
  };

  const layerName = (l: number): string => {
    if (l === 0) return 'input';
    if (l === 1) return 'stem';
    if (l <= blocks.length + 1) return `stage ${blocks[l - 2].stage} block ${blocks[l - 2].index}`;
    if (l === poolLayer) return 'pooled features (head input)';
    return `head ${l - poolLayer}`;
  };

  return {
    kind: 'resnet',
    variables: trainable,
    depth,
    layerName,
    forward,
    analysisChunk: 256,
    // The running statistics are state too: inference-mode passes (validation, analysis) use them.
    getState: () => readVariables([...trainable, ...statistics]),
    setState: (state) => assignVariables([...trainable, ...statistics], state),
    dispose: () => {
      for (const v of [...trainable, ...statistics]) v.dispose();
    },
    parts,
  };
}
