// Training curves of one or more runs: mean training loss (log scale) and, for classification
// runs, training accuracy against epoch, in two stacked panels sharing the epoch axis.
import type { EChartsOption, LineSeriesOption } from 'echarts';
import type { RunDetail } from '../results';
import { chartPalette, runLabel } from './labels';

/** A loss value a log axis can show; zero, negative and non-finite losses become gaps. */
function logValue(x: number): number | null {
  return Number.isFinite(x) && x > 0 ? x : null;
}

/** The loss function(s) of the runs as an axis label, e.g. 'training loss (mse)'. */
function lossAxisName(runs: RunDetail[]): string {
  const kinds = [...new Set(runs.map((r) => r.config.training.loss))];
  return kinds.length === 0 ? 'training loss' : `training loss (${kinds.join(' / ')})`;
}

/** echarts option: training loss (log y) and accuracy (if any run has it) against epoch, one colour per run. */
export function lossOption(runs: RunDetail[]): EChartsOption {
  const withAccuracy = runs.some((r) => r.metrics.some((m) => m.accuracy !== null));
  const names = runs.map(runLabel);
  const color = (i: number) => chartPalette[i % chartPalette.length];
  const panel = { left: 80, right: 24 };
  // The legend wraps on wide charts after roughly 80 characters of labels per row (estimate).
  const legendRows = Math.max(1, Math.ceil(names.reduce((n, s) => n + s.length + 6, 0) / 80));
  const top = 48 + 22 * (legendRows - 1);
  const grids = withAccuracy
    ? [
        { ...panel, top, height: '44%' },
        { ...panel, bottom: 56, height: '26%' },
      ]
    : [{ ...panel, top, bottom: 56 }];
  const axisName = { nameLocation: 'middle' as const, nameTextStyle: { fontSize: 14 } };
  const split = { show: true, lineStyle: { color: '#e6e6e6' } };
  const xAxes = grids.map((_, g) => ({
    type: 'value' as const,
    gridIndex: g,
    min: 0,
    minInterval: 1,
    name: g === grids.length - 1 ? 'epoch' : '',
    nameGap: 30,
    ...axisName,
    axisLabel: { show: g === grids.length - 1 },
    splitLine: split,
  }));
  const yAxes = [
    { type: 'log' as const, logBase: 10, gridIndex: 0, name: lossAxisName(runs), nameGap: 56, nameRotate: 90, ...axisName, axisLine: { show: true }, splitLine: split, minorTick: { show: true } },
    ...(withAccuracy
      ? [{ type: 'value' as const, gridIndex: 1, min: 0, max: 1, name: 'training accuracy', nameGap: 56, nameRotate: 90, ...axisName, axisLine: { show: true }, splitLine: split }]
      : []),
  ];
  const line = (i: number, data: (number | null)[][], axis: number): LineSeriesOption => ({
    type: 'line',
    name: names[i],
    data,
    xAxisIndex: axis,
    yAxisIndex: axis,
    color: color(i),
    showSymbol: data.length <= 40,
    symbolSize: 5,
    connectNulls: false,
    lineStyle: { width: 2 },
    emphasis: { focus: 'series' },
  });
  const series: LineSeriesOption[] = runs.flatMap((run, i) => [
    line(i, run.metrics.map((m) => [m.epoch, logValue(m.loss)]), 0),
    ...(withAccuracy ? [line(i, run.metrics.map((m) => [m.epoch, m.accuracy]), 1)] : []),
  ]);
  return {
    animation: false,
    backgroundColor: '#ffffff',
    color: chartPalette,
    title: { text: withAccuracy ? 'Training loss and accuracy' : 'Training loss', left: 16, top: 8, textStyle: { fontSize: 16, fontWeight: 'bold', color: '#111' } },
    legend: { data: names, right: 24, top: 12, width: '70%', textStyle: { fontSize: 13 } },
    tooltip: { trigger: 'axis' },
    axisPointer: { link: [{ xAxisIndex: 'all' }] },
    grid: grids,
    xAxis: xAxes,
    yAxis: yAxes,
    series,
  };
}
