// Schema version 3 in the store: training checkpoints, saved with their epoch in one transaction,
// read back bit-exact, one per run (the latest), dropped when a run can no longer be resumed; a
// stopped run prepared for resuming; and the migration of a version 2 database that has runs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { checkpointFormat, packTensors, unpackTensors, type NamedFloats, type TrainingCheckpoint } from '../../../src/main/engine/checkpoint';
import { backupPath, openDatabase, StoreError } from '../../../src/main/store/database';
import { latestSchemaVersion, migrations } from '../../../src/main/store/migrations';
import { RunStore } from '../../../src/main/store/runs';
import { validateConfig } from '../../../src/shared/config';
import { presets } from '../../../src/shared/presets';
import type { EpochMetrics, LayerFrequency, OutputSpectrum, RunEnvironment } from '../../../src/shared/results';

const environment: RunEnvironment = {
  appVersion: '0.1.0', tfjsVersion: '4.22.0', backend: 'wasm', backendDetail: 'wasm', nodeVersion: process.version,
  platform: 'linux', cpu: 'test cpu', cpuCount: 2, memoryBytes: 8e9, gpu: null,
};
const config = validateConfig({ ...presets['mnist-fc-quick'], training: { ...presets['mnist-fc-quick'].training, threshold: 0.3 } });

