// CIFAR-10, binary version (method.md section 5): data_batch_1..5.bin and test_batch.bin, each a
// sequence of 3073-byte records: 1 label byte (0..9), then 3072 pixel bytes: 1024 red, 1024
// green, 1024 blue, each plane row-major 32 x 32.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { DataFileError } from './errors';

export const CIFAR_SIDE = 32;
export const CIFAR_CHANNELS = 3;
export const CIFAR_PIXELS = CIFAR_SIDE * CIFAR_SIDE * CIFAR_CHANNELS; // 3072
export const CIFAR_RECORD_BYTES = 1 + CIFAR_PIXELS; // 3073
export const CIFAR_CLASSES = 10;
/** The folder the standard archive unpacks into. */
export const CIFAR_ARCHIVE_FOLDER = 'cifar-10-batches-bin';

export type CifarFileSet = 'train' | 'test';

/** The batch file names of a file set, in the order their records are concatenated. */
export function cifarBatchNames(files: CifarFileSet): string[] {
  return files === 'train' ? [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`) : ['test_batch.bin'];
}

/** Labels and pixels of CIFAR records as stored: pixels channel-major per image. */
export interface CifarBytes {
  n: number;
  labels: Uint8Array;
  /** n * 3072 bytes: per image 1024 red, 1024 green, 1024 blue, row-major 32 x 32. */
  pixels: Uint8Array;
  files: string[];
}

/** Splits the bytes of one batch file into labels and pixels; `file` names it in errors. */
export function parseCifarBatch(bytes: Uint8Array, file: string): { labels: Uint8Array; pixels: Uint8Array } {
  if (bytes.length === 0) throw new DataFileError(file, 'file is empty (0 bytes)');
  if (bytes.length % CIFAR_RECORD_BYTES !== 0) {
    const whole = Math.floor(bytes.length / CIFAR_RECORD_BYTES);
    throw new DataFileError(
      file,
      `wrong size: ${bytes.length} bytes is not a whole number of ${CIFAR_RECORD_BYTES}-byte records ` +
        `(1 label byte + ${CIFAR_PIXELS} pixel bytes): ${whole} records and ${bytes.length - whole * CIFAR_RECORD_BYTES} bytes left over`,
    );
  }
  const n = bytes.length / CIFAR_RECORD_BYTES;
  const labels = new Uint8Array(n);
  const pixels = new Uint8Array(n * CIFAR_PIXELS);
  for (let i = 0; i < n; i++) {
    const offset = i * CIFAR_RECORD_BYTES;
    const label = bytes[offset];
    if (label >= CIFAR_CLASSES) {
      throw new DataFileError(file, `record ${i} (byte offset ${offset}) has label ${label}, expected 0..${CIFAR_CLASSES - 1}`);
    }
    labels[i] = label;
    pixels.set(bytes.subarray(offset + 1, offset + CIFAR_RECORD_BYTES), i * CIFAR_PIXELS);
  }
  return { labels, pixels };
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

/** The folder that holds the batch files of `files`: `dir` itself or `dir/cifar-10-batches-bin`;
 *  null when neither holds all of them. */
export async function findCifarFolder(dir: string, files: CifarFileSet): Promise<string | null> {
  for (const candidate of [dir, path.join(dir, CIFAR_ARCHIVE_FOLDER)]) {
    const present = await Promise.all(cifarBatchNames(files).map((name) => isFile(path.join(candidate, name))));
    if (present.every(Boolean)) return candidate;
  }
  return null;
}

/** Throws a DataFileError naming the missing batch files and the folders searched. */
async function missingBatchError(dir: string, files: CifarFileSet): Promise<DataFileError> {
  const folders = [dir, path.join(dir, CIFAR_ARCHIVE_FOLDER)];
  // Report against the folder that has the most of the files (the one the user meant).
  let best = folders[0];
  let bestMissing = cifarBatchNames(files);
  for (const folder of folders) {
    const missing: string[] = [];
    for (const name of cifarBatchNames(files)) if (!(await isFile(path.join(folder, name)))) missing.push(name);
    if (missing.length < bestMissing.length) {
      best = folder;
      bestMissing = missing;
    }
  }
  const all = bestMissing.length === cifarBatchNames(files).length;
  return new DataFileError(
    best,
    all
      ? `no CIFAR-10 ${files} batches: expected ${cifarBatchNames(files).join(', ')} here or in ${path.join(dir, CIFAR_ARCHIVE_FOLDER)} ` +
        '(set data.download to fetch the archive)'
      : `missing CIFAR-10 batch file${bestMissing.length > 1 ? 's' : ''} ${bestMissing.join(', ')}`,
  );
}

/** Reads and concatenates the batches of `files` from `dir` (or `dir/cifar-10-batches-bin`). */
export async function readCifar10(dir: string, files: CifarFileSet): Promise<CifarBytes> {
  const folder = await findCifarFolder(dir, files);
  if (!folder) throw await missingBatchError(dir, files);
  const parts: { labels: Uint8Array; pixels: Uint8Array }[] = [];
  const paths: string[] = [];
  for (const name of cifarBatchNames(files)) {
    const file = path.join(folder, name);
    let content: Buffer;
    try {
      content = await readFile(file);
    } catch (e) {
      throw new DataFileError(file, `cannot be read: ${(e as Error).message}`);
    }
    parts.push(parseCifarBatch(new Uint8Array(content.buffer, content.byteOffset, content.byteLength), file));
    paths.push(file);
  }
  const n = parts.reduce((s, p) => s + p.labels.length, 0);
  const labels = new Uint8Array(n);
  const pixels = new Uint8Array(n * CIFAR_PIXELS);
  let at = 0;
  for (const p of parts) {
    labels.set(p.labels, at);
    pixels.set(p.pixels, at * CIFAR_PIXELS);
    at += p.labels.length;
  }
  return { n, labels, pixels, files: paths };
}

/** Images `indices` as rows of 32 x 32 x 3 values in [0, 1], channels last (height, width,
 *  channel), the layout the convolutional models use: x[(r * 32 + c) * 3 + ch] = p[ch][r][c] / 255. */
export function cifarRowsChannelsLast(pixels: Uint8Array, indices: ArrayLike<number>): Float32Array {
  const plane = CIFAR_SIDE * CIFAR_SIDE;
  const out = new Float32Array(indices.length * CIFAR_PIXELS);
  for (let k = 0; k < indices.length; k++) {
    const src = indices[k] * CIFAR_PIXELS;
    const dst = k * CIFAR_PIXELS;
    for (let p = 0; p < plane; p++) {
      for (let ch = 0; ch < CIFAR_CHANNELS; ch++) out[dst + p * CIFAR_CHANNELS + ch] = pixels[src + ch * plane + p] / 255;
    }
  }
  return out;
}

/** Where to fetch the archive when the batch files are missing. */
export interface CifarDownload {
  url: string;
  sha256: string;
}

/** The archive's file name in the cache folder while it is fetched and unpacked. */
export const CIFAR_ARCHIVE_NAME = 'cifar-10-binary.tar.gz';

/**
 * Makes sure the batches of `files` are in `dir` or `dir/cifar-10-batches-bin`: when they are
 * missing and `download` is set, fetches the archive (standard cifar-10-binary.tar.gz layout)
 * into `dir`, checks its SHA-256, and unpacks the batch files into `dir/cifar-10-batches-bin`.
 * Returns the folder that holds them.
 */
export async function ensureCifar10(
  dir: string,
  files: CifarFileSet,
  download: CifarDownload | null,
  log: (message: string) => void = () => undefined,
): Promise<string> {
  const found = await findCifarFolder(dir, files);
  if (found) return found;
  if (!download) throw await missingBatchError(dir, files);
  const { downloadVerified, extractTarGz } = await import('./download');
  const archive = path.join(dir, CIFAR_ARCHIVE_NAME);
  log(`downloading CIFAR-10 from ${download.url} into ${dir}`);
  let lastReport = 0;
  await downloadVerified(download.url, archive, {
    sha256: download.sha256,
    onProgress: (received, total) => {
      const now = Date.now();
      if (now - lastReport < 5000) return;
      lastReport = now;
      log(`  ${(received / 1e6).toFixed(1)}${total ? ` of ${(total / 1e6).toFixed(1)}` : ''} MB`);
    },
  });
  const destination = path.join(dir, CIFAR_ARCHIVE_FOLDER);
  await extractTarGz(archive, destination, (name) => /^(data_batch_[1-5]\.bin|test_batch\.bin|batches\.meta\.txt)$/.test(name));
  const { rm } = await import('node:fs/promises');
  await rm(archive, { force: true });
  const unpacked = await findCifarFolder(dir, files);
  if (!unpacked) {
    const e = await missingBatchError(dir, files);
    throw new DataFileError(download.url, `the archive (checksum verified) does not hold the expected batch files: ${e.problem}`);
  }
  log(`CIFAR-10 unpacked into ${unpacked}`);
  return unpacked;
}
