// Compare chart 3: the RDF peak position (the 1/δ where the RDF is largest) against epoch, one
// line per analysed layer of every selected run. Colour tells layers apart; line style and
// marker tell runs apart (colour tells runs apart when there is only one layer).
import type { EChartsOption, LineSeriesOption } from 'echarts';
import type { LayerFrequency, RunDetail } from '../results';
import {
  axisValue,
  chartFrame,
  curveName,
  epochAxis,
  figureStem,
  lineSeries,
  runDashes,
  runSymbols,
  settingsLines,
  sideLegend,
  storedLayers,
  titleBlock,
  valueAxis,
  type AxisScales,
  type ChartFigure,
} from './common';
import { toCsv } from './csv';
import { chartPalette, layerColor, layerName, runLabel } from './labels';

/** Options of the peak chart: log epoch axis (epoch 0 is then left out) and log 1/δ axis. */
export type PeaksSelection = AxisScales;

/** One plotted line: a layer of a run, its results in epoch order. */
export interface PeakLine {
  run: RunDetail;
  layer: number;
  points: LayerFrequency[];
  name: string;
  color: string;
  dash: (typeof runDashes)[number];
  symbol: (typeof runSymbols)[number];
}

/** The lines of the peak chart, run by run, input side first. */
export function peakLines(runs: readonly RunDetail[]): { lines: PeakLine[]; notes: string[] } {
  const notes: string[] = [];
  const lines: PeakLine[] = [];
  const layerCount = new Set(runs.flatMap((r) => storedLayers(r))).size;
  const byRunColour = runs.length > 1 && layerCount === 1;
  runs.forEach((run, i) => {
    const layers = storedLayers(run);
    if (layers.length === 0) notes.push(`${runLabel(run)} has no frequency analysis yet.`);
    for (const layer of layers) {
      const points = run.frequencies.filter((f) => f.layer === layer).sort((a, b) => a.epoch - b.epoch);
      lines.push({
        run,
        layer,
        points,
        name: curveName(runs.length > 1 ? run : null, layerName(layer)),
        color: byRunColour ? chartPalette[i % chartPalette.length] : layerColor(layer),
        dash: byRunColour ? 'solid' : runDashes[i % runDashes.length],
        symbol: runSymbols[i % runSymbols.length],
      });
    }
  });
  return { lines, notes };
}

/** Tidy CSV of the plotted points: run_id, run, layer, epoch, peak_k (the RDF peak's 1/δ). */
export function peaksCsv(lines: readonly PeakLine[]): string {
  const rows = lines.flatMap((l) => l.points.map((p) => [l.run.id, l.run.name, l.layer, p.epoch, p.peakK]));
  return toCsv(['run_id', 'run', 'layer', 'epoch', 'peak_k'], rows);
}

/** echarts option: RDF peak 1/δ against epoch. */
export function peaksOption(runs: readonly RunDetail[], lines: readonly PeakLine[], scales: PeaksSelection): EChartsOption {
  const logX = scales.logX ?? false;
  const logY = scales.logY ?? false;
  const title = runs.length === 1 ? `RDF peak position during training — ${runLabel(runs[0])}` : 'RDF peak position during training';
  const head = titleBlock(title, settingsLines(runs, lines.flatMap((l) => l.points)));
  const side = sideLegend(lines.map((l) => l.name));
  const series: LineSeriesOption[] = lines.map((l) =>
    lineSeries(
      l.name,
      l.points.map((p) => [axisValue(p.epoch, logX), axisValue(p.peakK, logY)]),
      { color: l.color, symbol: l.symbol, showSymbol: true, lineStyle: { width: 2, type: l.dash } },
    ),
  );
  return {
    ...chartFrame(),
    title: head.title,
    legend: side.legend,
    grid: { left: 84, right: side.right, top: head.height + 24, bottom: 56 },
    xAxis: epochAxis(logX),
    yAxis: valueAxis('RDF peak at 1/δ', logY),
    series,
  };
}

/** Compare chart 3 as a figure. */
export function peaksFigure(runs: readonly RunDetail[], sel: PeaksSelection = {}): ChartFigure {
  const { lines, notes } = peakLines(runs);
  return {
    option: peaksOption(runs, lines, sel),
    csv: peaksCsv(lines),
    fileStem: figureStem('rdf-peaks', runs),
    caption: `RDF peak position against epoch: ${lines.length} line${lines.length === 1 ? '' : 's'}`,
    notes,
  };
}
