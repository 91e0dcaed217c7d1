// Load: 1000 stored runs with full analyses (5 layers x 8 analysed epochs x a 100-point delta
// grid, written with RunStore.saveEpoch). Listing, filtering by status, searching names, tags and
// notes, and opening a run return exactly the right runs, through the store and through the door.
// How fast is bench/load-runs.ts's business (docs/benchmarks.md): nothing here is timed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseBytes, defaultShape, loadRunName, loadRunNotes, loadRunStatus, loadRunTags, populateRuns } from '../../../bench/load-runs';
import { handleLabCall } from '../../../src/main/lab-call';
import { LabService } from '../../../src/main/service';
import { openDatabase } from '../../../src/main/store/database';
import { RunStore } from '../../../src/main/store/runs';
import { runStatuses, type RunRecord } from '../../../src/shared/results';

const shape = defaultShape;
let dir: string;
let file: string;
let db: Database.Database;
let store: RunStore;
/** ids[i] is the id of run i. */
let ids: number[];

/** The ids of the runs i for which `keep(i)` holds, newest first (the order of listRuns). */
function expectedIds(keep: (i: number) => boolean): number[] {
  return ids.filter((_, i) => keep(i)).reverse();
}

const idsOf = (runs: RunRecord[]) => runs.map((r) => r.id);

beforeAll(() => {
  expect(shape).toEqual({ runs: 1000, epochs: 8, layers: 5, points: 100 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'freqlab-load-'));
  file = path.join(dir, 'runs.db');
  db = openDatabase(file);
  store = new RunStore(db);
  ids = populateRuns(db, store, shape);
  db.pragma('wal_checkpoint(TRUNCATE)');
});

afterAll(() => {
  db?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe(`${shape.runs} stored runs with full analyses`, () => {
  it('are all stored, with every epoch and curve, at about 8 bytes a value', () => {
    expect(ids).toHaveLength(shape.runs);
    expect(new Set(ids).size).toBe(shape.runs);
    const counts = db.prepare('SELECT (SELECT count(*) FROM runs) AS runs, (SELECT count(*) FROM epochs) AS epochs, (SELECT count(*) FROM frequencies) AS curves').get();
    expect(counts).toEqual({ runs: shape.runs, epochs: shape.runs * shape.epochs, curves: shape.runs * shape.epochs * shape.layers });
    // Each curve keeps k and LFR (points values each) and the RDF and its k (points - 1 each) as float64.
    const values = shape.runs * shape.epochs * shape.layers * (2 * shape.points + 2 * (shape.points - 1));
    const bytes = databaseBytes(file);
    expect(bytes).toBeGreaterThan(values * 8);
    expect(bytes).toBeLessThan(values * 8 * 1.5);
  });

  it('lists every run, newest first', () => {
    const all = store.listRuns();
    expect(all).toHaveLength(shape.runs);
    expect(idsOf(all)).toEqual(expectedIds(() => true));
    expect(all.map((r) => r.name)).toEqual(ids.map((_, i) => loadRunName(i)).reverse());
    expect(idsOf(store.listRuns({ limit: 50 }))).toEqual(expectedIds(() => true).slice(0, 50));
  });

  it('filters by status: exactly the runs that ended so', () => {
    let total = 0;
    for (const status of runStatuses) {
      const listed = store.listRuns({ status });
      expect(idsOf(listed), status).toEqual(expectedIds((i) => loadRunStatus(i) === status));
      expect(listed.every((r) => r.status === status)).toBe(true);
      total += listed.length;
    }
    expect(total).toBe(shape.runs);
    expect(store.listRuns({ status: 'failed' })).toHaveLength(shape.runs / 10);
    expect(store.listRuns({ status: 'completed' })).toHaveLength((shape.runs * 7) / 10);
    expect(store.listRuns({ status: 'running' })).toEqual([]);
  });

  it('searches names, tags and notes (case-insensitive), alone and with a status', () => {
    const needles = expectedIds((i) => loadRunName(i).includes('needle'));
    expect(needles).toHaveLength(shape.runs / 50);
    expect(idsOf(store.listRuns({ search: 'needle' }))).toEqual(needles);
    expect(idsOf(store.listRuns({ search: 'NEEDLE' }))).toEqual(needles);
    expect(idsOf(store.listRuns({ search: 'baseline' }))).toEqual(expectedIds((i) => loadRunTags(i).includes('baseline')));
    expect(store.listRuns({ search: 'baseline' })).toHaveLength(Math.ceil(shape.runs / 7));
    expect(idsOf(store.listRuns({ search: 'warmup' }))).toEqual(expectedIds((i) => loadRunNotes(i).includes('warmup')));
    expect(idsOf(store.listRuns({ status: 'diverged', search: 'baseline' }))).toEqual(
      expectedIds((i) => loadRunStatus(i) === 'diverged' && loadRunTags(i).includes('baseline')),
    );
    // LIKE's wildcards are searched for as characters, not as patterns.
    expect(store.listRuns({ search: '%' })).toEqual([]);
    expect(store.listRuns({ search: '_' })).toEqual([]);
    expect(store.listRuns({ search: 'no such run' })).toEqual([]);
  });

  it('opens one run with all its epochs and curves', () => {
    for (const i of [0, 499, 999, 9]) {
      const run = store.getRun(ids[i])!;
      expect(run).toMatchObject({ id: ids[i], name: loadRunName(i), status: loadRunStatus(i), tags: loadRunTags(i), notes: loadRunNotes(i), lastEpoch: shape.epochs });
      expect(run.metrics.map((m) => m.epoch)).toEqual(Array.from({ length: shape.epochs }, (_, e) => e + 1));
      expect(run.frequencies).toHaveLength(shape.epochs * shape.layers);
      expect(run.frequencies.map((f) => `${f.epoch}:${f.layer}`)).toEqual(
        Array.from({ length: shape.epochs * shape.layers }, (_, j) => `${Math.floor(j / shape.layers) + 1}:${(j % shape.layers) + 1}`),
      );
      for (const f of run.frequencies) {
        expect(f.k).toHaveLength(shape.points);
        expect(f.lfr).toHaveLength(shape.points);
        expect(f.rdf).toHaveLength(shape.points - 1);
      }
      if (loadRunStatus(i) === 'diverged') expect(run.finalLoss).toBeNaN();
      else expect(run.finalLoss).toBe(1 / (shape.epochs + 1 + (i % 11)));
    }
  });

  it('answers the same through the door (validated calls of a LabService on the same database)', async () => {
    const service = new LabService(store, { baseDir: dir });
    const failed = await handleLabCall(service, 'listRuns', { status: 'failed', search: 'needle' });
    expect(failed.ok && idsOf(failed.value as RunRecord[])).toEqual(expectedIds((i) => loadRunStatus(i) === 'failed' && loadRunName(i).includes('needle')));
    const all = await handleLabCall(service, 'listRuns', {});
    expect(all.ok && (all.value as RunRecord[]).length).toBe(shape.runs);
    const one = await handleLabCall(service, 'getRun', { runId: ids[500] });
    expect(one).toMatchObject({ ok: true, value: { id: ids[500], lastEpoch: shape.epochs } });
    // Starting the service marked nothing interrupted: every run had ended.
    expect(store.listRuns({ status: 'interrupted' })).toEqual([]);
  });
});
