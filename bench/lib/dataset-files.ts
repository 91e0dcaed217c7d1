// The inputs both sides of the bench read: raw little-endian float32 / uint8 files plus a
// meta.json, in a cache folder. Made once by children/prepare.ts.
import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface BenchDataMeta {
  /** Where the images came from, e.g. "MNIST t10k (../shared/data/mnist)" or "synthetic". */
  source: string;
  /** Rows in every file (the largest n any case can use). */
  n: number;
  inputDim: number;
  classes: number;
  /** Widths of the hidden layers whose outputs are stored (h1..hL, tanh, at initialisation). */
  hidden: number[];
  files: { x: string; y: string; labels: string; hidden: string[] };
}

export function readMeta(dir: string): BenchDataMeta {
  return JSON.parse(readFileSync(path.join(dir, 'meta.json'), 'utf8')) as BenchDataMeta;
}

/** The first `rows` rows of a float32 matrix file with `width` columns. */
export function readRows(dir: string, file: string, rows: number, width: number): Float32Array {
  const buf = readFileSync(path.join(dir, file));
  const all = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  if (all.length < rows * width) throw new RangeError(`${file} holds ${all.length / width} rows, ${rows} asked`);
  return all.slice(0, rows * width);
}

export function readLabels(dir: string, file: string, rows: number): Uint8Array {
  return new Uint8Array(readFileSync(path.join(dir, file))).slice(0, rows);
}
