// A validation set for IDX data (MNIST-format), drawn with the seed and never trained on.
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadDataset } from '../../../../src/main/engine/data/dataset';

const mnist = path.resolve(__dirname, '../../../../../shared/data/mnist');

describe.skipIf(!existsSync(mnist))('IDX data with a validation set', () => {
  it('holds out validationSize images, disjoint from the training images, with image shape 28 x 28 x 1', async () => {
    const ds = await loadDataset({ kind: 'idx', dir: mnist, files: 't10k', trainSize: 300, validationSize: 100 }, 4);
    expect([ds.n, ds.validation!.n, ds.imageShape]).toEqual([300, 100, [28, 28, 1]]);
    const key = (x: Float32Array, i: number) => x.subarray(i * 784, (i + 1) * 784).join(',');
    const train = new Set(Array.from({ length: ds.n }, (_, i) => key(ds.x, i)));
    let shared = 0;
    for (let i = 0; i < 100; i++) if (train.has(key(ds.validation!.x, i))) shared++;
    expect(shared).toBe(0);
    // Without a validation set the training subset is the one drawn before validation sets existed.
    const plain = await loadDataset({ kind: 'idx', dir: mnist, files: 't10k', trainSize: 300 }, 4);
    expect(plain.validation ?? null).toBeNull();
    await expect(loadDataset({ kind: 'idx', dir: mnist, files: 't10k', trainSize: 9950, validationSize: 100 }, 4)).rejects.toThrow(
      /trainSize 9950 \+ validationSize 100 is more than the 10000 images/,
    );
  });
});
