// The classic frequency-principle view of a 1-D fit (Xu et al.): the discrete Fourier transform of
// target and network output on an evenly spaced grid, the target's peak frequencies, and the
// relative error of the output at those peaks. Pure math: no tfjs, the renderer may import it.

/** Real and imaginary parts of the DFT at frequency indices k = 0..floor(n/2). */
export interface Dft {
  re: number[];
  im: number[];
}

/** X_k = sum_{j=0}^{n-1} x_j exp(-2 pi i j k / n), for k = 0..floor(n/2) (the rest mirror these for real x). */
export function dft(values: ArrayLike<number>): Dft {
  const n = values.length;
  if (n < 1) throw new RangeError('dft: needs at least one value');
  // exp(-2 pi i m / n) for m = 0..n-1; j k is taken mod n so each term uses an exact table entry.
  const cos = new Float64Array(n);
  const sin = new Float64Array(n);
  for (let m = 0; m < n; m++) {
    cos[m] = Math.cos((2 * Math.PI * m) / n);
    sin[m] = Math.sin((2 * Math.PI * m) / n);
  }
  const half = Math.floor(n / 2);
  const re: number[] = [];
  const im: number[] = [];
  for (let k = 0; k <= half; k++) {
    let sr = 0;
    let si = 0;
    let m = 0;
    for (let j = 0; j < n; j++) {
      sr += values[j] * cos[m];
      si -= values[j] * sin[m];
      m += k;
      if (m >= n) m -= n;
    }
    re.push(sr);
    im.push(si);
  }
  return { re, im };
}

/** |X_k| for every k of a DFT. */
export function amplitudes(x: Dft): number[] {
  return x.re.map((r, k) => Math.hypot(r, x.im[k]));
}

/**
 * The peak frequencies of an amplitude spectrum: indices k >= 1 that are local maxima
 * (a[k] > a[k-1] and a[k] >= a[k+1]) with a[k] >= fraction * max_{k>=1} a[k]; the largest
 * `maxPeaks` of them, in ascending k. The constant term k = 0 is never a peak.
 */
export function spectrumPeaks(amplitude: readonly number[], fraction: number, maxPeaks: number): number[] {
  if (amplitude.length < 2) return [];
  let max = 0;
  for (let k = 1; k < amplitude.length; k++) max = Math.max(max, amplitude[k]);
  if (!(max > 0)) return [];
  const peaks: number[] = [];
  for (let k = 1; k < amplitude.length; k++) {
    const left = amplitude[k - 1];
    const right = k + 1 < amplitude.length ? amplitude[k + 1] : -Infinity;
    if (amplitude[k] > left && amplitude[k] >= right && amplitude[k] >= fraction * max) peaks.push(k);
  }
  return peaks
    .sort((a, b) => amplitude[b] - amplitude[a] || a - b)
    .slice(0, maxPeaks)
    .sort((a, b) => a - b);
}

/** Relative error at each peak k: |H_k - Y_k| / |Y_k| (output DFT H, target DFT Y). */
export function relativeErrors(target: Dft, output: Dft, peaks: readonly number[]): number[] {
  return peaks.map((k) => Math.hypot(output.re[k] - target.re[k], output.im[k] - target.im[k]) / Math.hypot(target.re[k], target.im[k]));
}
