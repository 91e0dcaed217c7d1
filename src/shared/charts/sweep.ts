// Charts of a sweep group: a metric against epoch as the mean over runs with a band of one
// standard deviation (e.g. over seeds), and the epochs each run needed to reach its loss
// threshold against the swept setting. Pure functions of stored results.
import type { EChartsOption, LineSeriesOption, ScatterSeriesOption } from 'echarts';
import { lossThreshold } from '../config';
import type { EpochMetrics, GroupDetail, RunDetail } from '../results';
import { sweepValueText, valueAt } from '../sweep';
import type { ChartFigure } from './common';
import { toCsv } from './csv';
import { chartPalette, formatNumber, runLabel } from './labels';

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

// ---------------------------------------------------------------------------------------------
// A sweep group's figures (option + CSV of exactly the plotted data), for the compare screen's
// group mode and any other door.
// ---------------------------------------------------------------------------------------------

/** The group charts, in screen order; also the `chart-<kind>` / `export-*-<kind>` names. */
export const sweepChartKinds = ['sweep-band', 'sweep-threshold'] as const;
export type SweepChartKind = (typeof sweepChartKinds)[number];

/** The per-epoch metrics of the band chart, in menu order. */
export const bandMetrics: readonly BandMetric[] = ['loss', 'accuracy', 'validationLoss', 'validationAccuracy'];

/** A band metric in words ('validation loss'). */
export function bandMetricName(metric: BandMetric): string {
  return metricNames[metric];
}

/** The swept value of one run of a group, as text ('3×50', '0.001', '2'). */
export function sweptValueText(group: Pick<GroupDetail, 'varyPath'>, run: Pick<RunDetail, 'config'>): string {
  try {
    return sweepValueText(valueAt(run.config, group.varyPath));
  } catch {
    return '?';
  }
}

/** The swept setting for an axis name: 'model.hidden (layers × width)' for a depth sweep. */
export function sweptSettingText(varyPath: string): string {
  return varyPath === 'model.hidden' ? 'model.hidden (layers × width)' : varyPath;
}

/** Whether a group varies the seed (its band chart is then one band over the seeds). */
export function variesSeed(group: Pick<GroupDetail, 'varyPath'>): boolean {
  return group.varyPath === 'seed';
}

/** The bands of a group: a seed sweep is one band over all its runs (mean ± std over seeds);
 *  any other sweep one band per swept value (in the order of the runs). */
export function groupBands(group: Pick<GroupDetail, 'varyPath' | 'runs'>): (Band & { runs: RunDetail[] })[] {
  if (variesSeed(group)) return [{ name: `${group.runs.length} seed${group.runs.length === 1 ? '' : 's'}`, runs: [...group.runs] }];
  const labels = [...new Set(group.runs.map((r) => sweptValueText(group, r)))];
  return labels.map((label) => ({ name: `${group.varyPath} = ${label}`, runs: group.runs.filter((r) => sweptValueText(group, r) === label) }));
}

/** The band metrics any run of the group has a value of, in menu order ('loss' when none has). */
export function groupBandMetrics(group: Pick<GroupDetail, 'runs'>): BandMetric[] {
  const present = bandMetrics.filter((metric) => group.runs.some((r) => r.metrics.some((m) => metricValue(m, metric) !== null)));
  return present.length ? present : ['loss'];
}

/** What the band chart shows: the metric (default: training loss) and a log y axis (default: log for losses). */
export interface SweepBandSelection {
  metric?: BandMetric;
  logY?: boolean;
}

/** Tidy CSV of the band chart: band, epoch, mean, std, count, and the band's edges as drawn
 *  (lower = mean − std, cut at mean / 10 on a log axis; upper = mean + std). */
export function sweepBandCsv(bands: readonly Band[], metric: BandMetric, logY: boolean): string {
  const rows = bands.flatMap((band) =>
    meanStdByEpoch(band.runs, metric).map((p) => [
      band.name,
      p.epoch,
      p.mean,
      p.std,
      p.count,
      logY ? Math.max(p.mean - p.std, p.mean / 10) : p.mean - p.std,
      p.mean + p.std,
    ]),
  );
  return toCsv(['band', 'epoch', `mean_${snake(metric)}`, 'std', 'runs', 'lower', 'upper'], rows);
}

function snake(name: string): string {
  return name.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}

function groupStem(kind: string, group: Pick<GroupDetail, 'id'>, ...parts: string[]): string {
  return [kind, `group-${group.id}`, ...parts].join('_').replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 120);
}

/** Whether a run is still queued or running. */
const active = (r: Pick<RunDetail, 'status'>) => r.status === 'queued' || r.status === 'running';

