// The fused wasm kernel of the filtering method (src/main/engine/lfr-native.ts), which
// lowFrequencyRatios uses on the CPU backends for class-like targets: against a float64
// reference from the definition, against the tfjs path, on one and on several threads.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { lowFrequencyRatios } from '../../../src/main/engine/frequency';
import {
  closeAnalysisWorkers,
  groupTargets,
  lowFrequencyRatiosNative,
  MAX_TARGET_GROUPS,
  setAnalysisThreads,
} from '../../../src/main/engine/lfr-native';
import { createRng, normal, type Rng } from '../../../src/main/engine/random';

beforeAll(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
});

afterAll(async () => {
  setAnalysisThreads(null);
  delete process.env.FREQLAB_ANALYSIS_KERNEL;
  await closeAnalysisWorkers();
});

/** n x d values offset + spread * N(0, 1), rounded to float32. */
function randomRows(rng: Rng, n: number, d: number, spread = 1, offset = 0): Float32Array {
  return Float32Array.from({ length: n * d }, () => Math.fround(offset + spread * normal(rng)));
}

/** One-hot rows of random (unbalanced) classes. */
function oneHot(rng: Rng, n: number, classes: number): Float32Array {
  const y = new Float32Array(n * classes);
  for (let i = 0; i < n; i++) y[i * classes + Math.floor(rng.next() ** 2 * classes)] = 1;
  return y;
}

/** LFR(k) from the definition, float64, full n x n. */
function referenceLfr(x: Float32Array, y: Float32Array, n: number, d: number, c: number, k: number): number {
  let low = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const weighted = new Float64Array(c);
    let weightSum = 0;
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = 0; t < d; t++) s += (x[i * d + t] - x[j * d + t]) ** 2;
      const g = Math.exp((-s * k) / 2);
      weightSum += g;
      for (let t = 0; t < c; t++) weighted[t] += g * y[j * c + t];
    }
    for (let t = 0; t < c; t++) {
      low += (weighted[t] / weightSum) ** 2;
      total += y[i * c + t] ** 2;
    }
  }
  return low / total;
}

function energy(y: Float32Array): number {
  return y.reduce((s, v) => s + v * v, 0);
}

function viaTensors(x: Float32Array, y: Float32Array, n: number, d: number, c: number, k: number[]): number[] {
  const xt = tf.tensor2d(x, [n, d]);
  const yt = tf.tensor2d(y, [n, c]);
  try {
    return lowFrequencyRatios(xt, yt, k, 64);
  } finally {
    tf.dispose([xt, yt]);
  }
}

const grid = [0.05, 0.2, 1, 3, 10, 30, 100, 300, 1000];

describe('groupTargets', () => {
  it('finds the distinct target rows in order of first appearance', () => {
    const g = groupTargets(Float32Array.from([1, 0, 0, 1, 1, 0, 0.5, 0.5]), 4, 2)!;
    expect(g.count).toBe(3);
    expect(Array.from(g.groupOf)).toEqual([0, 1, 0, 2]);
    expect(Array.from(g.values)).toEqual([1, 0, 0, 1, 0.5, 0.5]);
  });

  it('gives up above the group limit', () => {
    const n = MAX_TARGET_GROUPS + 1;
    expect(groupTargets(Float32Array.from({ length: n }, (_, i) => i), n, 1)).toBeNull();
    expect(groupTargets(Float32Array.from({ length: n }, (_, i) => i % MAX_TARGET_GROUPS), n, 1)?.count).toBe(MAX_TARGET_GROUPS);
  });
});

