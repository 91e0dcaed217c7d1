// Numeric arrays from files a user brings: CSV (one sample a row, comma separated) and NumPy .npy
// (format versions 1.0, 2.0 and 3.0; float32, float64, uint8, int64; C order). Every error names
// the file and what is wrong, with row and column for CSV.
import { readFile } from 'node:fs/promises';
import { DataFileError } from './errors';

/** A 2-D array of numbers read from a file, row-major, with the file's own shape. */
export interface NumericArray {
  rows: number;
  cols: number;
  /** rows * cols values, row-major (float64 so integer labels and float data are both exact). */
  values: Float64Array;
  /** The shape in the file: [rows, cols] for CSV; the .npy shape (e.g. [n, 32, 32, 3]). */
  shape: number[];
  file: string;
}

async function readBytes(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DataFileError(file, 'file not found');
    if (code === 'EISDIR') throw new DataFileError(file, 'is a folder, not a file');
    throw new DataFileError(file, `cannot be read: ${(e as Error).message}`);
  }
}

/** A number in a CSV cell: decimal or exponent notation, nan/inf rejected. */
const numberPattern = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Parses CSV text of numbers: one row a line, comma separated; blank lines at the end are ignored. */
export function parseCsv(text: string, file: string, opts: { header?: boolean } = {}): NumericArray {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  while (lines.length && lines[lines.length - 1].trim() === '') lines.pop();
  const firstData = opts.header ? 1 : 0;
  if (lines.length <= firstData) throw new DataFileError(file, opts.header ? 'no data rows after the header' : 'no data rows: the file is empty');
  let cols = -1;
  const values: number[] = [];
  for (let li = firstData; li < lines.length; li++) {
    const line = lines[li];
    const lineNo = li + 1;
    if (line.trim() === '') throw new DataFileError(file, `line ${lineNo} is empty (blank lines are only allowed at the end)`);
    const cells = line.split(',');
    if (cols < 0) cols = cells.length;
    else if (cells.length !== cols) {
      throw new DataFileError(file, `ragged rows: line ${lineNo} has ${cells.length} values, but line ${firstData + 1} has ${cols}`);
    }
    cells.forEach((cell, c) => {
      const t = cell.trim();
      if (!numberPattern.test(t)) {
        const shown = t.length > 30 ? `${t.slice(0, 30)}…` : t;
        throw new DataFileError(
          file,
          `line ${lineNo}, column ${c + 1}: ${t === '' ? 'empty value' : `"${shown}" is not a number`}` +
            (li === 0 && !opts.header ? ' (if the first line is a header, set header: true)' : ''),
        );
      }
      values.push(Number(t));
    });
  }
  const rows = lines.length - firstData;
  return { rows, cols, values: Float64Array.from(values), shape: [rows, cols], file };
}

/** Reads a CSV file of numbers. */
export async function readCsv(file: string, opts: { header?: boolean } = {}): Promise<NumericArray> {
  const bytes = await readBytes(file);
  if (bytes.length === 0) throw new DataFileError(file, 'file is empty (0 bytes)');
  return parseCsv(bytes.toString('utf8'), file, opts);
}

const npyMagic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** The dtypes read: kind and size; byte order from the descr's first character. */
const npyTypes: Record<string, { bytes: number; read: (v: DataView, o: number, le: boolean) => number; name: string }> = {
  f4: { bytes: 4, read: (v, o, le) => v.getFloat32(o, le), name: 'float32' },
  f8: { bytes: 8, read: (v, o, le) => v.getFloat64(o, le), name: 'float64' },
  u1: { bytes: 1, read: (v, o) => v.getUint8(o), name: 'uint8' },
  i8: { bytes: 8, read: (v, o, le) => Number(v.getBigInt64(o, le)), name: 'int64' },
};

/** Parses the bytes of a .npy file. Shape (n,) reads as n x 1; (n, a, b, ...) as n rows of a*b*... values. */
export function parseNpy(bytes: Uint8Array, file: string): NumericArray {
  if (bytes.length < 10 || !npyMagic.every((b, i) => bytes[i] === b)) {
    throw new DataFileError(file, 'not a NumPy .npy file: it does not start with \\x93NUMPY');
  }
  const major = bytes[6];
  const minor = bytes[7];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLength: number;
  let headerStart: number;
  if (major === 1) {
    headerLength = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new DataFileError(file, 'truncated .npy header');
    headerLength = view.getUint32(8, true);
    headerStart = 12;
  } else {
    throw new DataFileError(file, `unsupported .npy format version ${major}.${minor} (supported: 1.0, 2.0, 3.0)`);
  }
  if (headerStart + headerLength > bytes.length) throw new DataFileError(file, `truncated .npy header: needs ${headerLength} bytes`);
  const header = Buffer.from(bytes.subarray(headerStart, headerStart + headerLength)).toString(major === 3 ? 'utf8' : 'latin1');
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new DataFileError(file, `malformed .npy header (needs descr, fortran_order and shape): ${header.trim()}`);
  }
  const order = descr[0];
  const type = npyTypes[descr.slice(1)];
  if (!type || !['<', '>', '|', '='].includes(order) || (type.bytes > 1 && order === '|')) {
    throw new DataFileError(file, `unsupported dtype '${descr}': supported are float32 (<f4), float64 (<f8), uint8 (|u1) and int64 (<i8)`);
  }
  if (fortran === 'True') {
    throw new DataFileError(file, 'is in Fortran (column-major) order: save it in C order, e.g. np.save(f, np.ascontiguousarray(a))');
  }
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new DataFileError(file, `malformed shape (${shapeText}) in the .npy header`);
  if (shape.length === 0) throw new DataFileError(file, 'holds a single number (shape ()), not one row per sample');
  const rows = shape[0];
  const cols = shape.slice(1).reduce((a, b) => a * b, 1);
  const count = rows * cols;
  const dataStart = headerStart + headerLength;
  const expected = count * type.bytes;
  const found = bytes.length - dataStart;
  if (found !== expected) {
    throw new DataFileError(
      file,
      `${found < expected ? 'truncated data' : `${found - expected} extra bytes after the data`}: shape (${shape.join(', ')}) of ${type.name} needs ${expected} bytes, found ${found}`,
    );
  }
  const littleEndian = order !== '>';
  const values = new Float64Array(count);
  for (let i = 0; i < count; i++) values[i] = type.read(view, dataStart + i * type.bytes, littleEndian);
  if (descr.endsWith('i8')) {
    const big = values.findIndex((v) => !Number.isSafeInteger(v));
    if (big >= 0) throw new DataFileError(file, `int64 value at index ${big} is too large to be exact as a number`);
  }
  return { rows, cols, values, shape, file };
}

/** Reads a .npy file. */
export async function readNpy(file: string): Promise<NumericArray> {
  const bytes = await readBytes(file);
  return parseNpy(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), file);
}

/** Reads a file of numbers by its name's ending: .csv or .npy. */
export async function readNumericFile(file: string, opts: { header?: boolean } = {}): Promise<NumericArray> {
  const lower = file.toLowerCase();
  if (lower.endsWith('.npy')) return readNpy(file);
  if (lower.endsWith('.csv') || lower.endsWith('.txt')) return readCsv(file, opts);
  throw new DataFileError(file, 'unknown file type: the name must end in .csv or .npy');
}