/** Notes on runs a group chart cannot show yet. */
function pendingNotes(group: Pick<GroupDetail, 'runs'>): string[] {
  const waiting = group.runs.filter(active);
  const empty = group.runs.filter((r) => r.metrics.length === 0 && !active(r));
  const notes: string[] = [];
  if (waiting.length) notes.push(`${waiting.length} of ${group.runs.length} runs still queued or running (${waiting.map((r) => `#${r.id}`).join(', ')}): the chart grows as they finish epochs.`);
  if (empty.length) notes.push(`${empty.map(runLabel).join(', ')} ended without a finished epoch.`);
  return notes;
}

/** The band chart of a group: mean ± 1 std of a per-epoch metric against epoch (over seeds for a
 *  seed sweep; one band per value otherwise). */
export function sweepBandFigure(group: GroupDetail, sel: SweepBandSelection = {}): ChartFigure {
  const metric = sel.metric ?? 'loss';
  const logY = sel.logY ?? (metric === 'loss' || metric === 'validationLoss');
  const bands = groupBands(group);
  const seeds = variesSeed(group);
  return {
    option: meanBandOption(bands, metric, {
      logY,
      title: `${group.name}: ${metricNames[metric]}, ${seeds ? 'mean and spread over seeds' : `by ${group.varyPath}`}`,
    }),
    csv: sweepBandCsv(bands, metric, logY),
    fileStem: groupStem('sweep-band', group, snake(metric)),
    caption: `${metricNames[metric]} of sweep group ${group.id} (${group.runs.length} runs${seeds ? ', mean ± std over seeds' : `, one line per ${group.varyPath}`})`,
    notes: pendingNotes(group),
  };
}

/** Per swept value (in the order of the runs), the runs with it and their epochs to threshold
 *  (runs still queued or running count only once they have reached it). */
export function groupThresholdPoints(group: Pick<GroupDetail, 'varyPath' | 'runs'>): (ThresholdPoint & { runs: RunDetail[] })[] {
  const labels = [...new Set(group.runs.map((r) => sweptValueText(group, r)))];
  return labels.map((label) => {
    const runs = group.runs.filter((r) => sweptValueText(group, r) === label);
    return { label, runs, epochs: runs.filter((r) => !active(r) || (r.epochsToThreshold ?? null) !== null).map((r) => r.epochsToThreshold ?? null) };
  });
}

/** Tidy CSV of the threshold chart: one row per run: the setting, its value, the run, the loss
 *  threshold and the epochs to reach it (empty: not reached, or no threshold). */
export function sweepThresholdCsv(group: Pick<GroupDetail, 'varyPath' | 'runs'>): string {
  const rows = groupThresholdPoints(group).flatMap((p) =>
    p.runs.map((r) => [group.varyPath, p.label, r.id, r.name, lossThreshold(r.config.training), r.epochsToThreshold ?? null]),
  );
  return toCsv(['setting', 'value', 'run_id', 'run', 'loss_threshold', 'epochs_to_threshold'], rows);
}

/** The epochs-to-threshold chart of a group: epochs until the training loss first fell below the
 *  runs' threshold (training.threshold, else training.stop.lossBelow) against the swept setting. */
export function sweepThresholdFigure(group: GroupDetail): ChartFigure {
  const thresholds = [...new Set(group.runs.map((r) => lossThreshold(r.config.training)))];
  const notes = pendingNotes(group);
  if (thresholds.every((t) => t === null)) notes.unshift('No run has a loss threshold (training.threshold or training.stop.lossBelow): no epochs to threshold are recorded.');
  else if (thresholds.length > 1) notes.unshift(`The runs have different loss thresholds (${thresholds.map((t) => (t === null ? 'none' : formatNumber(t))).join(', ')}).`);
  const missed = group.runs.filter((r) => (r.epochsToThreshold ?? null) === null && lossThreshold(r.config.training) !== null && !active(r));
  if (missed.length && thresholds.some((t) => t !== null)) notes.push(`${missed.length} run${missed.length === 1 ? '' : 's'} ended without reaching the threshold (counted under the axis).`);
  return {
    option: thresholdOption(groupThresholdPoints(group), {
      setting: sweptSettingText(group.varyPath),
      threshold: thresholds.length === 1 ? thresholds[0] : null,
      title: `${group.name}: epochs to reach the loss threshold`,
    }),
    csv: sweepThresholdCsv(group),
    fileStem: groupStem('sweep-threshold', group),
    caption: `Epochs to reach the training-loss threshold against ${group.varyPath}, sweep group ${group.id}`,
    notes,
  };
}
