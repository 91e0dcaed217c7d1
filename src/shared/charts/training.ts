// Compare chart 4: training loss (top panel) and, when any run classifies, training accuracy
// (bottom panel) against epoch, one colour per run; validation curves, where stored, dashed.
import type { EChartsOption, LineSeriesOption } from 'echarts';
import type { EpochMetrics, RunDetail } from '../results';
import { axisValue, chartFrame, epochAxis, figureStem, lineSeries, titleBlock, valueAxis, type AxisScales, type ChartFigure } from './common';
import { toCsv } from './csv';
import { chartPalette, runLabel } from './labels';

/** Options: log epoch axis (epoch numbers start at 1) and log loss axis (default: log). */
export type TrainingSelection = AxisScales;

const hasValidation = (m: EpochMetrics) => m.validationLoss !== undefined && m.validationLoss !== null;

/** The loss function(s) of the runs, e.g. 'training loss (mse)'. */
function lossName(runs: readonly RunDetail[]): string {
  const kinds = [...new Set(runs.map((r) => r.config.training.loss))];
  return kinds.length === 0 ? 'loss' : `loss (${kinds.join(' / ')})`;
}

/** echarts option of the training curves. */
export function trainingOption(runs: readonly RunDetail[], scales: TrainingSelection = {}): EChartsOption {
  const logX = scales.logX ?? false;
  const logY = scales.logY ?? true;
  const withAccuracy = runs.some((r) => r.metrics.some((m) => m.accuracy !== null || (m.validationAccuracy ?? null) !== null));
  const names = runs.map(runLabel);
  const legendNames = runs.flatMap((r, i) => (r.metrics.some(hasValidation) ? [names[i], `${names[i]} (validation)`] : [names[i]]));
  const legendRows = Math.max(1, Math.ceil(legendNames.reduce((n, s) => n + Math.min(s.length, 40) * 6.6 + 40, 0) / 820));
  const head = titleBlock(withAccuracy ? 'Training loss and accuracy' : 'Training loss', []);
  const top = head.height + 8 + 22 * legendRows;
  const panel = { left: 84, right: 32 };
  const grids = withAccuracy
    ? [
        { ...panel, top, bottom: '36%' },
        { ...panel, top: '70%', bottom: 56 },
      ]
    : [{ ...panel, top, bottom: 56 }];
  const xAxes = grids.map((_, g) =>
    epochAxis(logX, { gridIndex: g, name: g === grids.length - 1 ? 'epoch' : '', axisLabel: { show: g === grids.length - 1 } }),
  );
  const yAxes = [
    valueAxis(`training ${lossName(runs)}`, logY, { gridIndex: 0 }),
    ...(withAccuracy ? [valueAxis('accuracy', false, { gridIndex: 1, min: 0, max: 1, scale: false })] : []),
  ];
  const series: LineSeriesOption[] = [];
  runs.forEach((run, i) => {
    const color = chartPalette[i % chartPalette.length];
    const metrics = [...run.metrics].sort((a, b) => a.epoch - b.epoch);
    const x = (m: EpochMetrics) => axisValue(m.epoch, logX);
    const at = (axis: number, dashed: boolean): LineSeriesOption => ({
      xAxisIndex: axis,
      yAxisIndex: axis,
      color,
      lineStyle: { width: dashed ? 1.5 : 2, type: dashed ? 'dashed' : 'solid' },
    });
    series.push(lineSeries(names[i], metrics.map((m) => [x(m), axisValue(m.loss, logY)]), at(0, false)));
    if (withAccuracy) series.push(lineSeries(names[i], metrics.map((m) => [x(m), axisValue(m.accuracy, false)]), at(1, false)));
    if (run.metrics.some(hasValidation)) {
      const v = `${names[i]} (validation)`;
      series.push(lineSeries(v, metrics.map((m) => [x(m), axisValue(m.validationLoss ?? null, logY)]), at(0, true)));
      if (withAccuracy) series.push(lineSeries(v, metrics.map((m) => [x(m), axisValue(m.validationAccuracy ?? null, false)]), at(1, true)));
    }
  });
  return {
    ...chartFrame(),
    title: head.title,
    legend: { data: legendNames, left: 16, right: 16, top: head.height, textStyle: { fontSize: 12, width: 260, overflow: 'truncate' } },
    axisPointer: { link: [{ xAxisIndex: 'all' }] },
    grid: grids,
    xAxis: xAxes as EChartsOption['xAxis'],
    yAxis: yAxes,
    series,
  };
}

/** Tidy CSV: run_id, run, epoch, loss, accuracy, validation_loss, validation_accuracy (empty where not stored). */
export function trainingCsv(runs: readonly RunDetail[]): string {
  const rows = runs.flatMap((run) =>
    [...run.metrics]
      .sort((a, b) => a.epoch - b.epoch)
      .map((m) => [run.id, run.name, m.epoch, m.loss, m.accuracy, m.validationLoss ?? null, m.validationAccuracy ?? null]),
  );
  return toCsv(['run_id', 'run', 'epoch', 'loss', 'accuracy', 'validation_loss', 'validation_accuracy'], rows);
}

/** Compare chart 4 as a figure. */
export function trainingFigure(runs: readonly RunDetail[], sel: TrainingSelection = {}): ChartFigure {
  const notes = runs.filter((r) => r.metrics.length === 0).map((r) => `${runLabel(r)} has no finished training epoch yet.`);
  return {
    option: trainingOption(runs, sel),
    csv: trainingCsv(runs),
    fileStem: figureStem('loss', runs),
    caption: `Training loss and accuracy of ${runs.length} run${runs.length === 1 ? '' : 's'}`,
    notes,
  };
}
