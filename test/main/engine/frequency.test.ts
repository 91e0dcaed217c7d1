// The filtering method on tfjs (method.md sections 1 and 2), checked against a float64 reference
// written from the definitions, against limits and against the analytic sinusoid.
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { analyseLayer, DegenerateInputError, lowFrequencyRatios, normalise } from '../../../src/main/engine/frequency';
import { deltaGridK, type AnalysisConfig, type NormalisationConfig } from '../../../src/shared/config';
import { ratioDensity, rdfPeak } from '../../../src/shared/frequency-math';
import { createRng, normal, type Rng } from '../../../src/main/engine/random';

beforeAll(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
});

/** n x d matrix of offset + spread * N(0, 1), rounded to float32 so the reference sees the same inputs. */
function randomMatrix(rng: Rng, n: number, d: number, spread = 1, offset = 0): number[][] {
  return Array.from({ length: n }, () => Array.from({ length: d }, () => Math.fround(offset + spread * normal(rng))));
}

/** Rows i % classes one-hot: balanced classes. */
function balancedOneHot(n: number, classes: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length: classes }, (_, j) => (i % classes === j ? 1 : 0)));
}

/** LFR(k) straight from the definition, in float64 with full n x n loops. */
function referenceLfr(x: number[][], y: number[][], k: number): number {
  const n = x.length;
  const c = y[0].length;
  let low = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const weighted = new Float64Array(c);
    let weightSum = 0;
    for (let j = 0; j < n; j++) {
      let squaredDistance = 0;
      for (let t = 0; t < x[i].length; t++) squaredDistance += (x[i][t] - x[j][t]) ** 2;
      const g = Math.exp((-squaredDistance * k) / 2);
      weightSum += g;
      for (let t = 0; t < c; t++) weighted[t] += g * y[j][t];
    }
    for (let t = 0; t < c; t++) {
      low += (weighted[t] / weightSum) ** 2;
      total += y[i][t] ** 2;
    }
  }
  return low / total;
}

/** Mean over ordered pairs i != j of |x_i - x_j|^2, from the definition. */
function referenceMeanPairwiseSquaredDistance(x: ArrayLike<number>[]): number {
  const n = x.length;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      for (let t = 0; t < x[i].length; t++) sum += (x[i][t] - x[j][t]) ** 2;
    }
  }
  return sum / (n * (n - 1));
}

/** Runs f with tfjs tensors built from row arrays, disposing them afterwards. */
function withTensors<T>(x: number[][], y: number[][], f: (x: tf.Tensor2D, y: tf.Tensor2D) => T): T {
  const xt = tf.tensor2d(x);
  const yt = tf.tensor2d(y);
  try {
    return f(xt, yt);
  } finally {
    tf.dispose([xt, yt]);
  }
}

function rowsOf(t: tf.Tensor2D): Float32Array[] {
  const values = t.dataSync() as Float32Array;
  const [n, d] = t.shape;
  return Array.from({ length: n }, (_, i) => values.slice(i * d, (i + 1) * d));
}

function analysisConfig(overrides: Partial<AnalysisConfig> = {}): AnalysisConfig {
  return {
    layers: [1],
    epochs: { every: null, at: [0], final: true },
    samples: 100,
    deltaGrid: { kind: 'log-k', kMin: 0.05, kMax: 500, count: 30 },
    normalisation: { kind: 'mean-distance', d0: 1 },
    blockRows: 32,
    ...overrides,
  };
}