describe('lowFrequencyRatiosNative', () => {
  it('agrees with the float64 definition for one-hot classes, n not a multiple of 4 or of a tile', () => {
    const rng = createRng(21);
    const [n, d, c] = [157, 9, 7];
    const x = randomRows(rng, n, d, 0.4, 1.5);
    const y = oneHot(rng, n, c);
    setAnalysisThreads(1);
    const lfr = lowFrequencyRatiosNative(x, n, d, y, c, grid, energy(y))!;
    expect(lfr).not.toBeNull();
    grid.forEach((k, j) => expect(Math.abs(lfr[j] - referenceLfr(x, y, n, d, c, k)), `k = ${k}`).toBeLessThan(2e-6));
  });

  it('agrees with the definition for targets with a few distinct non-one-hot rows', () => {
    const rng = createRng(22);
    const [n, d, c] = [90, 5, 2];
    const x = randomRows(rng, n, d);
    const levels = [
      [0.3, -1],
      [2, 0.5],
      [-0.7, 0.1],
    ];
    const y = Float32Array.from({ length: n * c }, (_, i) => levels[Math.floor(i / c) % 3][i % c]);
    setAnalysisThreads(1);
    const lfr = lowFrequencyRatiosNative(x, n, d, y, c, grid, energy(y))!;
    grid.forEach((k, j) => expect(Math.abs(lfr[j] - referenceLfr(x, y, n, d, c, k)), `k = ${k}`).toBeLessThan(2e-6));
  });

  it('gives the same ratios on 1, 2 and 3 threads, and agrees with the definition on several tiles', () => {
    const rng = createRng(23);
    const [n, d, c] = [611, 6, 10];
    const x = randomRows(rng, n, d);
    const y = oneHot(rng, n, c);
    const k = [0.1, 1, 10, 100];
    const results = [1, 2, 3].map((t) => {
      setAnalysisThreads(t);
      return lowFrequencyRatiosNative(x, n, d, y, c, k, energy(y))!;
    });
    for (const r of results.slice(1)) r.forEach((v, j) => expect(v).toBeCloseTo(results[0][j], 12));
    k.forEach((kj, j) => expect(Math.abs(results[1][j] - referenceLfr(x, y, n, d, c, kj)), `k = ${kj}`).toBeLessThan(2e-6));
  });

  it('handles k = 0 exactly, k in any order, and a single sample', () => {
    const rng = createRng(24);
    const [n, d, c] = [40, 3, 4];
    const x = randomRows(rng, n, d);
    const y = oneHot(rng, n, c);
    setAnalysisThreads(1);
    const k = [10, 0, 1, 0.5];
    const lfr = lowFrequencyRatiosNative(x, n, d, y, c, k, energy(y))!;
    k.forEach((kj, j) => expect(Math.abs(lfr[j] - referenceLfr(x, y, n, d, c, kj))).toBeLessThan(2e-6));
    const single = lowFrequencyRatiosNative(x.subarray(0, d), 1, d, y.subarray(0, c), c, [0, 1, 1e6], 1)!;
    single.forEach((v) => expect(v).toBeCloseTo(1, 12));
  });

  it('returns null (tfjs path) for NaN inputs', () => {
    const rng = createRng(28);
    const x = randomRows(rng, 20, 2);
    x[7] = Number.NaN;
    const y = oneHot(rng, 20, 2);
    expect(lowFrequencyRatiosNative(x, 20, 2, y, 2, [1], energy(y))).toBeNull();
  });

  it('returns null (tfjs path) for regression targets', () => {
    const rng = createRng(25);
    const n = 100;
    const y = randomRows(rng, n, 1);
    expect(lowFrequencyRatiosNative(randomRows(rng, n, 2), n, 2, y, 1, [1], energy(y))).toBeNull();
  });
});

describe('lowFrequencyRatios on the wasm backend', () => {
  it('gives the same ratios through the fused kernel and through the tfjs ops', () => {
    const rng = createRng(26);
    const [n, d, c] = [450, 12, 10];
    const x = randomRows(rng, n, d, 0.3);
    const y = oneHot(rng, n, c);
    const k = [0.3, 3, 30, 300, 3000];
    setAnalysisThreads(2);
    const fused = viaTensors(x, y, n, d, c, k);
    process.env.FREQLAB_ANALYSIS_KERNEL = 'tfjs';
    try {
      const ops = viaTensors(x, y, n, d, c, k);
      fused.forEach((v, j) => expect(Math.abs(v - ops[j]), `k = ${k[j]}`).toBeLessThan(1e-5));
    } finally {
      delete process.env.FREQLAB_ANALYSIS_KERNEL;
    }
  });

  it('leaks no tensors', () => {
    const rng = createRng(27);
    const before = tf.memory().numTensors;
    viaTensors(randomRows(rng, 50, 3), oneHot(rng, 50, 3), 50, 3, 3, [1, 2]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
