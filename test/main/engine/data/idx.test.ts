import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { DataFileError } from '../../../../src/main/engine/data/errors';
import {
  idxFileNames,
  isGzip,
  loadIdxPair,
  parseIdx,
  readIdxFile,
  scalePixels,
} from '../../../../src/main/engine/data/idx';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
/** The real MNIST test set, in shared/ beside the repo. */
export const MNIST_DIR = path.resolve(repoRoot, '../shared/data/mnist');
/** Where Debian's dataset-fashion-mnist package installs Fashion-MNIST. */
const FASHION_DIR = '/usr/share/datasets/fashion-mnist';
const hasFashion = existsSync(path.join(FASHION_DIR, 't10k-labels-idx1-ubyte.gz'));

/** Known per-class counts of the MNIST test set, digits 0..9. */
const MNIST_T10K_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];

/** The bytes of an IDX file: magic 00 00 type ndims, big-endian dims, then data. */
function idxBytes(dims: number[], data: ArrayLike<number>, type = 0x08): Uint8Array {
  const header = new Uint8Array(4 + 4 * dims.length);
  const view = new DataView(header.buffer);
  header[2] = type;
  header[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  const out = new Uint8Array(header.length + data.length);
  out.set(header);
  out.set(Uint8Array.from(data), header.length);
  return out;
}

function histogram(labels: Uint8Array, classes: number): number[] {
  const h = new Array<number>(classes).fill(0);
  for (const l of labels) h[l]++;
  return h;
}

/** Runs `fn` and returns the DataFileError it throws (fails the test if it throws anything else). */
async function dataFileError(fn: () => Promise<unknown>): Promise<DataFileError> {
  try {
    await fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DataFileError);
    return e as DataFileError;
  }
  throw new Error('expected a DataFileError, nothing was thrown');
}

let tmp: string;
/** Writes `bytes` to a new file in the temp folder and returns its path. */
async function put(name: string, bytes: Uint8Array | string): Promise<string> {
  const p = path.join(tmp, name);
  await mkdir(path.dirname(p), { recursive: true });
  await writeFile(p, bytes);
  return p;
}
/** A fresh sub-folder of the temp folder holding the given files. */
async function folderWith(name: string, files: Record<string, Uint8Array>): Promise<string> {
  const dir = path.join(tmp, name);
  await mkdir(dir, { recursive: true });
  for (const [f, bytes] of Object.entries(files)) await writeFile(path.join(dir, f), bytes);
  return dir;
}

const IMG = 't10k-images-idx3-ubyte';
const LBL = 't10k-labels-idx1-ubyte';
/** Three 2 x 2 images and their labels. */
const smallImages = () => idxBytes([3, 2, 2], [0, 255, 51, 102, 1, 2, 3, 4, 5, 6, 7, 8]);
const smallLabels = () => idxBytes([3], [7, 0, 9]);

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'frequency-lab-idx-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('real MNIST test set', () => {
  it('has 10000 images of 28 x 28 with pixels in [0, 1]', async () => {
    const pair = await loadIdxPair(MNIST_DIR, 't10k');
    expect(pair.n).toBe(10000);
    expect(pair.rows).toBe(28);
    expect(pair.cols).toBe(28);
    expect(pair.images.length).toBe(10000 * 784);
    let min = Infinity;
    let max = -Infinity;
    for (const v of pair.images) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    expect(min).toBe(0);
    expect(max).toBe(1);
    expect(pair.imagesFile).toBe(path.join(MNIST_DIR, `${IMG}.gz`));
    expect(pair.labelsFile).toBe(path.join(MNIST_DIR, `${LBL}.gz`));
  });

  it('has the known label histogram and first label 7', async () => {
    const pair = await loadIdxPair(MNIST_DIR, 't10k');
    const h = histogram(pair.labels, 10);
    expect(h.reduce((a, b) => a + b, 0)).toBe(10000);
    expect(h.every((c) => c > 0)).toBe(true);
    expect(h).toEqual(MNIST_T10K_COUNTS);
    expect(pair.labels[0]).toBe(7);
  });

  it('reads the gzipped files with readIdxFile as 3 and 1 dimensions', async () => {
    const images = await readIdxFile(path.join(MNIST_DIR, `${IMG}.gz`));
    const labels = await readIdxFile(path.join(MNIST_DIR, `${LBL}.gz`));
    expect(images.dims).toEqual([10000, 28, 28]);
    expect(images.data.length).toBe(7840000);
    expect(labels.dims).toEqual([10000]);
  });
});

