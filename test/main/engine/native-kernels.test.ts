// The native kernels (src/main/engine/native-kernels/kernels.c through native-kernels.ts): where
// the addon is looked for, the product against a float64 product of the same float32 inputs
// (every stride layout, batches, edges of the tiles), results that do not depend on the thread
// count, refused arguments, and the fused Adam step bit for bit against tfjs's AdamOptimizer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/main/engine/backend';
import {
  developmentKernelsPath,
  kernelCandidates,
  loadNativeKernels,
  nativeKernels,
  nativeKernelsEnvVar,
  nativeKernelsStatus,
  packagedKernelsPath,
  type NativeKernels,
} from '../../../src/main/engine/native-kernels';
import { FusedAdamOptimizer, fusedAdamAvailable } from '../../../src/main/engine/optimiser';
import { matmulThreads } from '../../../src/main/engine/parallel-gemm';
import { createRng, normal } from '../../../src/main/engine/random';
// @ts-expect-error: a plain ES module script without types
import { kernelsOutputPath } from '../../../scripts/build-native-kernels.mjs';

let k: NativeKernels;

beforeAll(async () => {
  expect((await initBackend('wasm')).backend).toBe('wasm');
  const status = nativeKernelsStatus();
  expect(status, 'the native kernels must be built (npm run build:kernels)').toMatchObject({ loaded: true });
  k = nativeKernels()!;
});

afterAll(() => {
  k.setThreads(matmulThreads());
});

function randn(seed: number, n: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => Math.fround(normal(rng)));
}

describe('where the addon is looked for', () => {
  const ctx = { env: {}, platform: 'linux', arch: 'x64', projectRoot: '/repo' };

  it('the checkout build, after the packaged one; an override path alone; 0 turns it off', () => {
    expect(kernelCandidates(ctx)).toEqual({ off: false, files: ['/repo/build/native/freqlab-kernels-linux-x64/freqlab_kernels.node'] });
    expect(kernelCandidates({ ...ctx, resourcesPath: '/opt/app/resources' })).toEqual({
      off: false,
      files: [path.join('/opt/app/resources', packagedKernelsPath), '/repo/build/native/freqlab-kernels-linux-x64/freqlab_kernels.node'],
    });
    expect(kernelCandidates({ ...ctx, env: { [nativeKernelsEnvVar]: '/x/k.node' } })).toEqual({ off: false, files: ['/x/k.node'] });
    expect(kernelCandidates({ ...ctx, env: { [nativeKernelsEnvVar]: '0' } })).toEqual({ off: true });
  });

  it('the build script writes where the loader looks', () => {
    expect(kernelsOutputPath('linux', 'arm64')).toBe(developmentKernelsPath('linux', 'arm64'));
  });

  it('a missing file or a turned-off addon is reported with the reason, not thrown', () => {
    const missing = loadNativeKernels({ ...ctx, projectRoot: '/nowhere' });
    expect(missing).toMatchObject({ loaded: false });
    expect((missing as { reason: string }).reason).toContain('/nowhere/build/native/freqlab-kernels-linux-x64/freqlab_kernels.node');
    expect((missing as { reason: string }).reason).toContain('npm run build:kernels');
    expect(loadNativeKernels({ ...ctx, env: { [nativeKernelsEnvVar]: '0' } })).toEqual({ loaded: false, reason: `turned off by $${nativeKernelsEnvVar}=0` });
    const broken = loadNativeKernels({ ...ctx, env: { [nativeKernelsEnvVar]: path.resolve('package.json') } });
    expect(broken).toMatchObject({ loaded: false });
    expect((broken as { reason: string }).reason).toMatch(/package\.json does not load/);
  });
});

interface Layout {
  m: number;
  n: number;
  k: number;
  ta: boolean;
  tb: boolean;
  batch?: number;
}

