// Compare chart 2: the RDF of one layer of one run across its analysed epochs, as curves
// (one per epoch, coloured from early = light to late = dark) or as a heat map of epoch × 1/δ.
import type { EChartsOption, HeatmapSeriesOption } from 'echarts';
import type { RunDetail } from '../results';
import { chartFrame, curveName, figureStem, resolveLayerChoice, settingsLines, titleBlock, type AxisScales, type ChartFigure } from './common';
import { formatNumber, layerName, runLabel } from './labels';
import { layerChoiceText, rdfCurvesCsv, rdfCurvesOption, type RdfCurve } from './rdf-layers';

/** What the layer-across-epochs chart shows. Curves: logX (default true) and logY apply. The heat
 *  map's 1/δ axis lists the grid points in order (a log-k grid is log-spaced), its colour is RDF. */
export interface RdfEpochsSelection extends AxisScales {
  /** The run (default: the first). */
  runId?: number;
  /** The layer, from the input (0 = input) or, when negative, from the output. Default -1. */
  layer?: number;
  style: 'curves' | 'heatmap';
}

/** Sequential colours (viridis, without its palest end) for curves ordered in time. */
const ramp = ['#440154', '#414487', '#2a788e', '#22a884', '#7ad151', '#bddf26'];

/** The colour at t in [0, 1] along the ramp: early epochs dark purple, late ones green. */
export function rampColor(t: number): string {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (ramp.length - 1);
  const i = Math.min(ramp.length - 2, Math.floor(x));
  const f = x - i;
  const rgb = (hex: string) => [1, 3, 5].map((o) => parseInt(hex.slice(o, o + 2), 16));
  const a = rgb(ramp[i]);
  const b = rgb(ramp[i + 1]);
  return `#${a.map((v, j) => Math.round(v + (b[j] - v) * f).toString(16).padStart(2, '0')).join('')}`;
}

/** The curves of one layer of one run, one per analysed epoch (ascending), and notes. */
export function rdfEpochsCurves(runs: readonly RunDetail[], sel: Pick<RdfEpochsSelection, 'runId' | 'layer'>): { run: RunDetail | null; layer: number | null; curves: RdfCurve[]; notes: string[] } {
  const run = runs.find((r) => r.id === sel.runId) ?? runs[0] ?? null;
  if (!run) return { run, layer: null, curves: [], notes: ['No runs selected.'] };
  const choice = sel.layer ?? -1;
  const layer = resolveLayerChoice(run, choice);
  const results = run.frequencies.filter((f) => f.layer === layer).sort((a, b) => a.epoch - b.epoch);
  const notes: string[] = [];
  if (results.length === 0) notes.push(`${runLabel(run)} has no results for ${layerChoiceText(choice)}.`);
  const curves = results.map((result, i) => ({
    run,
    result,
    name: curveName(null, `#${run.id}`, layerName(result.layer), `epoch ${result.epoch}`),
    color: rampColor(results.length === 1 ? 1 : i / (results.length - 1)),
  }));
  return { run, layer, curves, notes };
}

/** echarts heat map: x = the RDF grid points (1/δ midpoints, in order), y = epoch, colour = RDF. */
export function rdfHeatmapOption(curves: readonly RdfCurve[], title: string, subtitle: string[]): EChartsOption {
  const head = titleBlock(title, subtitle);
  const grid = curves[0]?.result.rdfK ?? [];
  const data: [number, number, number | null][] = [];
  let min = Infinity;
  let max = -Infinity;
  curves.forEach((c, y) =>
    c.result.rdf.forEach((v, x) => {
      if (x >= grid.length) return;
      const value = Number.isFinite(v) ? v : null;
      if (value !== null) {
        min = Math.min(min, value);
        max = Math.max(max, value);
      }
      data.push([x, y, value]);
    }),
  );
  if (!Number.isFinite(min)) [min, max] = [0, 1];
  if (min === max) max = min + 1;
  const series: HeatmapSeriesOption = { type: 'heatmap', name: 'RDF', data, progressive: 0, emphasis: { disabled: true } };
  return {
    ...chartFrame(),
    tooltip: { trigger: 'item', confine: true },
    title: head.title,
    grid: { left: 84, right: 110, top: head.height + 24, bottom: 64 },
    xAxis: {
      type: 'category',
      data: grid.map(formatNumber),
      name: '1/δ (grid points in order)',
      nameLocation: 'middle',
      nameGap: 36,
      nameTextStyle: { fontSize: 14 },
      splitArea: { show: false },
    },
    yAxis: {
      type: 'category',
      data: curves.map((c) => String(c.result.epoch)),
      name: 'epoch',
      nameLocation: 'middle',
      nameRotate: 90,
      nameGap: 48,
      nameTextStyle: { fontSize: 14 },
    },
    visualMap: {
      type: 'continuous',
      min,
      max,
      calculable: false,
      orient: 'vertical',
      right: 12,
      top: 'middle',
      itemHeight: 180,
      text: ['RDF high', 'low'],
      textStyle: { fontSize: 12 },
      precision: 4,
      inRange: { color: [...ramp] },
    },
    series: [series],
  };
}

/** Compare chart 2 as a figure. */
export function rdfEpochsFigure(runs: readonly RunDetail[], sel: RdfEpochsSelection): ChartFigure {
  const { run, curves, notes } = rdfEpochsCurves(runs, sel);
  const choice = sel.layer ?? -1;
  const title = run ? `RDF of ${layerChoiceText(choice)} across epochs — ${runLabel(run)}` : 'RDF across epochs';
  const subtitle = run ? settingsLines([run], curves.map((c) => c.result)) : [];
  const option = sel.style === 'heatmap' ? rdfHeatmapOption(curves, title, subtitle) : rdfCurvesOption(curves, title, subtitle, sel);
  return {
    option,
    csv: rdfCurvesCsv(curves),
    fileStem: figureStem(sel.style === 'heatmap' ? 'rdf-heatmap' : 'rdf-epochs', run ? [run] : [], `layer-${choice}`),
    caption: `${title}: ${curves.length} epoch${curves.length === 1 ? '' : 's'}`,
    notes,
  };
}
