// IDX files (the MNIST / Fashion-MNIST format), raw or gzipped.
// Layout: magic 0x00 0x00 <type> <ndims>, then ndims big-endian uint32 sizes, then the data,
// row-major. Only type 0x08 (unsigned byte) is supported: it is what image and label files use.
import { readFile, stat } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import path from 'node:path';
import { DataFileError } from './errors';

/** The contents of one IDX file: its dimension sizes and its bytes, row-major. */
export interface IdxFile {
  dims: number[];
  data: Uint8Array;
}

/** Images and labels of an IDX pair, as stored: pixels 0..255, one label byte per image. */
export interface IdxPairBytes {
  /** n * rows * cols pixel bytes, row-major. */
  pixels: Uint8Array;
  labels: Uint8Array;
  n: number;
  rows: number;
  cols: number;
  /** Paths of the files that were read. */
  imagesFile: string;
  labelsFile: string;
}

/** An IDX pair ready for training: pixels scaled to [0, 1]. */
export interface IdxPair {
  /** n x (rows * cols) pixels in [0, 1], row-major. */
  images: Float32Array;
  labels: Uint8Array;
  n: number;
  rows: number;
  cols: number;
  imagesFile: string;
  labelsFile: string;
}

/** Which pair of files in a folder: the training or the test set. */
export type IdxFileSet = 'train' | 't10k';

/** Number of classes of MNIST-format data (digits, Fashion-MNIST's ten garment kinds). */
export const IDX_CLASSES = 10;

/** The most dimensions an IDX file may declare (MNIST labels have 1, images 3). */
export const maxIdxDimensions = 4;

const UNSIGNED_BYTE = 0x08;
const IDX_TYPE_NAMES: Record<number, string> = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};

/** `n` as 0x-prefixed hex with at least `digits` digits. */
function hex(n: number, digits: number): string {
  return `0x${n.toString(16).padStart(digits, '0')}`;
}

/** Whether bytes start with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** The bytes of a file's content, gunzipped if they start with the gzip magic number. */
function decompressIfGzip(bytes: Uint8Array, file: string): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    const raw = gunzipSync(bytes);
    return new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new DataFileError(file, `starts like a gzip file (1f 8b) but does not decompress: ${reason}`);
  }
}

/** Parses the (already decompressed) bytes of an IDX file; `file` names it in errors. */
export function parseIdx(bytes: Uint8Array, file: string): IdxFile {
  if (bytes.length === 0) throw new DataFileError(file, 'no IDX content: 0 bytes (after decompression, if gzipped)');
  if (bytes.length < 4) {
    throw new DataFileError(file, `too short for an IDX header: ${bytes.length} bytes, need at least 4`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DataFileError(
      file,
      `wrong magic number: expected 0x0000TTNN (two zero bytes, type TT, NN dimensions; e.g. 0x00000803), found ${hex(magic, 8)}`,
    );
  }
  const type = bytes[2];
  if (type !== UNSIGNED_BYTE) {
    const name = IDX_TYPE_NAMES[type] ?? 'not an IDX type';
    throw new DataFileError(
      file,
      `unsupported data type ${hex(type, 2)} (${name}) in magic number ${hex(magic, 8)}: only 0x08 (unsigned byte) is supported`,
    );
  }
  const ndims = bytes[3];
  if (ndims === 0) throw new DataFileError(file, `magic number ${hex(magic, 8)} declares 0 dimensions`);
  // MNIST-format files have 1 (labels) or 3 (images) dimensions; allow up to 4, refuse garbage.
  if (ndims > maxIdxDimensions) {
    throw new DataFileError(file, `magic number ${hex(magic, 8)} declares ${ndims} dimensions: at most ${maxIdxDimensions} are supported (labels have 1, images 3)`);
  }
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    throw new DataFileError(
      file,
      `truncated header: ${ndims} dimensions need ${headerBytes} header bytes, found ${bytes.length}`,
    );
  }
  const dims = Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i));
  const expected = dims.reduce((a, b) => a * b, 1);
  const found = bytes.length - headerBytes;
  const shape = dims.join(' x ');
  if (found < expected) {
    throw new DataFileError(file, `truncated data: expected ${expected} bytes of data (${shape}), found ${found}`);
  }
  if (found > expected) {
    throw new DataFileError(
      file,
      `${found - expected} extra bytes after the data: expected ${expected} bytes of data (${shape}), found ${found}`,
    );
  }
  return { dims, data: bytes.subarray(headerBytes) };
}

