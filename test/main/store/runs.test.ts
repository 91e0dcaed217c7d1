import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type Database from 'better-sqlite3';
import { openDatabase } from '../../../src/main/store/database';
import { RunStore } from '../../../src/main/store/runs';
import { ConfigError, validateConfig } from '../../../src/shared/config';
import { presets } from '../../../src/shared/presets';
import type { EpochMetrics, LayerFrequency, RunEnvironment } from '../../../src/shared/results';

const config = validateConfig(presets['mnist-fc-quick']);

const environment: RunEnvironment = {
  appVersion: '0.1.0',
  tfjsVersion: '4.22.0',
  backend: 'cpu',
  backendDetail: 'cpu',
  nodeVersion: process.version,
  platform: 'linux',
  cpu: 'test cpu',
  cpuCount: 2,
  memoryBytes: 8e9,
  gpu: null,
};

/** Values that a lossy float path would change: thirds, subnormals, extremes, signed zero. */
const awkwardFloats = [0.1 + 0.2, 1 / 3, Math.PI, 5e-324, 2.2250738585072014e-308, -0, Number.MAX_VALUE, -1e-300, Infinity, -Infinity, NaN];

function layerFrequency(epoch: number, layer: number): LayerFrequency {
  const k = Array.from({ length: 100 }, (_, j) => 0.1 * Math.pow(1e4, j / 99));
  const lfr = k.map((x) => 1 - Math.exp(-x / (layer + epoch + 1)));
  const rdfK = k.slice(1).map((x, j) => Math.sqrt(x * k[j]));
  const rdf = rdfK.map((x) => x / (1 + x * x));
  return {
    epoch,
    layer,
    configuredLayer: layer - 6,
    normalisation: { kind: 'mean-distance', d0: 1 },
    scale: 0.123456789 * layer + epoch / 7,
    k,
    lfr: [...lfr.slice(0, 100 - awkwardFloats.length), ...awkwardFloats],
    rdfK,
    rdf,
    peakK: rdfK[layer * 10],
  };
}

function epochMetrics(epoch: number): EpochMetrics {
  return { epoch, loss: 1 / (epoch + 3), accuracy: epoch / 11, learningRate: 1e-4, seconds: 1.5 + epoch / 3 };
}

/** The raw bits of each value, so that -0, NaN and the last ulp all count. */
function bits(values: number[]): bigint[] {
  return Array.from(new BigUint64Array(Float64Array.from(values).buffer));
}

const openDbs: Database.Database[] = [];
const tempDirs: string[] = [];

afterEach(() => {
  for (const db of openDbs.splice(0)) db.close();
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh store on a temp file, with a clock that ticks one second per timestamp. */
function freshStore(options: { ownerPid?: number; ownerHost?: string } = {}): { store: RunStore; db: Database.Database } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'freqlab-runs-'));
  tempDirs.push(dir);
  const db = openDatabase(path.join(dir, 'runs.db'));
  openDbs.push(db);
  let clock = Date.parse('2025-03-01T12:00:00.000Z');
  const store = new RunStore(db, { ownerPid: 4242, ownerHost: 'lab-host', ...options, now: () => new Date((clock += 1000)) });
  return { store, db };
}

function count(db: Database.Database, table: string, runId: number): number {
  return (db.prepare(`SELECT count(*) AS n FROM ${table} WHERE run_id = ?`).get(runId) as { n: number }).n;
}

