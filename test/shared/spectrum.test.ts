import { describe, expect, it } from 'vitest';
import { amplitudes, dft, relativeErrors, spectrumPeaks } from '../../src/shared/spectrum';

describe('dft', () => {
  it('matches a DFT computed by hand', () => {
    // x = [1, 2, 0, -1]: X_k = sum_j x_j e^{-2 pi i j k / 4}
    // X_0 = 1 + 2 + 0 - 1 = 2
    // X_1 = 1 + 2(-i) + 0(-1) + (-1)(i) = 1 - 3i
    // X_2 = 1 + 2(-1) + 0(1) + (-1)(-1) = 0
    const X = dft([1, 2, 0, -1]);
    expect(X.re.map((v) => Number(v.toFixed(12)))).toEqual([2, 1, 0]);
    expect(X.im.map((v) => Number(v.toFixed(12)) + 0)).toEqual([0, -3, 0]);
    expect(amplitudes(X).map((v) => Number(v.toFixed(12)))).toEqual([2, Math.sqrt(10), 0].map((v) => Number(v.toFixed(12))));
  });

  it('odd length: k = 0..floor(n/2); a pure cosine has one peak of height n/2', () => {
    const n = 9;
    const x = Array.from({ length: n }, (_, j) => Math.cos((2 * Math.PI * 2 * j) / n));
    const a = amplitudes(dft(x));
    expect(a).toHaveLength(5);
    expect(a[2]).toBeCloseTo(n / 2, 10);
    for (const k of [0, 1, 3, 4]) expect(a[k]).toBeCloseTo(0, 10);
  });
});

describe('spectrumPeaks', () => {
  it('finds the local maxima above the fraction of the largest, never k = 0, largest first when limited', () => {
    const a = [9, 1, 5, 1, 0.2, 0.4, 0.1, 3, 2];
    expect(spectrumPeaks(a, 0.1, 8)).toEqual([2, 7]); // 0.4 at k = 5 is below 0.1 * 5
    expect(spectrumPeaks(a, 0.05, 8)).toEqual([2, 5, 7]);
    expect(spectrumPeaks(a, 0.05, 1)).toEqual([2]);
    expect(spectrumPeaks([1, 0, 0], 0.1, 3)).toEqual([]);
  });

  it('cos(3x) + cos(5x) on [-pi, pi): peaks at k = 3 and 5', () => {
    const n = 200;
    const y = Array.from({ length: n }, (_, j) => {
      const x = -Math.PI + (2 * Math.PI * j) / n;
      return Math.cos(3 * x) + Math.cos(5 * x);
    });
    expect(spectrumPeaks(amplitudes(dft(y)), 0.1, 8)).toEqual([3, 5]);
  });
});

describe('relativeErrors', () => {
  it('is |H_k - Y_k| / |Y_k| at each peak', () => {
    const Y = { re: [0, 3, 0], im: [0, 4, 1] };
    const H = { re: [0, 0, 0], im: [0, 4, 0.5] };
    expect(relativeErrors(Y, H, [1, 2])).toEqual([3 / 5, 0.5]);
  });
});
