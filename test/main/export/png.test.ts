import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import type { EChartsOption } from 'echarts';
import {
  chartFont,
  readFontMetrics,
  metricsMeasureText,
  renderChartPng,
  renderChartSvg,
  writeRunPng,
} from '../../../src/main/export/png';
import { rdfByLayerOption } from '../../../src/shared/charts';
import { makeRunDetail } from '../../fixtures/run-detail';

interface Image {
  width: number;
  height: number;
  /** RGBA, row-major. */
  rgba: Uint8Array;
}

/** Decodes an 8-bit RGBA, non-interlaced PNG (what resvg writes). */
function decodePng(png: Buffer): Image {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  let pos = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  while (pos < png.length) {
    const len = png.readUInt32BE(pos);
    const type = png.toString('latin1', pos + 4, pos + 8);
    const data = png.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect([data[8], data[9], data[12]]).toEqual([8, 6, 0]); // 8 bit, RGBA, not interlaced
    } else if (type === 'IDAT') idat.push(data);
    pos += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * 4;
  const rgba = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = rgba.subarray(y * stride, (y + 1) * stride);
    const up = y > 0 ? rgba.subarray((y - 1) * stride, y * stride) : new Uint8Array(stride);
    for (let x = 0; x < stride; x++) {
      const a = x >= 4 ? out[x - 4] : 0;
      const b = up[x];
      const c = x >= 4 ? up[x - 4] : 0;
      let p = 0;
      if (filter === 1) p = a;
      else if (filter === 2) p = b;
      else if (filter === 3) p = (a + b) >> 1;
      else if (filter === 4) {
        const e = a + b - c;
        const [pa, pb, pc] = [Math.abs(e - a), Math.abs(e - b), Math.abs(e - c)];
        p = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      out[x] = (src[x] + p) & 0xff;
    }
  }
  return { width, height, rgba };
}

/** Pixels darker than mid-grey in a rectangle (image pixels): text and axes, not light grid lines. */
function darkPixels(img: Image, x0: number, y0: number, x1: number, y1: number): number {
  let n = 0;
  for (let y = y0; y < y1; y++)
    for (let x = x0; x < x1; x++) {
      const i = 4 * (y * img.width + x);
      if (img.rgba[i] + img.rgba[i + 1] + img.rgba[i + 2] < 3 * 128) n++;
    }
  return n;
}

const run = makeRunDetail();
const size = { width: 900, height: 560 };
const option = rdfByLayerOption(run, 2);
const untitled: EChartsOption = { ...option, title: { ...(option.title as object), text: '', subtext: '' } };
const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe('renderChartSvg', () => {
  it('renders the chart server-side with its texts', () => {
    const svg = renderChartSvg(option, size);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('width="900"');
    expect(svg).toContain('1/δ');
    expect(svg).toContain('layer 5');
    expect(svg).toContain('normalisation: mean pairwise sq. distance = 1');
  });
});

describe('renderChartPng', () => {
  const img = decodePng(renderChartPng(option, size));

  it('is size x pixelRatio pixels on an opaque white background', () => {
    expect([img.width, img.height]).toEqual([1800, 1120]);
    const one = decodePng(renderChartPng(option, { ...size, pixelRatio: 1 }));
    expect([one.width, one.height]).toEqual([900, 560]);
    for (const [x, y] of [[0, 0], [img.width - 1, img.height - 1]]) {
      expect([...img.rgba.subarray(4 * (y * img.width + x), 4 * (y * img.width + x) + 4)]).toEqual([255, 255, 255, 255]);
    }
  });

  it('is not blank: axes, lines and labels are drawn', () => {
    expect(darkPixels(img, 0, 0, img.width, img.height)).toBeGreaterThan(5000);
  });

  it('draws text: the title region is dark only when the chart has a title', () => {
    const titleBox = [0, 0, 1600, 200] as const; // title and subtitle, above the plot area (top 96 css px)
    const without = decodePng(renderChartPng(untitled, size));
    const withTitle = darkPixels(img, ...titleBox);
    expect(withTitle).toBeGreaterThan(3000);
    expect(darkPixels(without, ...titleBox)).toBeLessThan(withTitle / 20);
  });

  it('draws the legend text at the right of the plot', () => {
    const legendBox = [1800 - 2 * 110, 400, 1800, 720] as const;
    expect(darkPixels(img, ...legendBox)).toBeGreaterThan(300);
  });

  it('loses all text without fonts (the check above would catch a font regression)', () => {
    const bare = decodePng(renderChartPng(option, { ...size, font: { loadSystemFonts: false, fontFiles: [] } }));
    expect(darkPixels(bare, 0, 0, 1600, 200)).toBeLessThan(50);
  });
});

describe('export font', () => {
  const font = chartFont();
  it('names a default family and loads a font file when one is installed', () => {
    expect(font.defaultFontFamily).toBeTruthy();
    expect(font.sansSerifFamily).toBe(font.defaultFontFamily);
  });
  it.skipIf(!font.fontFiles?.length)('measures text with the font file, bold wider than regular', () => {
    const files = font.fontFiles ?? [];
    const regular = readFontMetrics(files[0]);
    expect(regular).not.toBeNull();
    expect(regular!.advance('A'.codePointAt(0)!)).toBeGreaterThan(0);
    expect(regular!.advance('δ'.codePointAt(0)!)).toBeGreaterThan(0);
    const measure = metricsMeasureText(regular!, files[1] ? readFontMetrics(files[1]) : null);
    const plain = measure('layer 1', '13px sans-serif').width;
    expect(plain).toBeGreaterThan(30);
    expect(plain).toBeLessThan(80);
    expect(measure('layer 1', '26px sans-serif').width).toBeCloseTo(2 * plain, 9);
    if (files[1]) expect(measure('layer 1', 'bold 13px sans-serif').width).toBeGreaterThan(plain);
  });
});

describe('writeRunPng', () => {
  it('writes the RDF chart at the last analysed epoch by default', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fl-png-'));
    dirs.push(dir);
    const file = join(dir, 'figs', 'run-7.png');
    expect(await writeRunPng(run, file)).toBe(file);
    expect(existsSync(file)).toBe(true);
    const png = await readFile(file);
    expect(png.equals(renderChartPng(rdfByLayerOption(run, 2), { ...size, pixelRatio: 2 }))).toBe(true);
    const at0 = join(dir, 'run-7-epoch-0.png');
    await writeRunPng(run, at0, 0);
    expect((await readFile(at0)).equals(png)).toBe(false);
  });

  it('refuses a run without frequency results', async () => {
    await expect(writeRunPng(makeRunDetail({ frequencies: [] }), join(tmpdir(), 'never.png'))).rejects.toThrow(
      /no frequency analysis/,
    );
  });
});