describe('lowFrequencyRatios', () => {
  it('agrees with a float64 full-matrix reference for any block size', () => {
    const rng = createRng(11);
    const n = 53; // prime: no block size below n divides it
    const x = randomMatrix(rng, n, 6, 0.5, 2);
    const y = randomMatrix(rng, n, 3, 1, 0.3);
    const k = [0.03, 0.1, 0.3, 1, 3, 10, 30, 100, 300];
    const expected = k.map((kj) => referenceLfr(x, y, kj));
    // The grid spans most of the range between the two limits.
    expect(expected[0]).toBeLessThan(0.2);
    expect(expected[expected.length - 1]).toBeGreaterThan(0.95);
    for (const blockRows of [1, 7, 16, 52, 53, 64, 1000]) {
      const lfr = withTensors(x, y, (xt, yt) => lowFrequencyRatios(xt, yt, k, blockRows));
      lfr.forEach((v, j) => expect(Math.abs(v - expected[j]), `blockRows ${blockRows}, k ${k[j]}`).toBeLessThan(1e-5));
    }
  });

  it('returns the ratios in the order of k, ascending or not', () => {
    const rng = createRng(12);
    const x = randomMatrix(rng, 20, 3);
    const y = randomMatrix(rng, 20, 2);
    const k = [10, 0.1, 3, 1];
    const lfr = withTensors(x, y, (xt, yt) => lowFrequencyRatios(xt, yt, k, 8));
    lfr.forEach((v, j) => expect(v).toBeCloseTo(referenceLfr(x, y, k[j]), 5));
  });

  it('tends to 1 as delta -> 0 and to |mean y|^2 / mean |y|^2 = 0.1 for ten balanced classes as delta -> infinity', () => {
    const rng = createRng(13);
    const n = 200;
    const x = randomMatrix(rng, n, 8);
    const y = balancedOneHot(n, 10);
    // k = 1/delta: 1e9 is delta -> 0, 1e-9 is delta -> infinity.
    const [atInfiniteDelta, atZeroDelta] = withTensors(x, y, (xt, yt) => lowFrequencyRatios(xt, yt, [1e-9, 1e9], 64));
    expect(atZeroDelta).toBeCloseTo(1, 6);
    // mean y = (0.1, ..., 0.1): |mean y|^2 = 10 * 0.01 = 0.1; every |y_i|^2 = 1.
    expect(atInfiniteDelta).toBeCloseTo(0.1, 5);
  });

  it('tends to |mean y|^2 / mean |y|^2 for a regression target as delta -> infinity', () => {
    const rng = createRng(14);
    const n = 120;
    const x = randomMatrix(rng, n, 4);
    const y = randomMatrix(rng, n, 2, 1, 0.7);
    const mean = [0, 1].map((t) => y.reduce((s, row) => s + row[t], 0) / n);
    const meanSquaredNorm = y.reduce((s, row) => s + row[0] ** 2 + row[1] ** 2, 0) / n;
    const expected = (mean[0] ** 2 + mean[1] ** 2) / meanSquaredNorm;
    const [lfr] = withTensors(x, y, (xt, yt) => lowFrequencyRatios(xt, yt, [1e-9], 50));
    expect(lfr).toBeCloseTo(expected, 5);
  });

  it('rejects mismatched rows, a bad block size, a bad k and an all-zero target', () => {
    const rng = createRng(15);
    const x = randomMatrix(rng, 10, 2);
    withTensors(x, randomMatrix(rng, 9, 1), (xt, yt) =>
      expect(() => lowFrequencyRatios(xt, yt, [1], 4)).toThrow(/10 rows but targets have 9/),
    );
    withTensors(x, randomMatrix(rng, 10, 1), (xt, yt) => {
      expect(() => lowFrequencyRatios(xt, yt, [1], 0)).toThrow(/blockRows/);
      expect(() => lowFrequencyRatios(xt, yt, [1], 2.5)).toThrow(/blockRows/);
      expect(() => lowFrequencyRatios(xt, yt, [-1], 4)).toThrow(/k\[0\]/);
      expect(() => lowFrequencyRatios(xt, yt, [Number.NaN], 4)).toThrow(/k\[0\]/);
    });
    withTensors(x, Array.from({ length: 10 }, () => [0]), (xt, yt) =>
      expect(() => lowFrequencyRatios(xt, yt, [1], 4)).toThrow(DegenerateInputError),
    );
  });
});

