// Our product and gather kernels (src/main/engine/wasm-kernels.ts: the native product of
// native-kernels/kernels.c and the wasm one of gemm-kernel/gemm.c) against the plain JS cpu
// backend: awkward sizes (not multiples of the tiles, k beyond the k-blocks), every transpose,
// batches, gathers of rows, and nothing left behind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/main/engine/backend';
import { nativeKernels, nativeKernelsEnvVar, nativeKernelsStatus } from '../../../src/main/engine/native-kernels';
import { closeMatmulWorkers, matmulThreads } from '../../../src/main/engine/parallel-gemm';
import { createRng, normal } from '../../../src/main/engine/random';

beforeAll(async () => {
  expect((await initBackend('wasm')).backend).toBe('wasm');
});

afterAll(async () => {
  await closeMatmulWorkers();
});

function randn(seed: number, n: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => Math.fround(normal(rng)));
}

async function both(f: () => tf.Tensor): Promise<{ cpu: Float32Array | Int32Array; wasm: Float32Array | Int32Array; shape: number[] }> {
  const run = () =>
    tf.tidy(() => {
      const t = f();
      return { values: t.dataSync().slice() as Float32Array | Int32Array, shape: t.shape };
    });
  await tf.setBackend('cpu');
  let cpu: { values: Float32Array | Int32Array; shape: number[] };
  try {
    cpu = run();
  } finally {
    await tf.setBackend('wasm');
  }
  const wasm = run();
  expect(wasm.shape).toEqual(cpu.shape);
  return { cpu: cpu.values, wasm: wasm.values, shape: wasm.shape };
}

function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, scale: number): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    if (!(Math.abs(a[i] - b[i]) <= 1e-5 * scale)) expect.fail(`[${i}]: wasm ${a[i]} vs cpu ${b[i]}`);
  }
}

describe.each(['native', 'wasm'] as const)('matMul through the %s product kernel', (kind) => {
  beforeAll(() => {
    if (kind === 'wasm') process.env[nativeKernelsEnvVar] = '0';
    else expect(nativeKernelsStatus(), 'the native kernels must be built (npm run build:kernels)').toMatchObject({ loaded: true });
  });
  afterAll(() => {
    delete process.env[nativeKernelsEnvVar];
  });

  it.each([
    [1, 1, 1],
    [3, 5, 7],
    [4, 8, 8],
    [5, 9, 17],
    [37, 400, 13], // k beyond one k-block (wasm 384, native 256)
    [13, 600, 35], // m and n beyond one tile, k over two native k-blocks
    [64, 1000, 33],
    [2, 0, 3], // k = 0: zeros
  ])('m=%i k=%i n=%i, every transpose', async (m, k, n) => {
    for (const [ta, tb] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      const a = randn(m * 100 + k, m * k);
      const b = randn(n * 100 + k + 1, k * n);
      const { cpu, wasm } = await both(() =>
        tf.matMul(tf.tensor2d(a, ta ? [k, m] : [m, k]), tf.tensor2d(b, tb ? [n, k] : [k, n]), ta, tb),
      );
      expectClose(wasm, cpu, Math.sqrt(Math.max(k, 1)) * 4);
    }
  });

  it.each([2, 3])('a product large enough to be shared with other threads (%i threads), every transpose', async (threads) => {
    const [m, k, n] = [300, 200, 150];
    process.env.FREQLAB_MATMUL_THREADS = String(threads);
    if (kind === 'native') nativeKernels()!.setThreads(threads);
    try {
      for (const [ta, tb] of [
        [false, false],
        [true, false],
        [false, true],
        [true, true],
      ] as const) {
        const a = randn(41, m * k);
        const b = randn(42, k * n);
        const { cpu, wasm } = await both(() => tf.matMul(tf.tensor2d(a, ta ? [k, m] : [m, k]), tf.tensor2d(b, tb ? [n, k] : [k, n]), ta, tb));
        expectClose(wasm, cpu, Math.sqrt(k) * 4);
      }
    } finally {
      delete process.env.FREQLAB_MATMUL_THREADS;
      if (kind === 'native') nativeKernels()!.setThreads(matmulThreads());
    }
  });

  it('batched products, equal batches and a single batch on either side', async () => {
    const a = randn(1, 3 * 6 * 5);
    const b = randn(2, 3 * 5 * 9);
    const b1 = randn(3, 5 * 9);
    for (const f of [
      () => tf.matMul(tf.tensor3d(a, [3, 6, 5]), tf.tensor3d(b, [3, 5, 9])),
      () => tf.matMul(tf.tensor3d(a, [3, 6, 5]), tf.tensor3d(b1, [1, 5, 9])),
      () => tf.matMul(tf.tensor3d(b1, [1, 9, 5]), tf.tensor3d(a, [3, 6, 5]), false, true),
      () => tf.matMul(tf.tensor3d(a, [3, 6, 5]), tf.tensor3d(b, [3, 9, 5]), false, true),
    ]) {
      const { cpu, wasm } = await both(f);
      expectClose(wasm, cpu, 10);
    }
  });
});

