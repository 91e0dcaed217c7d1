import { describe, it, expect } from 'vitest';
import {
  describeTarget,
  evenlySpaced,
  syntheticSamples,
  targetValue,
  type SyntheticDataConfig,
} from '../../../../src/main/engine/data/synthetic';

const sin3: SyntheticDataConfig = { kind: 'synthetic', target: { kind: 'sin', m: 3 }, trainSize: 201, interval: [-1, 1] };
const cos35: SyntheticDataConfig = {
  kind: 'synthetic',
  target: { kind: 'cos-sum', frequencies: [3, 5] },
  trainSize: 101,
  interval: [-Math.PI, 2],
};

describe('evenlySpaced', () => {
  it('includes both ends exactly and has equal steps', () => {
    const xs = evenlySpaced(-0.3, 1.7, 11);
    expect(xs.length).toBe(11);
    expect(xs[0]).toBe(-0.3);
    expect(xs[10]).toBe(1.7);
    for (let i = 1; i < xs.length; i++) expect(xs[i] - xs[i - 1]).toBeCloseTo(0.2, 12);
  });

  it('two points are the two ends; fewer is an error', () => {
    expect(Array.from(evenlySpaced(2, 5, 2))).toEqual([2, 5]);
    expect(() => evenlySpaced(0, 1, 1)).toThrow(RangeError);
  });
});

describe('targetValue', () => {
  it('sin(m pi x)', () => {
    expect(targetValue({ kind: 'sin', m: 1 }, 0.5)).toBeCloseTo(1, 15);
    expect(targetValue({ kind: 'sin', m: 2 }, 0.25)).toBeCloseTo(1, 15);
    expect(targetValue({ kind: 'sin', m: 3 }, 0)).toBe(0);
  });

  it('sum_f cos(f x)', () => {
    expect(targetValue({ kind: 'cos-sum', frequencies: [3, 5] }, 0)).toBe(2);
    expect(targetValue({ kind: 'cos-sum', frequencies: [3, 5] }, 1)).toBeCloseTo(Math.cos(3) + Math.cos(5), 15);
    expect(targetValue({ kind: 'cos-sum', frequencies: [1] }, Math.PI)).toBeCloseTo(-1, 15);
  });

  it('describes the formula', () => {
    expect(describeTarget({ kind: 'sin', m: 3 })).toBe('sin(3πx)');
    expect(describeTarget({ kind: 'cos-sum', frequencies: [3, 5] })).toBe('cos(3x) + cos(5x)');
  });
});

describe('syntheticSamples', () => {
  it('sin(3 pi x) on [-1, 1]: the formula at the endpoints and the midpoint', () => {
    const { x, y } = syntheticSamples(sin3);
    expect(x.length).toBe(201);
    expect(y.length).toBe(201);
    const ends = [0, 100, 200];
    expect(ends.map((i) => x[i])).toEqual([-1, 0, 1]);
    for (const i of ends) expect(y[i]).toBeCloseTo(Math.sin(3 * Math.PI * x[i]), 6);
    expect(Math.abs(y[0])).toBeLessThan(1e-6);
    expect(y[100]).toBe(0);
    // A quarter of the way: x = -0.5, sin(-1.5 pi) = 1.
    expect(x[50]).toBe(-0.5);
    expect(y[50]).toBeCloseTo(1, 6);
  });

  it('cos(3x) + cos(5x) on [-pi, 2]: the formula at the endpoints and the midpoint', () => {
    const { x, y } = syntheticSamples(cos35);
    const f = (v: number) => Math.cos(3 * v) + Math.cos(5 * v);
    expect(x[0]).toBe(Math.fround(-Math.PI));
    expect(x[100]).toBe(2);
    expect(x[50]).toBeCloseTo((2 - Math.PI) / 2, 6);
    for (const i of [0, 50, 100]) expect(y[i]).toBeCloseTo(f(x[i]), 6);
    expect(y[0]).toBeCloseTo(-2, 5); // cos(-3 pi) + cos(-5 pi)
  });

  it('every y is the formula at its stored x', () => {
    const { x, y } = syntheticSamples(sin3);
    for (let i = 0; i < x.length; i++) expect(y[i]).toBe(Math.fround(Math.sin(3 * Math.PI * x[i])));
  });
});