/** Reads an IDX file, raw or gzipped (recognised by its content, not its name). */
export async function readIdxFile(file: string): Promise<IdxFile> {
  let content: Buffer;
  try {
    content = await readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DataFileError(file, 'file not found');
    if (code === 'EISDIR') throw new DataFileError(file, 'is a folder, not a file');
    throw new DataFileError(file, `cannot be read: ${(e as Error).message}`);
  }
  if (content.length === 0) throw new DataFileError(file, 'file is empty (0 bytes)');
  const bytes = new Uint8Array(content.buffer, content.byteOffset, content.byteLength);
  return parseIdx(decompressIfGzip(bytes, file), file);
}

/** The file names tried, in order, for the images or labels of a file set. */
export function idxFileNames(files: IdxFileSet, part: 'images' | 'labels'): string[] {
  const base = part === 'images' ? `${files}-images-idx3-ubyte` : `${files}-labels-idx1-ubyte`;
  return [base, `${base}.gz`];
}

/** Whether `p` exists and is a regular file. */
async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

/** The path of the first of `names` that exists in `dir`; throws naming every name tried. */
async function findIdxFile(dir: string, files: IdxFileSet, part: 'images' | 'labels'): Promise<string> {
  const names = idxFileNames(files, part);
  for (const name of names) {
    const p = path.join(dir, name);
    if (await isFile(p)) return p;
  }
  throw new DataFileError(dir, `no ${files} ${part} file: tried ${names.join(', ')}`);
}

/** Throws unless `dir` is an existing folder. */
async function assertFolder(dir: string): Promise<void> {
  let isDir: boolean;
  try {
    isDir = (await stat(dir)).isDirectory();
  } catch {
    throw new DataFileError(dir, 'folder does not exist');
  }
  if (!isDir) throw new DataFileError(dir, 'is not a folder');
}

/** Throws on the first label of `labels` that is not below `classes`, naming its index and value. */
export function checkLabelRange(labels: Uint8Array, classes: number, file: string): void {
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] >= classes) {
      throw new DataFileError(
        file,
        `label at index ${i} is ${labels[i]}, expected 0..${classes - 1} for ${classes}-class data`,
      );
    }
  }
}

/** Reads and cross-checks the images and labels of `files` in `dir`, keeping the raw bytes. */
export async function readIdxPair(dir: string, files: IdxFileSet): Promise<IdxPairBytes> {
  await assertFolder(dir);
  const imagesFile = await findIdxFile(dir, files, 'images');
  const labelsFile = await findIdxFile(dir, files, 'labels');
  const images = await readIdxFile(imagesFile);
  if (images.dims.length !== 3) {
    throw new DataFileError(
      imagesFile,
      `wrong dimensions for images: expected 3 (count x rows x cols), found ${images.dims.length} (${images.dims.join(' x ')})`,
    );
  }
  const [n, rows, cols] = images.dims;
  if (rows === 0 || cols === 0) {
    throw new DataFileError(imagesFile, `images have no pixels: size ${rows} x ${cols}`);
  }
  const labels = await readIdxFile(labelsFile);
  if (labels.dims.length !== 1) {
    throw new DataFileError(
      labelsFile,
      `wrong dimensions for labels: expected 1 (count), found ${labels.dims.length} (${labels.dims.join(' x ')})`,
    );
  }
  if (labels.dims[0] !== n) {
    throw new DataFileError(
      labelsFile,
      `${labels.dims[0]} labels, but ${imagesFile} has ${n} images: the counts must match`,
    );
  }
  checkLabelRange(labels.data, IDX_CLASSES, labelsFile);
  return { pixels: images.data, labels: labels.data, n, rows, cols, imagesFile, labelsFile };
}

/** Pixel bytes scaled to [0, 1]: p / 255. */
export function scalePixels(pixels: Uint8Array): Float32Array {
  const out = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) out[i] = pixels[i] / 255;
  return out;
}

/** Loads `${files}-images-idx3-ubyte[.gz]` and `${files}-labels-idx1-ubyte[.gz]` from `dir`. */
export async function loadIdxPair(dir: string, files: IdxFileSet): Promise<IdxPair> {
  const { pixels, ...rest } = await readIdxPair(dir, files);
  return { images: scalePixels(pixels), ...rest };
}
