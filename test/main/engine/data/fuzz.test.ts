// Random bytes and random mutations of valid files fed to the readers, a bounded number of
// cases: every outcome is a parsed file or a DataFileError naming the file — never another
// exception, a hang or a crash.
import { describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { DataFileError } from '../../../../src/main/engine/data/errors';
import { parseIdx } from '../../../../src/main/engine/data/idx';
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

/** Parses and checks the outcome: a consistent IdxFile, or a DataFileError naming the file. */
function expectCleanOutcome(bytes: Uint8Array, file: string): 'parsed' | 'rejected' {
  try {
    const parsed = parseIdx(bytes, file);
    expect(parsed.data.length).toBe(parsed.dims.reduce((a, b) => a * b, 1));
    return 'parsed';
  } catch (e) {
    expect(e).toBeInstanceOf(DataFileError);
    expect((e as Error).message.startsWith(`${file}: `)).toBe(true);
    return 'rejected';
  }
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
