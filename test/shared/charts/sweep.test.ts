import { describe, expect, it } from 'vitest';
import type { LineSeriesOption, ScatterSeriesOption } from 'echarts';
import {
  groupBandMetrics,
  groupBands,
  meanBandOption,
  meanStdByEpoch,
  sweepBandFigure,
  sweepThresholdFigure,
  sweptSettingText,
  thresholdOption,
} from '../../../src/shared/charts/sweep';
import { peakErrorOption, spectrumOption } from '../../../src/shared/charts/spectrum';
import type { EpochMetrics, GroupDetail, RunDetail } from '../../../src/shared/results';
import { fixtureConfig, makeRunDetail } from '../../fixtures/run-detail';

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

describe('group figures (compare screen, group mode)', () => {
  const seedRun = (id: number, seed: number, losses: number[], epochsToThreshold: number | null, status: RunDetail['status'] = 'completed'): RunDetail =>
    makeRunDetail({
      id,
      name: `seeds: seed = ${seed}`,
      status,
      config: { ...fixtureConfig, seed },
      metrics: losses.map((loss, i) => m(i + 1, loss)),
      epochsToThreshold,
      groupId: 3,
    });
  const group = (varyPath: string, runs: RunDetail[]): GroupDetail => ({
    id: 3,
    name: 'seeds',
    createdAt: '2025-01-01T00:00:00.000Z',
    varyPath,
    values: runs.map((r) => r.config.seed),
    baseConfig: fixtureConfig,
    runIds: runs.map((r) => r.id),
    runs,
  });

  it('draws a seed sweep as one band over the seeds, and its CSV holds the plotted mean, std and edges', () => {
    const g = group('seed', [seedRun(10, 1, [1, 0.2], 2), seedRun(11, 2, [3, 0.4], null)]);
    expect(groupBands(g).map((b) => [b.name, b.runs.length])).toEqual([['2 seeds', 2]]);
    const figure = sweepBandFigure(g);
    const series = figure.option.series as LineSeriesOption[];
    expect(series.map((s) => s.name)).toEqual(['2 seeds (lower)', '2 seeds (band)', '2 seeds']);
    expect(series[2].data).toEqual([
      [1, 2],
      [2, expect.closeTo(0.3, 12)],
    ]);
    expect(figure.fileStem).toBe('sweep-band_group-3_loss');
    expect(figure.notes).toEqual([]);
    const rows = figure.csv.trim().split('\n').map((l) => l.split(','));
    expect(rows[0]).toEqual(['band', 'epoch', 'mean_loss', 'std', 'runs', 'lower', 'upper']);
    expect(rows.slice(1).map((r) => [r[0], r[1], Number(r[2]), Number(r[3]), r[4], Number(r[5]), Number(r[6])])).toEqual([
      ['2 seeds', '1', 2, 1, '2', 1, 3],
      ['2 seeds', '2', expect.closeTo(0.3, 12), expect.closeTo(0.1, 12), '2', expect.closeTo(0.2, 12), expect.closeTo(0.4, 12)],
    ]);
    // The CSV's lower edge is the drawn one (cut at mean / 10 on the log axis).
    expect(Number(rows[1][5])).toBe((series[0].data as number[][])[0][1]);
    // Accuracy on a linear axis, for the runs that have it.
    const acc = sweepBandFigure(g, { metric: 'accuracy', logY: false });
    expect(acc.csv.split('\n')[0]).toBe('band,epoch,mean_accuracy,std,runs,lower,upper');
    expect(groupBandMetrics(g)).toEqual(['loss']);
  });

  it('draws any other sweep as one band per value, and notes runs still training', () => {
    const runs = [seedRun(20, 1, [1, 0.5], 2), seedRun(21, 1, [2], null, 'running')].map((r, i) => ({
      ...r,
      config: { ...r.config, model: { ...r.config.model, hidden: i === 0 ? [32, 32] : [32, 32, 32] } } as RunDetail['config'],
    }));
    const g = group('model.hidden', runs);
    expect(groupBands(g).map((b) => b.name)).toEqual(['model.hidden = 2×32', 'model.hidden = 3×32']);
    const figure = sweepBandFigure(g);
    expect(figure.notes).toEqual([expect.stringContaining('1 of 2 runs still queued or running (#21)')]);
    expect(figure.csv.split('\n').filter((l) => l.startsWith('model.hidden = 3×32'))).toHaveLength(1);
  });

  it('draws epochs to threshold against the swept value; the CSV has one row per run', () => {
    const g = group('seed', [seedRun(10, 1, [1, 0.005], 2), seedRun(11, 2, [3, 0.4], null), seedRun(12, 3, [0.001], 1)]);
    const figure = sweepThresholdFigure(g);
    const [mean, dots] = figure.option.series as [LineSeriesOption, ScatterSeriesOption];
    expect((figure.option.xAxis as { data: string[]; name: string }).data).toEqual(['1', '2\n(1 not reached)', '3']);
    expect((figure.option.xAxis as { name: string }).name).toBe('seed');
    expect(mean.data).toEqual([
      [0, 2],
      [1, null],
      [2, 1],
    ]);
    expect(dots.data).toEqual([
      [0, 2],
      [2, 1],
    ]);
    expect(figure.csv).toBe(
      'setting,value,run_id,run,loss_threshold,epochs_to_threshold\n' +
        'seed,1,10,seeds: seed = 1,0.01,2\n' +
        'seed,2,11,seeds: seed = 2,0.01,\n' +
        'seed,3,12,seeds: seed = 3,0.01,1\n',
    );
    expect(figure.fileStem).toBe('sweep-threshold_group-3');
    expect(figure.notes).toEqual(['1 run ended without reaching the threshold (counted under the axis).']);
    // A depth sweep's axis says what the values mean.
    expect(sweptSettingText('model.hidden')).toBe('model.hidden (layers × width)');
  });

  it('says when no run has a loss threshold', () => {
    const noThreshold = { ...fixtureConfig, training: { ...fixtureConfig.training, stop: { ...fixtureConfig.training.stop, lossBelow: null } } };
    const g = group('seed', [{ ...seedRun(10, 1, [1], null), config: { ...noThreshold, seed: 1 } }]);
    const figure = sweepThresholdFigure(g);
    expect(figure.notes[0]).toMatch(/No run has a loss threshold/);
    expect(figure.csv.split('\n')[1]).toBe('seed,1,10,seeds: seed = 1,,');
  });
});