describe('RunStore round trip', () => {
  it('stores a run with metrics and frequency curves and returns them bit-exact', () => {
    const { store } = freshStore();
    const id = store.createRun(config, 'first run');
    expect(store.getRun(id)).toMatchObject({ id, name: 'first run', status: 'queued', startedAt: null, lastEpoch: null });

    store.markStarted(id, environment, 999);
    const epoch0 = [1, 2, 3, 4, 5].map((l) => layerFrequency(0, l));
    store.saveEpoch(id, null, epoch0);
    // Layers given out of order come back ordered by layer.
    const epoch1 = [3, 1, 2].map((l) => layerFrequency(1, l));
    store.saveEpoch(id, epochMetrics(1), epoch1);
    store.saveEpoch(id, epochMetrics(2), []);
    store.finishRun(id, { status: 'completed', message: 'reached the loss target' });

    const run = store.getRun(id)!;
    expect(run.status).toBe('completed');
    expect(run.config).toEqual(config);
    expect(run.environment).toEqual(environment);
    expect(run.createdAt).toBe('2025-03-01T12:00:01.000Z');
    expect(run.startedAt).toBe('2025-03-01T12:00:02.000Z');
    expect(run.finishedAt).toBe('2025-03-01T12:00:03.000Z');
    expect(run.message).toBe('reached the loss target');
    expect(run.lastEpoch).toBe(2);
    expect(run.finalLoss).toBe(epochMetrics(2).loss);
    expect(run.tags).toEqual([]);
    expect(run.notes).toBe('');
    expect(run.metrics).toEqual([epochMetrics(1), epochMetrics(2)]);

    const expected = [...epoch0, ...[1, 2, 3].map((l) => layerFrequency(1, l))];
    expect(run.frequencies.map((f) => [f.epoch, f.layer])).toEqual(expected.map((f) => [f.epoch, f.layer]));
    run.frequencies.forEach((got, i) => {
      const want = expected[i];
      expect(bits(got.k)).toEqual(bits(want.k));
      expect(bits(got.lfr)).toEqual(bits(want.lfr));
      expect(bits(got.rdfK)).toEqual(bits(want.rdfK));
      expect(bits(got.rdf)).toEqual(bits(want.rdf));
      expect(got).toEqual(want);
    });
  });

  it('keeps NaN losses and scales of a diverged run', () => {
    const { store } = freshStore();
    const id = store.createRun(config);
    store.markStarted(id, environment, 1);
    store.saveEpoch(id, epochMetrics(1), []);
    store.saveEpoch(id, { ...epochMetrics(2), loss: NaN }, [{ ...layerFrequency(2, 1), scale: NaN, peakK: NaN }]);
    store.finishRun(id, { status: 'diverged', message: 'loss is NaN at epoch 2', epoch: 2 });

    const run = store.getRun(id)!;
    expect(run.status).toBe('diverged');
    expect(run.metrics[1].loss).toBeNaN();
    expect(run.frequencies[0].scale).toBeNaN();
    expect(run.frequencies[0].peakK).toBeNaN();
    expect(run.finalLoss).toBeNaN();
    expect(store.listRuns()[0].finalLoss).toBeNaN();
  });

  it('names a run after its config, or by its id when the config has no name', () => {
    const { store } = freshStore();
    const named = store.createRun(config);
    const unnamed = store.createRun({ ...config, name: '' }, '   ');
    expect(store.getRun(named)!.name).toBe(config.name);
    expect(store.getRun(unnamed)!.name).toBe(`Run ${unnamed}`);
  });

  it('stores the validated config with defaults filled, and rejects an invalid one', () => {
    const { store } = freshStore();
    const id = store.createRun(presets['mnist-fc-quick']);
    expect(store.getRun(id)!.config).toEqual(config);
    expect(() => store.createRun({ ...config, seed: -1 })).toThrow(ConfigError);
    expect(store.listRuns()).toHaveLength(1);
  });

  it('returns null for a run that does not exist', () => {
    const { store } = freshStore();
    expect(store.getRun(12)).toBeNull();
  });
});

