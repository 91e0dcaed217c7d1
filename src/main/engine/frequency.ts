// The tfjs part of the filtering method (method.md sections 1 and 2): low frequency ratios of a
// sampled function by Gaussian smoothing in row blocks, normalisation of a layer's outputs, and
// the per-layer analysis that combines them with the host-side math of shared/frequency-math.
import * as tf from '@tensorflow/tfjs-core';
import { deltaGridK, type AnalysisConfig, type NormalisationConfig } from '../../shared/config';
import { meanPairwiseSquaredDistance, ratioDensity, rdfPeak } from '../../shared/frequency-math';
import type { LayerFrequency } from '../../shared/results';
import { lowFrequencyRatiosNative, nativeAnalysisEnabled } from './lfr-native';

/** The frequency content of one layer without its bookkeeping (epoch and layer indices). */
export type LayerFrequencyContent = Omit<LayerFrequency, 'epoch' | 'layer' | 'configuredLayer'>;

/** Thrown when every sample has the same input (or a sample cannot be scaled): no distances, no frequencies. */
export class DegenerateInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DegenerateInputError';
  }
}

function checkMatrices(x: tf.Tensor, y: tf.Tensor, what: string): void {
  if (x.rank !== 2) throw new RangeError(`${what}: inputs must be a 2-D tensor [n, d], got shape [${x.shape}]`);
  if (y.rank !== 2) throw new RangeError(`${what}: targets must be a 2-D tensor [n, c], got shape [${y.shape}]`);
  if (x.shape[0] !== y.shape[0]) {
    throw new RangeError(`${what}: inputs have ${x.shape[0]} rows but targets have ${y.shape[0]}`);
  }
  if (x.shape[0] < 1) throw new RangeError(`${what}: no samples`);
}

/**
 * LFR(k) = sum_i |y_low_i|^2 / sum_i |y_i|^2, y_low_i = sum_j G_ij y_j / sum_j G_ij,
 * G_ij = exp(-|x_i - x_j|^2 k / 2), for each k = 1/delta (returned in the order of `k`).
 */
export function lowFrequencyRatios(x: tf.Tensor2D, y: tf.Tensor2D, k: readonly number[], blockRows: number): number[] {
  checkMatrices(x, y, 'lowFrequencyRatios');
  k.forEach((kj, j) => {
    if (!Number.isFinite(kj) || kj < 0) throw new RangeError(`lowFrequencyRatios: k[${j}] = ${kj} must be finite and >= 0`);
  });
  if (!Number.isInteger(blockRows) || blockRows < 1) {
    throw new RangeError(`lowFrequencyRatios: blockRows must be a positive integer, got ${blockRows}`);
  }
  const [n, d] = x.shape;
  const c = y.shape[1];

  // Denominator sum_i |y_i|^2, on the host in float64 (y is small: n x c).
  const yValues = y.dataSync();
  let targetEnergy = 0;
  for (let i = 0; i < yValues.length; i++) targetEnergy += yValues[i] * yValues[i];
  if (!(targetEnergy > 0) || !Number.isFinite(targetEnergy)) {
    throw new DegenerateInputError(`lowFrequencyRatios: sum of |y_i|^2 is ${targetEnergy}; the LFR needs non-zero finite targets`);
  }
  if (k.length === 0) return [];

  // On the CPU backends the fused, multi-threaded wasm kernel (lfr-native.ts) does the work when
  // the targets take few distinct values (classes); everywhere else, and on the TensorFlow
  // backends (where the data stays on the device), the tfjs ops below.
  if (nativeAnalysisEnabled() && hostBackends.has(tf.getBackend())) {
    const lfr = lowFrequencyRatiosNative(x.dataSync(), n, d, yValues, c, k, targetEnergy);
    if (lfr) return lfr;
  }
  return lowFrequencyRatiosTfjs(x, y, k, blockRows, targetEnergy);
}

/** Backends whose tensors live in this process's memory: reading them costs a copy at most. */
const hostBackends = new Set(['wasm', 'cpu']);

/** Most floats of the [k chunk, rows, n] kernel block the tfjs path makes at once: 64 MiB on a
 *  device, 8 MiB on the CPU backends (whose wasm heap never shrinks once grown). */
function kernelChunkFloats(): number {
  return hostBackends.has(tf.getBackend()) ? 2 ** 21 : 2 ** 24;
}

/**
 * The tfjs path: row blocks of the distance matrix, and for each block the exp and the product
 * with [y | 1] for a chunk of k values at once (one op of each kind per chunk, not per k). The
 * per-block results stay on the device until one read at the end, added up there in float64.
 */