/** Runs sgemm on a fresh memory; returns C and a float64 product of the same float32 inputs. */
function runProduct({ m, n, k: kk, ta, tb, batch = 1 }: Layout, seed: number) {
  const a = randn(seed, batch * m * kk);
  const b = randn(seed + 1, batch * kk * n);
  const aOff = 16;
  const bOff = aOff + a.length + 3;
  const cOff = bOff + b.length + 5;
  const memory = new ArrayBuffer((cOff + batch * m * n + 7) * 4);
  const f = new Float32Array(memory);
  f.set(a, aOff);
  f.set(b, bOff);
  f.fill(Number.NaN, cOff); // C is written, never read
  const [ars, acs] = ta ? [1, m] : [kk, 1];
  const [brs, bcs] = tb ? [1, kk] : [n, 1];
  k.sgemm(memory, m, n, kk, batch, aOff * 4, m * kk, ars, acs, bOff * 4, kk * n, brs, bcs, cOff * 4, m * n);
  const expected = new Float64Array(batch * m * n);
  const absSum = new Float64Array(batch * m * n); // sum of |a b|: float32 rounding error scales with it
  for (let q = 0; q < batch; q++)
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        let abs = 0;
        for (let t = 0; t < kk; t++) {
          const p = a[q * m * kk + i * ars + t * acs] * b[q * kk * n + t * brs + j * bcs];
          s += p;
          abs += Math.abs(p);
        }
        expected[q * m * n + i * n + j] = s;
        absSum[q * m * n + i * n + j] = abs;
      }
  return { c: f.slice(cOff, cOff + batch * m * n), expected, absSum, after: f[cOff + batch * m * n] };
}

describe('sgemm', () => {
  const shapes: Array<[number, number, number]> = [
    [1, 1, 1],
    [6, 16, 1], // one whole tile
    [7, 17, 3], // one past it both ways
    [5, 15, 300], // k over the 256 k-block
    [97, 33, 513], // m over the 96-row block, k over two k-blocks
    [64, 130, 0], // k = 0: zeros
  ];
  it.each(shapes)('m=%i n=%i k=%i, every transpose: within float32 rounding of the float64 product', (m, n, kk) => {
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      const { c, expected, absSum, after } = runProduct({ m, n, k: kk, ta, tb }, m * 1000 + n + kk);
      for (let i = 0; i < c.length; i++) {
        if (!(Math.abs(c[i] - expected[i]) <= 1e-6 * absSum[i])) expect.fail(`ta=${ta} tb=${tb} [${i}]: ${c[i]} vs ${expected[i]}`);
      }
      expect(after).toBeNaN(); // nothing written past C
    }
  });

  it('batches of products with their own operands', () => {
    const { c, expected, absSum } = runProduct({ m: 9, n: 20, k: 30, ta: false, tb: true, batch: 3 }, 5);
    for (let i = 0; i < c.length; i++) expect(Math.abs(c[i] - expected[i])).toBeLessThanOrEqual(1e-6 * absSum[i]);
  });

  it('gives the same bits on 1, 2 and 3 threads', () => {
    const results = [1, 2, 3].map((t) => {
      k.setThreads(t);
      return runProduct({ m: 301, n: 150, k: 200, ta: true, tb: false }, 77).c;
    });
    k.setThreads(matmulThreads());
    expect(Buffer.from(results[1].buffer).equals(Buffer.from(results[0].buffer))).toBe(true);
    expect(Buffer.from(results[2].buffer).equals(Buffer.from(results[0].buffer))).toBe(true);
  });

  it('refuses operands outside the memory and arguments that are not sizes', () => {
    const memory = new ArrayBuffer(64 * 4);
    expect(() => k.sgemm(memory, 8, 8, 8, 1, 0, 0, 8, 1, 0, 0, 8, 1, 0, 0)).not.toThrow(); // 64 floats each from 0: fits
    expect(() => k.sgemm(memory, 8, 8, 8, 1, 0, 0, 8, 1, 0, 0, 8, 1, 4, 0)).toThrow(/outside the memory/);
    expect(() => k.sgemm(memory, 2, 2, 2, 1, 2, 0, 2, 1, 0, 0, 2, 1, 0, 0)).toThrow(/outside the memory/); // misaligned
    expect(() => k.sgemm(memory, -1, 2, 2, 1, 0, 0, 2, 1, 0, 0, 2, 1, 0, 0)).toThrow(/whole numbers >= 0 \(argument 2\)/);
    expect(() => k.sgemm(memory, 1.5, 2, 2, 1, 0, 0, 2, 1, 0, 0, 2, 1, 0, 0)).toThrow(/whole numbers >= 0 \(argument 2\)/);
    expect(() => (k.sgemm as (...a: unknown[]) => void)({}, 1, 1, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0)).toThrow(TypeError);
    expect(() => (k.sgemm as (...a: unknown[]) => void)(memory, 1)).toThrow(/15 arguments/);
    expect(() => k.setThreads(0)).toThrow(RangeError);
  });
});