describe.skipIf(!hasFashion)(`Fashion-MNIST from dataset-fashion-mnist (${FASHION_DIR})`, () => {
  it('test set: 10000 images of 28 x 28, 1000 per class, first label 9', async () => {
    const pair = await loadIdxPair(FASHION_DIR, 't10k');
    expect([pair.n, pair.rows, pair.cols]).toEqual([10000, 28, 28]);
    expect(histogram(pair.labels, 10)).toEqual(new Array(10).fill(1000));
    expect(pair.labels[0]).toBe(9);
    expect(Math.min(...pair.images.subarray(0, 784 * 100))).toBeGreaterThanOrEqual(0);
    expect(Math.max(...pair.images.subarray(0, 784 * 100))).toBeLessThanOrEqual(1);
  });

  it('training set: 60000 images of 28 x 28, 6000 per class, first label 9', async () => {
    const images = await readIdxFile(path.join(FASHION_DIR, 'train-images-idx3-ubyte.gz'));
    expect(images.dims).toEqual([60000, 28, 28]);
    const pair = await loadIdxPair(FASHION_DIR, 'train');
    expect(pair.n).toBe(60000);
    expect(histogram(pair.labels, 10)).toEqual(new Array(10).fill(6000));
    expect(pair.labels[0]).toBe(9);
  });
});

