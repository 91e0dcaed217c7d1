// The host-side math of the filtering method (method.md section 1), against values worked out by hand.
import { describe, it, expect } from 'vitest';
import {
  lfrLimitAtInfiniteDelta,
  meanPairwiseSquaredDistance,
  ratioDensity,
  rdfPeak,
} from '../../src/shared/frequency-math';

describe('ratioDensity', () => {
  it('is the finite difference at the midpoints: for LFR = k^2 it is k_j + k_{j+1}', () => {
    const k = [1, 2, 4, 7, 7.5];
    const { rdfK, rdf } = ratioDensity(k, k.map((v) => v * v));
    expect(rdfK).toEqual([1.5, 3, 5.5, 7.25]);
    // (k_{j+1}^2 - k_j^2) / (k_{j+1} - k_j) = k_j + k_{j+1}
    rdf.forEach((r, j) => expect(r).toBeCloseTo(k[j] + k[j + 1], 12));
  });

  it('sums (times dk) to LFR(k_max) - LFR(k_min)', () => {
    const k = [0.1, 0.3, 1, 3, 10, 30, 100];
    const lfr = [0.11, 0.12, 0.2, 0.45, 0.8, 0.97, 0.999];
    const { rdf } = ratioDensity(k, lfr);
    const integral = rdf.reduce((sum, r, j) => sum + r * (k[j + 1] - k[j]), 0);
    expect(integral).toBeCloseTo(lfr[lfr.length - 1] - lfr[0], 12);
  });

  it('rejects k that is not strictly ascending, mismatched lengths and fewer than two points', () => {
    expect(() => ratioDensity([1, 3, 2], [0, 0, 0])).toThrow(/strictly ascending/);
    expect(() => ratioDensity([1, 2, 2], [0, 0, 0])).toThrow(/strictly ascending/);
    expect(() => ratioDensity([1, 2, 3], [0, 0])).toThrow(/3 values but lfr has 2/);
    expect(() => ratioDensity([1], [0])).toThrow(/at least two/);
    expect(() => ratioDensity([1, Number.NaN], [0, 0])).toThrow(/not finite/);
  });
});

describe('rdfPeak', () => {
  it('is the midpoint with the largest RDF (the first one on ties, NaN never wins)', () => {
    expect(rdfPeak([1, 2, 3, 4], [0.1, 0.5, 0.2, -1])).toBe(2);
    expect(rdfPeak([1, 2, 3], [0.5, 0.5, 0.1])).toBe(1);
    expect(rdfPeak([1, 2, 3], [Number.NaN, 0.1, 0.3])).toBe(3);
    expect(rdfPeak([1, 2], [Number.NaN, Number.NaN])).toBeNaN();
  });

  it('rejects an empty RDF and mismatched lengths', () => {
    expect(() => rdfPeak([], [])).toThrow(/empty/);
    expect(() => rdfPeak([1, 2], [1])).toThrow(/2 values but rdf has 1/);
  });
});

describe('lfrLimitAtInfiniteDelta', () => {
  it('is 0.1 for ten balanced one-hot classes: |(0.1, ..., 0.1)|^2 / 1', () => {
    const n = 50;
    const y = new Float32Array(n * 10);
    for (let i = 0; i < n; i++) y[i * 10 + (i % 10)] = 1;
    expect(lfrLimitAtInfiniteDelta(y, n, 10)).toBeCloseTo(0.1, 12);
  });

  it('is 1 for a constant target and 0 for a target with zero mean', () => {
    expect(lfrLimitAtInfiniteDelta(new Float32Array([2, -1, 2, -1, 2, -1]), 3, 2)).toBeCloseTo(1, 12);
    expect(lfrLimitAtInfiniteDelta(new Float32Array([1, -1, 3, -3]), 4, 1)).toBe(0);
  });

  it('matches a hand computation', () => {
    // y = (1, 0), (0, 1), (1, 1): mean (2/3, 2/3), |mean|^2 = 8/9; mean |y|^2 = (1 + 1 + 2) / 3 = 4/3.
    expect(lfrLimitAtInfiniteDelta(new Float32Array([1, 0, 0, 1, 1, 1]), 3, 2)).toBeCloseTo(8 / 9 / (4 / 3), 12);
  });

  it('rejects a wrong length and an all-zero target', () => {
    expect(() => lfrLimitAtInfiniteDelta(new Float32Array(5), 3, 2)).toThrow(/expected n \* c = 6/);
    expect(() => lfrLimitAtInfiniteDelta(new Float32Array(6), 3, 2)).toThrow(/zero everywhere/);
  });
});

describe('meanPairwiseSquaredDistance', () => {
  it('equals the mean over ordered pairs i != j of |x_i - x_j|^2', () => {
    // Fixed small data set, checked against the definition with a double loop.
    const points = [
      [0.3, -1.2, 2.0],
      [1.1, 0.4, -0.7],
      [-2.2, 0.9, 0.05],
      [0.0, 0.0, 1.5],
      [4.0, -3.0, 0.25],
    ];
    const n = points.length;
    let pairSum = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        if (i !== j) pairSum += points[i].reduce((s, v, t) => s + (v - points[j][t]) ** 2, 0);
      }
    }
    const sumSquaredNorms = points.reduce((s, p) => s + p.reduce((t, v) => t + v * v, 0), 0);
    const sum = [0, 1, 2].map((t) => points.reduce((s, p) => s + p[t], 0));
    const squaredNormOfSum = sum.reduce((s, v) => s + v * v, 0);
    expect(meanPairwiseSquaredDistance(sumSquaredNorms, squaredNormOfSum, n)).toBeCloseTo(pairSum / (n * (n - 1)), 10);
  });

  it('is |a - b|^2 for two points and 0 for identical points', () => {
    // a = (1, 2), b = (4, 6): |a|^2 + |b|^2 = 57, |a + b|^2 = 89, (4 * 57 - 2 * 89) / 2 = 25.
    expect(meanPairwiseSquaredDistance(57, 89, 2)).toBeCloseTo(25, 12);
    // three copies of (1, 1): sum |x|^2 = 6, |sum|^2 = 18 -> (36 - 36) / 6 = 0
    expect(meanPairwiseSquaredDistance(6, 18, 3)).toBe(0);
  });

  it('rejects fewer than two samples', () => {
    expect(() => meanPairwiseSquaredDistance(1, 1, 1)).toThrow(/at least two/);
  });
});
