import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { validateConfig, type DataConfig } from '../../../../src/shared/config';
import { parseCsv, parseNpy, readNumericFile } from '../../../../src/main/engine/data/arrays';
import { loadDataset } from '../../../../src/main/engine/data/dataset';

/** A .npy file: magic, version, little-endian header length, the header dict padded to 64 bytes, data. */
function npy(descr: string, shape: number[], data: Uint8Array, opts: { major?: number; fortran?: boolean } = {}): Buffer {
  const major = opts.major ?? 1;
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': ${opts.fortran ? 'True' : 'False'}, 'shape': ${shapeText}, }`;
  const prefix = major === 1 ? 10 : 12;
  const total = Math.ceil((prefix + header.length + 1) / 64) * 64;
  header = header.padEnd(total - prefix - 1, ' ') + '\n';
  const head = Buffer.alloc(prefix);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]).copy(head);
  if (major === 1) head.writeUInt16LE(header.length, 8);
  else head.writeUInt32LE(header.length, 8);
  return Buffer.concat([head, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

const bytes = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

describe('parseCsv', () => {
  it('reads rows of numbers, with an optional header and trailing blank lines', () => {
    const a = parseCsv('x,y\n1,2.5\n-3e2, .5 \n\n', 'f.csv', { header: true });
    expect([a.rows, a.cols]).toEqual([2, 2]);
    expect(Array.from(a.values)).toEqual([1, 2.5, -300, 0.5]);
  });

  it('names the file, line and column of ragged rows, non-numbers and empty values', () => {
    expect(() => parseCsv('1,2\n3\n', 'f.csv')).toThrow('f.csv: ragged rows: line 2 has 1 values, but line 1 has 2');
    expect(() => parseCsv('1,2\n3,abc\n', 'f.csv')).toThrow('f.csv: line 2, column 2: "abc" is not a number');
    expect(() => parseCsv('1,,2\n', 'f.csv')).toThrow('f.csv: line 1, column 2: empty value');
    expect(() => parseCsv('a,b\n1,2\n', 'f.csv')).toThrow('f.csv: line 1, column 1: "a" is not a number (if the first line is a header, set header: true)');
    expect(() => parseCsv('1,2\n\n3,4\n', 'f.csv')).toThrow('f.csv: line 2 is empty (blank lines are only allowed at the end)');
    expect(() => parseCsv('1\nNaN\n', 'f.csv')).toThrow('f.csv: line 2, column 1: "NaN" is not a number');
    expect(() => parseCsv('\n', 'f.csv')).toThrow('f.csv: no data rows: the file is empty');
  });
});

describe('parseNpy', () => {
  it('reads float32, float64, uint8 and int64 in C order, format versions 1.0 and 2.0', () => {
    const f4 = parseNpy(npy('<f4', [2, 3], bytes(Float32Array.from([1, 2, 3, 4, 5, 6.5]))), 'a.npy');
    expect([f4.rows, f4.cols, f4.shape]).toEqual([2, 3, [2, 3]]);
    expect(Array.from(f4.values)).toEqual([1, 2, 3, 4, 5, 6.5]);
    const f8 = parseNpy(npy('<f8', [3], bytes(Float64Array.from([0.1, -2, 1e300])), { major: 2 }), 'b.npy');
    expect([f8.rows, f8.cols]).toEqual([3, 1]);
    expect(Array.from(f8.values)).toEqual([0.1, -2, 1e300]);
    const u1 = parseNpy(npy('|u1', [2, 2, 2, 1], Uint8Array.from([0, 1, 2, 3, 250, 251, 252, 255])), 'c.npy');
    expect([u1.rows, u1.cols, u1.shape]).toEqual([2, 4, [2, 2, 2, 1]]);
    expect(Array.from(u1.values)).toEqual([0, 1, 2, 3, 250, 251, 252, 255]);
    const i8 = parseNpy(npy('<i8', [2, 1], bytes(BigInt64Array.from([-5n, 9007199254740991n]))), 'd.npy');
    expect(Array.from(i8.values)).toEqual([-5, 9007199254740991]);
    const be = Buffer.alloc(8);
    be.writeFloatBE(1.5, 0);
    be.writeFloatBE(-2, 4);
    expect(Array.from(parseNpy(npy('>f4', [2], new Uint8Array(be)), 'e.npy').values)).toEqual([1.5, -2]);
  });

  it('names the file and the problem: wrong dtype, Fortran order, truncated data, not .npy, huge int64', () => {
    expect(() => parseNpy(npy('<i4', [1], bytes(Int32Array.from([1]))), 'x.npy')).toThrow(
      "x.npy: unsupported dtype '<i4': supported are float32 (<f4), float64 (<f8), uint8 (|u1) and int64 (<i8)",
    );
    expect(() => parseNpy(npy('<f4', [1, 1], bytes(Float32Array.from([1])), { fortran: true }), 'x.npy')).toThrow(/x\.npy: is in Fortran \(column-major\) order/);
    expect(() => parseNpy(npy('<f8', [2, 2], bytes(Float64Array.from([1, 2, 3]))), 'x.npy')).toThrow(
      'x.npy: truncated data: shape (2, 2) of float64 needs 32 bytes, found 24',
    );
    expect(() => parseNpy(Buffer.from('hello world, not numpy'), 'x.npy')).toThrow('x.npy: not a NumPy .npy file: it does not start with \\x93NUMPY');
    expect(() => parseNpy(npy('<i8', [1], bytes(BigInt64Array.from([2n ** 60n]))), 'x.npy')).toThrow(/int64 value at index 0 is too large/);
    const v4 = npy('<f4', [1], bytes(Float32Array.from([1])));
    v4[6] = 4;
    expect(() => parseNpy(v4, 'x.npy')).toThrow('x.npy: unsupported .npy format version 4.0 (supported: 1.0, 2.0, 3.0)');
  });
});

describe('arrays data sets', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lab-arrays-'));
    await writeFile(path.join(dir, 'x.csv'), Array.from({ length: 10 }, (_, i) => `${i},${i * i}`).join('\n') + '\n');
    await writeFile(path.join(dir, 'y.npy'), npy('<f8', [10], bytes(Float64Array.from({ length: 10 }, (_, i) => i / 10))));
    await writeFile(path.join(dir, 'labels.csv'), Array.from({ length: 10 }, (_, i) => `${i % 3}`).join('\n'));
    await writeFile(path.join(dir, 'short.csv'), '1\n2\n');
    await writeFile(path.join(dir, 'images.npy'), npy('|u1', [10, 2, 2, 3], new Uint8Array(120)));
    await writeFile(path.join(dir, 'x.txt.bin'), 'nope');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const data = (over: Record<string, unknown>): DataConfig =>
    validateConfig({
      seed: 1,
      data: { kind: 'arrays', inputs: 'x.csv', targets: 'y.npy', ...over },
      model: { kind: 'mlp', hidden: [4] },
      training: { optimiser: { kind: 'adam' }, schedule: [{ fromEpoch: 1, rate: 1e-3 }], batchSize: 4, stop: { maxEpochs: 1 } },
      analysis: { epochs: {}, samples: 2, deltaGrid: { kind: 'log-k', kMin: 1, kMax: 10, count: 3 } },
    }).data;

  it('pairs each row of inputs with its target, with a seeded validation split', async () => {
    const ds = await loadDataset(data({ validationSize: 3 }), 1, dir);
    expect([ds.n, ds.inputDim, ds.outputDim, ds.labels]).toEqual([7, 2, 1, null]);
    expect(ds.validation!.n).toBe(3);
    for (const set of [ds, ds.validation!]) {
      for (let k = 0; k < set.n; k++) {
        const i = set.x[k * 2]; // row i has inputs (i, i^2) and target i / 10
        expect(set.x[k * 2 + 1]).toBe(i * i);
        expect(set.y[k]).toBeCloseTo(i / 10, 6);
      }
    }
  });

  it('one-hot encodes class indices for classification', async () => {
    const ds = await loadDataset(data({ targets: 'labels.csv', task: 'classification', trainSize: 10 }), 1, dir);
    expect([ds.outputDim, ds.classes]).toEqual([3, 3]);
    for (let k = 0; k < ds.n; k++) expect(ds.y[k * 3 + (ds.x[k * 2] % 3)]).toBe(1);
  });

  it('takes the image shape of a 4-D .npy', async () => {
    const ds = await loadDataset(data({ inputs: 'images.npy' }), 1, dir);
    expect(ds.imageShape).toEqual([2, 2, 3]);
    expect(ds.inputDim).toBe(12);
  });

  it('reports mismatched row counts, wrong class indices and unknown file types', async () => {
    await expect(loadDataset(data({ targets: 'short.csv' }), 1, dir)).rejects.toThrow(
      `${path.join(dir, 'short.csv')}: 2 rows of targets, but ${path.join(dir, 'x.csv')} has 10 rows of inputs: the counts must match`,
    );
    await expect(loadDataset(data({ task: 'classification' }), 1, dir)).rejects.toThrow(/row 2: class index 0\.1 is not a whole number from 0 to 255/);
    await expect(readNumericFile(path.join(dir, 'x.txt.bin'))).rejects.toThrow(/unknown file type: the name must end in \.csv or \.npy/);
    await expect(loadDataset(data({ inputs: 'missing.csv' }), 1, dir)).rejects.toThrow(`${path.join(dir, 'missing.csv')}: file not found`);
    await expect(loadDataset(data({ imageShape: [3, 3, 1] }), 1, dir)).rejects.toThrow(/image shape 3 x 3 x 1 needs 9 values per row, the rows have 2/);
  });
});