describe('fused Adam step', () => {
  /** Trains two variables for `steps` steps with the given optimiser; returns every value it holds. */
  function train(make: () => tf.Optimizer, steps: number): Float32Array[] {
    const w = tf.variable(tf.tensor2d(randn(1, 37 * 11), [37, 11]), true, 'fused-adam-w');
    const b = tf.variable(tf.tensor1d(randn(2, 11)), true, 'fused-adam-b');
    const x = tf.tensor2d(randn(3, 20 * 37), [20, 37]);
    const y = tf.tensor2d(randn(4, 20 * 11), [20, 11]);
    const opt = make();
    try {
      for (let s = 0; s < steps; s++) {
        // The gradient of b is zero at the third step: the moments must still decay.
        tf.dispose(opt.minimize(() => tf.mean(tf.square(tf.sub(tf.add(tf.matMul(x, w), s === 2 ? tf.mul(b, 0) : b), y))) as tf.Scalar, true, [w, b]) as tf.Scalar);
      }
      const state = opt as unknown as { accumulatedFirstMoment: { variable: tf.Variable }[]; accumulatedSecondMoment: { variable: tf.Variable }[]; accBeta1: tf.Variable };
      return [w, b, ...state.accumulatedFirstMoment.map((s) => s.variable), ...state.accumulatedSecondMoment.map((s) => s.variable), state.accBeta1].map(
        (t) => (t.dataSync() as Float32Array).slice(),
      );
    } finally {
      opt.dispose();
      tf.dispose([w, b, x, y]);
    }
  }

  it('is registered on wasm with the native kernels', () => {
    expect(fusedAdamAvailable()).toBe(true);
  });

  it('is bit-identical to tfjs AdamOptimizer over six steps (with a zero gradient), and keeps its class name', () => {
    const ours = train(() => new FusedAdamOptimizer(0.01, 0.9, 0.999, 1e-7), 6);
    const stock = train(() => tf.train.adam(0.01, 0.9, 0.999, 1e-7), 6);
    expect(ours.length).toBe(7);
    ours.forEach((v, i) => expect(Buffer.from(v.buffer).equals(Buffer.from(stock[i].buffer)), `tensor ${i}`).toBe(true));
    // and it moved: the weights after training differ from the start
    expect(Buffer.from(ours[0].buffer).equals(Buffer.from(randn(1, 37 * 11).buffer))).toBe(false);
    expect(new FusedAdamOptimizer(0.01, 0.9, 0.999).getClassName()).toBe('Adam');
  });

  it('leaves the tensor count flat from step to step', () => {
    const w = tf.variable(tf.tensor2d(randn(9, 50 * 4), [50, 4]));
    const opt = new FusedAdamOptimizer(0.001, 0.9, 0.999, 1e-7);
    const step = () => tf.dispose(opt.minimize(() => tf.sum(tf.square(w)) as tf.Scalar, true, [w]) as tf.Scalar);
    step();
    const after1 = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) step();
    expect(tf.memory().numTensors).toBe(after1);
    opt.dispose();
    w.dispose();
  });
});

/** Runs each op with the native kernels and then with the backend's own (FREQLAB_NATIVE_KERNELS=0),
 *  expects the same shapes and bits, and returns the native results. */