describe('parseIdx and readIdxFile on generated files', () => {
  it('reads dims big-endian and the data row-major', () => {
    const f = parseIdx(idxBytes([2, 3], [1, 2, 3, 4, 5, 6]), 'mem');
    expect(f.dims).toEqual([2, 3]);
    expect(Array.from(f.data)).toEqual([1, 2, 3, 4, 5, 6]);
    const big = parseIdx(idxBytes([0x0102], new Uint8Array(0x0102)), 'mem');
    expect(big.dims).toEqual([258]);
  });

  it('detects gzip by content, not by file name', async () => {
    const raw = idxBytes([4], [1, 2, 3, 4]);
    const gzNoExt = await put('gzipped-without-ext', gzipSync(raw));
    const rawWithGzExt = await put('raw-with-ext.gz', raw);
    expect(isGzip(gzipSync(raw))).toBe(true);
    expect(isGzip(raw)).toBe(false);
    expect(Array.from((await readIdxFile(gzNoExt)).data)).toEqual([1, 2, 3, 4]);
    expect(Array.from((await readIdxFile(rawWithGzExt)).data)).toEqual([1, 2, 3, 4]);
  });

  it('missing file', async () => {
    const file = path.join(tmp, 'nope-idx1-ubyte');
    const e = await dataFileError(() => readIdxFile(file));
    expect(e.file).toBe(file);
    expect(e.message).toBe(`${file}: file not found`);
  });

  it('empty file', async () => {
    const file = await put('empty', new Uint8Array(0));
    const e = await dataFileError(() => readIdxFile(file));
    expect(e.message).toBe(`${file}: file is empty (0 bytes)`);
  });

  it('gzip that does not decompress: garbage after the magic bytes', async () => {
    const file = await put('garbage.gz', Uint8Array.from([0x1f, 0x8b, 1, 2, 3, 4, 5, 6, 7, 8]));
    const e = await dataFileError(() => readIdxFile(file));
    expect(e.file).toBe(file);
    expect(e.message).toContain(`${file}: starts like a gzip file (1f 8b) but does not decompress`);
  });

  it('gzip that does not decompress: cut short', async () => {
    const gz = gzipSync(idxBytes([1000], new Uint8Array(1000).map((_, i) => (i * 7) % 10)));
    const file = await put('cut.gz', gz.subarray(0, gz.length >> 1));
    const e = await dataFileError(() => readIdxFile(file));
    expect(e.message).toContain(`${file}: starts like a gzip file (1f 8b) but does not decompress`);
  });

  it('wrong magic number, in hex', async () => {
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const file = await put('picture.png', png);
    const e = await dataFileError(() => readIdxFile(file));
    expect(e.message).toMatch(new RegExp(`^${file}: wrong magic number: expected 0x0000TTNN .*found 0x89504e47$`));
  });

  it('wrong magic number in a gzipped file', async () => {
    const file = await put('text.gz', gzipSync(Buffer.from('hello world')));
    const e = await dataFileError(() => readIdxFile(file));
    expect(e.message).toContain(`${file}: wrong magic number`);
    expect(e.message).toContain('found 0x68656c6c');
  });

  it('unsupported type byte', async () => {
    const file = await put('floats', idxBytes([1], [0, 0, 0, 0], 0x0d));
    const e = await dataFileError(() => readIdxFile(file));
    expect(e.message).toBe(
      `${file}: unsupported data type 0x0d (float32) in magic number 0x00000d01: only 0x08 (unsigned byte) is supported`,
    );
    const unknown = await put('unknown-type', idxBytes([1], [0], 0x42));
    expect((await dataFileError(() => readIdxFile(unknown))).message).toContain('0x42 (not an IDX type)');
  });

  it('zero dimensions and a truncated header', async () => {
    const zero = await put('zero-dims', Uint8Array.from([0, 0, 8, 0]));
    expect((await dataFileError(() => readIdxFile(zero))).message).toBe(
      `${zero}: magic number 0x00000800 declares 0 dimensions`,
    );
    const short = await put('short-header', idxBytes([10, 28, 28], []).subarray(0, 10));
    expect((await dataFileError(() => readIdxFile(short))).message).toBe(
      `${short}: truncated header: 3 dimensions need 16 header bytes, found 10`,
    );
    const tiny = await put('tiny', Uint8Array.from([0, 0]));
    expect((await dataFileError(() => readIdxFile(tiny))).message).toContain('too short for an IDX header: 2 bytes');
  });

  it('truncated data: expected N bytes, found M', async () => {
    const file = await put('truncated', idxBytes([3, 2, 2], new Uint8Array(10)));
    const e = await dataFileError(() => readIdxFile(file));
    expect(e.message).toBe(`${file}: truncated data: expected 12 bytes of data (3 x 2 x 2), found 10`);
  });

  it('truncated data inside a valid gzip', async () => {
    const file = await put('truncated.gz', gzipSync(idxBytes([5], [1, 2, 3])));
    const e = await dataFileError(() => readIdxFile(file));
    expect(e.message).toBe(`${file}: truncated data: expected 5 bytes of data (5), found 3`);
  });

  it('extra trailing bytes', async () => {
    const file = await put('trailing', idxBytes([4], [1, 2, 3, 4, 0, 0]));
    const e = await dataFileError(() => readIdxFile(file));
    expect(e.message).toBe(`${file}: 2 extra bytes after the data: expected 4 bytes of data (4), found 6`);
  });

  it('scales pixels by 1/255', () => {
    expect(Array.from(scalePixels(Uint8Array.from([0, 51, 255])))).toEqual([0, Math.fround(0.2), 1]);
  });
});

