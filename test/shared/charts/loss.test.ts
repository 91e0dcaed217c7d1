import { describe, expect, it } from 'vitest';
import type { LineSeriesOption, YAXisComponentOption } from 'echarts';
import { lossOption } from '../../../src/shared/charts';
import { makeRunDetail } from '../../fixtures/run-detail';

describe('lossOption', () => {
  const a = makeRunDetail();
  const b = makeRunDetail({ id: 8, name: a.name });

  it('draws loss (log axis) and accuracy per run, one colour per run, labels unique by id', () => {
    const o = lossOption([a, b]);
    const series = o.series as LineSeriesOption[];
    expect(series).toHaveLength(4);
    expect(series.map((s) => s.name)).toEqual([`#7 ${a.name}`, `#7 ${a.name}`, `#8 ${a.name}`, `#8 ${a.name}`]);
    expect(series[0].data).toEqual(a.metrics.map((m) => [m.epoch, m.loss]));
    expect(series[1].data).toEqual(a.metrics.map((m) => [m.epoch, m.accuracy]));
    expect(series[0].color).toBe(series[1].color);
    expect(series[0].color).not.toBe(series[2].color);
    const [loss, acc] = o.yAxis as YAXisComponentOption[];
    expect(loss).toMatchObject({ type: 'log', name: 'training loss (mse)' });
    expect(acc).toMatchObject({ type: 'value', name: 'training accuracy' });
    expect(o.animation).toBe(false);
  });

  it('drops the accuracy panel for regression runs and leaves gaps for losses a log axis cannot show', () => {
    const r = makeRunDetail();
    r.metrics = r.metrics.map((m, i) => ({ ...m, accuracy: null, loss: i === 0 ? 0 : Number.NaN }));
    const o = lossOption([r]);
    expect(o.yAxis as YAXisComponentOption[]).toHaveLength(1);
    expect((o.series as LineSeriesOption[])[0].data).toEqual([
      [1, null],
      [2, null],
    ]);
  });
});
