// Random bytes and random mutations of valid files fed to the readers, a bounded number of
// cases: every outcome is a parsed file or a DataFileError naming the file — never another
// exception, a hang or a crash.
import { describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { DataFileError } from '../../../../src/main/engine/data/errors';
import { parseIdx } from '../../../../src/main/engine/data/idx';
import { parseCifarBatch, CIFAR_RECORD_BYTES } from '../../../../src/main/engine/data/cifar';
import { parseCsv, parseNpy } from '../../../../src/main/engine/data/arrays';
import { createRng, type Rng } from '../../../../src/main/engine/random';

const cases = 400;

/** A valid IDX file: magic 0x0000 0x08 ndims, big-endian dims, then the data bytes. */
function idxBytes(dims: number[], rng: Rng): Uint8Array {
  const size = dims.reduce((a, b) => a * b, 1);
  const out = new Uint8Array(4 + 4 * dims.length + size);
  const view = new DataView(out.buffer);
  out[2] = 0x08;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  for (let i = 0; i < size; i++) out[4 + 4 * dims.length + i] = Math.floor(rng.next() * 256);
  return out;
}

/** One random mutation: flip, overwrite, truncate, extend, or splice a random run of bytes. */
function mutate(bytes: Uint8Array, rng: Rng): Uint8Array {
  const at = () => Math.floor(rng.next() * Math.max(1, bytes.length));
  switch (Math.floor(rng.next() * 5)) {
    case 0: {
      const out = bytes.slice();
      out[at()] ^= 1 << Math.floor(rng.next() * 8);
      return out;
    }
    case 1: {
      const out = bytes.slice();
      for (let i = 0; i < 4; i++) out[at()] = Math.floor(rng.next() * 256);
      return out;
    }
    case 2:
      return bytes.slice(0, at());
    case 3:
      return Uint8Array.from([...bytes, ...Array.from({ length: 1 + at() % 9 }, () => Math.floor(rng.next() * 256))]);
    default: {
      const i = at();
      return Uint8Array.from([...bytes.slice(0, i), ...bytes.slice(i + 1 + (at() % 8))]);
    }
  }
}

/** Runs a reader and checks the outcome: `check` on success, or a DataFileError naming the file. */
function cleanOutcome(read: () => void, file: string): 'parsed' | 'rejected' {
  try {
    read();
    return 'parsed';
  } catch (e) {
    expect(e).toBeInstanceOf(DataFileError);
    expect((e as Error).message.startsWith(`${file}: `)).toBe(true);
    return 'rejected';
  }
}

/** Parses IDX bytes: a consistent IdxFile, or a DataFileError naming the file. */
function expectCleanOutcome(bytes: Uint8Array, file: string): 'parsed' | 'rejected' {
  return cleanOutcome(() => {
    const parsed = parseIdx(bytes, file);
    expect(parsed.data.length).toBe(parsed.dims.reduce((a, b) => a * b, 1));
  }, file);
}

/** A valid NumPy .npy (version 1.0, little-endian float32, C order) of the given shape. */
function npyBytes(shape: number[], rng: Rng): Uint8Array {
  const header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const padded = header + ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const count = shape.reduce((a, b) => a * b, 1);
  const out = new Uint8Array(10 + padded.length + 4 * count);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, padded.length, true);
  out.set(new TextEncoder().encode(padded), 10);
  const values = new Float32Array(out.buffer, 10 + padded.length, count);
  for (let i = 0; i < count; i++) values[i] = rng.next() * 2 - 1;
  return out;
}

/** Random printable noise in the alphabet of CSV files. */
function csvNoise(rng: Rng, length: number): string {
  const alphabet = '0123456789.,-+eE \n\r"abnaNinf\t';
  return Array.from({ length }, () => alphabet[Math.floor(rng.next() * alphabet.length)]).join('');
}