describe('loadIdxPair on generated folders', () => {
  it('loads a raw pair and a gzipped pair alike', async () => {
    const rawDir = await folderWith('pair-raw', { [IMG]: smallImages(), [LBL]: smallLabels() });
    const gzDir = await folderWith('pair-gz', {
      [`${IMG}.gz`]: gzipSync(smallImages()),
      [`${LBL}.gz`]: gzipSync(smallLabels()),
    });
    for (const dir of [rawDir, gzDir]) {
      const pair = await loadIdxPair(dir, 't10k');
      expect([pair.n, pair.rows, pair.cols]).toEqual([3, 2, 2]);
      expect(Array.from(pair.labels)).toEqual([7, 0, 9]);
      expect(Array.from(pair.images.subarray(0, 4))).toEqual([0, 1, Math.fround(0.2), Math.fround(0.4)]);
    }
  });

  it('tries the raw name and the .gz name, and says so when both are missing', async () => {
    expect(idxFileNames('train', 'images')).toEqual(['train-images-idx3-ubyte', 'train-images-idx3-ubyte.gz']);
    const noImages = await folderWith('no-images', { [LBL]: smallLabels() });
    const e = await dataFileError(() => loadIdxPair(noImages, 't10k'));
    expect(e.file).toBe(noImages);
    expect(e.message).toBe(`${noImages}: no t10k images file: tried ${IMG}, ${IMG}.gz`);
    const noLabels = await folderWith('no-labels', { [IMG]: smallImages() });
    expect((await dataFileError(() => loadIdxPair(noLabels, 't10k'))).message).toBe(
      `${noLabels}: no t10k labels file: tried ${LBL}, ${LBL}.gz`,
    );
    // The train pair is looked up by its own names.
    expect((await dataFileError(() => loadIdxPair(noLabels, 'train'))).message).toContain(
      'tried train-images-idx3-ubyte, train-images-idx3-ubyte.gz',
    );
  });

  it('a folder that does not exist, or is a file', async () => {
    const missing = path.join(tmp, 'no-such-folder');
    expect((await dataFileError(() => loadIdxPair(missing, 't10k'))).message).toBe(
      `${missing}: folder does not exist`,
    );
    const file = await put('a-file', 'x');
    expect((await dataFileError(() => loadIdxPair(file, 't10k'))).message).toBe(`${file}: is not a folder`);
  });

  it('images must have 3 dimensions', async () => {
    const dir = await folderWith('images-2d', { [IMG]: idxBytes([3, 4], new Uint8Array(12)), [LBL]: smallLabels() });
    const e = await dataFileError(() => loadIdxPair(dir, 't10k'));
    expect(e.file).toBe(path.join(dir, IMG));
    expect(e.message).toBe(
      `${path.join(dir, IMG)}: wrong dimensions for images: expected 3 (count x rows x cols), found 2 (3 x 4)`,
    );
  });

  it('labels must have 1 dimension', async () => {
    const dir = await folderWith('labels-2d', { [IMG]: smallImages(), [LBL]: idxBytes([3, 1], [1, 2, 3]) });
    const e = await dataFileError(() => loadIdxPair(dir, 't10k'));
    expect(e.message).toBe(
      `${path.join(dir, LBL)}: wrong dimensions for labels: expected 1 (count), found 2 (3 x 1)`,
    );
  });

  it('images must have pixels', async () => {
    const dir = await folderWith('images-empty', { [IMG]: idxBytes([3, 0, 28], []), [LBL]: smallLabels() });
    expect((await dataFileError(() => loadIdxPair(dir, 't10k'))).message).toBe(
      `${path.join(dir, IMG)}: images have no pixels: size 0 x 28`,
    );
  });

  it('label count must match the image count, naming both files and counts', async () => {
    const dir = await folderWith('count-mismatch', { [IMG]: smallImages(), [LBL]: idxBytes([2], [1, 2]) });
    const e = await dataFileError(() => loadIdxPair(dir, 't10k'));
    expect(e.file).toBe(path.join(dir, LBL));
    expect(e.message).toBe(
      `${path.join(dir, LBL)}: 2 labels, but ${path.join(dir, IMG)} has 3 images: the counts must match`,
    );
  });

  it('labels above 9 are out of range, naming the index and value', async () => {
    const dir = await folderWith('label-range', { [IMG]: smallImages(), [LBL]: idxBytes([3], [1, 9, 10]) });
    const e = await dataFileError(() => loadIdxPair(dir, 't10k'));
    expect(e.message).toBe(`${path.join(dir, LBL)}: label at index 2 is 10, expected 0..9 for 10-class data`);
  });

  it('a bad file inside the pair is reported by its own path', async () => {
    const dir = await folderWith('bad-labels-gz', {
      [IMG]: smallImages(),
      [`${LBL}.gz`]: Uint8Array.from([0x1f, 0x8b, 0, 0]),
    });
    const e = await dataFileError(() => loadIdxPair(dir, 't10k'));
    expect(e.file).toBe(path.join(dir, `${LBL}.gz`));
    expect(e.message).toContain('does not decompress');
  });
});
