// Charts of a sweep group: a metric against epoch as the mean over runs with a band of one
// standard deviation (e.g. over seeds), and the epochs each run needed to reach its loss
// threshold against the swept setting. Pure functions of stored results.
import type { EChartsOption, LineSeriesOption, ScatterSeriesOption } from 'echarts';
import type { EpochMetrics, RunDetail } from '../results';
import { chartPalette, formatNumber } from './labels';

/** The per-epoch metrics a band chart can show. */
export type BandMetric = 'loss' | 'accuracy' | 'validationLoss' | 'validationAccuracy';

const metricNames: Record<BandMetric, string> = {
  loss: 'training loss',
  accuracy: 'training accuracy',
  validationLoss: 'validation loss',
  validationAccuracy: 'validation accuracy',
};

/** Mean and standard deviation of one metric at each epoch over runs. */
export interface BandPoint {
  epoch: number;
  mean: number;
  /** Population standard deviation sqrt(sum (v - mean)^2 / m) over the m runs with a value; 0 for one run. */
  std: number;
  /** How many runs had a finite value at this epoch. */
  count: number;
}

function metricValue(m: EpochMetrics, metric: BandMetric): number | null {
  const v = m[metric];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** Mean and std of `metric` over the runs at every epoch where at least one run has a value. */
export function meanStdByEpoch(runs: readonly Pick<RunDetail, 'metrics'>[], metric: BandMetric): BandPoint[] {
  const byEpoch = new Map<number, number[]>();
  for (const run of runs) {
    for (const m of run.metrics) {
      const v = metricValue(m, metric);
      if (v === null) continue;
      const list = byEpoch.get(m.epoch) ?? [];
      list.push(v);
      byEpoch.set(m.epoch, list);
    }
  }
  return [...byEpoch.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([epoch, values]) => {
      const mean = values.reduce((s, v) => s + v, 0) / values.length;
      const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length;
      return { epoch, mean, std: Math.sqrt(variance), count: values.length };
    });
}

/** One band: a name and the runs it averages over. */
export interface Band {
  name: string;
  runs: readonly Pick<RunDetail, 'metrics'>[];
}

export interface BandOptions {
  title?: string;
  subtitle?: string;
  /** Log y axis (default: true for losses, false for accuracies). Lower band edges below a tenth of the mean are cut there. */
  logY?: boolean;
}

/** echarts option: for each band, the mean line and a shaded mean ± std band against epoch. */
export function meanBandOption(bands: readonly Band[], metric: BandMetric, opts: BandOptions = {}): EChartsOption {
  const logY = opts.logY ?? (metric === 'loss' || metric === 'validationLoss');
  const series: LineSeriesOption[] = [];
  const legend: string[] = [];
  bands.forEach((band, i) => {
    const color = chartPalette[i % chartPalette.length];
    const points = meanStdByEpoch(band.runs, metric);
    // On a log axis a lower edge at or below zero cannot be drawn: it is cut at a tenth of the mean.
    const lower = points.map((p) => [p.epoch, logY ? Math.max(p.mean - p.std, p.mean / 10) : p.mean - p.std]);
    const width = points.map((p, j) => [p.epoch, p.mean + p.std - (lower[j][1] as number)]);
    const stack = `band-${i}`;
    legend.push(band.name);
    series.push(
      { type: 'line', name: `${band.name} (lower)`, data: lower, stack, symbol: 'none', lineStyle: { opacity: 0 }, tooltip: { show: false }, silent: true, color },
      { type: 'line', name: `${band.name} (band)`, data: width, stack, symbol: 'none', lineStyle: { opacity: 0 }, areaStyle: { color, opacity: 0.18 }, tooltip: { show: false }, silent: true, color },
      {
        type: 'line',
        name: band.name,
        data: points.map((p) => [p.epoch, p.mean]),
        symbol: 'circle',
        showSymbol: points.length <= 40,
        symbolSize: 5,
        lineStyle: { width: 2 },
        color,
      },
    );
  });
  const counts = bands.map((b) => b.runs.length);
  const subtitle =
    opts.subtitle ??
    `mean over ${counts.every((c) => c === counts[0]) ? counts[0] : counts.join('/')} run(s) per line (at each epoch, over the runs still training); shaded: ± 1 standard deviation` +
      (logY ? ' (lower edge cut at mean / 10)' : '');
  return {
    animation: false,
    backgroundColor: '#ffffff',
    color: chartPalette,
    title: {
      text: opts.title ?? `${metricNames[metric]}: mean and spread`,
      subtext: subtitle,
      left: 16,
      top: 8,
      textStyle: { fontSize: 16, fontWeight: 'bold', color: '#111' },
      subtextStyle: { fontSize: 12, color: '#444' },
    },
    legend: { data: legend, left: 'center', bottom: 8, textStyle: { fontSize: 13 } },
    tooltip: { trigger: 'axis' },
    grid: { left: 80, right: 24, top: 72, bottom: 64 + 22 * Math.ceil(legend.length / 4) },
    xAxis: { type: 'value', name: 'epoch', nameLocation: 'middle', nameGap: 28, min: 0, minInterval: 1, splitLine: { show: true, lineStyle: { color: '#e6e6e6' } } },
    yAxis: {
      type: logY ? 'log' : 'value',
      ...(logY ? { logBase: 10 } : {}),
      name: metricNames[metric],
      nameLocation: 'middle',
      nameGap: 56,
      nameRotate: 90,
      axisLine: { show: true },
      splitLine: { show: true, lineStyle: { color: '#e6e6e6' } },
    },
    series,
  };
}

/** One point of the epochs-to-threshold chart: the swept value (as text) and the epochs needed. */
export interface ThresholdPoint {
  /** The swept value as shown on the axis, e.g. "3×100" or "0.001". */
  label: string;
  /** Epochs until the training loss fell below the threshold, per run with this value (null: never within the run). */
  epochs: (number | null)[];
}

export interface ThresholdOptions {
  /** The swept setting, for the axis name, e.g. "model.hidden (depth × width)". */
  setting: string;
  threshold: number | null;
  title?: string;
}

/** echarts option: epochs to reach the loss threshold against the swept setting (category axis):
 *  each run a dot, the mean of the runs that reached it a line; runs that never did are counted
 *  in the axis label. */
export function thresholdOption(points: readonly ThresholdPoint[], opts: ThresholdOptions): EChartsOption {
  const labels = points.map((p) => {
    const missed = p.epochs.filter((e) => e === null).length;
    return missed ? `${p.label}\n(${missed} not reached)` : p.label;
  });
  const dots: ScatterSeriesOption = {
    type: 'scatter',
    name: 'run',
    data: points.flatMap((p, i) => p.epochs.filter((e): e is number => e !== null).map((e) => [i, e])),
    symbolSize: 9,
    color: chartPalette[1],
  };
  const mean: LineSeriesOption = {
    type: 'line',
    name: 'mean',
    data: points.map((p, i) => {
      const reached = p.epochs.filter((e): e is number => e !== null);
      return [i, reached.length ? reached.reduce((s, e) => s + e, 0) / reached.length : null];
    }),
    connectNulls: false,
    lineStyle: { width: 2 },
    symbolSize: 6,
    color: chartPalette[0],
  };
  return {
    animation: false,
    backgroundColor: '#ffffff',
    color: chartPalette,
    title: {
      text: opts.title ?? 'Epochs to reach the training-loss threshold',
      subtext: opts.threshold === null ? 'no threshold set' : `threshold: training loss < ${formatNumber(opts.threshold)}`,
      left: 16,
      top: 8,
      textStyle: { fontSize: 16, fontWeight: 'bold', color: '#111' },
      subtextStyle: { fontSize: 12, color: '#444' },
    },
    legend: { data: ['run', 'mean'], left: 'center', bottom: 8 },
    tooltip: { trigger: 'item' },
    grid: { left: 80, right: 24, top: 72, bottom: 104 },
    xAxis: { type: 'category', data: labels, name: opts.setting, nameLocation: 'middle', nameGap: 48, axisLabel: { interval: 0 } },
    yAxis: {
      type: 'value',
      name: 'epochs to threshold',
      nameLocation: 'middle',
      nameGap: 50,
      nameRotate: 90,
      min: 0,
      minInterval: 1,
      axisLine: { show: true },
      splitLine: { show: true, lineStyle: { color: '#e6e6e6' } },
    },
    series: [mean, dots],
  };
}

/** One line of the peak chart: a name and the (epoch, RDF peak 1/δ) points of one analysed layer. */
export interface PeakLine {
  name: string;
  points: { epoch: number; peakK: number }[];
}

/** echarts option: the RDF peak position (1/δ, log axis) of one analysed layer per run against
 *  epoch — e.g. the head input of each ResNet variant. */
export function peakLinesOption(lines: readonly PeakLine[], opts: { title: string; subtitle?: string }): EChartsOption {
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
      subtextStyle: { fontSize: 12, color: '#444' },
    },
    legend: { data: lines.map((l) => l.name), left: 'center', bottom: 8 },
    tooltip: { trigger: 'axis' },
    grid: { left: 80, right: 24, top: 72, bottom: 64 + 22 * Math.ceil(lines.length / 4) },
    xAxis: { type: 'value', name: 'epoch', nameLocation: 'middle', nameGap: 30, min: 0, minInterval: 1, splitLine: { show: true, lineStyle: { color: '#e6e6e6' } } },
    yAxis: {
      type: 'log',
      logBase: 10,
      name: 'RDF peak 1/δ',
      nameLocation: 'middle',
      nameGap: 56,
      nameRotate: 90,
      axisLine: { show: true },
      splitLine: { show: true, lineStyle: { color: '#e6e6e6' } },
    },
    series: lines.map((l, i) => ({
      type: 'line' as const,
      name: l.name,
      data: l.points.filter((p) => Number.isFinite(p.peakK) && p.peakK > 0).map((p) => [p.epoch, p.peakK]),
      color: chartPalette[i % chartPalette.length],
      symbolSize: 6,
      lineStyle: { width: 2 },
    })),
  };
}
