// Runs whose IDX data files are damaged (truncated, wrong magic number, label count not matching
// the images, labels out of range, a gzip that does not decompress, an empty file; the readers'
// every other case is in test/main/engine/data/idx.test.ts and fuzz.test.ts): each run
// fails with a message naming the damaged file and the problem; the runs stored before are
// unchanged, byte for byte; and the service then accepts and completes the next run.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExperimentConfigInput } from '../../../src/shared/config';
import { LabService } from '../../../src/main/service';
import { openDatabase } from '../../../src/main/store/database';
import { RunStore } from '../../../src/main/store/runs';

const images = 64;
const side = 6;

/** An IDX file of unsigned bytes: magic 0x00 0x00 0x08 <dims>, the sizes, the data. */
function idx(dims: number[], data: Uint8Array, magic = [0, 0, 0x08, dims.length]): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  Buffer.from(magic).copy(header, 0);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(data)]);
}

/** A valid t10k pair: `images` images of side x side pixels, and their labels 0..9. */
function validPair(): { images: Buffer; labels: Buffer } {
  const pixels = new Uint8Array(images * side * side).map((_, i) => (i * 37) % 256);
  const labels = new Uint8Array(images).map((_, i) => i % 10);
  return { images: idx([images, side, side], pixels), labels: idx([images], labels) };
}

const imagesName = 't10k-images-idx3-ubyte';
const labelsName = 't10k-labels-idx1-ubyte';

function config(dataDir: string, seed = 3): ExperimentConfigInput {
  return {
    seed,
    data: { kind: 'idx', dir: dataDir, files: 't10k', trainSize: 48 },
    model: { kind: 'mlp', hidden: [8, 8], output: 'softmax' },
    training: { loss: 'cross-entropy', optimiser: { kind: 'adam' }, schedule: [{ fromEpoch: 1, rate: 1e-2 }], batchSize: 16, stop: { maxEpochs: 2 } },
    analysis: { layers: [1, 2], epochs: { every: 1 }, samples: 24, deltaGrid: { kind: 'log-k', kMin: 0.1, kMax: 100, count: 6 } },
    backend: 'cpu',
  };
}

/** A damage done to a copy of the valid pair, the file it hits and what the message must say. */
interface Damage {
  what: string;
  files(pair: { images: Buffer; labels: Buffer }): { images: Buffer; labels: Buffer; gz?: 'images' };
  file: 'images' | 'labels';
  problem: RegExp;
}

const damages: Damage[] = [
  { what: 'a truncated images file', files: (p) => ({ ...p, images: p.images.subarray(0, p.images.length - 100) }), file: 'images', problem: /truncated data: expected 2304 bytes of data \(64 x 6 x 6\), found 2204/ },
  { what: 'a wrong magic number in the labels', files: (p) => ({ ...p, labels: Buffer.concat([Buffer.from([0x12, 0x34]), p.labels.subarray(2)]) }), file: 'labels', problem: /wrong magic number/ },
  { what: 'fewer labels than images', files: (p) => ({ ...p, labels: idx([images - 1], new Uint8Array(images - 1)) }), file: 'labels', problem: /63 labels, but .* has 64 images: the counts must match/ },
  { what: 'a label out of range', files: (p) => ({ ...p, labels: idx([images], new Uint8Array(images).fill(10, 5, 6)) }), file: 'labels', problem: /label at index 5 is 10, expected 0\.\.9/ },
  { what: 'an empty labels file', files: (p) => ({ ...p, labels: Buffer.alloc(0) }), file: 'labels', problem: /empty/ },
  { what: 'a gzip that does not decompress', files: (p) => ({ ...p, images: gzipSync(p.images).subarray(0, 200), gz: 'images' }), file: 'images', problem: /does not decompress/ },
];

