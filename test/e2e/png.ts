// A small PNG decoder for the end-to-end tests (no image package): checks the signature and
// every chunk's CRC, inflates the image data and undoes the row filters. Handles what browsers
// write: 8-bit greyscale, grey+alpha, RGB and RGBA, not interlaced.
import { inflateSync } from 'node:zlib';

export interface DecodedPng {
  width: number;
  height: number;
  /** RGBA, 4 bytes per pixel, rows top to bottom. */
  rgba: Uint8Array;
}

const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const crcTable = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(data: Buffer): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = crcTable[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Decodes a PNG file; throws on anything malformed or unsupported. */
export function decodePng(file: Buffer): DecodedPng {
  if (file.length < 8 || !file.subarray(0, 8).equals(signature)) throw new Error('not a PNG file (bad signature)');
  let offset = 8;
  let width = 0;
  let height = 0;
  let colorType = -1;
  const idat: Buffer[] = [];
  let ended = false;
  while (offset + 12 <= file.length) {
    const length = file.readUInt32BE(offset);
    const type = file.subarray(offset + 4, offset + 8).toString('latin1');
    const end = offset + 12 + length;
    if (end > file.length) throw new Error(`PNG chunk ${type} runs past the end of the file`);
    const data = file.subarray(offset + 8, offset + 8 + length);
    const crc = file.readUInt32BE(offset + 8 + length);
    if (crc32(file.subarray(offset + 4, offset + 8 + length)) !== crc) throw new Error(`PNG chunk ${type} has a bad CRC`);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const bitDepth = data[8];
      colorType = data[9];
      const interlace = data[12];
      if (bitDepth !== 8) throw new Error(`unsupported PNG bit depth ${bitDepth}`);
      if (![0, 2, 4, 6].includes(colorType)) throw new Error(`unsupported PNG colour type ${colorType}`);
      if (interlace !== 0) throw new Error('interlaced PNG not supported');
    } else if (type === 'IDAT') {
      idat.push(data);
    } else if (type === 'IEND') {
      ended = true;
      break;
    }
    offset = end;
  }
  if (!ended) throw new Error('PNG has no IEND chunk');
  if (!width || !height || colorType < 0) throw new Error('PNG has no IHDR chunk');
  const channels = { 0: 1, 2: 3, 4: 2, 6: 4 }[colorType as 0 | 2 | 4 | 6];
  const stride = width * channels;
  const raw = inflateSync(Buffer.concat(idat));
  if (raw.length !== height * (stride + 1)) throw new Error(`PNG image data has ${raw.length} bytes, expected ${height * (stride + 1)}`);
  const pixels = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = pixels.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? pixels.subarray((y - 1) * stride, y * stride) : null;
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? out[x - channels] : 0;
      const b = prev ? prev[x] : 0;
      const c = prev && x >= channels ? prev[x - channels] : 0;
      let v: number;
      switch (filter) {
        case 0:
          v = line[x];
          break;
        case 1:
          v = line[x] + a;
          break;
        case 2:
          v = line[x] + b;
          break;
        case 3:
          v = line[x] + ((a + b) >> 1);
          break;
        case 4: {
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          v = line[x] + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
          break;
        }
        default:
          throw new Error(`bad PNG row filter ${filter}`);
      }
      out[x] = v & 0xff;
    }
  }
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const p = i * channels;
    const [r, g, b, alpha] =
      channels === 1 ? [pixels[p], pixels[p], pixels[p], 255]
      : channels === 2 ? [pixels[p], pixels[p], pixels[p], pixels[p + 1]]
      : channels === 3 ? [pixels[p], pixels[p + 1], pixels[p + 2], 255]
      : [pixels[p], pixels[p + 1], pixels[p + 2], pixels[p + 3]];
    rgba.set([r, g, b, alpha], i * 4);
  }
  return { width, height, rgba };
}

/** What an image holds: how many pixels are not (near) white, how many are transparent, and
 *  how many distinct colours (quantised) it has. */
export function inkStats(png: DecodedPng): { inkFraction: number; transparentFraction: number; colours: number } {
  const n = png.width * png.height;
  let ink = 0;
  let transparent = 0;
  const colours = new Set<number>();
  for (let i = 0; i < n; i++) {
    const r = png.rgba[i * 4];
    const g = png.rgba[i * 4 + 1];
    const b = png.rgba[i * 4 + 2];
    const a = png.rgba[i * 4 + 3];
    if (a < 250) transparent++;
    if (a > 0 && (r < 235 || g < 235 || b < 235)) ink++;
    colours.add(((r >> 4) << 8) | ((g >> 4) << 4) | (b >> 4));
  }
  return { inkFraction: ink / n, transparentFraction: transparent / n, colours: colours.size };
}