describe('lowFrequencyRatios on y = sin(m pi x) (the analytic check)', () => {
  // Gaussian smoothing with variance delta multiplies sin(w x) by exp(-w^2 delta / 2), so away
  // from the ends of the interval LFR(delta) = exp(-(m pi)^2 delta) and the RDF, the derivative
  // of exp(-(m pi)^2 / k) in k, peaks at k = (m pi)^2 / 2. Near the ends the normalised kernel
  // is one-sided; that boundary layer has width ~ sqrt(delta) and adds ~ 0.3 / (m L) to the LFR
  // on [-L, L]. On [-1, 1] this is 0.31, 0.16, 0.10 for m = 1, 2, 3 (float64 reference), so the
  // few-hundredths agreement needs more periods: [-10, 10] (the same as m = 10, 20, 30 on [-1, 1]).
  const n = 1000;
  const ms = [1, 2, 3];
  /** k from (m pi)^2 / 8 to 8 (m pi)^2, 25 points evenly spaced in log k. */
  const gridFor = (m: number) => {
    const a = (m * Math.PI) ** 2;
    return Array.from({ length: 25 }, (_, j) => (a / 8) * Math.pow(64, j / 24));
  };
  const sinusoidLfr = (halfWidth: number, m: number, k: number[]) => {
    const xs = Array.from({ length: n }, (_, i) => -halfWidth + (2 * halfWidth * i) / (n - 1));
    return withTensors(
      xs.map((v) => [v]),
      xs.map((v) => [Math.sin(m * Math.PI * v)]),
      (xt, yt) => lowFrequencyRatios(xt, yt, k, 256),
    );
  };

  it('LFR is within a few hundredths of exp(-(m pi)^2 delta) and the RDF peaks near k = (m pi)^2 / 2', () => {
    for (const m of ms) {
      const a = (m * Math.PI) ** 2;
      const k = gridFor(m);
      const lfr = sinusoidLfr(10, m, k);
      let compared = 0;
      k.forEach((kj, j) => {
        const analytic = Math.exp(-a / kj);
        if (analytic < 0.05 || analytic > 0.95) return;
        compared++;
        expect(Math.abs(lfr[j] - analytic), `m ${m}, k ${kj.toFixed(2)}`).toBeLessThan(0.04);
      });
      expect(compared).toBeGreaterThan(15);
      const { rdfK, rdf } = ratioDensity(k, lfr);
      // Within about one grid step (a factor 64^(1/24) = 1.19) of the analytic peak.
      const peak = rdfPeak(rdfK, rdf);
      expect(Math.abs(Math.log(peak / (a / 2))), `m ${m}: peak ${peak} vs ${a / 2}`).toBeLessThan(Math.log(1.25));
    }
  });

  it('on [-1, 1] the RDF peak moves to higher k as m grows, and the deviation is an edge effect that shrinks with m', () => {
    const peaks: number[] = [];
    const deviations: number[] = [];
    for (const m of ms) {
      const a = (m * Math.PI) ** 2;
      const k = gridFor(m);
      const lfr = sinusoidLfr(1, m, k);
      const { rdfK, rdf } = ratioDensity(k, lfr);
      peaks.push(rdfPeak(rdfK, rdf));
      deviations.push(Math.max(...k.map((kj, j) => Math.abs(lfr[j] - Math.exp(-a / kj)))));
    }
    expect(peaks[1]).toBeGreaterThan(peaks[0]);
    expect(peaks[2]).toBeGreaterThan(peaks[1]);
    // Boundary layer ~ 1/m: each step in m shrinks it, and it is well above the [-10, 10] tolerance.
    expect(deviations[1]).toBeLessThan(deviations[0]);
    expect(deviations[2]).toBeLessThan(deviations[1]);
    expect(deviations[0]).toBeGreaterThan(0.1);
  });
});

