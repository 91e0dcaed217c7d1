// A dataset in the form the trainer and the frequency analysis use: flat float32 rows.
import path from 'node:path';
import type { ArraysDataConfig, Cifar10DataConfig, DataConfig } from '../../../shared/config';
import { readNumericFile, type NumericArray } from './arrays';
import { CIFAR_CHANNELS, CIFAR_CLASSES, CIFAR_SIDE, cifarRowsChannelsLast, ensureCifar10, readCifar10 } from './cifar';
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
  /** Height, width and channels when each row is an image stored channels last (row-major
   *  h x w x c): what convolutional models need. Absent or null: rows are plain vectors. */
  imageShape?: [number, number, number] | null;
  /** Held-out samples evaluated after every epoch, never trained on; absent or null: none. */
  validation?: Dataset | null;
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
    imageShape: ds.imageShape ?? null,
  };
}

/** The seeded validation/training split of `available` samples: `validationSize` drawn first
 *  (stream 'validation-split'), then `trainSize` (null: all the rest) from what is left (stream
 *  'train-subset'); both in file order and disjoint. */
export function splitIndices(
  available: number,
  validationSize: number,
  trainSize: number | null,
  seed: number,
): { train: Int32Array; validation: Int32Array } {
  if (validationSize > available) throw new RangeError(`cannot hold out ${validationSize} of ${available} samples for validation`);
  const shuffled = sampleIndices(available, available, createRng(deriveSeed(seed, 'validation-split')));
  const validation = shuffled.slice(0, validationSize).sort();
  const rest = shuffled.slice(validationSize).sort();
  const size = trainSize ?? rest.length;
  if (size > rest.length) throw new RangeError(`cannot draw ${size} training samples from the ${rest.length} left after validation`);
  const chosen = sampleIndices(rest.length, size, createRng(deriveSeed(seed, 'train-subset')));
  const train = Int32Array.from(chosen, (i) => rest[i]).sort();
  return { train, validation };
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
  const validationSize = data.validationSize ?? 0;
  if (data.trainSize + validationSize > pair.n) {
    throw new DataFileError(pair.imagesFile, `trainSize ${data.trainSize} + validationSize ${validationSize} is more than the ${pair.n} images in the file`);
  }
  // Without a validation set, the subset is drawn exactly as before validation sets existed.
  const split = validationSize > 0 ? splitIndices(pair.n, validationSize, data.trainSize, seed) : null;
  const ds = idxRows(data, pair, split ? split.train : trainSubsetIndices(pair.n, data.trainSize, seed), dir);
  if (split) ds.validation = { ...idxRows(data, pair, split.validation, dir), name: `${path.basename(dir)} ${data.files} validation (${validationSize})` };
  return ds;
}