describe('RunStore lifecycle rules', () => {
  it('names the run in every error about a missing run', () => {
    const { store } = freshStore();
    expect(() => store.markStarted(12, environment, 1)).toThrow('run 12 does not exist');
    expect(() => store.saveEpoch(12, epochMetrics(1), [])).toThrow('run 12 does not exist');
    expect(() => store.finishRun(12, { status: 'failed', message: 'x' })).toThrow('run 12 does not exist');
    expect(() => store.rename(12, 'x')).toThrow('run 12 does not exist');
    expect(() => store.setTags(12, ['x'])).toThrow('run 12 does not exist');
    expect(() => store.setNotes(12, 'x')).toThrow('run 12 does not exist');
    expect(() => store.deleteRun(12)).toThrow('run 12 does not exist');
  });

  it('refuses transitions the status does not allow', () => {
    const { store } = freshStore();
    const id = store.createRun(config);
    expect(() => store.saveEpoch(id, epochMetrics(1), [])).toThrow(`cannot save epoch 1 of run ${id}: it is queued`);
    store.markStarted(id, environment, 1);
    expect(() => store.markStarted(id, environment, 1)).toThrow(`cannot start run ${id}: it is running`);
    expect(() => store.deleteRun(id)).toThrow(`cannot delete run ${id}: it is running`);
    store.finishRun(id, { status: 'cancelled', message: 'stopped by the user' });
    expect(() => store.finishRun(id, { status: 'completed', message: '' })).toThrow(`cannot finish run ${id}: it is cancelled`);
  });

  it('lets a queued run be cancelled before it starts', () => {
    const { store } = freshStore();
    const id = store.createRun(config);
    store.finishRun(id, { status: 'cancelled', message: 'removed from the queue' });
    expect(store.getRun(id)).toMatchObject({ status: 'cancelled', startedAt: null, message: 'removed from the queue' });
  });

  it('rejects an epoch whose metrics and frequencies disagree, or that repeats', () => {
    const { store } = freshStore();
    const id = store.createRun(config);
    store.markStarted(id, environment, 1);
    expect(() => store.saveEpoch(id, epochMetrics(1), [layerFrequency(2, 1)])).toThrow(`run ${id}: layer 1's frequencies are for epoch 2`);
    expect(() => store.saveEpoch(id, null, [])).toThrow(`run ${id}`);
    store.saveEpoch(id, epochMetrics(1), []);
    expect(() => store.saveEpoch(id, epochMetrics(1), [])).toThrow(`run ${id} already has metrics for epoch 1`);
    // The final analysis of an epoch may follow its metrics in a separate call.
    store.saveEpoch(id, null, [layerFrequency(1, 1)]);
    expect(store.getRun(id)!.frequencies).toHaveLength(1);
  });
});

describe('RunStore.saveEpoch atomicity', () => {
  it('rolls back an epoch whose frequency insert fails, keeping earlier epochs', () => {
    const { store, db } = freshStore();
    const id = store.createRun(config);
    store.markStarted(id, environment, 1);
    store.saveEpoch(id, null, [layerFrequency(0, 1), layerFrequency(0, 2)]);
    store.saveEpoch(id, epochMetrics(1), [layerFrequency(1, 1)]);

    // The second curve for layer 2 breaks the primary key after the metrics and layer 2 were written.
    expect(() => store.saveEpoch(id, epochMetrics(2), [layerFrequency(2, 2), layerFrequency(2, 3), layerFrequency(2, 2)])).toThrow(
      `run ${id} already has frequencies for layer 2 at epoch 2`,
    );

    const run = store.getRun(id)!;
    expect(run.metrics.map((m) => m.epoch)).toEqual([1]);
    expect(run.frequencies.map((f) => [f.epoch, f.layer])).toEqual([[0, 1], [0, 2], [1, 1]]);
    expect(run.lastEpoch).toBe(1);
    expect(run.finalLoss).toBe(epochMetrics(1).loss);
    expect(db.inTransaction).toBe(false);

    // The same epoch can then be saved correctly.
    store.saveEpoch(id, epochMetrics(2), [layerFrequency(2, 2)]);
    expect(store.getRun(id)!.lastEpoch).toBe(2);
  });
});

