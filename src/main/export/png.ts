// Server-side chart export: an echarts option to SVG (echarts SSR, no DOM) and to PNG (resvg).
// resvg draws no text unless it is given fonts: we load a known sans-serif font file when one is
// installed (Debian/Ubuntu: fonts-dejavu-core) plus the system fonts for other scripts, and map
// the generic 'sans-serif' that echarts writes to that family. Without a DOM, echarts lays text
// out with a built-in Helvetica width table, so legends and titles drawn in a wider font overlap;
// we give echarts the real advance widths of the export font, read from the font file.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import * as echarts from 'echarts';
import { Resvg, type ResvgRenderOptions } from '@resvg/resvg-js';
import type { EChartsOption } from 'echarts';
import { analysedEpochs, rdfByLayerOption } from '../../shared/charts';
import type { RunDetail } from '../../shared/results';

/** Pixel size of a chart in CSS pixels. */
export interface ChartSize {
  width: number;
  height: number;
}

/** Options of renderChartPng: size, pixelRatio (default 2) and optional font override. */
export interface PngOptions extends ChartSize {
  pixelRatio?: number;
  font?: ResvgRenderOptions['font'];
}

/** Sans-serif font files tried in order; the first family found becomes the default. */
const fontCandidates: { family: string; files: string[] }[] = [
  {
    family: 'DejaVu Sans',
    files: ['/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf'],
  },
  {
    family: 'Liberation Sans',
    files: [
      '/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf',
      '/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf',
    ],
  },
  { family: 'Arial', files: ['C:\\Windows\\Fonts\\arial.ttf', 'C:\\Windows\\Fonts\\arialbd.ttf'] },
  { family: 'Helvetica', files: ['/System/Library/Fonts/Helvetica.ttc'] },
];

let cachedFont: NonNullable<ResvgRenderOptions['font']> | undefined;

/** Horizontal advances of one font: em units per code point, from the cmap and hmtx tables. */
export interface FontMetrics {
  unitsPerEm: number;
  /** Advance width in em units, undefined for a code point the font has no glyph for. */
  advance(codePoint: number): number | undefined;
}

/** Reads advance widths from a TrueType/OpenType file (first font of a collection); null if unreadable. */
export function readFontMetrics(file: string): FontMetrics | null {
  try {
    const b = readFileSync(file);
    let base = 0;
    if (b.toString('latin1', 0, 4) === 'ttcf') base = b.readUInt32BE(12);
    const tables = new Map<string, number>();
    const numTables = b.readUInt16BE(base + 4);
    for (let i = 0; i < numTables; i++) {
      const rec = base + 12 + 16 * i;
      tables.set(b.toString('latin1', rec, rec + 4), b.readUInt32BE(rec + 8));
    }
    const head = tables.get('head');
    const hhea = tables.get('hhea');
    const hmtx = tables.get('hmtx');
    const cmap = tables.get('cmap');
    if (head === undefined || hhea === undefined || hmtx === undefined || cmap === undefined) return null;
    const unitsPerEm = b.readUInt16BE(head + 18);
    const numberOfHMetrics = b.readUInt16BE(hhea + 34);
    const glyphOf = readCmap(b, cmap);
    if (!glyphOf) return null;
    const advanceOfGlyph = (g: number) => b.readUInt16BE(hmtx + 4 * Math.min(g, numberOfHMetrics - 1));
    return {
      unitsPerEm,
      advance(cp) {
        const g = glyphOf(cp);
        return g ? advanceOfGlyph(g) : undefined;
      },
    };
  } catch {
    return null;
  }
}