function lowFrequencyRatiosTfjs(x: tf.Tensor2D, y: tf.Tensor2D, k: readonly number[], blockRows: number, targetEnergy: number): number[] {
  const [n, d] = x.shape;
  const c = y.shape[1];
  // Loop invariants, made once: x centred on its mean (distances do not change, and smaller
  // norms mean less float32 cancellation in |a|^2 + |b|^2 - 2 a.b), its transpose (so the block
  // product is an untransposed matMul, much faster on wasm), |x_j|^2 as a row and as a column,
  // [y | 1] (one product gives both sum_j G_ij y_j and sum_j G_ij), and column indices for the
  // diagonal mask.
  const [xCentred, xTransposed, squaredNormsRow, squaredNormsColumn, yWithOnes, columnIndex] = tf.tidy(() => {
    const xf = tf.cast(x, 'float32');
    const centred = tf.sub(xf, tf.mean(xf, 0, true));
    const squaredNorms = tf.sum(tf.square(centred), 1);
    return [
      centred,
      tf.transpose(centred),
      tf.reshape(squaredNorms, [1, n]),
      tf.reshape(squaredNorms, [n, 1]),
      tf.concat([tf.cast(y, 'float32'), tf.ones([n, 1])], 1),
      tf.reshape(tf.range(0, n, 1, 'int32'), [1, n]),
    ] as tf.Tensor[];
  });

  const blockResults: tf.Tensor[] = [];
  try {
    for (let start = 0; start < n; start += blockRows) {
      const rows = Math.min(blockRows, n - start);
      const chunk = Math.max(1, Math.min(k.length, Math.floor(kernelChunkFloats() / (rows * n))));
      blockResults.push(
        tf.tidy(() => {
          // -|x_i - x_j|^2 / 2 for the block's rows i and all j: |a|^2 + |b|^2 - 2 a.b clamped at 0,
          // exactly 0 on the diagonal (so G_ii = 1 and the denominator is >= 1).
          const minusHalfDistances = tf.tidy(() => {
            const block = tf.slice(xCentred, [start, 0], [rows, d]);
            const cross = tf.matMul(block, xTransposed);
            const blockSquaredNorms = tf.slice(squaredNormsColumn, [start, 0], [rows, 1]);
            const distances = tf.relu(tf.sub(tf.add(blockSquaredNorms, squaredNormsRow), tf.mul(cross, 2)));
            const rowIndex = tf.reshape(tf.range(start, start + rows, 1, 'int32'), [rows, 1]);
            const offDiagonal = tf.cast(tf.notEqual(rowIndex, columnIndex), 'float32');
            return tf.reshape(tf.mul(distances, tf.mul(offDiagonal, -0.5)), [1, rows, n]);
          });
          // At most `chunk` rows x n kernel blocks alive at a time: the inner tidy frees them.
          const perChunk: tf.Tensor[] = [];
          for (let j0 = 0; j0 < k.length; j0 += chunk) {
            const kc = k.slice(j0, j0 + chunk);
            perChunk.push(
              tf.tidy(() => {
                const kernel = tf.exp(tf.mul(minusHalfDistances, tf.tensor3d(kc, [kc.length, 1, 1])));
                const sums = tf.matMul(tf.reshape(kernel, [kc.length * rows, n]), yWithOnes);
                const numerators = tf.slice(sums, [0, 0], [kc.length * rows, c]);
                const denominators = tf.slice(sums, [0, c], [kc.length * rows, 1]);
                return tf.sum(tf.reshape(tf.square(tf.div(numerators, denominators)), [kc.length, rows * c]), 1);
              }),
            );
          }
          return tf.concat(perChunk);
        }),
      );
    }
    // One read for the whole analysis: the block sums, added up on the host in float64.
    const packed = tf.tidy(() => tf.stack(blockResults));
    const values = packed.dataSync();
    packed.dispose();
    const lowEnergy = new Float64Array(k.length);
    for (let b = 0; b < blockResults.length; b++) for (let j = 0; j < k.length; j++) lowEnergy[j] += values[b * k.length + j];
    return Array.from(lowEnergy, (e) => e / targetEnergy);
  } finally {
    tf.dispose([xCentred, xTransposed, squaredNormsRow, squaredNormsColumn, yWithOnes, columnIndex, ...blockResults]);
  }
}