describe('RunStore listing', () => {
  function threeRuns(store: RunStore): { mnist: number; sine: number; failed: number } {
    const mnist = store.createRun(config, 'MNIST baseline');
    const sine = store.createRun(config, 'sine 50% wider');
    const failed = store.createRun(config, 'broken run');
    store.setTags(sine, ['synthetic', 'paper-fig-3']);
    store.setNotes(mnist, 'Compare with the Paper figure 2');
    store.markStarted(failed, environment, 1);
    store.finishRun(failed, { status: 'failed', message: 'out of memory' });
    return { mnist, sine, failed };
  }

  it('lists runs newest first, without their results', () => {
    const { store } = freshStore();
    const { mnist, sine, failed } = threeRuns(store);
    const runs = store.listRuns();
    expect(runs.map((r) => r.id)).toEqual([failed, sine, mnist]);
    expect(runs[0]).not.toHaveProperty('metrics');
    expect(runs[0]).not.toHaveProperty('frequencies');
    expect(runs[1].tags).toEqual(['synthetic', 'paper-fig-3']);
    expect(runs[1].config).toEqual(config);
  });

  it('breaks ties in creation time by id', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'freqlab-runs-'));
    tempDirs.push(dir);
    const db = openDatabase(path.join(dir, 'runs.db'));
    openDbs.push(db);
    const store = new RunStore(db, { now: () => new Date('2025-01-01T00:00:00Z') });
    const ids = [store.createRun(config), store.createRun(config), store.createRun(config)];
    expect(store.listRuns().map((r) => r.id)).toEqual(ids.reverse());
  });

  it('filters by status, search text and limit', () => {
    const { store } = freshStore();
    const { mnist, sine, failed } = threeRuns(store);
    expect(store.listRuns({ status: 'queued' }).map((r) => r.id)).toEqual([sine, mnist]);
    expect(store.listRuns({ status: ['failed', 'completed'] }).map((r) => r.id)).toEqual([failed]);
    expect(store.listRuns({ search: 'mnist' }).map((r) => r.id)).toEqual([mnist]);
    expect(store.listRuns({ search: 'paper' }).map((r) => r.id)).toEqual([sine, mnist]); // tag and notes
    expect(store.listRuns({ search: 'FIG-3' }).map((r) => r.id)).toEqual([sine]);
    expect(store.listRuns({ search: '50%' }).map((r) => r.id)).toEqual([sine]); // % is literal
    expect(store.listRuns({ search: '_' }).map((r) => r.id)).toEqual([]); // _ is literal
    expect(store.listRuns({ search: '  ' })).toHaveLength(3);
    expect(store.listRuns({ limit: 2 }).map((r) => r.id)).toEqual([failed, sine]);
    expect(store.listRuns({ status: 'queued', search: 'run', limit: 5 })).toEqual([]);
    expect(() => store.listRuns({ limit: 0 })).toThrow('limit');
  });
});

describe('RunStore annotations and deletion', () => {
  it('renames, tags and annotates a run', () => {
    const { store } = freshStore();
    const id = store.createRun(config);
    store.rename(id, '  wider layers ');
    store.setTags(id, [' a ', 'b', '', 'a']);
    store.setNotes(id, 'loss plateaus at epoch 30\n');
    expect(store.getRun(id)).toMatchObject({ name: 'wider layers', tags: ['a', 'b'], notes: 'loss plateaus at epoch 30\n' });
    expect(() => store.rename(id, ' ')).toThrow(`run ${id}: a name must not be empty`);
  });

  it('deletes a finished run with its metrics and frequencies, and only that run', () => {
    const { store, db } = freshStore();
    const ids = [store.createRun(config), store.createRun(config)];
    for (const id of ids) {
      store.markStarted(id, environment, 1);
      store.saveEpoch(id, null, [layerFrequency(0, 1)]);
      store.saveEpoch(id, epochMetrics(1), [layerFrequency(1, 1)]);
      store.finishRun(id, { status: 'completed', message: '' });
    }
    store.deleteRun(ids[0]);
    expect(store.getRun(ids[0])).toBeNull();
    expect(count(db, 'epochs', ids[0])).toBe(0);
    expect(count(db, 'frequencies', ids[0])).toBe(0);
    expect(count(db, 'epochs', ids[1])).toBe(1);
    expect(count(db, 'frequencies', ids[1])).toBe(2);
    expect(() => store.deleteRun(ids[0])).toThrow(`run ${ids[0]} does not exist`);
    // Ids are never reused, even for the newest run.
    store.deleteRun(ids[1]);
    expect(store.createRun(config)).toBe(ids[1] + 1);
  });
});

