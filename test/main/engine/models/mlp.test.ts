// The fully connected network (src/main/engine/models/mlp.ts): seeded initialisers against their
// defining distributions, and the forward pass against a plain float64 computation of
// h_l = sigma(h_{l-1} W_l + b_l) with a linear output.
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../../src/main/engine/backend';
import { createMlp, disposeMlp, forward, initialWeights, type Mlp } from '../../../../src/main/engine/models/mlp';
import { createRng } from '../../../../src/main/engine/random';
import type { HiddenActivation, ModelConfig } from '../../../../src/shared/config';

beforeAll(async () => {
  await initBackend('cpu');
});

function model(hidden: number[], activation: HiddenActivation = 'tanh', init: ModelConfig['init'] = 'glorot-uniform'): ModelConfig {
  return { kind: 'mlp', hidden, activation, output: 'linear', init };
}

/** The values of every variable of the network, in order. */
function variableValues(net: Mlp): number[][] {
  return net.variables.map((v) => Array.from(v.dataSync()));
}

function mean(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s / a.length;
}

/** Population variance about the true mean 0 of the initialisers. */
function secondMoment(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return s / a.length;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

describe('seeded initialisation', () => {
  // tfjs variable names are unique per engine and createMlp names its variables dense{l}/..., so
  // networks are built one at a time here (as a training worker does).
  /** The initial variable values for `seed`, with the network freed again. */
  function initialValues(config: ModelConfig, seed: number): number[][] {
    const net = createMlp(4, 3, config, seed);
    try {
      return variableValues(net);
    } finally {
      disposeMlp(net);
    }
  }

  it('the same seed gives identical weights; another seed different ones', () => {
    const config = model([6, 5], 'tanh', 'glorot-uniform');
    const a = initialValues(config, 11);
    const b = initialValues(config, 11);
    const c = initialValues(config, 12);
    expect(a.length).toBe(6);
    expect(b).toEqual(a);
    // every weight matrix differs under another seed (the biases are zero in both)
    for (let l = 0; l < 3; l++) expect(c[2 * l]).not.toEqual(a[2 * l]);
  });

  it('initialWeights is a function of the generator state', () => {
    for (const init of ['glorot-uniform', 'glorot-normal', 'he-normal', 'lecun-normal'] as const) {
      const a = initialWeights(7, 9, init, createRng(5));
      const b = initialWeights(7, 9, init, createRng(5));
      const c = initialWeights(7, 9, init, createRng(6));
      expect(a.length).toBe(63);
      expect(Array.from(b), init).toEqual(Array.from(a));
      expect(Array.from(c), init).not.toEqual(Array.from(a));
    }
  });

  it('sizes, shapes, zero biases and the variable order', () => {
    const net = createMlp(5, 2, model([7, 3]), 1);
    try {
      expect(net.sizes).toEqual([5, 7, 3, 2]);
      expect(net.weights.map((w) => w.shape)).toEqual([
        [5, 7],
        [7, 3],
        [3, 2],
      ]);
      expect(net.biases.map((b) => b.shape)).toEqual([[7], [3], [2]]);
      for (const b of net.biases) expect(Array.from(b.dataSync())).toEqual(new Array(b.size).fill(0));
      expect(net.variables).toEqual([net.weights[0], net.biases[0], net.weights[1], net.biases[1], net.weights[2], net.biases[2]]);
      for (const v of net.variables) expect(v.trainable).toBe(true);
    } finally {
      disposeMlp(net);
    }
  });
});

describe('initialiser distributions', () => {
  it('glorot-uniform: within ±sqrt(6/(in+out)), variance limit^2/3', () => {
    const fanIn = 300;
    const fanOut = 500;
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    const w = initialWeights(fanIn, fanOut, 'glorot-uniform', createRng(21));
    expect(w.length).toBe(fanIn * fanOut);
    expect(maxAbs(w)).toBeLessThanOrEqual(limit);
    expect(maxAbs(w)).toBeGreaterThan(0.99 * limit); // it fills the whole interval
    // mean: sd limit/sqrt(3)/sqrt(n) ~ 1e-4 limit; variance estimate: relative sd ~ 0.2%
    expect(Math.abs(mean(w))).toBeLessThan(0.01 * limit);
    expect(secondMoment(w) / (limit * limit / 3)).toBeCloseTo(1, 1);
    expect(Math.abs(secondMoment(w) / (limit * limit / 3) - 1)).toBeLessThan(0.02);
  });

  it('he-normal: mean 0, variance 2/fanIn', () => {
    const fanIn = 200;
    const fanOut = 600; // far from fanIn, so 2/fanIn differs from every other rule
    const w = initialWeights(fanIn, fanOut, 'he-normal', createRng(22));
    const variance = 2 / fanIn;
    expect(Math.abs(mean(w))).toBeLessThan(0.01 * Math.sqrt(variance));
    // relative sd of the variance estimate: sqrt(2/n) ~ 0.4%
    expect(Math.abs(secondMoment(w) / variance - 1)).toBeLessThan(0.03);
  });

  it('glorot-normal and lecun-normal: variances 2/(in+out) and 1/in', () => {
    const fanIn = 200;
    const fanOut = 600;
    const g = initialWeights(fanIn, fanOut, 'glorot-normal', createRng(23));
    const l = initialWeights(fanIn, fanOut, 'lecun-normal', createRng(24));
    expect(Math.abs(secondMoment(g) / (2 / (fanIn + fanOut)) - 1)).toBeLessThan(0.03);
    expect(Math.abs(secondMoment(l) / (1 / fanIn) - 1)).toBeLessThan(0.03);
  });

  it('createMlp gives each layer the limit of its own fan-in and fan-out', () => {
    const net = createMlp(40, 10, model([300]), 3);
    try {
      const limits = [Math.sqrt(6 / (40 + 300)), Math.sqrt(6 / (300 + 10))];
      net.weights.forEach((w, i) => {
        const values = w.dataSync();
        expect(maxAbs(values)).toBeLessThanOrEqual(limits[i]);
        expect(maxAbs(values)).toBeGreaterThan(0.95 * limits[i]);
      });
    } finally {
      disposeMlp(net);
    }
  });
});

describe('forward', () => {
  // A 2-3-2-2 network set by hand.
  const W1 = [
    [0.5, -1.0, 0.25],
    [1.5, 0.75, -0.5],
  ];
  const b1 = [0.1, -0.2, 0.3];
  const W2 = [
    [1.0, -0.5],
    [-0.75, 0.25],
    [0.5, 2.0],
  ];
  const b2 = [-0.05, 0.15];
  const W3 = [
    [2.0, -1.0],
    [0.5, 1.5],
  ];
  const b3 = [0.2, -0.3];
  const X = [
    [0.3, -0.7],
    [-1.2, 0.4],
    [0.0, 0.0],
    [2.0, 1.0],
  ];

  const sigma: Record<HiddenActivation, (z: number) => number> = {
    tanh: Math.tanh,
    relu: (z) => Math.max(0, z),
    sigmoid: (z) => 1 / (1 + Math.exp(-z)),
    linear: (z) => z,
  };

  /** h W + b, row by row, in float64. */
  function dense(h: number[][], W: number[][], b: number[]): number[][] {
    return h.map((row) => b.map((bj, j) => row.reduce((s, hi, i) => s + hi * W[i][j], bj)));
  }

  function reference(activation: HiddenActivation): { hidden: number[][][]; logits: number[][] } {
    const f = sigma[activation];
    const h1 = dense(X, W1, b1).map((r) => r.map(f));
    const h2 = dense(h1, W2, b2).map((r) => r.map(f));
    return { hidden: [h1, h2], logits: dense(h2, W3, b3) };
  }

  function handSet(activation: HiddenActivation): Mlp {
    const net = createMlp(2, 2, model([3, 2], activation), 99);
    [W1, W2, W3].forEach((W, l) => net.weights[l].assign(tf.tensor2d(W)));
    [b1, b2, b3].forEach((b, l) => net.biases[l].assign(tf.tensor1d(b)));
    return net;
  }

  function expectClose(actual: number[][], expected: number[][], label: string): void {
    expect(actual.length, label).toBe(expected.length);
    actual.forEach((row, i) => {
      expect(row.length, label).toBe(expected[i].length);
      row.forEach((v, j) => expect(Math.abs(v - expected[i][j]), `${label}[${i}][${j}]`).toBeLessThan(1e-5 * Math.max(1, Math.abs(expected[i][j]))));
    });
  }

  it.each(['tanh', 'relu', 'sigmoid', 'linear'] as const)('%s network equals the hand computation', (activation) => {
    const net = handSet(activation);
    try {
      const want = reference(activation);
      const got = tf.tidy(() => {
        const r = forward(net, tf.tensor2d(X), true);
        return { logits: r.logits.arraySync(), hidden: r.hidden.map((h) => h.arraySync()) };
      });
      expectClose(got.logits, want.logits, 'logits');
      expect(got.hidden.length).toBe(2);
      got.hidden.forEach((h, l) => expectClose(h, want.hidden[l], `h${l + 1}`));
    } finally {
      disposeMlp(net);
    }
  });

  it('a hand check of one value: tanh network, the zero input', () => {
    // x = 0: h1 = tanh(b1), h2 = tanh(h1 W2 + b2), out = h2 W3 + b3
    const net = handSet('tanh');
    try {
      const h1 = b1.map(Math.tanh);
      const z2 = [0, 1].map((j) => b2[j] + h1[0] * W2[0][j] + h1[1] * W2[1][j] + h1[2] * W2[2][j]);
      const h2 = z2.map(Math.tanh);
      const out0 = b3[0] + h2[0] * W3[0][0] + h2[1] * W3[1][0];
      const got = tf.tidy(() => forward(net, tf.tensor2d([[0, 0]])).logits.arraySync());
      expect(got[0][0]).toBeCloseTo(out0, 5);
    } finally {
      disposeMlp(net);
    }
  });

  it('the output layer has no activation even when its pre-activation is negative', () => {
    const net = handSet('relu');
    try {
      const want = reference('relu').logits;
      expect(want.flat().some((v) => v < 0)).toBe(true); // the test data does reach negative outputs
      const got = tf.tidy(() => forward(net, tf.tensor2d(X)).logits.arraySync());
      expectClose(got, want, 'logits');
    } finally {
      disposeMlp(net);
    }
  });

  it('returns hidden outputs only when asked', () => {
    const net = handSet('tanh');
    try {
      const { withoutHidden, shapes } = tf.tidy(() => {
        const x = tf.tensor2d(X);
        return { withoutHidden: forward(net, x).hidden.length, shapes: forward(net, x, true).hidden.map((h) => h.shape) };
      });
      expect(withoutHidden).toBe(0);
      expect(shapes).toEqual([
        [4, 3],
        [4, 2],
      ]);
    } finally {
      disposeMlp(net);
    }
  });

  it('disposeMlp frees every variable', () => {
    const before = tf.memory().numTensors;
    const net = createMlp(3, 2, model([4, 4]), 5);
    expect(tf.memory().numTensors - before).toBe(6);
    disposeMlp(net);
    expect(tf.memory().numTensors).toBe(before);
  });
});