describe('normalise', () => {
  const rng = createRng(21);
  // Far from the origin, with a small spread: float32 cancellation would show here.
  const x = randomMatrix(rng, 80, 12, 0.3, 50);

  it('mean-distance: the mean pairwise squared distance of the result is d0', () => {
    const naiveInput = referenceMeanPairwiseSquaredDistance(x);
    for (const d0 of [1, 2.5]) {
      const xt = tf.tensor2d(x);
      const result = normalise(xt, { kind: 'mean-distance', d0 });
      expect(referenceMeanPairwiseSquaredDistance(rowsOf(result.x)) / d0).toBeCloseTo(1, 4);
      expect(result.scale / Math.sqrt(d0 / naiveInput)).toBeCloseTo(1, 4);
      tf.dispose([xt, result.x]);
    }
  });

  it('unit-norm: every row has norm 1 and the reported scale is 1', () => {
    const xt = tf.tensor2d(x);
    const result = normalise(xt, { kind: 'unit-norm' });
    for (const row of rowsOf(result.x)) expect(Math.hypot(...row)).toBeCloseTo(1, 6);
    expect(result.scale).toBe(1);
    tf.dispose([xt, result.x]);
  });

  it('none: the values are unchanged, the scale is 1, and the result is a separate tensor', () => {
    const xt = tf.tensor2d(x);
    const result = normalise(xt, { kind: 'none' });
    expect(result.scale).toBe(1);
    expect(result.x).not.toBe(xt);
    expect(Array.from(result.x.dataSync())).toEqual(Array.from(xt.dataSync()));
    result.x.dispose();
    expect(xt.isDisposed).toBe(false);
    xt.dispose();
  });

  it('scaling the input by any factor leaves the normalised LFR unchanged', () => {
    const rng2 = createRng(22);
    const h = randomMatrix(rng2, 60, 5);
    const y = balancedOneHot(60, 4);
    for (const normalisation of [{ kind: 'mean-distance', d0: 1 }, { kind: 'unit-norm' }] as NormalisationConfig[]) {
      const analysis = analysisConfig({ normalisation, deltaGrid: { kind: 'log-k', kMin: 0.1, kMax: 300, count: 12 } });
      const base = withTensors(h, y, (ht, yt) => analyseLayer(ht, yt, analysis));
      for (const factor of [1e-3, 0.37, 7, 1e3]) {
        const scaled = h.map((row) => row.map((v) => v * factor));
        const result = withTensors(scaled, y, (ht, yt) => analyseLayer(ht, yt, analysis));
        result.lfr.forEach((v, j) => expect(Math.abs(v - base.lfr[j]), `${normalisation.kind} x ${factor}`).toBeLessThan(1e-5));
        if (normalisation.kind === 'mean-distance') expect(result.scale * factor).toBeCloseTo(base.scale, 4);
      }
    }
  });

  it('zero variance (all rows equal) is a clear error in every mode, and no tensor leaks', () => {
    const same = Array.from({ length: 6 }, () => [1, -2, 3]);
    const before = tf.memory().numTensors;
    for (const norm of [{ kind: 'none' }, { kind: 'mean-distance', d0: 1 }, { kind: 'unit-norm' }] as NormalisationConfig[]) {
      const xt = tf.tensor2d(same);
      expect(() => normalise(xt, norm)).toThrow(/zero variance/);
      expect(() => normalise(xt, norm)).toThrow(DegenerateInputError);
      xt.dispose();
    }
    // Positive multiples of one row are equal after unit-norm scaling.
    const multiples = tf.tensor2d([
      [1, 2],
      [2, 4],
      [0.5, 1],
    ]);
    expect(() => normalise(multiples, { kind: 'unit-norm' })).toThrow(/zero variance/);
    multiples.dispose();
    const withZeroRow = tf.tensor2d([
      [1, 2],
      [0, 0],
      [3, 1],
    ]);
    expect(() => normalise(withZeroRow, { kind: 'unit-norm' })).toThrow(/sample 1 has norm 0/);
    withZeroRow.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('analyseLayer', () => {
  const rng = createRng(31);
  const h = randomMatrix(rng, 70, 9, 2, 1);
  const y = balancedOneHot(70, 10);

  it('reports k, LFR, RDF and its peak consistently; the RDF integrates to LFR(k_max) - LFR(k_min)', () => {
    const analysis = analysisConfig({ deltaGrid: { kind: 'list', deltas: [0.5, 0.01, 2, 0.1, 10, 0.002] } });
    const result = withTensors(h, y, (ht, yt) => analyseLayer(ht, yt, analysis));
    expect(result.k).toEqual(deltaGridK(analysis.deltaGrid));
    expect(result.k).toEqual([0.1, 0.5, 2, 10, 100, 500]);
    expect(result.normalisation).toEqual(analysis.normalisation);
    expect(result.lfr).toHaveLength(6);
    expect(result.rdfK).toEqual([0.3, 1.25, 6, 55, 300]);
    const integral = result.rdf.reduce((s, r, j) => s + r * (result.k[j + 1] - result.k[j]), 0);
    expect(integral).toBeCloseTo(result.lfr[5] - result.lfr[0], 10);
    expect(result.peakK).toBe(result.rdfK[result.rdf.indexOf(Math.max(...result.rdf))]);
    // The normalised data have mean pairwise squared distance d0 = 1; the raw data about 2 * 9 * 2^2.
    expect(result.scale).toBeGreaterThan(0.1);
    expect(result.scale).toBeLessThan(0.2);
    // The two limits bracket the grid: LFR(k = 0.1) near 0.1, LFR(k = 500) near 1.
    expect(result.lfr[0]).toBeLessThan(0.2);
    expect(result.lfr[5]).toBeGreaterThan(0.95);
  });

  it('leaves the number of tensors unchanged, called repeatedly', () => {
    const ht = tf.tensor2d(h);
    const yt = tf.tensor2d(y);
    const before = tf.memory().numTensors;
    for (const normalisation of [{ kind: 'none' }, { kind: 'mean-distance', d0: 1 }, { kind: 'unit-norm' }] as NormalisationConfig[]) {
      for (let repeat = 0; repeat < 3; repeat++) analyseLayer(ht, yt, analysisConfig({ normalisation, blockRows: 16 }));
      expect(tf.memory().numTensors).toBe(before);
    }
    // A failed analysis does not leak either.
    const constant = tf.tensor2d(Array.from({ length: 70 }, () => [1, 1]));
    expect(() => analyseLayer(constant, yt, analysisConfig())).toThrow(DegenerateInputError);
    constant.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([ht, yt]);
  });
});
