// LFR and RDF of one function against k = 1/delta on two y axes: the `analyse` command's figure
// of the frequency content of a data set's own target (method.md section 1).
import type { EChartsOption } from 'echarts';
import { chartPalette } from './labels';
import { kAxis, pairSeries } from './rdf-by-layer';

/** One LFR curve on the grid k and its RDF at the midpoints rdfK. */
export interface LfrRdfCurve {
  k: number[];
  lfr: number[];
  rdfK: number[];
  rdf: number[];
}

/** Options of lfrRdfOption: title, optional subtitle (e.g. normalisation and grid), logX (default true). */
export interface LfrRdfOptions {
  title: string;
  subtitle?: string;
  logX?: boolean;
}

/** echarts option: LFR (left axis, 0..1) and RDF (right axis) against 1/δ. */
export function lfrRdfOption(curve: LfrRdfCurve, opts: LfrRdfOptions): EChartsOption {
  const subtitleLines = opts.subtitle ? opts.subtitle.split('\n').length : 0;
  const axisName = { nameLocation: 'middle' as const, nameRotate: 90, nameTextStyle: { fontSize: 14 } };
  const split = { show: true, lineStyle: { color: '#e6e6e6' } };
  // LFR lies in [0, 1] up to rounding; never clip a value above 1.
  const lfrMax = Math.max(1, ...curve.lfr.filter(Number.isFinite));
  return {
    animation: false,
    backgroundColor: '#ffffff',
    color: chartPalette,
    title: {
      text: opts.title,
      subtext: opts.subtitle ?? '',
      left: 16,
      top: 8,
      textStyle: { fontSize: 16, fontWeight: 'bold', color: '#111' },
      subtextStyle: { fontSize: 12, color: '#444', lineHeight: 17 },
    },
    legend: { data: ['LFR', 'RDF'], right: 80, top: 12, textStyle: { fontSize: 13 } },
    tooltip: { trigger: 'axis' },
    grid: { left: 80, right: 80, top: 56 + 17 * subtitleLines, bottom: 56, containLabel: false },
    xAxis: kAxis(opts.logX ?? true),
    yAxis: [
      { type: 'value', name: 'LFR', min: 0, max: lfrMax, nameGap: 44, ...axisName, axisLine: { show: true }, splitLine: split },
      {
        type: 'value',
        name: 'RDF (dLFR/d(1/δ))',
        nameGap: 56,
        ...axisName,
        nameRotate: -90,
        axisLine: { show: true },
        splitLine: { show: false },
      },
    ],
    series: [
      pairSeries('LFR', curve.k, curve.lfr, { yAxisIndex: 0 }),
      pairSeries('RDF', curve.rdfK, curve.rdf, { yAxisIndex: 1, lineStyle: { width: 2, type: 'dashed' } }),
    ],
  };
}
