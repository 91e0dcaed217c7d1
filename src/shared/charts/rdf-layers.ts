// Compare chart 1: the RDF against 1/δ at one epoch, either every analysed layer of one run
// (the deep frequency principle figure) or one layer across the selected runs. A pure function
// of stored results: the option and the CSV come from the same list of curves.
import type { EChartsOption, LineSeriesOption } from 'echarts';
import type { LayerFrequency, RunDetail } from '../results';
import {
  axisValue,
  chartFrame,
  curveName,
  figureStem,
  findFrequency,
  lineSeries,
  nearestEpoch,
  resolveLayerChoice,
  settingsLines,
  sideLegend,
  titleBlock,
  valueAxis,
  type AxisScales,
  type ChartFigure,
} from './common';
import { toCsv } from './csv';
import { chartPalette, epochText, layerColor, layerName, runLabel } from './labels';
import { analysedEpochs, kAxis } from './rdf-by-layer';

/** What the RDF-at-one-epoch chart shows. logX defaults to true (the grids are log-spaced). */
export interface RdfLayersSelection extends AxisScales {
  /** 'layers': every analysed layer of one run; 'runs': one layer of every run. */
  mode: 'layers' | 'runs';
  /** Mode 'layers': the run (default: the first). */
  runId?: number;
  /** Mode 'runs': the layer, counted from the input (0 = input) or, when negative, from the
   *  output (-1 = the last hidden layer, which lines up runs of different depth). Default -1. */
  layer?: number;
  /** The epoch asked for: each run shows its analysed epoch nearest to it. */
  epoch: number;
}

/** One plotted RDF curve. */
export interface RdfCurve {
  run: RunDetail;
  result: LayerFrequency;
  name: string;
  color: string;
}

/** A layer choice in words: 'layer 2', 'input', 'the last hidden layer', 'layer −2 from the output'. */
export function layerChoiceText(layer: number): string {
  if (layer >= 0) return layerName(layer);
  return layer === -1 ? 'the last hidden layer' : `hidden layer ${-layer} from the output`;
}

/** The curves the chart draws, and notes on what could not be shown as asked. */
export function rdfLayersCurves(runs: readonly RunDetail[], sel: RdfLayersSelection): { curves: RdfCurve[]; notes: string[]; title: string; shownRuns: RunDetail[] } {
  const notes: string[] = [];
  const curves: RdfCurve[] = [];
  if (sel.mode === 'layers') {
    const run = runs.find((r) => r.id === sel.runId) ?? runs[0];
    if (!run) return { curves, notes: ['No runs selected.'], title: 'RDF per layer', shownRuns: [] };
    const epoch = nearestEpoch(analysedEpochs(run), sel.epoch);
    if (epoch === null) {
      notes.push(`${runLabel(run)} has no frequency analysis yet.`);
      return { curves, notes, title: `RDF per layer — ${runLabel(run)}`, shownRuns: [run] };
    }
    if (epoch !== sel.epoch) notes.push(`${runLabel(run)} was not analysed at epoch ${sel.epoch}: epoch ${epoch} is shown.`);
    const results = run.frequencies.filter((f) => f.epoch === epoch).sort((a, b) => a.layer - b.layer);
    for (const result of results) {
      // One run: the legend names it by id (its full name is in the title).
      curves.push({ run, result, name: curveName(null, `#${run.id}`, layerName(result.layer), `epoch ${epoch}`), color: layerColor(result.layer) });
    }
    return { curves, notes, title: `RDF per layer — ${runLabel(run)}, ${epochText(epoch)}`, shownRuns: [run] };
  }
  const choice = sel.layer ?? -1;
  runs.forEach((run, i) => {
    const layer = resolveLayerChoice(run, choice);
    const epochs = analysedEpochs(run);
    const epoch = nearestEpoch(epochs, sel.epoch);
    if (epoch === null) {
      notes.push(`${runLabel(run)} has no frequency analysis yet.`);
      return;
    }
    const result = layer === null ? undefined : findFrequency(run, layer, epoch);
    if (!result) {
      notes.push(`${runLabel(run)} has no results for ${layerChoiceText(choice)}${layer !== null && layer !== choice ? ` (layer ${layer})` : ''}.`);
      return;
    }
    if (epoch !== sel.epoch) notes.push(`${runLabel(run)} was not analysed at epoch ${sel.epoch}: epoch ${epoch} is shown.`);
    curves.push({ run, result, name: curveName(run, layerName(result.layer), `epoch ${epoch}`), color: chartPalette[i % chartPalette.length] });
  });
  return { curves, notes, title: `RDF of ${layerChoiceText(choice)} across runs — epoch ${sel.epoch}`, shownRuns: [...runs] };
}

/** The tidy CSV of the plotted curves: run_id, run, layer, epoch, k (= 1/δ, midpoint), value (RDF). */
export function rdfCurvesCsv(curves: readonly RdfCurve[]): string {
  const rows = curves.flatMap(({ run, result }) => result.rdfK.map((k, j) => [run.id, run.name, result.layer, result.epoch, k, result.rdf[j]]));
  return toCsv(['run_id', 'run', 'layer', 'epoch', 'k', 'value'], rows);
}

/** echarts option of RDF curves against 1/δ (shared with the layer-across-epochs chart). */
export function rdfCurvesOption(curves: readonly RdfCurve[], title: string, subtitle: string[], scales: AxisScales): EChartsOption {
  const logX = scales.logX ?? true;
  const logY = scales.logY ?? false;
  const head = titleBlock(title, subtitle);
  const side = sideLegend(curves.map((c) => c.name));
  const series: LineSeriesOption[] = curves.map((c) =>
    lineSeries(
      c.name,
      c.result.rdfK.map((k, j) => [axisValue(k, logX), axisValue(c.result.rdf[j], logY)]),
      { color: c.color },
    ),
  );
  return {
    ...chartFrame(),
    title: head.title,
    legend: side.legend,
    grid: { left: 84, right: side.right, top: head.height + 24, bottom: 56 },
    xAxis: kAxis(logX),
    yAxis: valueAxis('RDF (dLFR/d(1/δ))', logY),
    series,
  };
}

/** Compare chart 1 as a figure: option, CSV and file stem of the same curves. */
export function rdfLayersFigure(runs: readonly RunDetail[], sel: RdfLayersSelection): ChartFigure {
  const { curves, notes, title, shownRuns } = rdfLayersCurves(runs, sel);
  const subtitle = settingsLines(shownRuns, curves.map((c) => c.result));
  const option = rdfCurvesOption(curves, title, subtitle, sel);
  const which = sel.mode === 'layers' ? 'layers' : `layer-${sel.layer ?? -1}`;
  return {
    option,
    csv: rdfCurvesCsv(curves),
    fileStem: figureStem('rdf', shownRuns, which, `epoch-${sel.epoch}`),
    caption: `${title}: ${curves.length} curve${curves.length === 1 ? '' : 's'}`,
    notes,
  };
}
