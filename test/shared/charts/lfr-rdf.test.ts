import { describe, expect, it } from 'vitest';
import type { LineSeriesOption, XAXisComponentOption, YAXisComponentOption } from 'echarts';
import { lfrRdfOption } from '../../../src/shared/charts';
import { layerFrequency } from '../../fixtures/run-detail';

describe('lfrRdfOption', () => {
  const curve = layerFrequency(0, 0, 0, 10);
  const o = lfrRdfOption(curve, { title: 'MNIST labels', subtitle: 'normalisation: none' });
  const series = o.series as LineSeriesOption[];

  it('draws LFR on the left axis and RDF on the right, both against 1/δ', () => {
    expect(series.map((s) => [s.name, s.yAxisIndex])).toEqual([
      ['LFR', 0],
      ['RDF', 1],
    ]);
    expect(series[0].data).toEqual(curve.k.map((k, i) => [k, curve.lfr[i]]));
    expect(series[1].data).toEqual(curve.rdfK.map((k, i) => [k, curve.rdf[i]]));
    const [left, right] = o.yAxis as YAXisComponentOption[];
    expect(left).toMatchObject({ name: 'LFR', min: 0, max: 1 });
    expect(right.name).toBe('RDF (dLFR/d(1/δ))');
    expect(o.xAxis as XAXisComponentOption).toMatchObject({ name: '1/δ', type: 'log' });
  });

  it('shows the title and subtitle, without animation', () => {
    expect(o.title).toMatchObject({ text: 'MNIST labels', subtext: 'normalisation: none' });
    expect(o.animation).toBe(false);
  });

  it('does not clip an LFR above 1', () => {
    const above = lfrRdfOption({ ...curve, lfr: curve.lfr.map((v) => v + 0.05) }, { title: 't' });
    expect((above.yAxis as YAXisComponentOption[])[0].max).toBeCloseTo(Math.max(...curve.lfr) + 0.05, 12);
  });
});
