// Building blocks of the compare charts: the figure type (option + CSV of the same data), layer
// and epoch resolution across runs, and the title, legend and axis pieces every builder shares.
// Pure functions of stored results (no DOM, no Node).
import type { EChartsOption, LegendComponentOption, LineSeriesOption, TitleComponentOption, YAXisComponentOption } from 'echarts';
import { modelDepth } from '../config';
import type { LayerFrequency, RunDetail } from '../results';
import { deltaGridText, distinctNormalisations, normalisationText, runLabel } from './labels';

/** Linear or log axes (each builder documents which axes it has). */
export interface AxisScales {
  logX?: boolean;
  logY?: boolean;
}

/** One chart as drawn: the echarts option, the tidy CSV of exactly the plotted data, a file name
 *  stem for exports, a one-line caption (for screen readers and file dialogs), and notes on what
 *  could not be shown as asked (e.g. an epoch a run did not analyse). */
export interface ChartFigure {
  option: EChartsOption;
  csv: string;
  fileStem: string;
  caption: string;
  notes: string[];
}

/** The number of analysable layers of a run's model (hidden layers of an MLP); null for a model
 *  kind this build does not know. */
export function runDepth(run: Pick<RunDetail, 'config'>): number | null {
  try {
    const d = modelDepth(run.config.model);
    return Number.isFinite(d) && d > 0 ? d : null;
  } catch {
    return null;
  }
}

/** A layer choice for a run: n >= 0 counts from the input, n < 0 from the output (-1 = last hidden). */
export function resolveLayerChoice(run: Pick<RunDetail, 'config'>, choice: number): number | null {
  if (choice >= 0) return choice;
  const depth = runDepth(run);
  if (depth === null) return null;
  const layer = depth + 1 + choice;
  return layer >= 0 ? layer : null;
}

/** The layers a run has results for, input side first. */
export function storedLayers(run: Pick<RunDetail, 'frequencies'>): number[] {
  return [...new Set(run.frequencies.map((f) => f.layer))].sort((a, b) => a - b);
}

/** The analysed epoch closest to `target` (the earlier one on a tie); null when there is none. */
export function nearestEpoch(epochs: readonly number[], target: number): number | null {
  let best: number | null = null;
  for (const e of epochs) {
    if (best === null || Math.abs(e - target) < Math.abs(best - target) || (Math.abs(e - target) === Math.abs(best - target) && e < best)) {
      best = e;
    }
  }
  return best;
}

/** Every epoch at which any of the runs has frequency results, ascending. */
export function unionEpochs(runs: readonly Pick<RunDetail, 'frequencies'>[]): number[] {
  return [...new Set(runs.flatMap((r) => r.frequencies.map((f) => f.epoch)))].sort((a, b) => a - b);
}

/** The stored result of one layer at one epoch, or undefined. */
export function findFrequency(run: Pick<RunDetail, 'frequencies'>, layer: number, epoch: number): LayerFrequency | undefined {
  return run.frequencies.find((f) => f.layer === layer && f.epoch === epoch);
}

/** Subtitle lines: the normalisation(s) of the plotted results and the delta grid(s) of the runs
 *  (one line per distinct setting; the run is named when the runs differ). */
