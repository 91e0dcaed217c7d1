// RDF against k = 1/delta, one line per analysed layer at one epoch (method.md sections 1-2):
// the deep frequency principle figure. A pure function of the stored results.
import type { EChartsOption, LineSeriesOption } from 'echarts';
import type { LayerFrequency, RunDetail } from '../results';
import {
  deltaGridText,
  distinctNormalisations,
  epochText,
  layerColor,
  layerName,
  normalisationText,
  runName,
} from './labels';

/** Options of rdfByLayerOption: logX (default true, grids are log-spaced) and a title override. */
export interface RdfByLayerOptions {
  logX?: boolean;
  title?: string;
}

/** The epochs at which the run has stored frequency results, ascending. */
export function analysedEpochs(run: Pick<RunDetail, 'frequencies'>): number[] {
  return [...new Set(run.frequencies.map((f) => f.epoch))].sort((a, b) => a - b);
}

/** The layer results of one epoch, input side first; throws naming the analysed epochs if none. */
export function layersAtEpoch(run: Pick<RunDetail, 'id' | 'frequencies'>, epoch: number): LayerFrequency[] {
  const layers = run.frequencies.filter((f) => f.epoch === epoch).sort((a, b) => a.layer - b.layer);
  if (layers.length === 0) {
    const epochs = analysedEpochs(run);
    throw new Error(
      `run ${run.id} has no frequency analysis at epoch ${epoch} (analysed: ${epochs.length ? epochs.join(', ') : 'none'})`,
    );
  }
  return layers;
}

/** The subtitle of a frequency chart: normalisation(s) used, then the delta grid. */
export function frequencySubtitle(run: RunDetail, layers: LayerFrequency[]): string {
  const normalisations = distinctNormalisations(layers.map((l) => l.normalisation));
  return [...normalisations.map(normalisationText), deltaGridText(run.config.analysis.deltaGrid)].join('\n');
}

/** A line series of (x, y) pairs; few points are drawn with markers. */
export function pairSeries(name: string, x: number[], y: number[], extra: LineSeriesOption = {}): LineSeriesOption {
  return {
    type: 'line',
    name,
    data: x.map((xi, i) => [xi, y[i]]),
    showSymbol: x.length <= 40,
    symbolSize: 5,
    lineStyle: { width: 2 },
    emphasis: { focus: 'series' },
    ...extra,
  };
}

/** The x axis of a frequency chart: 1/δ, log scale unless logX is false. */
export function kAxis(logX: boolean): NonNullable<EChartsOption['xAxis']> {
  return {
    type: logX ? 'log' : 'value',
    logBase: 10,
    name: '1/δ',
    nameLocation: 'middle',
    nameGap: 30,
    nameTextStyle: { fontSize: 14 },
    axisLine: { onZero: false },
    splitLine: { show: true, lineStyle: { color: '#e6e6e6' } },
    minorTick: logX ? { show: true } : undefined,
  };
}

/** echarts option: RDF against 1/δ, one line per analysed layer of `run` at `epoch`. */
export function rdfByLayerOption(run: RunDetail, epoch: number, opts: RdfByLayerOptions = {}): EChartsOption {
  const layers = layersAtEpoch(run, epoch);
  const names = layers.map((l) => layerName(l.layer));
  return {
    animation: false,
    backgroundColor: '#ffffff',
    title: {
      text: opts.title ?? `${runName(run)} — ${epochText(epoch)}`,
      subtext: frequencySubtitle(run, layers),
      left: 16,
      top: 8,
      textStyle: { fontSize: 16, fontWeight: 'bold', color: '#111' },
      subtextStyle: { fontSize: 12, color: '#444', lineHeight: 17 },
    },
    legend: {
      data: names,
      orient: 'vertical',
      right: 12,
      top: 'middle',
      textStyle: { fontSize: 13 },
    },
    tooltip: { trigger: 'axis' },
    grid: { left: 80, right: 120, top: 96, bottom: 56, containLabel: false },
    xAxis: kAxis(opts.logX ?? true),
    yAxis: {
      type: 'value',
      name: 'RDF (dLFR/d(1/δ))',
      nameLocation: 'middle',
      nameRotate: 90,
      nameGap: 56,
      nameTextStyle: { fontSize: 14 },
      axisLine: { show: true },
      axisTick: { show: true },
      splitLine: { show: true, lineStyle: { color: '#e6e6e6' } },
    },
    // Colour by layer index, so a layer keeps its colour across epochs and runs.
    series: layers.map((l, i) => pairSeries(names[i], l.rdfK, l.rdf, { color: layerColor(l.layer) })),
  };
}
