// The patched wasm matmul kernels (src/main/engine/wasm-kernels.ts) against the plain JS cpu
// backend: every transpose combination, batched and broadcast products, the fused product with
// bias and activation, gradients of a dense layer, and no leaked tensors or backend buffers.
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/main/engine/backend';
import { applyWasmKernelFixes } from '../../../src/main/engine/wasm-kernels';
import { createRng, normal } from '../../../src/main/engine/random';

beforeAll(async () => {
  const active = await initBackend('wasm'); // applies applyWasmKernelFixes
  expect(active.backend).toBe('wasm');
  applyWasmKernelFixes(); // a second call must be harmless
});

/** Runs `f` on the cpu backend and returns its results as plain arrays; wasm is active again after. */
async function onCpu(f: () => tf.Tensor | tf.Tensor[]): Promise<{ shape: number[]; values: Float32Array }[]> {
  await tf.setBackend('cpu');
  try {
    return tf.tidy(() => {
      const r = f();
      return (Array.isArray(r) ? r : [r]).map((t) => ({ shape: t.shape, values: t.dataSync().slice() as Float32Array }));
    });
  } finally {
    await tf.setBackend('wasm');
  }
}

/** Same on the (active) wasm backend. */
function onWasm(f: () => tf.Tensor | tf.Tensor[]): { shape: number[]; values: Float32Array }[] {
  expect(tf.getBackend()).toBe('wasm');
  return tf.tidy(() => {
    const r = f();
    return (Array.isArray(r) ? r : [r]).map((t) => ({ shape: t.shape, values: t.dataSync().slice() as Float32Array }));
  });
}

/** Seeded N(0, 1) values rounded to float32. */
function randn(seed: number, n: number): number[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => Math.fround(normal(rng)));
}

function expectSameResults(actual: { shape: number[]; values: Float32Array }[], expected: { shape: number[]; values: Float32Array }[]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, t) => {
    const e = expected[t];
    expect(a.shape, `output ${t} shape`).toEqual(e.shape);
    expect(a.values.length).toBe(e.values.length);
    for (let i = 0; i < e.values.length; i++) {
      const tol = 1e-4 * Math.max(1, Math.abs(e.values[i]));
      if (!(Math.abs(a.values[i] - e.values[i]) <= tol)) {
        expect.fail(`output ${t}[${i}]: wasm ${a.values[i]} vs cpu ${e.values[i]}`);
      }
    }
  });
}

/** Compares one computation on both backends. */
async function compare(f: () => tf.Tensor | tf.Tensor[]): Promise<void> {
  const expected = await onCpu(f);
  const actual = onWasm(f);
  expectSameResults(actual, expected);
}

