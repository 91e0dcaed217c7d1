// The RDF peak position against epoch, one line per analysed layer of one run: how the effective
// target of each layer moves in frequency during training. A pure function of stored results.
import type { EChartsOption } from 'echarts';
import type { RunDetail } from '../results';
import { frequencySubtitle, pairSeries } from './rdf-by-layer';
import { layerColor, layerName, runName } from './labels';

/** Options: a log y axis for the peak position (default: linear, fitted to the data) and a title override. */
export interface PeakByEpochOptions {
  logY?: boolean;
  title?: string;
}

/** echarts option: RDF peak 1/δ against epoch, one line per layer. */
export function peakByEpochOption(run: RunDetail, opts: PeakByEpochOptions = {}): EChartsOption {
  const layers = [...new Set(run.frequencies.map((f) => f.layer))].sort((a, b) => a - b);
  if (layers.length === 0) throw new Error(`run ${run.id} has no frequency analysis yet`);
  const series = layers.map((layer) => {
    const points = run.frequencies.filter((f) => f.layer === layer).sort((a, b) => a.epoch - b.epoch);
    return pairSeries(
      layerName(layer),
      points.map((p) => p.epoch),
      points.map((p) => p.peakK),
      { color: layerColor(layer), showSymbol: true },
    );
  });
  return {
    animation: false,
    backgroundColor: '#ffffff',
    title: {
      text: opts.title ?? `${runName(run)} — RDF peak position during training`,
      subtext: frequencySubtitle(run, run.frequencies),
      left: 16,
      top: 8,
      textStyle: { fontSize: 16, fontWeight: 'bold', color: '#111' },
      subtextStyle: { fontSize: 12, color: '#444', lineHeight: 17 },
    },
    legend: { data: layers.map(layerName), orient: 'vertical', right: 12, top: 'middle', textStyle: { fontSize: 13 } },
    tooltip: { trigger: 'axis' },
    grid: { left: 80, right: 120, top: 96, bottom: 56 },
    xAxis: {
      type: 'value',
      name: 'epoch',
      nameLocation: 'middle',
      nameGap: 30,
      nameTextStyle: { fontSize: 14 },
      splitLine: { show: true, lineStyle: { color: '#e6e6e6' } },
    },
    yAxis: {
      type: opts.logY ? 'log' : 'value',
      scale: true,
      name: 'RDF peak at 1/δ',
      nameLocation: 'middle',
      nameRotate: 90,
      nameGap: 56,
      nameTextStyle: { fontSize: 14 },
      axisLine: { show: true },
      splitLine: { show: true, lineStyle: { color: '#e6e6e6' } },
    },
    series,
  };
}
