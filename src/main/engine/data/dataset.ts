// A dataset in the form the trainer and the frequency analysis use: flat float32 rows.
import path from 'node:path';
import type { DataConfig } from '../../../shared/config';
import { createRng, deriveSeed, sampleIndices } from '../random';
import { DataFileError } from './errors';
import { IDX_CLASSES, readIdxPair } from './idx';
import { describeTarget, syntheticSamples, type SyntheticDataConfig } from './synthetic';

/** Samples as flat row-major arrays, with class labels for classification data. */
export interface Dataset {
  name: string;
  n: number;
  inputDim: number;
  outputDim: number;
  /** n * inputDim, row-major. */
  x: Float32Array;
  /** n * outputDim: one-hot for classification, target values for regression. */
  y: Float32Array;
  /** Class index per sample; null for regression. */
  labels: Uint8Array | null;
  classes: number | null;
}

/** The IDX part of the data config. */
export type IdxDataConfig = Extract<DataConfig, { kind: 'idx' }>;

/** One row per label: 1 at the label's class, 0 elsewhere (labels.length x classes, row-major). */
export function oneHot(labels: Uint8Array, classes: number): Float32Array {
  const out = new Float32Array(labels.length * classes);
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] >= classes) throw new RangeError(`label ${labels[i]} at index ${i} is not below ${classes}`);
    out[i * classes + labels[i]] = 1;
  }
  return out;
}

/** Rows `indices` of a row-major array with `width` values per row, in the order given. */
function gatherRows(values: Float32Array, width: number, indices: ArrayLike<number>): Float32Array {
  const out = new Float32Array(indices.length * width);
  for (let k = 0; k < indices.length; k++) {
    const start = indices[k] * width;
    out.set(values.subarray(start, start + width), k * width);
  }
  return out;
}

/** The samples `indices` of a dataset, in that order (same name, dimensions and classes). */
export function subsetDataset(ds: Dataset, indices: ArrayLike<number>): Dataset {
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    if (!Number.isInteger(i) || i < 0 || i >= ds.n) {
      throw new RangeError(`index ${i} (position ${k}) is outside the dataset's 0..${ds.n - 1}`);
    }
  }
  return {
    name: ds.name,
    n: indices.length,
    inputDim: ds.inputDim,
    outputDim: ds.outputDim,
    x: gatherRows(ds.x, ds.inputDim, indices),
    y: gatherRows(ds.y, ds.outputDim, indices),
    labels: ds.labels === null ? null : Uint8Array.from(indices, (i) => ds.labels![i]),
    classes: ds.classes,
  };
}

/** The training subset's indices into the files: seeded, distinct, in file order. */
export function trainSubsetIndices(available: number, trainSize: number, seed: number): Int32Array {
  const rng = createRng(deriveSeed(seed, 'train-subset'));
  return sampleIndices(available, trainSize, rng).sort();
}

/** A seeded random `trainSize` subset of an IDX pair, pixels in [0, 1] and one-hot labels. */
async function loadIdxDataset(data: IdxDataConfig, seed: number, baseDir: string): Promise<Dataset> {
  const dir = path.resolve(baseDir, data.dir);
  const pair = await readIdxPair(dir, data.files);
  if (data.trainSize > pair.n) {
    throw new DataFileError(
      pair.imagesFile,
      `trainSize ${data.trainSize} is more than the ${pair.n} images in the file`,
    );
  }
  const indices = trainSubsetIndices(pair.n, data.trainSize, seed);
  const inputDim = pair.rows * pair.cols;
  // Scale only the chosen rows: p / 255.
  const x = new Float32Array(indices.length * inputDim);
  const labels = new Uint8Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const start = indices[k] * inputDim;
    for (let j = 0; j < inputDim; j++) x[k * inputDim + j] = pair.pixels[start + j] / 255;
    labels[k] = pair.labels[indices[k]];
  }
  return {
    name: `${path.basename(dir)} ${data.files} (${data.trainSize} of ${pair.n})`,
    n: indices.length,
    inputDim,
    outputDim: IDX_CLASSES,
    x,
    y: oneHot(labels, IDX_CLASSES),
    labels,
    classes: IDX_CLASSES,
  };
}

/** All `trainSize` evenly spaced samples of a 1-D target. */
function syntheticDataset(data: SyntheticDataConfig): Dataset {
  const { x, y } = syntheticSamples(data);
  const [lo, hi] = data.interval;
  return {
    name: `${describeTarget(data.target)} on [${lo}, ${hi}]`,
    n: x.length,
    inputDim: 1,
    outputDim: 1,
    x,
    y,
    labels: null,
    classes: null,
  };
}

/** The training data a config describes; relative IDX folders are resolved against `baseDir`. */
export async function loadDataset(data: DataConfig, seed: number, baseDir = process.cwd()): Promise<Dataset> {
  return data.kind === 'idx' ? loadIdxDataset(data, seed, baseDir) : syntheticDataset(data);
}
