// The pure, host-side part of the filtering method (method.md section 1): RDF from LFR, the RDF
// peak, the delta -> infinity limit of LFR, and the closed form of the mean pairwise squared
// distance. No tfjs here: the renderer imports this module too.

/** RDF_j = (LFR_{j+1} - LFR_j) / (k_{j+1} - k_j), reported at the midpoint (k_j + k_{j+1}) / 2. */
export function ratioDensity(k: readonly number[], lfr: readonly number[]): { rdfK: number[]; rdf: number[] } {
  if (k.length !== lfr.length) {
    throw new RangeError(`ratioDensity: k has ${k.length} values but lfr has ${lfr.length}`);
  }
  if (k.length < 2) throw new RangeError(`ratioDensity: needs at least two k values, got ${k.length}`);
  for (let j = 0; j < k.length; j++) {
    if (!Number.isFinite(k[j])) throw new RangeError(`ratioDensity: k[${j}] = ${k[j]} is not finite`);
    if (j > 0 && !(k[j] > k[j - 1])) {
      throw new RangeError(`ratioDensity: k must be strictly ascending, but k[${j - 1}] = ${k[j - 1]} >= k[${j}] = ${k[j]}`);
    }
  }
  const rdfK: number[] = [];
  const rdf: number[] = [];
  for (let j = 0; j + 1 < k.length; j++) {
    rdfK.push((k[j] + k[j + 1]) / 2);
    rdf.push((lfr[j + 1] - lfr[j]) / (k[j + 1] - k[j]));
  }
  return { rdfK, rdf };
}

/** peakK = rdfK[argmax_j rdf_j]: the first midpoint with the largest RDF (NaN entries never win; NaN if all are). */
export function rdfPeak(rdfK: readonly number[], rdf: readonly number[]): number {
  if (rdfK.length !== rdf.length) {
    throw new RangeError(`rdfPeak: rdfK has ${rdfK.length} values but rdf has ${rdf.length}`);
  }
  if (rdf.length === 0) throw new RangeError('rdfPeak: the RDF is empty');
  let best = -1;
  for (let j = 0; j < rdf.length; j++) {
    if (Number.isNaN(rdf[j])) continue;
    if (best < 0 || rdf[j] > rdf[best]) best = j;
  }
  return best < 0 ? Number.NaN : rdfK[best];
}

/** LFR(delta -> infinity) = |mean_i y_i|^2 / mean_i |y_i|^2, y row-major n x c. */
export function lfrLimitAtInfiniteDelta(y: ArrayLike<number>, n: number, c: number): number {
  if (!Number.isInteger(n) || !Number.isInteger(c) || n < 1 || c < 1) {
    throw new RangeError(`lfrLimitAtInfiniteDelta: n and c must be positive integers, got n = ${n}, c = ${c}`);
  }
  if (y.length !== n * c) {
    throw new RangeError(`lfrLimitAtInfiniteDelta: y has ${y.length} values, expected n * c = ${n * c}`);
  }
  const columnSums = new Float64Array(c);
  let sumSquaredNorms = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < c; j++) {
      const v = y[i * c + j];
      columnSums[j] += v;
      sumSquaredNorms += v * v;
    }
  }
  if (!(sumSquaredNorms > 0)) throw new RangeError('lfrLimitAtInfiniteDelta: y is zero everywhere, the LFR is undefined');
  let squaredNormOfMean = 0;
  for (let j = 0; j < c; j++) squaredNormOfMean += (columnSums[j] / n) ** 2;
  return squaredNormOfMean / (sumSquaredNorms / n);
}

/** MPSD = sum_{i != j} |x_i - x_j|^2 / (n (n - 1)) = (2 n sum_i |x_i|^2 - 2 |sum_i x_i|^2) / (n (n - 1)). */
export function meanPairwiseSquaredDistance(sumSquaredNorms: number, squaredNormOfSum: number, n: number): number {
  if (!Number.isInteger(n) || n < 2) {
    throw new RangeError(`meanPairwiseSquaredDistance: needs at least two samples, got n = ${n}`);
  }
  const mpsd = (2 * n * sumSquaredNorms - 2 * squaredNormOfSum) / (n * (n - 1));
  // The exact value is >= 0; rounding can push identical points slightly below.
  return Math.max(0, mpsd);
}