/** Backend buffers of the active backend: the patched kernels make intermediates the engine does not see. */
function backendBuffers(): number {
  return (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
}

describe('patched wasm matMul equals the cpu backend', () => {
  // a: 5 x 7, b: 7 x 3 in the untransposed layout; stored transposed where the flag is set.
  const m = 5;
  const k = 7;
  const n = 3;
  const aData = randn(1, m * k);
  const bData = randn(2, k * n);

  it.each([
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ])('transposeA=%s transposeB=%s', async (transposeA, transposeB) => {
    const f = () => {
      const a = tf.tensor2d(aData, transposeA ? [k, m] : [m, k]);
      const b = tf.tensor2d(bData, transposeB ? [n, k] : [k, n]);
      return tf.matMul(a, b, transposeA, transposeB);
    };
    const expected = await onCpu(f);
    expect(expected[0].shape).toEqual([m, n]);
    expectSameResults(onWasm(f), expected);
  });

  it('the transposed product is the product of the transposes (a float64 check of one case)', () => {
    // (A^T B)_{ij} = sum_t A_{ti} B_{tj}, with A stored k x m
    const got = onWasm(() => tf.matMul(tf.tensor2d(aData, [k, m]), tf.tensor2d(bData, [k, n]), true, false))[0].values;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let t = 0; t < k; t++) s += aData[t * m + i] * bData[t * n + j];
        expect(Math.abs(got[i * n + j] - s)).toBeLessThan(1e-4 * Math.max(1, Math.abs(s)));
      }
    }
  });

  it.each([
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ])('batched 3-D, transposeA=%s transposeB=%s', async (transposeA, transposeB) => {
    const batch = 3;
    const a3 = randn(3, batch * m * k);
    const b3 = randn(4, batch * k * n);
    await compare(() =>
      tf.matMul(
        tf.tensor3d(a3, transposeA ? [batch, k, m] : [batch, m, k]),
        tf.tensor3d(b3, transposeB ? [batch, n, k] : [batch, k, n]),
        transposeA,
        transposeB,
      ),
    );
  });

  it('batched with a broadcast batch dimension, both transposed', async () => {
    const a3 = randn(5, 4 * k * m);
    const b3 = randn(6, 1 * n * k);
    await compare(() => tf.matMul(tf.tensor3d(a3, [4, k, m]), tf.tensor3d(b3, [1, n, k]), true, true));
  });

  it('an outer product through a transposed row vector (the transpose is a no-op on the data)', async () => {
    await compare(() => tf.matMul(tf.tensor2d([1, -2, 3], [1, 3]), tf.tensor2d([4, 5, 6, 7], [1, 4]), true, false));
    const [r] = onWasm(() => tf.matMul(tf.tensor2d([1, -2, 3], [1, 3]), tf.tensor2d([4, 5, 6, 7], [1, 4]), true, false));
    expect(Array.from(r.values)).toEqual([4, 5, 6, 7, -8, -10, -12, -14, 12, 15, 18, 21]);
  });

  it.each([
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ])('fused matMul with bias and relu, transposeA=%s transposeB=%s', async (transposeA, transposeB) => {
    const bias = randn(7, n);
    const f = () =>
      tf.fused.matMul({
        a: tf.tensor2d(aData, transposeA ? [k, m] : [m, k]),
        b: tf.tensor2d(bData, transposeB ? [n, k] : [k, n]),
        transposeA,
        transposeB,
        bias: tf.tensor1d(bias),
        activation: 'relu',
      });
    const expected = await onCpu(f);
    // relu must both clip and pass values in this data, or the check is weaker than it looks
    expect(Array.from(expected[0].values).some((v) => v === 0)).toBe(true);
    expect(Array.from(expected[0].values).some((v) => v > 0)).toBe(true);
    expectSameResults(onWasm(f), expected);
  });
});

describe('shape errors', () => {
  /** The message `f` throws on the given backend. */
  async function messageOn(backend: 'cpu' | 'wasm', f: () => unknown): Promise<string> {
    await tf.setBackend(backend);
    try {
      f();
    } catch (e) {
      return (e as Error).message;
    } finally {
      await tf.setBackend('wasm');
    }
    throw new Error(`expected an error on ${backend}`);
  }

  it.each([
    [true, true, [4, 3], [5, 3]],
    [true, false, [4, 3], [5, 3]],
    [false, true, [4, 3], [5, 4]],
  ])('a mismatched product names the caller\'s shapes and flags, as on cpu (transposeA=%s transposeB=%s)', async (transposeA, transposeB, aShape, bShape) => {
    const f = () => tf.tidy(() => tf.matMul(tf.ones(aShape as [number, number]) as tf.Tensor2D, tf.ones(bShape as [number, number]) as tf.Tensor2D, transposeA, transposeB));
    const cpu = await messageOn('cpu', f);
    const wasm = await messageOn('wasm', f);
    expect(cpu).toContain(`shapes ${aShape} and ${bShape} and transposeA=${transposeA} and transposeB=${transposeB}`);
    expect(wasm).toBe(cpu);
  });
});