describe('gather of rows', () => {
  it('float32 and int32 rows, 1-D to 3-D inputs, 1-D and 2-D indices, repeats', async () => {
    const x2 = randn(5, 7 * 6);
    const idx = [6, 0, 3, 3, 1];
    for (const f of [
      () => tf.gather(tf.tensor2d(x2, [7, 6]), tf.tensor1d(idx, 'int32')),
      () => tf.gather(tf.tensor2d(x2, [7, 6]), tf.tensor2d([1, 2, 6, 0], [2, 2], 'int32')),
      () => tf.gather(tf.tensor1d(x2.subarray(0, 7)), tf.tensor1d(idx, 'int32')),
      () => tf.gather(tf.tensor3d(x2, [7, 3, 2]), tf.tensor1d(idx, 'int32')),
      () => tf.gather(tf.tensor2d(Int32Array.from({ length: 42 }, (_, i) => i * 3 - 7), [7, 6], 'int32'), tf.tensor1d(idx, 'int32')),
      () => tf.gather(tf.tensor2d(x2, [7, 6]), tf.tensor1d([], 'int32')),
      () => tf.gather(tf.tensor2d(x2, [7, 6]), tf.tensor1d([2, 4], 'int32'), 1), // not axis 0: the original kernel
    ]) {
      const { cpu, wasm } = await both(f);
      expect(Array.from(wasm)).toEqual(Array.from(cpu));
    }
  });
});

describe('tanh', () => {
  it('matches the cpu backend to float32 rounding, including 0, -0, tiny, large, infinite and NaN values', async () => {
    const special = [0, -0, 1e-30, -1e-8, 0.3, 0.6249, 0.625, -0.7, 1, 2.5, -4, 8.99, 9, 20, -1e6, Infinity, -Infinity, Number.NaN];
    const ramp = Array.from({ length: 4001 }, (_, i) => -10 + i * 0.005);
    const values = Float32Array.from([...special, ...ramp, ...randn(9, 1001)]); // not a multiple of 4
    const { cpu, wasm } = await both(() => tf.tanh(tf.tensor1d(values)));
    for (let i = 0; i < values.length; i++) {
      if (Number.isNaN(cpu[i])) {
        expect(wasm[i], `tanh(${values[i]})`).toBeNaN();
        continue;
      }
      const tol = 2.5e-7 * Math.max(Math.abs(cpu[i]), 1e-30) + 1e-37;
      if (!(Math.abs(wasm[i] - cpu[i]) <= Math.max(tol, 6e-8))) expect.fail(`tanh(${values[i]}): wasm ${wasm[i]} vs cpu ${cpu[i]}`);
      if (Math.abs(values[i]) < 1e-3) expect(Math.abs(wasm[i] - values[i])).toBeLessThanOrEqual(Math.abs(values[i]) * 1e-6);
      expect(Object.is(wasm[i], -0)).toBe(Object.is(values[i], -0));
    }
  });
});

describe('no leaks', () => {
  it('leaves no tensors or backend buffers behind', () => {
    const a = tf.tensor2d(randn(7, 12 * 10), [12, 10]);
    const b = tf.tensor2d(randn(8, 10 * 9), [10, 9]);
    const idx = tf.tensor1d([3, 1, 1], 'int32');
    tf.tidy(() => tf.matMul(a, b).dataSync());
    const buffers = () => (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
    const tensors = tf.memory().numTensors;
    const before = buffers();
    for (let i = 0; i < 3; i++) {
      tf.dispose([tf.matMul(a, b), tf.matMul(b, a, true, true), tf.matMul(a, a, false, true), tf.gather(a, idx), tf.tanh(a)]);
    }
    expect(tf.memory().numTensors).toBe(tensors);
    expect(buffers()).toBe(before);
    tf.dispose([a, b, idx]);
  });
});

describe('identity without a copy', () => {
  it('a clone shares the buffer, keeps its values after the original is freed, and frees it last', () => {
    const buffers = () => (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
    const before = buffers();
    const values = randn(11, 24);
    const x = tf.tensor2d(values, [4, 6]);
    const y = tf.clone(x);
    expect(buffers()).toBe(before + 1); // one buffer for both
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual(Array.from(values));
    expect(buffers()).toBe(before + 1);
    y.dispose();
    expect(buffers()).toBe(before);
  });
});
