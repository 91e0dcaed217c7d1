// The classic frequency-principle view of a 1-D fit: |DFT| of target and output against the
// frequency index at one epoch, and the relative error at the target's peaks against epoch.
import type { EChartsOption, LineSeriesOption } from 'echarts';
import type { OutputSpectrum } from '../results';
import { chartPalette, epochText } from './labels';

const titleStyle = { fontSize: 16, fontWeight: 'bold' as const, color: '#111' };
const split = { show: true, lineStyle: { color: '#e6e6e6' } };

/** echarts option: |DFT| of target and network output at `spectrum.epoch`, peaks marked. `maxK`
 *  limits the frequency axis (default: 4 x the highest peak, at least 10). */
export function spectrumOption(spectrum: OutputSpectrum, opts: { title?: string; maxK?: number } = {}): EChartsOption {
  const highest = spectrum.peaks.length ? Math.max(...spectrum.peaks) : 10;
  const maxK = Math.min(spectrum.targetAmplitude.length - 1, opts.maxK ?? Math.max(10, 4 * highest));
  const points = (a: number[]) => a.slice(0, maxK + 1).map((v, k) => [k, v]);
  const series: LineSeriesOption[] = [
    {
      type: 'line',
      name: 'target',
      data: points(spectrum.targetAmplitude),
      color: chartPalette[6],
      lineStyle: { width: 2 },
      symbolSize: 5,
      markPoint: {
        symbol: 'pin',
        symbolSize: 36,
        data: spectrum.peaks.filter((k) => k <= maxK).map((k) => ({ name: `k=${k}`, coord: [k, spectrum.targetAmplitude[k]], value: `k=${k}` })),
      },
    },
    { type: 'line', name: 'network output', data: points(spectrum.outputAmplitude), color: chartPalette[1], lineStyle: { width: 2, type: 'dashed' }, symbolSize: 5 },
  ];
  return {
    animation: false,
    backgroundColor: '#ffffff',
    color: chartPalette,
    title: {
      text: opts.title ?? `DFT of target and output — ${epochText(spectrum.epoch)}`,
      subtext: `peaks of the target at k = ${spectrum.peaks.join(', ') || 'none'} (cycles over the training interval)`,
      left: 16,
      top: 8,
      textStyle: titleStyle,
      subtextStyle: { fontSize: 12, color: '#444' },
    },
    legend: { data: ['target', 'network output'], left: 'center', bottom: 8 },
    tooltip: { trigger: 'axis' },
    grid: { left: 80, right: 24, top: 72, bottom: 88 },
    xAxis: { type: 'value', name: 'frequency index k', nameLocation: 'middle', nameGap: 30, min: 0, max: maxK, minInterval: 1, splitLine: split },
    yAxis: { type: 'value', name: '|DFT|', nameLocation: 'middle', nameGap: 56, nameRotate: 90, min: 0, axisLine: { show: true }, splitLine: split },
    series,
  };
}

/** echarts option: relative error |H_k - Y_k| / |Y_k| at each target peak k against epoch (log y). */
export function peakErrorOption(spectra: readonly OutputSpectrum[], opts: { title?: string; subtitle?: string } = {}): EChartsOption {
  const sorted = [...spectra].sort((a, b) => a.epoch - b.epoch);
  const peaks = sorted.length ? sorted[0].peaks : [];
  const series: LineSeriesOption[] = peaks.map((k, j) => ({
    type: 'line',
    name: `k = ${k}`,
    data: sorted.map((s) => {
      const v = s.peakErrors[j];
      return [s.epoch, Number.isFinite(v) && v > 0 ? v : null];
    }),
    color: chartPalette[j % chartPalette.length],
    showSymbol: sorted.length <= 40,
    symbolSize: 5,
    lineStyle: { width: 2 },
  }));
  return {
    animation: false,
    backgroundColor: '#ffffff',
    color: chartPalette,
    title: {
      text: opts.title ?? 'Relative error at the target’s peak frequencies',
      subtext: opts.subtitle ?? 'lower frequencies converge first (frequency principle)',
      left: 16,
      top: 8,
      textStyle: titleStyle,
      subtextStyle: { fontSize: 12, color: '#444' },
    },
    legend: { data: series.map((s) => s.name as string), left: 'center', bottom: 8 },
    tooltip: { trigger: 'axis' },
    grid: { left: 80, right: 24, top: 72, bottom: 88 },
    xAxis: { type: 'value', name: 'epoch', nameLocation: 'middle', nameGap: 30, min: 0, minInterval: 1, splitLine: split },
    yAxis: { type: 'log', logBase: 10, name: 'relative error', nameLocation: 'middle', nameGap: 56, nameRotate: 90, axisLine: { show: true }, splitLine: split },
    series,
  };
}
