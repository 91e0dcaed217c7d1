import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DataConfig } from '../../../../src/shared/config';
import { createRng, deriveSeed, sampleIndices } from '../../../../src/main/engine/random';
import { DataFileError } from '../../../../src/main/engine/data/errors';
import { loadIdxPair } from '../../../../src/main/engine/data/idx';
import {
  loadDataset,
  oneHot,
  subsetDataset,
  trainSubsetIndices,
  type Dataset,
} from '../../../../src/main/engine/data/dataset';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const MNIST_DIR = path.resolve(repoRoot, '../shared/data/mnist');

/** Whether two typed arrays hold the same bytes (vitest's deep toEqual is slow on millions of elements). */
function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

const mnist = (trainSize: number, dir = MNIST_DIR): DataConfig => ({ kind: 'idx', dir, files: 't10k', trainSize });

/** A tiny classification dataset: 4 samples of 2 inputs, 3 classes. */
function tinyDataset(): Dataset {
  const labels = Uint8Array.from([2, 0, 1, 2]);
  return {
    name: 'tiny',
    n: 4,
    inputDim: 2,
    outputDim: 3,
    x: Float32Array.from([0, 1, 10, 11, 20, 21, 30, 31]),
    y: oneHot(labels, 3),
    labels,
    classes: 3,
  };
}

describe('oneHot', () => {
  it('puts a 1 at each label, rows of `classes`', () => {
    expect(Array.from(oneHot(Uint8Array.from([2, 0, 1]), 3))).toEqual([0, 0, 1, 1, 0, 0, 0, 1, 0]);
    expect(oneHot(new Uint8Array(0), 10).length).toBe(0);
  });

  it('rejects a label that is not below `classes`', () => {
    expect(() => oneHot(Uint8Array.from([0, 3]), 3)).toThrow(/label 3 at index 1/);
  });
});

