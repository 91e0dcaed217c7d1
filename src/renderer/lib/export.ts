// The three exports of a chart: PNG (the chart as shown, at least twice its pixel size, on white),
// SVG (the chart's current option, legend choices included, drawn by echarts' SVG renderer at the
// same size) and CSV (the tidy data behind the chart, from the shared builders).
import type { EChartsOption } from 'echarts';
import { echarts, type ChartInstance } from './echarts';
import type { ExportFile } from './save';

export type ExportFormat = 'png' | 'svg' | 'csv';

/** The part of an echarts instance the exports use. */
export type ExportableChart = Pick<ChartInstance, 'getDataURL' | 'getOption' | 'getWidth' | 'getHeight'>;

/** Pixel ratio of PNG exports: the screen's, but at least 2. */
export function pngPixelRatio(devicePixelRatio: number | undefined): number {
  return Math.max(2, Math.ceil(devicePixelRatio ?? 1));
}

/** A file name: the stem, made safe, and the extension. */
export function exportFileName(stem: string, format: ExportFormat): string {
  const safe = stem.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+/, '').slice(0, 150) || 'chart';
  return `frequency-lab_${safe}.${format}`;
}

/** The chart as shown, as a PNG file (base64). */
export function pngExport(chart: ExportableChart, stem: string, ratio = pngPixelRatio(globalThis.devicePixelRatio)): ExportFile {
  const url = chart.getDataURL({ type: 'png', pixelRatio: ratio, backgroundColor: '#ffffff' });
  const comma = url.indexOf(',');
  if (!url.startsWith('data:image/png;base64,') || comma < 0) throw new Error('the chart did not render as PNG');
  return { fileName: exportFileName(stem, 'png'), data: url.slice(comma + 1), encoding: 'base64', mime: 'image/png' };
}

/** An option drawn by the SVG renderer at a size, as SVG text (no DOM needed). */
export function renderSvg(option: EChartsOption, width: number, height: number): string {
  const chart = echarts.init(null as unknown as HTMLElement, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({ ...option, animation: false });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

/** The chart's current option (with the legend choices made on screen) as an SVG file. */
export function svgExport(chart: ExportableChart, stem: string): ExportFile {
  const svg = renderSvg(chart.getOption() as EChartsOption, chart.getWidth(), chart.getHeight());
  return { fileName: exportFileName(stem, 'svg'), data: svg, encoding: 'utf8', mime: 'image/svg+xml' };
}

/** The data behind a chart as a CSV file. */
export function csvExport(csv: string, stem: string): ExportFile {
  return { fileName: exportFileName(stem, 'csv'), data: csv, encoding: 'utf8', mime: 'text/csv' };
}