function expectSameBitsAsBackend(ops: Array<() => tf.Tensor>): Array<{ shape: number[]; values: Float32Array }> {
  const run = () => ops.map((f) => tf.tidy(() => { const t = f(); return { shape: t.shape, values: t.dataSync().slice() as Float32Array }; }));
  const ours = run();
  process.env[nativeKernelsEnvVar] = '0';
  let stock: typeof ours;
  try {
    stock = run();
  } finally {
    delete process.env[nativeKernelsEnvVar];
  }
  ours.forEach((o, i) => {
    expect(o.shape, `case ${i}`).toEqual(stock[i].shape);
    expect(Buffer.from(o.values.buffer).equals(Buffer.from(stock[i].values.buffer)), `case ${i}`).toBe(true);
  });
  return ours;
}

describe('sum and mean over leading axes (column sums)', () => {
  it.each(['sum', 'mean'] as const)('%s: the same bits as the backend\'s own kernel, for every leading-axes reduction, keepDims and not', (op) => {
    const x = tf.tensor3d(randn(21, 300 * 7 * 33), [300, 7, 33]);
    const cases: Array<[number | number[], boolean]> = [[0, false], [0, true], [[0, 1], false], [[1, 0], true], [-3, false], [1, false], [[0, 1, 2], false], [2, true]];
    const ours = expectSameBitsAsBackend(cases.map(([axis, keepDims]) => () => tf[op](x, axis, keepDims)));
    // and against the definition, in float64, for the batch sum
    const values = x.dataSync();
    const col0 = Array.from({ length: 300 }, (_, i) => values[i * 231]).reduce((a, b) => a + b, 0);
    expect(ours[0].values[0]).toBeCloseTo(op === 'sum' ? col0 : col0 / 300, op === 'sum' ? 3 : 5);
    x.dispose();
  });

  it('refuses operands outside the memory', () => {
    expect(() => k.colsum(new ArrayBuffer(40), 3, 4, 0, 0)).toThrow(/outside the memory/);
  });
});

describe('elementwise add, sub, mul, div with a repeated row', () => {
  it('the same bits as the backend\'s own kernels, for equal shapes, repeated rows on either side, and the cases it leaves to them', () => {
    const big = tf.tensor4d(randn(31, 8 * 6 * 5 * 16), [8, 6, 5, 16]);
    const big2 = tf.tensor4d(randn(32, 8 * 6 * 5 * 16).map((v) => v + 3), [8, 6, 5, 16]);
    const channels = tf.tensor1d(randn(33, 16).map((v) => v + 2));
    const channels4 = tf.reshape(channels, [1, 1, 1, 16]);
    const rowsOf80 = tf.tensor2d(randn(34, 5 * 16), [5, 16]);
    const scalar = tf.scalar(1.7);
    const column = tf.tensor4d(randn(35, 8), [8, 1, 1, 1]);
    const ops = [tf.add, tf.sub, tf.mul, tf.div] as const;
    const pairs: Array<[tf.Tensor, tf.Tensor]> = [[big, big2], [big, channels], [channels, big], [big, channels4], [big2, rowsOf80], [big, scalar], [column, big], [channels, channels]];
    const ours = expectSameBitsAsBackend(ops.flatMap((op) => pairs.map(([a, b]) => () => op(a, b))));
    // and by definition: big - channels at one position
    const b = big.dataSync();
    const c = channels.dataSync();
    expect(ours[pairs.length + 1].values[17]).toBe(Math.fround(b[17] - c[1]));
    tf.dispose([big, big2, channels, channels4, rowsOf80, scalar, column]);
  });

  it('refuses operands that do not repeat by whole rows', () => {
    const memory = new ArrayBuffer(400);
    expect(() => k.binary(memory, 0, 0, 10, 40, 3, 80, 10)).toThrow(/one row that divides n/);
    expect(() => k.binary(memory, 7 as 0, 0, 10, 40, 10, 80, 10)).toThrow(/op must be/);
    expect(() => k.binary(memory, 0, 0, 100, 0, 100, 0, 100)).not.toThrow(); // 100 floats each, in place: fits
    expect(() => k.binary(memory, 0, 0, 100, 0, 100, 4, 100)).toThrow(/outside the memory/);
  });
});