const dirs: string[] = [];
const dbs: Database.Database[] = [];
function tempFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-checkpoints-'));
  dirs.push(dir);
  return path.join(dir, 'lab.db');
}
function open(file = tempFile()): { db: Database.Database; store: RunStore; file: string } {
  const db = openDatabase(file);
  dbs.push(db);
  return { db, store: new RunStore(db), file };
}
afterEach(() => {
  for (const db of dbs.splice(0)) if (db.open) db.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** Float32 values a lossy path would change: NaN payloads aside, subnormals, signed zero, extremes. */
const awkward = Float32Array.from([-0, 1.4e-45, 1.17549435e-38, 3.4028235e38, -3.4028235e38, 1 / 3, Math.PI, Infinity, -Infinity, NaN]);

/** A checkpoint of an MLP with the given layer sizes and Adam slots, filled with seeded values. */
function checkpointOf(sizes: number[], epoch: number, loss: number | null, fill = epoch): TrainingCheckpoint {
  const model: NamedFloats[] = [];
  for (let l = 1; l < sizes.length; l++) {
    const kernel = new Float32Array(sizes[l - 1] * sizes[l]);
    for (let i = 0; i < kernel.length; i++) kernel[i] = Math.sin(i * 0.37 + l + fill);
    model.push({ name: `dense${l}/kernel`, shape: [sizes[l - 1], sizes[l]], values: kernel });
    model.push({ name: `dense${l}/bias`, shape: [sizes[l]], values: new Float32Array(sizes[l]).fill(fill / 7) });
  }
  model[0].values.set(awkward);
  const slot = (t: NamedFloats, suffix: string, scale: number): NamedFloats => ({ name: `${t.name}/${suffix}`, shape: t.shape, values: t.values.map((v) => v * scale) });
  const opt: NamedFloats[] = [
    { name: 'adam/accBeta1', shape: [], values: Float32Array.of(0.9 ** (epoch + 1)) },
    { name: 'adam/accBeta2', shape: [], values: Float32Array.of(0.999 ** (epoch + 1)) },
    ...model.map((t) => slot(t, 'm', 0.01)),
    ...model.map((t) => slot(t, 'v', 0.0001)),
  ];
  const m = packTensors(model);
  const o = packTensors(opt);
  return {
    manifest: {
      format: checkpointFormat, epoch, loss, backend: 'wasm',
      model: { kind: 'mlp', tensors: m.layout },
      optimiser: { kind: 'adam', iterations: epoch * 10, tensors: o.layout },
      rng: { 'batch-order': 0xdeadbeef + epoch },
    },
    model: m.blob,
    optimiser: o.blob,
  };
}

function metrics(epoch: number, loss = 1 / (epoch + 1)): EpochMetrics {
  return { epoch, loss, accuracy: 0.5, learningRate: 1e-3, seconds: 1 };
}
function frequency(epoch: number, layer: number): LayerFrequency {
  return { epoch, layer, configuredLayer: layer, normalisation: { kind: 'none' }, scale: 1, k: [1, 2], lfr: [0.2, 0.4], rdfK: [1.5], rdf: [0.2], peakK: 1.5 };
}
function spectrum(epoch: number): OutputSpectrum {
  return { epoch, targetAmplitude: [1, 2], outputAmplitude: [1, epoch], peaks: [1], peakErrors: [0.5] };
}

/** A running run with epochs 0..last stored, analysed (with a checkpoint) every second epoch. */
function runWithEpochs(store: RunStore, last: number, sizes = [4, 3, 2]): number {
  const id = store.createRun(config);
  store.markStarted(id, environment, process.pid);
  for (let e = 0; e <= last; e++) {
    const analysed = e % 2 === 0;
    store.saveEpoch(id, e === 0 ? null : metrics(e), analysed ? [frequency(e, 1)] : [], analysed ? spectrum(e) : null, analysed ? checkpointOf(sizes, e, e === 0 ? null : 1 / (e + 1)) : null);
  }
  return id;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

describe('checkpoints in the store', () => {
  it('round-trips a checkpoint bit-exactly: manifest, network and optimiser blobs', () => {
    const { store } = open();
    const id = store.createRun(config);
    store.markStarted(id, environment, process.pid);
    const saved = checkpointOf([5, 4, 3], 2, 0.25);
    store.saveEpoch(id, metrics(1), []);
    store.saveEpoch(id, metrics(2, 0.25), [frequency(2, 1)], null, saved);
    const read = store.getCheckpoint(id)!;
    expect(read.manifest).toEqual(saved.manifest);
    expect(sameBytes(read.model, saved.model)).toBe(true);
    expect(sameBytes(read.optimiser, saved.optimiser)).toBe(true);
    // the values, including -0, subnormals, infinities and NaN, come back as the same bits
    const values = unpackTensors(read.model, read.manifest.model.tensors, 'model');
    expect(new Uint32Array(values[0].values.slice(0, awkward.length).buffer)).toEqual(new Uint32Array(awkward.buffer));
    expect(values.map((t) => t.name)).toEqual(['dense1/kernel', 'dense1/bias', 'dense2/kernel', 'dense2/bias']);
    expect(store.getRecord(id)!.checkpointEpoch).toBe(2);
    expect(store.getRun(id)!.checkpointEpoch).toBe(2);
    expect(store.listRuns()[0].checkpointEpoch).toBe(2);
  });

  it('keeps only the latest checkpoint of a run, and none for a run that has not stored one', () => {
    const { db, store } = open();
    const id = runWithEpochs(store, 5);
    const other = store.createRun(config);
    expect(db.prepare('SELECT run_id, epoch FROM checkpoints ORDER BY run_id').all()).toEqual([{ run_id: id, epoch: 4 }]);
    expect(store.getCheckpoint(id)!.manifest.epoch).toBe(4);
    expect(store.getCheckpoint(other)).toBeNull();
    expect(store.getRecord(other)!.checkpointEpoch).toBeUndefined();
  });

  it('saves the checkpoint in the same transaction as its epoch: a failed epoch leaves the previous one', () => {
    const { store } = open();
    const id = runWithEpochs(store, 4);
    const before = store.getCheckpoint(id)!;
    // The second frequency row of layer 1 breaks the primary key after the epoch's metrics and
    // the checkpoint were written: everything of epoch 6 is rolled back.
    expect(() => store.saveEpoch(id, metrics(6), [frequency(6, 1), frequency(6, 1)], null, checkpointOf([4, 3, 2], 6, 1 / 7))).toThrow(StoreError);
    const after = store.getCheckpoint(id)!;
    expect(after.manifest).toEqual(before.manifest);
    expect(sameBytes(after.model, before.model)).toBe(true);
    expect(store.getRun(id)!.metrics.map((m) => m.epoch)).toEqual([1, 2, 3, 4]);
    // a checkpoint of another epoch than the one saved is refused before anything is written
    expect(() => store.saveEpoch(id, metrics(6), [], null, checkpointOf([4, 3, 2], 5, null))).toThrow(/the checkpoint is of epoch 5, not epoch 6/);
    expect(store.getRun(id)!.lastEpoch).toBe(4);
  });

  it('drops the checkpoint of a completed or diverged run, keeps that of a cancelled or failed one, and deletes it with its run', () => {
    const { db, store } = open();
    const ended = (status: 'completed' | 'diverged' | 'cancelled' | 'failed') => {
      const id = runWithEpochs(store, 2);
      store.finishRun(id, status === 'diverged' ? { status, epoch: 3, message: 'NaN' } : { status, message: status });
      return id;
    };
    expect(store.getCheckpoint(ended('completed'))).toBeNull();
    expect(store.getCheckpoint(ended('diverged'))).toBeNull();
    const cancelled = ended('cancelled');
    const failed = ended('failed');
    expect(store.getCheckpoint(cancelled)!.manifest.epoch).toBe(2);
    expect(store.getCheckpoint(failed)!.manifest.epoch).toBe(2);
    store.deleteRun(cancelled);
    expect(db.prepare('SELECT run_id FROM checkpoints').all()).toEqual([{ run_id: failed }]);
  });

  it('refuses a stored checkpoint whose manifest is damaged, naming the run', () => {
    const { db, store } = open();
    const id = runWithEpochs(store, 2);
    db.prepare(`UPDATE checkpoints SET manifest = json_set(manifest, '$.format', 99) WHERE run_id = ?`).run(id);
    expect(() => store.getCheckpoint(id)).toThrow(new RegExp(`the checkpoint of run ${id}: format 99 is not supported`));
    db.prepare(`UPDATE checkpoints SET manifest = json_set(manifest, '$.format', 1), model = x'00' WHERE run_id = ?`).run(id);
    const c = store.getCheckpoint(id)!;
    expect(() => unpackTensors(c.model, c.manifest.model.tensors, 'network state')).toThrow(/the network state of the checkpoint has 1 bytes/);
  });
});

describe('prepareResume', () => {
  it('deletes every result after the checkpoint in one transaction and queues the run with its progress as it was', () => {
    const { store } = open();
    const id = runWithEpochs(store, 7); // checkpoint at 6; the threshold 0.3 is first met at epoch 3
    store.markInterruptedRuns(() => false);
    expect(store.getRecord(id)).toMatchObject({ status: 'interrupted', lastEpoch: 7, epochsToThreshold: 3, checkpointEpoch: 6 });
    expect(store.prepareResume(id)).toEqual({ epoch: 6, deletedEpochs: 1 });
    const run = store.getRun(id)!;
    expect(run).toMatchObject({ status: 'queued', lastEpoch: 6, finalLoss: 1 / 7, epochsToThreshold: 3, message: null, finishedAt: null, checkpointEpoch: 6 });
    expect(run.metrics.map((m) => m.epoch)).toEqual([1, 2, 3, 4, 5, 6]);
    expect([...new Set(run.frequencies.map((f) => f.epoch))]).toEqual([0, 2, 4, 6]);
    expect(run.spectra!.map((s) => s.epoch)).toEqual([0, 2, 4, 6]);
    // it starts again as any queued run does, keeping the time it first started
    const startedAt = run.startedAt;
    store.markStarted(id, environment, process.pid);
    expect(store.getRecord(id)).toMatchObject({ status: 'running', startedAt });
  });

  it('resets the epochs to threshold and final loss when those came after the checkpoint', () => {
    const { store } = open();
    const id = store.createRun(config);
    store.markStarted(id, environment, process.pid);
    store.saveEpoch(id, null, [frequency(0, 1)], null, checkpointOf([4, 3, 2], 0, null));
    store.saveEpoch(id, metrics(1, 0.2), []); // below the threshold 0.3
    store.finishRun(id, { status: 'failed', message: 'worker exited' });
    expect(store.getRecord(id)!.epochsToThreshold).toBe(1);
    expect(store.prepareResume(id)).toEqual({ epoch: 0, deletedEpochs: 1 });
    const run = store.getRun(id)!;
    expect(run).toMatchObject({ status: 'queued', lastEpoch: 0, finalLoss: null, metrics: [] });
    expect(run.epochsToThreshold).toBeUndefined();
  });

  it('refuses, naming the run and why, and changes nothing', () => {
    const { store } = open();
    const completed = runWithEpochs(store, 2);
    store.finishRun(completed, { status: 'completed', message: 'done' });
    const running = runWithEpochs(store, 2);
    const queued = store.createRun(config);
    const diverged = runWithEpochs(store, 2);
    store.finishRun(diverged, { status: 'diverged', epoch: 3, message: 'NaN' });
    const bare = store.createRun(config);
    store.markStarted(bare, environment, process.pid);
    store.saveEpoch(bare, metrics(1), []);
    store.finishRun(bare, { status: 'cancelled', message: 'cancelled after epoch 1' });

    expect(() => store.prepareResume(completed)).toThrow(`cannot resume run ${completed}: it has completed (only an interrupted, failed or cancelled run can be resumed)`);
    expect(() => store.prepareResume(running)).toThrow(`cannot resume run ${running}: it is running`);
    expect(() => store.prepareResume(queued)).toThrow(`cannot resume run ${queued}: it is queued`);
    expect(() => store.prepareResume(diverged)).toThrow(`cannot resume run ${diverged}: it diverged`);
    expect(() => store.prepareResume(bare)).toThrow(new RegExp(`cannot resume run ${bare}: it has no checkpoint \\(one is saved at each analysed epoch`));
    expect(() => store.prepareResume(999)).toThrow('run 999 does not exist');
    expect(store.getRun(bare)).toMatchObject({ status: 'cancelled', lastEpoch: 1, message: 'cancelled after epoch 1' });
    expect(store.getRun(running)!.metrics).toHaveLength(2);
  });

  it('marks a resumed run that never restarted as interrupted, saying its results are kept', () => {
    const { store } = open();
    const id = runWithEpochs(store, 3);
    store.finishRun(id, { status: 'cancelled', message: 'cancelled' });
    store.prepareResume(id);
    expect(store.markInterruptedRuns(() => false)).toEqual([id]);
    expect(store.getRecord(id)).toMatchObject({
      status: 'interrupted',
      message: 'the app stopped before the resumed run restarted; results up to epoch 2 are kept',
      checkpointEpoch: 2,
    });
  });
});

describe('schema version 3', () => {
  it('migrates a version 2 database with runs after backing it up, keeping them, with no checkpoints', () => {
    const file = tempFile();
    const v2 = openDatabase(file, { migrations: migrations.slice(0, 2) });
    expect(v2.pragma('user_version', { simple: true })).toBe(2);
    // Written as the version 2 app did (this build's RunStore needs the checkpoints table).
    const { lastInsertRowid } = v2
      .prepare(`INSERT INTO runs (name, status, config, created_at, started_at, last_epoch, final_loss, message)
                VALUES ('old run', 'failed', ?, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:01.000Z', 1, 0.5, 'worker exited')`)
      .run(JSON.stringify(config));
    const id = Number(lastInsertRowid);
    v2.prepare('INSERT INTO epochs (run_id, epoch, loss, accuracy, learning_rate, seconds) VALUES (?, 1, 0.5, 0.9, 1e-3, 2)').run(id);
    v2.prepare(`INSERT INTO frequencies (run_id, epoch, layer, configured_layer, normalisation, scale, k, lfr, rdf_k, rdf, peak_k)
                VALUES (?, 1, 1, 1, '{"kind":"none"}', 1, x'000000000000F03F', x'9A9999999999C93F', x'', x'', 1.5)`).run(id);
    v2.close();

    const { db, store } = open(file);
    expect(latestSchemaVersion).toBe(3);
    expect(db.pragma('user_version', { simple: true })).toBe(3);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    // the backup is the version 2 file, with the run
    const backup = new Database(backupPath(file, 2), { readonly: true });
    expect(backup.pragma('user_version', { simple: true })).toBe(2);
    expect(backup.prepare('SELECT name FROM runs').all()).toEqual([{ name: 'old run' }]);
    backup.close();
    // the run is intact, has no checkpoint, and saying so is the answer to resuming it
    const run = store.getRun(id)!;
    expect(run).toMatchObject({ name: 'old run', status: 'failed', lastEpoch: 1, finalLoss: 0.5, message: 'worker exited' });
    expect(run.checkpointEpoch).toBeUndefined();
    expect(run.metrics).toEqual([{ epoch: 1, loss: 0.5, accuracy: 0.9, learningRate: 1e-3, seconds: 2 }]);
    expect(run.frequencies.map((f) => [f.epoch, f.layer, f.k, f.lfr])).toEqual([[1, 1, [1], [0.2]]]);
    expect(store.getCheckpoint(id)).toBeNull();
    expect(() => store.prepareResume(id)).toThrow(/has no checkpoint/);
    // new checkpoints can be stored
    const next = runWithEpochs(store, 2);
    expect(store.getCheckpoint(next)!.manifest.epoch).toBe(2);
  });
});

describe('the cost of a checkpoint', () => {
  it('saves an epoch with the checkpoint of the paper network (784-500x5-10) and its Adam slots in well under a second', () => {
    const { db, store, file } = open();
    const sizes = [784, 500, 500, 500, 500, 500, 10];
    const id = store.createRun(config);
    store.markStarted(id, environment, process.pid);
    const times: number[] = [];
    let bytes = 0;
    for (const epoch of [2, 4, 6]) {
      const c = checkpointOf(sizes, epoch, 0.1);
      bytes = c.model.byteLength + c.optimiser.byteLength;
      const t0 = performance.now();
      store.saveEpoch(id, metrics(epoch), [frequency(epoch, 1)], null, c);
      times.push(performance.now() - t0);
    }
    const plain: number[] = [];
    for (const epoch of [7, 8, 9]) {
      const t0 = performance.now();
      store.saveEpoch(id, metrics(epoch), []);
      plain.push(performance.now() - t0);
    }
    db.pragma('wal_checkpoint(TRUNCATE)');
    const fileBytes = fs.statSync(file).size;
    console.log(
      `checkpoint of 784-500x5-10 + Adam: ${(bytes / 1e6).toFixed(1)} MB; saveEpoch with it ${times.map((t) => t.toFixed(0)).join(', ')} ms, ` +
        `without ${plain.map((t) => t.toFixed(1)).join(', ')} ms; database file ${(fileBytes / 1e6).toFixed(1)} MB after three checkpoints`,
    );
    expect(bytes).toBe(3 * 4 * (784 * 500 + 500 + 4 * (500 * 500 + 500) + 500 * 10 + 10) + 8);
    expect(Math.min(...times)).toBeLessThan(1000);
    // only the latest is kept: the file stays near the size of one checkpoint (plus free pages of the one it replaced)
    expect(fileBytes).toBeLessThan(2.5 * bytes);
  });
});
