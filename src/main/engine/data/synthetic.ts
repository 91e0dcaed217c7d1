// One-dimensional regression targets sampled at evenly spaced points (paper, section 4.3).
import type { DataConfig } from '../../../shared/config';

/** The synthetic part of the data config. */
export type SyntheticDataConfig = Extract<DataConfig, { kind: 'synthetic' }>;
/** A 1-D target function: sin(m pi x) or a sum of cosines. */
export type SyntheticTarget = SyntheticDataConfig['target'];

/** Samples of a 1-D target: x and y, one value per sample. */
export interface SyntheticSamples {
  x: Float32Array;
  y: Float32Array;
}

/** `count` evenly spaced points on [lo, hi], both ends included exactly. */
export function evenlySpaced(lo: number, hi: number, count: number): Float64Array {
  if (!Number.isInteger(count) || count < 2) throw new RangeError(`need at least 2 points, got ${count}`);
  // x_i = lo (1 - t_i) + hi t_i with t_i = i / (count - 1): exact at t = 0 and t = 1.
  return Float64Array.from({ length: count }, (_, i) => {
    const t = i / (count - 1);
    return lo * (1 - t) + hi * t;
  });
}

/** The target's value at x: sin(m pi x), or sum over f of cos(f x). */
export function targetValue(target: SyntheticTarget, x: number): number {
  if (target.kind === 'sin') return Math.sin(target.m * Math.PI * x); // y = sin(m pi x)
  let y = 0;
  for (const f of target.frequencies) y += Math.cos(f * x); // y = sum_f cos(f x)
  return y;
}

/** The target as a formula, e.g. `sin(3πx)` or `cos(3x) + cos(5x)`. */
export function describeTarget(target: SyntheticTarget): string {
  if (target.kind === 'sin') return `sin(${target.m}πx)`;
  return target.frequencies.map((f) => `cos(${f}x)`).join(' + ');
}

/** `trainSize` samples of the target on the interval; y is computed from x as stored (float32). */
export function syntheticSamples(data: SyntheticDataConfig): SyntheticSamples {
  const [lo, hi] = data.interval;
  const x = Float32Array.from(evenlySpaced(lo, hi, data.trainSize));
  const y = x.map((xi) => targetValue(data.target, xi));
  return { x, y };
}
