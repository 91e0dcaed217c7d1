import { describe, expect, it } from 'vitest';
import type { LineSeriesOption, ScatterSeriesOption } from 'echarts';
import { meanBandOption, meanStdByEpoch, thresholdOption } from '../../../src/shared/charts/sweep';
import { peakErrorOption, spectrumOption } from '../../../src/shared/charts/spectrum';
import type { EpochMetrics } from '../../../src/shared/results';

const m = (epoch: number, loss: number, extra: Partial<EpochMetrics> = {}): EpochMetrics => ({ epoch, loss, accuracy: null, learningRate: 1e-3, seconds: 1, ...extra });

describe('meanStdByEpoch', () => {
  it('is the mean and population standard deviation over the runs that have the epoch', () => {
    const runs = [{ metrics: [m(1, 1), m(2, 0.5)] }, { metrics: [m(1, 3), m(2, 0.5), m(3, 0.1)] }, { metrics: [m(1, 2)] }];
    expect(meanStdByEpoch(runs, 'loss')).toEqual([
      { epoch: 1, mean: 2, std: Math.sqrt(2 / 3), count: 3 },
      { epoch: 2, mean: 0.5, std: 0, count: 2 },
      { epoch: 3, mean: 0.1, std: 0, count: 1 },
    ]);
    expect(meanStdByEpoch([{ metrics: [m(1, 1, { validationAccuracy: 0.5 }), m(2, Number.NaN)] }], 'validationAccuracy')).toEqual([{ epoch: 1, mean: 0.5, std: 0, count: 1 }]);
  });
});

describe('meanBandOption', () => {
  it('draws per band an invisible lower edge, a stacked band of width 2 std, and the mean line', () => {
    const o = meanBandOption([{ name: 'seeds', runs: [{ metrics: [m(1, 1), m(2, 0.2)] }, { metrics: [m(1, 3), m(2, 0.4)] }] }], 'loss');
    const s = o.series as LineSeriesOption[];
    expect(s.map((x) => x.name)).toEqual(['seeds (lower)', 'seeds (band)', 'seeds']);
    expect(s[0].stack).toBe(s[1].stack);
    expect(s[2].data).toEqual([
      [1, 2],
      [2, expect.closeTo(0.3, 12)],
    ]);
    // mean - std at epoch 1 is 1; at epoch 2, 0.2; widths 2 std = 2 and 0.2
    expect(s[0].data).toEqual([[1, 1], [2, expect.closeTo(0.2, 12)]]);
    expect(s[1].data).toEqual([[1, 2], [2, expect.closeTo(0.2, 12)]]);
    // a lower edge at or below zero is cut at a tenth of the mean on the log axis
    const wide = meanBandOption([{ name: 'w', runs: [{ metrics: [m(1, 0.1)] }, { metrics: [m(1, 1.9)] }] }], 'loss').series as LineSeriesOption[];
    expect(wide[0].data).toEqual([[1, 0.1]]);
    expect(wide[1].data).toEqual([[1, expect.closeTo(1.8, 12)]]);
    expect(o.yAxis).toMatchObject({ type: 'log' });
  });
});

describe('thresholdOption', () => {
  it('puts one dot per run that reached the threshold and the mean per value; counts the others', () => {
    const o = thresholdOption(
      [
        { label: '3×50', epochs: [400, 500] },
        { label: '4×50', epochs: [300, null] },
        { label: '5×50', epochs: [null] },
      ],
      { setting: 'depth', threshold: 1e-3 },
    );
    const [mean, dots] = o.series as [LineSeriesOption, ScatterSeriesOption];
    expect(mean.data).toEqual([
      [0, 450],
      [1, 300],
      [2, null],
    ]);
    expect(dots.data).toEqual([
      [0, 400],
      [0, 500],
      [1, 300],
    ]);
    expect((o.xAxis as { data: string[] }).data).toEqual(['3×50', '4×50\n(1 not reached)', '5×50\n(1 not reached)']);
  });
});

describe('spectrum charts', () => {
  const spectrum = (epoch: number, errors: number[]) => ({ epoch, targetAmplitude: [0, 1, 5, 1, 4, 0, 0, 0], outputAmplitude: [0, 1, 4, 1, 1, 0, 0, 0], peaks: [2, 4], peakErrors: errors });
  it('draws target and output amplitudes with the peaks marked', () => {
    const o = spectrumOption(spectrum(10, [0.2, 0.75]));
    const [target, output] = o.series as LineSeriesOption[];
    expect(target.data).toEqual([0, 1, 5, 1, 4, 0, 0, 0].map((v, k) => [k, v]));
    expect(output.data).toEqual([0, 1, 4, 1, 1, 0, 0, 0].map((v, k) => [k, v]));
    expect((target.markPoint!.data as { coord: number[] }[]).map((d) => d.coord)).toEqual([
      [2, 5],
      [4, 4],
    ]);
  });
  it('draws the relative error per peak against epoch, in epoch order', () => {
    const o = peakErrorOption([spectrum(20, [0.1, 0.5]), spectrum(0, [1, 1])]);
    const s = o.series as LineSeriesOption[];
    expect(s.map((x) => x.name)).toEqual(['k = 2', 'k = 4']);
    expect(s[1].data).toEqual([
      [0, 1],
      [20, 0.5],
    ]);
  });
});

describe('peakLinesOption', () => {
  it('draws one line per run, dropping peaks a log axis cannot show', async () => {
    const { peakLinesOption } = await import('../../../src/shared/charts/sweep');
    const o = peakLinesOption(
      [
        { name: 'stages = 4', points: [{ epoch: 0, peakK: 20 }, { epoch: 2, peakK: 8 }] },
        { name: 'stages = 1', points: [{ epoch: 0, peakK: Number.NaN }, { epoch: 2, peakK: 15 }] },
      ],
      { title: 't' },
    );
    const s = o.series as LineSeriesOption[];
    expect(s.map((x) => [x.name, x.data])).toEqual([
      ['stages = 4', [[0, 20], [2, 8]]],
      ['stages = 1', [[2, 15]]],
    ]);
    expect(o.yAxis).toMatchObject({ type: 'log' });
  });
});
