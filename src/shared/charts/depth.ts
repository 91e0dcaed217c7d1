// Compare chart 5: epochs needed to reach a chosen training loss against network depth, for
// runs that differ in depth (paper section 4.3: deeper networks need fewer epochs). One marker
// per run, and a line through the mean number of epochs at each depth.
import type { EChartsOption, LineSeriesOption, ScatterSeriesOption } from 'echarts';
import { lossThreshold } from '../config';
import type { EpochMetrics, RunDetail } from '../results';
import { axisValue, chartFrame, figureStem, runDepth, sideLegend, titleBlock, valueAxis, type AxisScales, type ChartFigure } from './common';
import { toCsv } from './csv';
import { chartPalette, formatNumber, runLabel } from './labels';

/** What the depth chart shows: the training loss to reach, and log axes. */
export interface DepthSelection extends AxisScales {
  lossTarget: number;
}

/** One run's point: its depth and the first epoch whose training loss fell below the target. */
export interface DepthPoint {
  run: RunDetail;
  depth: number | null;
  epochs: number | null;
}

/** The first epoch whose mean training loss is below `target`; null when none is. */
export function epochsToLoss(metrics: readonly EpochMetrics[], target: number): number | null {
  const hit = [...metrics].sort((a, b) => a.epoch - b.epoch).find((m) => Number.isFinite(m.loss) && m.loss < target);
  return hit ? hit.epoch : null;
}

/** A sensible starting target: the runs' common loss threshold when they share one, else a
 *  loss every run has reached (the largest of their lowest losses, nudged up so '<' holds);
 *  null when no run has finished an epoch. */
export function defaultLossTarget(runs: readonly RunDetail[]): number | null {
  const thresholds = new Set(runs.map((r) => lossThreshold(r.config.training)));
  const [only] = [...thresholds];
  if (thresholds.size === 1 && only !== null && only !== undefined) return only;
  const lows = runs
    .map((r) => Math.min(...r.metrics.map((m) => m.loss).filter(Number.isFinite)))
    .filter(Number.isFinite);
  if (lows.length === 0) return null;
  return ceilSignificant(Math.max(...lows) * 1.0001, 3);
}

/** x rounded up to `digits` significant digits (so that every loss at or below x stays below it). */
function ceilSignificant(x: number, digits: number): number {
  if (!(x > 0) || !Number.isFinite(x)) return x;
  const step = 10 ** (Math.floor(Math.log10(x)) - digits + 1);
  const up = Number((Math.ceil(x / step) * step).toPrecision(digits + 2));
  return up > x ? up : Number((up + step).toPrecision(digits + 2));
}

/** Each run's depth and epochs to the target, in the order given. */
export function depthPoints(runs: readonly RunDetail[], target: number): DepthPoint[] {
  return runs.map((run) => ({ run, depth: runDepth(run), epochs: epochsToLoss(run.metrics, target) }));
}

/** Mean epochs to the target at each depth (over the runs that reached it), by depth. */
export function meanByDepth(points: readonly DepthPoint[]): [number, number][] {
  const groups = new Map<number, number[]>();
  for (const p of points) {
    if (p.depth === null || p.epochs === null) continue;
    groups.set(p.depth, [...(groups.get(p.depth) ?? []), p.epochs]);
  }
  return [...groups.entries()].sort((a, b) => a[0] - b[0]).map(([d, e]) => [d, e.reduce((s, x) => s + x, 0) / e.length]);
}

/** Notes: runs that did not reach the target, and whether the runs differ in depth at all. */
function depthNotes(points: readonly DepthPoint[], target: number): string[] {
  const notes: string[] = [];
  const depths = new Set(points.map((p) => p.depth).filter((d) => d !== null));
  if (points.length > 0 && depths.size < 2) {
    notes.push(`The selected runs do not differ in depth${depths.size === 1 ? ` (all have ${[...depths][0]} layers)` : ''}: select runs of different depth.`);
  }
  for (const p of points) {
    if (p.depth === null) notes.push(`${runLabel(p.run)}: unknown model kind, no depth.`);
    else if (p.epochs === null) {
      notes.push(`${runLabel(p.run)} (depth ${p.depth}) did not reach a training loss below ${formatNumber(target)} in ${p.run.metrics.length} epochs.`);
    }
  }
  return notes;
}

/** echarts option: epochs to the target loss against depth. */
export function depthOption(points: readonly DepthPoint[], sel: DepthSelection): EChartsOption {
  const logX = sel.logX ?? false;
  const logY = sel.logY ?? false;
  const names = points.map((p) => runLabel(p.run));
  const meanName = 'mean per depth';
  const side = sideLegend([...names, meanName]);
  const reached = points.filter((p) => p.epochs !== null && p.depth !== null).length;
  const head = titleBlock('Epochs to reach a training loss, against depth', [
    `training loss below ${formatNumber(sel.lossTarget)}: reached by ${reached} of ${points.length} run${points.length === 1 ? '' : 's'}`,
    'depth: hidden layers (MLP); analysable layers (ResNet)',
  ]);
  const series: (ScatterSeriesOption | LineSeriesOption)[] = points.map((p, i) => ({
    type: 'scatter',
    name: names[i],
    color: chartPalette[i % chartPalette.length],
    symbolSize: 11,
    data: p.depth !== null && p.epochs !== null ? [[axisValue(p.depth, logX), axisValue(p.epochs, logY)]] : [],
  }));
  series.push({
    type: 'line',
    name: meanName,
    color: '#444444',
    data: meanByDepth(points).map(([d, e]) => [axisValue(d, logX), axisValue(e, logY)]),
    showSymbol: false,
    lineStyle: { width: 1.5, type: 'dashed' },
  });
  return {
    ...chartFrame(),
    tooltip: { trigger: 'item', confine: true },
    title: head.title,
    legend: side.legend,
    grid: { left: 84, right: side.right, top: head.height + 24, bottom: 56 },
    xAxis: {
      type: logX ? 'log' : 'value',
      ...(logX ? { logBase: 10 } : { minInterval: 1, scale: true, boundaryGap: ['15%', '15%'] }),
      name: 'depth (layers)',
      nameLocation: 'middle',
      nameGap: 30,
      nameTextStyle: { fontSize: 14 },
      splitLine: { show: true, lineStyle: { color: '#e6e6e6' } },
    },
    yAxis: valueAxis(`epochs to training loss < ${formatNumber(sel.lossTarget)}`, logY, logY ? {} : { min: 0, minInterval: 1, scale: false }),
    series,
  };
}

/** Tidy CSV: run_id, run, depth, loss_target, epochs (empty when the run did not reach it). */
export function depthCsv(points: readonly DepthPoint[], target: number): string {
  return toCsv(
    ['run_id', 'run', 'depth', 'loss_target', 'epochs'],
    points.map((p) => [p.run.id, p.run.name, p.depth, target, p.epochs]),
  );
}

/** Compare chart 5 as a figure. */
export function depthFigure(runs: readonly RunDetail[], sel: DepthSelection): ChartFigure {
  const points = depthPoints(runs, sel.lossTarget);
  return {
    option: depthOption(points, sel),
    csv: depthCsv(points, sel.lossTarget),
    fileStem: figureStem('depth', runs, `loss-${formatNumber(sel.lossTarget)}`),
    caption: `Epochs to training loss below ${formatNumber(sel.lossTarget)} against depth, ${runs.length} runs`,
    notes: depthNotes(points, sel.lossTarget),
  };
}