export function settingsLines(runs: readonly RunDetail[], shown: readonly LayerFrequency[]): string[] {
  const lines = distinctNormalisations(shown.map((f) => f.normalisation)).map(normalisationText);
  const grids = new Map<string, { text: string; runs: RunDetail[] }>();
  for (const run of runs) {
    const text = deltaGridText(run.config.analysis.deltaGrid);
    const entry = grids.get(text) ?? { text, runs: [] };
    entry.runs.push(run);
    grids.set(text, entry);
  }
  if (grids.size === 1) lines.push(...[...grids.values()].map((g) => g.text));
  else for (const g of grids.values()) lines.push(`${g.text} (${g.runs.map((r) => `#${r.id}`).join(', ')})`);
  return lines;
}

/** A value a log axis can show, or a gap (null) for zero, negative and non-finite values. */
export function axisValue(y: number | null, log: boolean): number | null {
  if (y === null || !Number.isFinite(y)) return null;
  return log && y <= 0 ? null : y;
}

/** Line styles and markers that tell runs apart when colour tells layers apart. */
export const runDashes = ['solid', 'dashed', 'dotted'] as const;
export const runSymbols = ['circle', 'triangle', 'rect', 'diamond', 'roundRect', 'pin'] as const;

/** Title (bold, left) and subtitle lines; returns the option and the height they take. */
export function titleBlock(text: string, subtitle: readonly string[]): { title: TitleComponentOption; height: number } {
  return {
    title: {
      text,
      subtext: subtitle.join('\n'),
      left: 16,
      top: 8,
      textStyle: { fontSize: 16, fontWeight: 'bold', color: '#111' },
      subtextStyle: { fontSize: 12, color: '#444', lineHeight: 17 },
    },
    height: 40 + 17 * subtitle.length,
  };
}

/** A vertical legend on the right, wide enough for its longest name (truncated beyond 300 px);
 *  scrolls only when it has more entries than fit. Returns the legend and the grid's right margin. */
export function sideLegend(names: readonly string[]): { legend: LegendComponentOption; right: number } {
  const longest = names.reduce((n, s) => Math.max(n, s.length), 0);
  const textWidth = Math.min(300, Math.max(60, Math.ceil(longest * 6.6)));
  return {
    legend: {
      data: [...names],
      type: names.length > 14 ? 'scroll' : 'plain',
      orient: 'vertical',
      right: 12,
      top: 'middle',
      itemGap: 8,
      textStyle: { fontSize: 12, width: textWidth, overflow: 'truncate' },
      tooltip: { show: true },
    },
    right: textWidth + 60,
  };
}

/** A value y axis (or log when asked), named and gridded like the other charts. */
export function valueAxis(name: string, log: boolean, extra: YAXisComponentOption = {}): YAXisComponentOption {
  return {
    type: log ? 'log' : 'value',
    ...(log ? { logBase: 10, minorTick: { show: true } } : { scale: true }),
    name,
    nameLocation: 'middle',
    nameRotate: 90,
    nameGap: 60,
    nameTextStyle: { fontSize: 14 },
    axisLine: { show: true },
    splitLine: { show: true, lineStyle: { color: '#e6e6e6' } },
    ...extra,
  } as YAXisComponentOption;
}

/** An epoch x axis (value, whole numbers; log when asked). */
export function epochAxis(log: boolean, extra: Record<string, unknown> = {}): NonNullable<EChartsOption['xAxis']> {
  return {
    type: log ? 'log' : 'value',
    ...(log ? { logBase: 10 } : { min: 0, minInterval: 1 }),
    name: 'epoch',
    nameLocation: 'middle',
    nameGap: 30,
    nameTextStyle: { fontSize: 14 },
    splitLine: { show: true, lineStyle: { color: '#e6e6e6' } },
    ...extra,
  } as NonNullable<EChartsOption['xAxis']>;
}

/** A line series of [x, y] points (gaps as null); few points get markers. */
export function lineSeries(name: string, data: (number | null)[][], extra: LineSeriesOption = {}): LineSeriesOption {
  return {
    type: 'line',
    name,
    data,
    showSymbol: data.length <= 40,
    symbolSize: 6,
    connectNulls: false,
    lineStyle: { width: 2 },
    emphasis: { focus: 'series' },
    ...extra,
  };
}

/** The common frame of every chart: white background, no animation, axis tooltip. */
export function chartFrame(): Pick<EChartsOption, 'animation' | 'backgroundColor' | 'tooltip'> {
  return { animation: false, backgroundColor: '#ffffff', tooltip: { trigger: 'axis', confine: true } };
}

/** A file name stem for the exports of a chart, e.g. 'rdf-layers_runs-3-5_epoch-10'. */
export function figureStem(kind: string, runs: readonly Pick<RunDetail, 'id'>[], ...parts: (string | null | undefined)[]): string {
  const ids = runs.map((r) => r.id).join('-');
  const stem = [kind, runs.length === 1 ? `run-${ids}` : `runs-${ids}`, ...parts.filter((p): p is string => !!p)].join('_');
  return stem.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 120);
}

/** A legend name of one run's curve: '#3 name · layer 2 · epoch 10' (parts left out when null). */
export function curveName(run: Pick<RunDetail, 'id' | 'name'> | null, ...parts: (string | null)[]): string {
  return [run ? shortRunLabel(run) : null, ...parts].filter((p): p is string => p !== null && p !== '').join(' · ');
}

/** A run's legend label with a long name cut short ('#3 MNIST, fully conn…'), so that the layer
 *  and epoch after it stay visible; the chart title and the CSV keep the full name. */
export function shortRunLabel(run: Pick<RunDetail, 'id' | 'name'>, max = 26): string {
  const label = runLabel(run);
  return label.length <= max ? label : `${label.slice(0, max - 1).trimEnd()}…`;
}