describe('IDX reader fuzz', () => {
  it('gives only clean errors for random bytes (raw and gzip-wrapped)', () => {
    const rng = createRng(11);
    const outcomes = { parsed: 0, rejected: 0 };
    for (let c = 0; c < cases; c++) {
      const length = Math.floor(rng.next() * 64);
      const bytes = Uint8Array.from({ length }, () => Math.floor(rng.next() * 256));
      outcomes[expectCleanOutcome(bytes, `random-${c}.idx`)]++;
      outcomes[expectCleanOutcome(gzipSync(bytes), `random-${c}.idx.gz`)]++;
    }
    expect(outcomes.rejected).toBeGreaterThan(0);
  });

  it('gives only clean errors for mutations of valid files, and still parses the valid ones', () => {
    const rng = createRng(12);
    const valid = [idxBytes([3, 4, 5], rng), idxBytes([17], rng)];
    for (const v of valid) expect(expectCleanOutcome(v, 'valid.idx')).toBe('parsed');
    const outcomes = { parsed: 0, rejected: 0 };
    for (let c = 0; c < cases; c++) {
      const base = valid[c % valid.length];
      let bytes = mutate(base, rng);
      if (rng.next() < 0.3) bytes = mutate(bytes, rng);
      outcomes[expectCleanOutcome(bytes, `mutant-${c}.idx`)]++;
      const gz = mutate(gzipSync(base), rng); // corrupt gzip streams too
      outcomes[expectCleanOutcome(gz, `mutant-${c}.idx.gz`)]++;
    }
    expect(outcomes.rejected).toBeGreaterThan(cases / 2);
  });
});

describe('CIFAR-10 batch reader fuzz', () => {
  it('gives only clean errors for random bytes and mutated batches, and parses valid ones', () => {
    const rng = createRng(21);
    const valid = Uint8Array.from({ length: 3 * CIFAR_RECORD_BYTES }, (_, i) => (i % CIFAR_RECORD_BYTES === 0 ? i % 10 : Math.floor(rng.next() * 256)));
    expect(cleanOutcome(() => expect(parseCifarBatch(valid, 'ok.bin').labels).toHaveLength(3), 'ok.bin')).toBe('parsed');
    const outcomes = { parsed: 0, rejected: 0 };
    for (let c = 0; c < cases; c++) {
      const file = `batch-${c}.bin`;
      const bytes = c % 2 ? mutate(valid, rng) : Uint8Array.from({ length: Math.floor(rng.next() * 8000) }, () => Math.floor(rng.next() * 256));
      outcomes[
        cleanOutcome(() => {
          const { labels, pixels } = parseCifarBatch(bytes, file);
          expect(pixels.length).toBe(labels.length * (CIFAR_RECORD_BYTES - 1));
          for (const l of labels) expect(l).toBeLessThan(10);
        }, file)
      ]++;
    }
    expect(outcomes.rejected).toBeGreaterThan(cases / 2);
  });
});

describe('CSV and .npy reader fuzz', () => {
  it('gives only clean errors for random text and mutated CSV files', () => {
    const rng = createRng(31);
    const valid = '0.5,1,-2e-3\n3,4.25,5\n-6,7,8\n';
    expect(cleanOutcome(() => expect(parseCsv(valid, 'ok.csv').rows).toBe(3), 'ok.csv')).toBe('parsed');
    const outcomes = { parsed: 0, rejected: 0 };
    for (let c = 0; c < cases; c++) {
      const file = `data-${c}.csv`;
      const text = c % 2 ? new TextDecoder().decode(mutate(new TextEncoder().encode(valid), rng)) : csvNoise(rng, Math.floor(rng.next() * 60));
      outcomes[
        cleanOutcome(() => {
          const parsed = parseCsv(text, file);
          expect(parsed.values.length).toBe(parsed.rows * parsed.cols);
          for (const v of parsed.values) expect(Number.isFinite(v)).toBe(true);
        }, file)
      ]++;
    }
    expect(outcomes.rejected).toBeGreaterThan(0);
  });

  it('gives only clean errors for random bytes and mutated .npy files', () => {
    const rng = createRng(41);
    const valid = npyBytes([4, 3], rng);
    expect(cleanOutcome(() => expect(parseNpy(valid, 'ok.npy').shape).toEqual([4, 3]), 'ok.npy')).toBe('parsed');
    const outcomes = { parsed: 0, rejected: 0 };
    for (let c = 0; c < cases; c++) {
      const file = `array-${c}.npy`;
      let bytes = c % 3 === 0 ? Uint8Array.from({ length: Math.floor(rng.next() * 200) }, () => Math.floor(rng.next() * 256)) : mutate(valid, rng);
      if (c % 3 === 1) bytes = mutate(bytes, rng);
      outcomes[
        cleanOutcome(() => {
          const parsed = parseNpy(bytes, file);
          expect(parsed.values.length).toBe(parsed.shape.reduce((a, b) => a * b, 1));
        }, file)
      ]++;
    }
    expect(outcomes.rejected).toBeGreaterThan(cases / 2);
  });
});