/** Translation-invariant spread of x: MPSD (closed form on mean-centred rows) and whether all rows are identical. */
function pairwiseSpread(x: tf.Tensor2D): { mpsd: number; allRowsEqual: boolean } {
  const [n, d] = x.shape;
  // Centring leaves MPSD unchanged but avoids float32 cancellation in 2n sum|x|^2 - 2|sum x|^2.
  // Row sums and column sums come back in one read and are added up in float64.
  const packed = tf.tidy(() => {
    const centred = tf.sub(x, tf.mean(x, 0, true));
    const rowSquaredNorms = tf.sum(tf.square(centred), 1);
    const columnSums = tf.sum(centred, 0);
    const maxDifferenceFromFirstRow = tf.reshape(tf.max(tf.abs(tf.sub(x, tf.slice(x, [0, 0], [1, d])))), [1]);
    return tf.concat([rowSquaredNorms, columnSums, maxDifferenceFromFirstRow]);
  });
  const values = packed.dataSync();
  packed.dispose();
  let sumSquaredNorms = 0;
  for (let i = 0; i < n; i++) sumSquaredNorms += values[i];
  let squaredNormOfSum = 0;
  for (let j = 0; j < d; j++) squaredNormOfSum += values[n + j] ** 2;
  const maxDifference = values[n + d];
  if (Number.isNaN(maxDifference) || !Number.isFinite(sumSquaredNorms)) {
    throw new RangeError('normalise: the inputs contain NaN or infinite values');
  }
  return { mpsd: meanPairwiseSquaredDistance(sumSquaredNorms, squaredNormOfSum, n), allRowsEqual: maxDifference === 0 };
}

/**
 * Scales a layer's outputs before distances are taken (method.md section 2): `none` (scale 1);
 * `mean-distance`: x * s with s = sqrt(d0 / MPSD(x)), so the mean pairwise squared distance is d0;
 * `unit-norm`: x_i / |x_i| per sample, reported as scale 1 because the factor differs per sample.
 * Returns a new tensor the caller must dispose. Throws DegenerateInputError when all rows are
 * equal (after unit-norm scaling, for unit-norm) or a row has zero norm under unit-norm.
 */
export function normalise(x: tf.Tensor2D, norm: NormalisationConfig): { x: tf.Tensor2D; scale: number } {
  if (x.rank !== 2) throw new RangeError(`normalise: inputs must be a 2-D tensor [n, d], got shape [${x.shape}]`);
  const n = x.shape[0];
  if (n < 2) throw new RangeError(`normalise: needs at least two samples, got ${n}`);
  const zeroVariance = () =>
    new DegenerateInputError(
      `normalise: all ${n} samples have the same inputs (zero variance): every pairwise distance is 0 and the frequency content is undefined`,
    );
  const xFloat = tf.cast(x, 'float32') as tf.Tensor2D; // always a new tensor, owned here
  switch (norm.kind) {
    case 'none': {
      try {
        if (pairwiseSpread(xFloat).allRowsEqual) throw zeroVariance();
      } catch (error) {
        xFloat.dispose();
        throw error;
      }
      return { x: xFloat, scale: 1 };
    }
    case 'mean-distance': {
      let spread: { mpsd: number; allRowsEqual: boolean };
      try {
        spread = pairwiseSpread(xFloat);
      } catch (error) {
        xFloat.dispose();
        throw error;
      }
      if (spread.allRowsEqual || !(spread.mpsd > 0)) {
        xFloat.dispose();
        throw zeroVariance();
      }
      const scale = Math.sqrt(norm.d0 / spread.mpsd);
      const scaled = tf.tidy(() => tf.mul(xFloat, scale)) as tf.Tensor2D;
      xFloat.dispose();
      return { x: scaled, scale };
    }
    case 'unit-norm': {
      const rowNorms = tf.tidy(() => tf.sqrt(tf.sum(tf.square(xFloat), 1, true)));
      const normValues = rowNorms.dataSync();
      const zeroRow = normValues.findIndex((v) => !(v > 0));
      if (zeroRow >= 0) {
        tf.dispose([rowNorms, xFloat]);
        throw new DegenerateInputError(`normalise: sample ${zeroRow} has norm ${normValues[zeroRow]} and cannot be scaled to unit norm`);
      }
      const unit = tf.tidy(() => tf.div(xFloat, rowNorms)) as tf.Tensor2D;
      tf.dispose([rowNorms, xFloat]);
      try {
        if (pairwiseSpread(unit).allRowsEqual) throw zeroVariance();
      } catch (error) {
        unit.dispose();
        throw error;
      }
      return { x: unit, scale: 1 };
    }
  }
}

/** LFR, RDF and RDF peak of the data set {(h_i, y_i)} after normalising h, on the grid k = deltaGridK(analysis.deltaGrid). */
export function analyseLayer(h: tf.Tensor2D, y: tf.Tensor2D, analysis: AnalysisConfig): LayerFrequencyContent {
  checkMatrices(h, y, 'analyseLayer');
  const k = deltaGridK(analysis.deltaGrid);
  const { x: normalised, scale } = normalise(h, analysis.normalisation);
  let lfr: number[];
  try {
    lfr = lowFrequencyRatios(normalised, y, k, analysis.blockRows);
  } finally {
    normalised.dispose();
  }
  const { rdfK, rdf } = ratioDensity(k, lfr);
  return { normalisation: analysis.normalisation, scale, k, lfr, rdfK, rdf, peakK: rdfPeak(rdfK, rdf) };
}