describe('subsetDataset', () => {
  it('gathers rows of x, y and labels in the order given', () => {
    const ds = tinyDataset();
    const sub = subsetDataset(ds, [3, 1]);
    expect(sub.n).toBe(2);
    expect([sub.inputDim, sub.outputDim, sub.classes, sub.name]).toEqual([2, 3, 3, 'tiny']);
    expect(Array.from(sub.x)).toEqual([30, 31, 10, 11]);
    expect(Array.from(sub.y)).toEqual([0, 0, 1, 1, 0, 0]);
    expect(Array.from(sub.labels!)).toEqual([2, 0]);
  });

  it('is pure: the source is unchanged and the subset owns its arrays', () => {
    const ds = tinyDataset();
    const sub = subsetDataset(ds, Int32Array.from([0]));
    sub.x[0] = 99;
    expect(ds.x[0]).toBe(0);
    expect(Array.from(ds.x)).toEqual([0, 1, 10, 11, 20, 21, 30, 31]);
  });

  it('keeps labels null for regression', () => {
    const reg: Dataset = { ...tinyDataset(), outputDim: 1, y: Float32Array.from([5, 6, 7, 8]), labels: null, classes: null };
    const sub = subsetDataset(reg, [2]);
    expect(sub.labels).toBeNull();
    expect(Array.from(sub.y)).toEqual([7]);
  });

  it('rejects indices outside the dataset', () => {
    expect(() => subsetDataset(tinyDataset(), [0, 4])).toThrow(/index 4 \(position 1\) is outside the dataset's 0\.\.3/);
    expect(() => subsetDataset(tinyDataset(), [-1])).toThrow(RangeError);
    expect(() => subsetDataset(tinyDataset(), [0.5])).toThrow(RangeError);
  });
});

describe('loadDataset: IDX (real MNIST test set)', () => {
  it('a seeded subset of trainSize samples with one-hot labels, rows taken from the file', async () => {
    const seed = 42;
    const ds = await loadDataset(mnist(1000), seed);
    expect([ds.n, ds.inputDim, ds.outputDim, ds.classes]).toEqual([1000, 784, 10, 10]);
    expect(ds.x.length).toBe(1000 * 784);
    expect(ds.y.length).toBe(1000 * 10);
    expect(ds.name).toBe('mnist t10k (1000 of 10000)');

    // The subset is the documented draw: sampleIndices on the 'train-subset' stream, in file order.
    const drawn = sampleIndices(10000, 1000, createRng(deriveSeed(seed, 'train-subset')));
    const indices = trainSubsetIndices(10000, 1000, seed);
    expect(Array.from(indices)).toEqual(Array.from(drawn).sort((a, b) => a - b));

    const pair = await loadIdxPair(MNIST_DIR, 't10k');
    for (const k of [0, 1, 500, 999]) {
      const i = indices[k];
      expect(ds.labels![k]).toBe(pair.labels[i]);
      expect(Array.from(ds.x.subarray(k * 784, (k + 1) * 784))).toEqual(
        Array.from(pair.images.subarray(i * 784, (i + 1) * 784)),
      );
    }
    for (let k = 0; k < ds.n; k++) {
      const row = ds.y.subarray(k * 10, (k + 1) * 10);
      expect(row.reduce((a, b) => a + b, 0)).toBe(1);
      expect(row[ds.labels![k]]).toBe(1);
    }
  });

  it('trainSize equal to the file count gives the whole file in order', async () => {
    const ds = await loadDataset(mnist(10000), 7);
    const pair = await loadIdxPair(MNIST_DIR, 't10k');
    expect(sameBytes(ds.labels!, pair.labels)).toBe(true);
    expect(ds.x.length).toBe(pair.images.length);
    expect(sameBytes(ds.x, pair.images)).toBe(true);
    expect(ds.labels![0]).toBe(7);
  });

  it('same seed gives the same subset; a different seed a different one', async () => {
    const a = await loadDataset(mnist(500), 1);
    const b = await loadDataset(mnist(500), 1);
    const c = await loadDataset(mnist(500), 2);
    expect(sameBytes(b.x, a.x)).toBe(true);
    expect(sameBytes(b.labels!, a.labels!)).toBe(true);
    expect(sameBytes(c.labels!, a.labels!)).toBe(false);
    expect(sameBytes(c.x, a.x)).toBe(false);
    expect(Array.from(trainSubsetIndices(10000, 500, 2))).not.toEqual(Array.from(trainSubsetIndices(10000, 500, 1)));
  });

  it('resolves a relative folder against baseDir', async () => {
    const ds = await loadDataset(mnist(20, 'mnist'), 3, path.dirname(MNIST_DIR));
    expect(ds.n).toBe(20);
    const e = await loadDataset(mnist(20, 'mnist'), 3, '/nonexistent-base').catch((err: unknown) => err);
    expect(e).toBeInstanceOf(DataFileError);
    expect((e as DataFileError).file).toBe('/nonexistent-base/mnist');
  });

  it('trainSize above the file count is an error naming the file and both numbers', async () => {
    const e = await loadDataset(mnist(10001), 0).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(DataFileError);
    const file = path.join(MNIST_DIR, 't10k-images-idx3-ubyte.gz');
    expect((e as DataFileError).message).toBe(`${file}: trainSize 10001 is more than the 10000 images in the file`);
  });
});

describe('loadDataset: IDX (generated files)', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'frequency-lab-dataset-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('uses rows x cols as the input dimension', async () => {
    const header = (dims: number[]) => {
      const b = Buffer.alloc(4 + 4 * dims.length);
      b[2] = 8;
      b[3] = dims.length;
      dims.forEach((d, i) => b.writeUInt32BE(d, 4 + 4 * i));
      return b;
    };
    const dir = path.join(tmp, 'small');
    await mkdir(dir);
    const pixels = Buffer.from(Array.from({ length: 5 * 2 * 3 }, (_, i) => i));
    await writeFile(path.join(dir, 'train-images-idx3-ubyte'), Buffer.concat([header([5, 2, 3]), pixels]));
    await writeFile(path.join(dir, 'train-labels-idx1-ubyte'), Buffer.concat([header([5]), Buffer.from([0, 1, 2, 3, 4])]));
    const ds = await loadDataset({ kind: 'idx', dir: 'small', files: 'train', trainSize: 5 }, 0, tmp);
    expect([ds.n, ds.inputDim, ds.outputDim]).toEqual([5, 6, 10]);
    expect(Array.from(ds.labels!)).toEqual([0, 1, 2, 3, 4]);
    expect(ds.x[6]).toBeCloseTo(6 / 255, 7);
  });
});

describe('loadDataset: synthetic', () => {
  it('all trainSize samples, 1-D in and out, no labels', async () => {
    const ds = await loadDataset(
      { kind: 'synthetic', target: { kind: 'sin', m: 2 }, trainSize: 101, interval: [-1, 1] },
      123,
    );
    expect([ds.n, ds.inputDim, ds.outputDim]).toEqual([101, 1, 1]);
    expect(ds.labels).toBeNull();
    expect(ds.classes).toBeNull();
    expect(ds.name).toBe('sin(2πx) on [-1, 1]');
    expect([ds.x[0], ds.x[50], ds.x[100]]).toEqual([-1, 0, 1]);
    expect(ds.y[75]).toBeCloseTo(Math.sin(2 * Math.PI * 0.5), 6);
  });

  it('does not depend on the seed', async () => {
    const data: DataConfig = { kind: 'synthetic', target: { kind: 'cos-sum', frequencies: [3, 5] }, trainSize: 50, interval: [-1, 1] };
    const a = await loadDataset(data, 1);
    const b = await loadDataset(data, 2);
    expect(b.x).toEqual(a.x);
    expect(b.y).toEqual(a.y);
  });
});