/** Rows `indices` of an IDX pair as a dataset: pixels / 255, one-hot labels, image shape. */
function idxRows(data: IdxDataConfig, pair: Awaited<ReturnType<typeof readIdxPair>>, indices: Int32Array, dir: string): Dataset {
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
    name: `${path.basename(dir)} ${data.files} (${indices.length} of ${pair.n})`,
    n: indices.length,
    inputDim,
    outputDim: IDX_CLASSES,
    x,
    y: oneHot(labels, IDX_CLASSES),
    labels,
    classes: IDX_CLASSES,
    imageShape: [pair.rows, pair.cols, 1],
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

/** CIFAR-10 images `indices` as a dataset: channels-last rows in [0, 1], one-hot labels. */
function cifarSubset(name: string, pixels: Uint8Array, labels: Uint8Array, indices: Int32Array): Dataset {
  const chosen = Uint8Array.from(indices, (i) => labels[i]);
  return {
    name,
    n: indices.length,
    inputDim: CIFAR_SIDE * CIFAR_SIDE * CIFAR_CHANNELS,
    outputDim: CIFAR_CLASSES,
    x: cifarRowsChannelsLast(pixels, indices),
    y: oneHot(chosen, CIFAR_CLASSES),
    labels: chosen,
    classes: CIFAR_CLASSES,
    imageShape: [CIFAR_SIDE, CIFAR_SIDE, CIFAR_CHANNELS],
  };
}

/** CIFAR-10 (downloaded first when configured and missing), split into training and validation. */
async function loadCifarDataset(data: Cifar10DataConfig, seed: number, baseDir: string, log?: (m: string) => void): Promise<Dataset> {
  const dir = path.resolve(baseDir, data.dir);
  await ensureCifar10(dir, data.files, data.download, log);
  const raw = await readCifar10(dir, data.files);
  if (data.trainSize + data.validationSize > raw.n) {
    throw new DataFileError(
      raw.files.length === 1 ? raw.files[0] : dir,
      `${data.trainSize} training + ${data.validationSize} validation samples are more than the ${raw.n} images in the ${data.files} batches`,
    );
  }
  const { train, validation } = splitIndices(raw.n, data.validationSize, data.trainSize, seed);
  const base = `CIFAR-10 ${data.files}`;
  const ds = cifarSubset(`${base} (${train.length} of ${raw.n})`, raw.pixels, raw.labels, train);
  ds.validation = validation.length ? cifarSubset(`${base} validation (${validation.length})`, raw.pixels, raw.labels, validation) : null;
  return ds;
}

/** Rows `indices` of a numeric array as float32. */
function rowsOf(a: NumericArray, indices: Int32Array): Float32Array {
  const out = new Float32Array(indices.length * a.cols);
  for (let k = 0; k < indices.length; k++) {
    const start = indices[k] * a.cols;
    for (let j = 0; j < a.cols; j++) out[k * a.cols + j] = a.values[start + j];
  }
  return out;
}

/** Inputs and targets from CSV or .npy files, split into training and validation. */
async function loadArraysDataset(data: ArraysDataConfig, seed: number, baseDir: string): Promise<Dataset> {
  const inputsFile = path.resolve(baseDir, data.inputs);
  const targetsFile = path.resolve(baseDir, data.targets);
  const inputs = await readNumericFile(inputsFile, { header: data.header });
  const targets = await readNumericFile(targetsFile, { header: data.header });
  if (inputs.rows !== targets.rows) {
    throw new DataFileError(targetsFile, `${targets.rows} rows of targets, but ${inputsFile} has ${inputs.rows} rows of inputs: the counts must match`);
  }
  if (inputs.rows < 2) throw new DataFileError(inputsFile, `needs at least 2 samples, found ${inputs.rows}`);
  if (inputs.cols < 1) throw new DataFileError(inputsFile, 'rows have no values');
  for (const a of [inputs, targets]) {
    const bad = a.values.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) {
      throw new DataFileError(a.file, `value at row ${Math.floor(bad / a.cols) + 1}, column ${(bad % a.cols) + 1} is ${a.values[bad]}: every value must be a finite number`);
    }
  }
  let imageShape: [number, number, number] | null = data.imageShape;
  if (imageShape === null && inputs.shape.length === 4) imageShape = [inputs.shape[1], inputs.shape[2], inputs.shape[3]];
  if (imageShape && imageShape[0] * imageShape[1] * imageShape[2] !== inputs.cols) {
    throw new DataFileError(inputsFile, `image shape ${imageShape.join(' x ')} needs ${imageShape[0] * imageShape[1] * imageShape[2]} values per row, the rows have ${inputs.cols}`);
  }
  if (data.validationSize >= inputs.rows) {
    throw new DataFileError(inputsFile, `validationSize ${data.validationSize} leaves no training samples of the ${inputs.rows} rows`);
  }
  if (data.trainSize !== null && data.trainSize + data.validationSize > inputs.rows) {
    throw new DataFileError(inputsFile, `trainSize ${data.trainSize} + validationSize ${data.validationSize} is more than the ${inputs.rows} rows`);
  }
  let labels: Uint8Array | null = null;
  let classes: number | null = null;
  if (data.task === 'classification') {
    if (targets.cols !== 1) {
      throw new DataFileError(targetsFile, `classification targets must be one class index per row, found ${targets.cols} values per row`);
    }
    const bad = targets.values.findIndex((v) => !Number.isInteger(v) || v < 0 || v > 255);
    if (bad >= 0) {
      throw new DataFileError(targetsFile, `row ${bad + 1}: class index ${targets.values[bad]} is not a whole number from 0 to 255`);
    }
    labels = Uint8Array.from(targets.values);
    classes = Math.max(2, ...labels.map((l) => l + 1));
  }
  const { train, validation } = splitIndices(inputs.rows, data.validationSize, data.trainSize, seed);
  const base = `${path.basename(inputsFile)} → ${path.basename(targetsFile)}`;
  const part = (indices: Int32Array, name: string): Dataset => {
    const partLabels = labels ? Uint8Array.from(indices, (i) => labels![i]) : null;
    return {
      name,
      n: indices.length,
      inputDim: inputs.cols,
      outputDim: classes ?? targets.cols,
      x: rowsOf(inputs, indices),
      y: partLabels ? oneHot(partLabels, classes!) : rowsOf(targets, indices),
      labels: partLabels,
      classes,
      imageShape,
    };
  };
  const ds = part(train, `${base} (${train.length} of ${inputs.rows})`);
  ds.validation = validation.length ? part(validation, `${base} validation (${validation.length})`) : null;
  return ds;
}

/** The training data a config describes (with its validation set, if any); relative paths are
 *  resolved against `baseDir`. `log` hears about long steps such as a download. */
export async function loadDataset(data: DataConfig, seed: number, baseDir = process.cwd(), log?: (message: string) => void): Promise<Dataset> {
  switch (data.kind) {
    case 'idx':
      return loadIdxDataset(data, seed, baseDir);
    case 'synthetic':
      return syntheticDataset(data);
    case 'cifar10':
      return loadCifarDataset(data, seed, baseDir, log);
    case 'arrays':
      return loadArraysDataset(data, seed, baseDir);
  }
}