/** The best Unicode cmap subtable (format 12, else format 4) as a code point -> glyph lookup. */
function readCmap(b: Buffer, cmap: number): ((cp: number) => number) | null {
  const n = b.readUInt16BE(cmap + 2);
  let f4: number | undefined;
  let f12: number | undefined;
  for (let i = 0; i < n; i++) {
    const rec = cmap + 4 + 8 * i;
    const platform = b.readUInt16BE(rec);
    const encoding = b.readUInt16BE(rec + 2);
    const sub = cmap + b.readUInt32BE(rec + 4);
    if (!(platform === 0 || (platform === 3 && (encoding === 1 || encoding === 10)))) continue;
    const format = b.readUInt16BE(sub);
    if (format === 12) f12 ??= sub;
    if (format === 4) f4 ??= sub;
  }
  if (f12 !== undefined) {
    const sub = f12;
    const groups = b.readUInt32BE(sub + 12);
    return (cp) => {
      for (let i = 0; i < groups; i++) {
        const g = sub + 16 + 12 * i;
        const start = b.readUInt32BE(g);
        if (cp >= start && cp <= b.readUInt32BE(g + 4)) return b.readUInt32BE(g + 8) + cp - start;
      }
      return 0;
    };
  }
  if (f4 !== undefined) {
    const sub = f4;
    const segs = b.readUInt16BE(sub + 6) / 2;
    const ends = sub + 14;
    const starts = ends + 2 * segs + 2;
    const deltas = starts + 2 * segs;
    const ranges = deltas + 2 * segs;
    return (cp) => {
      if (cp > 0xffff) return 0;
      for (let i = 0; i < segs; i++) {
        if (cp > b.readUInt16BE(ends + 2 * i)) continue;
        const start = b.readUInt16BE(starts + 2 * i);
        if (cp < start) return 0;
        const delta = b.readInt16BE(deltas + 2 * i);
        const rangeOffset = b.readUInt16BE(ranges + 2 * i);
        if (rangeOffset === 0) return (cp + delta) & 0xffff;
        const g = b.readUInt16BE(ranges + 2 * i + rangeOffset + 2 * (cp - start));
        return g === 0 ? 0 : (g + delta) & 0xffff;
      }
      return 0;
    };
  }
  return null;
}

/** A measureText for echarts' platform API: widths from the regular/bold metrics, 0.6 em for missing glyphs. */
export function metricsMeasureText(regular: FontMetrics, bold: FontMetrics | null): (text: string, font?: string) => { width: number } {
  return (text, font = '12px sans-serif') => {
    const size = Number(/(\d*\.?\d+)px/.exec(font)?.[1] ?? 12);
    const m = bold && /\b(bold|bolder|[6-9]00)\b/.test(font) ? bold : regular;
    let em = 0;
    for (const ch of text ?? '') {
      const a = m.advance(ch.codePointAt(0) ?? 0);
      em += a === undefined ? 0.6 : a / m.unitsPerEm;
    }
    return { width: em * size };
  };
}

let measureInstalled = false;

/** Makes echarts measure text with the export font's real widths (once per process, if the font is readable). */
function installTextMeasure(): void {
  if (measureInstalled) return;
  measureInstalled = true;
  const files = chartFont().fontFiles ?? [];
  const regular = files[0] ? readFontMetrics(files[0]) : null;
  const bold = files[1] ? readFontMetrics(files[1]) : null;
  if (regular) echarts.setPlatformAPI({ measureText: metricsMeasureText(regular, bold) });
}

/** The resvg font settings used for export: a known sans-serif file if installed, plus system fonts. */
export function chartFont(): NonNullable<ResvgRenderOptions['font']> {
  if (cachedFont) return cachedFont;
  const found = fontCandidates.find((c) => existsSync(c.files[0]));
  const family = found?.family ?? 'DejaVu Sans';
  cachedFont = {
    loadSystemFonts: true,
    fontFiles: found ? found.files.filter((f) => existsSync(f)) : [],
    defaultFontFamily: family,
    sansSerifFamily: family,
  };
  return cachedFont;
}

/** The chart as an SVG string, drawn by echarts server-side rendering (animation off). */
export function renderChartSvg(option: EChartsOption, { width, height }: ChartSize): string {
  installTextMeasure();
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({ ...option, animation: false });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

/** The chart as a PNG of (width x pixelRatio) x (height x pixelRatio) pixels on white. */
export function renderChartPng(option: EChartsOption, { width, height, pixelRatio = 2, font }: PngOptions): Buffer {
  const svg = renderChartSvg(option, { width, height });
  const resvg = new Resvg(svg, {
    background: '#ffffff',
    fitTo: { mode: 'zoom', value: pixelRatio },
    font: font ?? chartFont(),
    shapeRendering: 2,
    textRendering: 1,
    logLevel: 'off',
  });
  return resvg.render().asPng();
}

/** Writes the RDF-by-layer figure of `run` at `epoch` (default: last analysed epoch) as a PNG; returns the path. */
export async function writeRunPng(
  run: RunDetail,
  file: string,
  epoch?: number,
  size: PngOptions = { width: 900, height: 560, pixelRatio: 2 },
): Promise<string> {
  const epochs = analysedEpochs(run);
  const at = epoch ?? epochs[epochs.length - 1];
  if (at === undefined) throw new Error(`run ${run.id} has no frequency analysis to draw`);
  return writeChartPng(rdfByLayerOption(run, at), file, size);
}

/** Renders any chart option to a PNG file (folders created); returns the path. */
export async function writeChartPng(
  option: EChartsOption,
  file: string,
  size: PngOptions = { width: 900, height: 560, pixelRatio: 2 },
): Promise<string> {
  const png = renderChartPng(option, size);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, png);
  return file;
}