describe('RunStore.markInterruptedRuns', () => {
  it('interrupts running and queued runs whose owner is gone, and nothing else', () => {
    const { store } = freshStore({ ownerPid: 100, ownerHost: 'lab-host' });
    const deadMidway = store.createRun(config);
    const deadAtStart = store.createRun(config);
    const deadAfterLast = store.createRun({ ...config, training: { ...config.training, stop: { maxEpochs: 2, lossBelow: null } } });
    const alive = store.createRun(config);
    const completed = store.createRun(config);
    const queuedDead = store.createRun(config); // owned by pid 100, the store's own (dead) app

    store.markStarted(deadMidway, environment, 201);
    store.saveEpoch(deadMidway, null, [layerFrequency(0, 1)]);
    store.saveEpoch(deadMidway, epochMetrics(1), []);
    store.saveEpoch(deadMidway, epochMetrics(2), []);
    store.markStarted(deadAtStart, environment, 202);
    store.markStarted(deadAfterLast, environment, 203);
    store.saveEpoch(deadAfterLast, epochMetrics(1), []);
    store.saveEpoch(deadAfterLast, epochMetrics(2), []);
    store.markStarted(alive, environment, 300);
    store.markStarted(completed, environment, 201);
    store.finishRun(completed, { status: 'completed', message: '' });

    const isAlive = (pid: number): boolean => pid === 300;
    const interrupted = store.markInterruptedRuns(isAlive);

    expect(interrupted).toEqual([deadMidway, deadAtStart, deadAfterLast, queuedDead]);
    expect(store.getRun(deadMidway)).toMatchObject({
      status: 'interrupted',
      finishedAt: null,
      lastEpoch: 2,
      message: 'the app stopped during epoch 3; results up to epoch 2 are kept',
    });
    expect(store.getRun(deadMidway)!.metrics).toHaveLength(2);
    expect(store.getRun(deadAtStart)!.message).toBe('the app stopped before the first epoch was saved');
    expect(store.getRun(deadAfterLast)!.message).toMatch(/after the last epoch \(2\)/);
    expect(store.getRun(queuedDead)).toMatchObject({ status: 'interrupted', message: 'the app stopped before the run started' });
    expect(store.getRun(alive)!.status).toBe('running');
    expect(store.getRun(completed)!.status).toBe('completed');

    // A second pass finds nothing more to do.
    expect(store.markInterruptedRuns(isAlive)).toEqual([]);
  });

  it('asks about each owner with its host and keeps runs of live owners on other hosts', () => {
    const { store, db } = freshStore({ ownerPid: 100, ownerHost: 'here' });
    const elsewhere = new RunStore(db, { ownerPid: 500, ownerHost: 'there' });
    const mine = store.createRun(config);
    const theirs = elsewhere.createRun(config);
    elsewhere.markStarted(theirs, environment, 501);

    const asked: Array<[number, string]> = [];
    const ids = store.markInterruptedRuns((pid, host) => {
      asked.push([pid, host]);
      return host === 'there'; // this app cannot see the other host's processes: assume alive
    });
    expect(asked).toEqual([[100, 'here'], [501, 'there']]);
    expect(ids).toEqual([mine]);
    expect(store.getRun(theirs)!.status).toBe('running');
  });
});