let root: string;
let db: Database.Database;
let store: RunStore;
let service: LabService;
let goodDir: string;
/** The runs stored before the bad data, as getRun gave them (JSON text). */
const storedBefore = new Map<number, string>();

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'freqlab-bad-data-'));
  goodDir = path.join(root, 'good');
  fs.mkdirSync(goodDir);
  const pair = validPair();
  fs.writeFileSync(path.join(goodDir, imagesName), pair.images);
  fs.writeFileSync(path.join(goodDir, labelsName), pair.labels);
  db = openDatabase(path.join(root, 'runs.db'));
  store = new RunStore(db);
  service = new LabService(store, { baseDir: root });
  // Runs stored before: one trained on the good files, one renamed, tagged and annotated.
  for (const seed of [1, 2]) {
    const { runId } = await service.startRun({ config: config(goodDir, seed), name: `stored before ${seed}` });
    expect((await service.whenFinished(runId)).status).toBe('completed');
  }
  const [, second] = store.listRuns().map((r) => r.id).sort((a, b) => a - b);
  await service.setRunTags({ runId: second, tags: ['keep', 'baseline'] });
  await service.setRunNotes({ runId: second, notes: 'must survive the bad data' });
  for (const r of store.listRuns()) storedBefore.set(r.id, JSON.stringify(store.getRun(r.id)));
  expect(storedBefore.size).toBe(2);
});

afterAll(async () => {
  await service?.shutdown();
  db?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('runs on damaged IDX files', () => {
  it.each(damages.map((d) => [d.what, d] as const))('%s: the run fails naming the file and the problem', async (_what, damage) => {
    const dataDir = fs.mkdtempSync(path.join(root, 'damaged-'));
    const files = damage.files(validPair());
    const imagesFile = path.join(dataDir, files.gz === 'images' ? `${imagesName}.gz` : imagesName);
    const labelsFile = path.join(dataDir, labelsName);
    fs.writeFileSync(imagesFile, files.images);
    fs.writeFileSync(labelsFile, files.labels);
    const damaged = damage.file === 'images' ? imagesFile : labelsFile;

    const { runId } = await service.startRun({ config: config(dataDir), name: damage.what });
    const outcome = await service.whenFinished(runId);
    expect(outcome.status).toBe('failed');
    expect(outcome.message).toContain(damaged);
    expect(outcome.message).toMatch(damage.problem);
    // Stored as failed, with the same message and nothing trained.
    const run = store.getRun(runId)!;
    expect(run).toMatchObject({ status: 'failed', message: outcome.message });
    expect(run.metrics).toEqual([]);
    expect(run.frequencies).toEqual([]);
    // What was stored before is exactly as it was.
    for (const [id, json] of storedBefore) expect(JSON.stringify(store.getRun(id)), `run ${id}`).toBe(json);
  });

  it('a folder that does not exist, and one without the files: named in the message', async () => {
    // A missing folder is refused before any run is stored.
    const missing = path.join(root, 'no-such-folder');
    const before = store.listRuns().length;
    await expect(service.startRun({ config: config(missing) })).rejects.toThrow(new RegExp(`data\\.dir: folder ${missing} does not exist`));
    expect(store.listRuns()).toHaveLength(before);
    const empty = fs.mkdtempSync(path.join(root, 'empty-'));
    const b = await service.startRun({ config: config(empty) });
    expect(await service.whenFinished(b.runId)).toMatchObject({ status: 'failed', message: expect.stringMatching(new RegExp(`${empty}.*no t10k images file: tried ${imagesName}, ${imagesName}.gz`)) });
  });

  it('afterwards the service accepts and completes the next run, and the stored runs are unchanged', async () => {
    const { runId } = await service.startRun({ config: config(goodDir, 9), name: 'after the bad data' });
    const outcome = await service.whenFinished(runId);
    expect(outcome.status).toBe('completed');
    const run = store.getRun(runId)!;
    expect(run.metrics.map((m) => m.epoch)).toEqual([1, 2]);
    expect([...new Set(run.frequencies.map((f) => f.epoch))]).toEqual([0, 1, 2]);
    for (const [id, json] of storedBefore) expect(JSON.stringify(store.getRun(id)), `run ${id}`).toBe(json);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  });
});