describe('gradients on the patched kernels equal the cpu backend', () => {
  const batch = 6;
  const inDim = 5;
  const outDim = 4;
  const xData = randn(11, batch * inDim);
  const wData = randn(12, inDim * outDim).map((v) => v * 0.5);
  const bData = randn(13, outDim).map((v) => v * 0.1);
  const yData = randn(14, batch * outDim);

  it('dense layer tanh(x W + b), mean squared error: dL/dW, dL/db, dL/dx', async () => {
    const f = () => {
      const x = tf.tensor2d(xData, [batch, inDim]);
      const w = tf.tensor2d(wData, [inDim, outDim]);
      const b = tf.tensor1d(bData);
      const y = tf.tensor2d(yData, [batch, outDim]);
      const loss = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
        tf.mean(tf.square(tf.sub(tf.tanh(tf.add(tf.matMul(xx as tf.Tensor2D, ww as tf.Tensor2D), bb)), y)));
      return tf.grads(loss)([x, w, b]);
    };
    const expected = await onCpu(f);
    expect(expected.map((e) => e.shape)).toEqual([[batch, inDim], [inDim, outDim], [outDim]]);
    expect(expected.every((e) => e.values.some((v) => v !== 0))).toBe(true);
    expectSameResults(onWasm(f), expected);
  });

  it('fused dense layer with relu: dL/dW, dL/db', async () => {
    const f = () => {
      const x = tf.tensor2d(xData, [batch, inDim]);
      const y = tf.tensor2d(yData, [batch, outDim]);
      const loss = (ww: tf.Tensor, bb: tf.Tensor) =>
        tf.sum(tf.mul(tf.fused.matMul({ a: x, b: ww as tf.Tensor2D, bias: bb, activation: 'relu' }), y));
      return tf.grads(loss)([tf.tensor2d(wData, [inDim, outDim]), tf.tensor1d(bData)]);
    };
    await compare(f);
  });
});

describe('no leaks', () => {
  it('no tensors or backend buffers are left behind by transposed products and their gradients', () => {
    const a = tf.tensor2d(randn(21, 4 * 3), [4, 3]);
    const b = tf.tensor2d(randn(22, 5 * 3), [5, 3]);
    const c = tf.tensor2d(randn(23, 4 * 5), [4, 5]);
    const row = tf.tensor2d([1, 2, 3], [1, 3]);
    const bias = tf.tensor1d([0.1, -0.2, 0.3, 0.4, -0.5]);
    // warm up once so that anything the backend allocates lazily is allocated
    tf.tidy(() => tf.matMul(a, b, false, true).dataSync());
    const tensors = tf.memory().numTensors;
    const buffers = backendBuffers();
    for (let i = 0; i < 3; i++) {
      const outputs = [
        tf.matMul(a, b, false, true),
        tf.matMul(a, c, true, false),
        tf.matMul(b, c, true, true),
        tf.matMul(row, row, true, false),
        tf.fused.matMul({ a, b, transposeB: true, bias, activation: 'relu' }),
      ];
      outputs.forEach((o) => o.dataSync());
      tf.dispose(outputs);
      tf.tidy(() => {
        const g = tf.grads((aa: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.matMul(aa as tf.Tensor2D, bb as tf.Tensor2D, false, true)))([a, b]);
        g.forEach((t) => t.dataSync());
      });
      expect(tf.memory().numTensors, `tensors after round ${i + 1}`).toBe(tensors);
      expect(backendBuffers(), `backend buffers after round ${i + 1}`).toBe(buffers);
    }
    // a product that fails its shape check leaves nothing behind either
    expect(() => tf.matMul(a, b, true, true)).toThrow();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backendBuffers()).toBe(buffers);
    // the inputs survive: the explicit transposes freed only their own buffers
    expect(Array.from(row.dataSync())).toEqual([1, 2, 3]);
    expect(a.dataSync().length).toBe(12);
    tf.dispose([a, b, c, row, bias]);
  });
});
