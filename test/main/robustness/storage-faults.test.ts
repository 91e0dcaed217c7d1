// A full disk or a read-only database: a clear error, and nothing already stored is lost.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Database from 'better-sqlite3';
import type { ExperimentConfigInput } from '../../../src/shared/config';
import { LabService } from '../../../src/main/service';
import { openDatabase } from '../../../src/main/store/database';
import { RunStore } from '../../../src/main/store/runs';

const config: ExperimentConfigInput = {
  seed: 3,
  data: { kind: 'synthetic', target: { kind: 'sin', m: 2 }, trainSize: 64 },
  model: { kind: 'mlp', hidden: [16, 16] },
  training: { optimiser: { kind: 'adam' }, schedule: [{ fromEpoch: 1, rate: 1e-2 }], batchSize: 16, stop: { maxEpochs: 100000 } },
  analysis: { layers: [1, 2], epochs: { every: 1 }, samples: 32, deltaGrid: { kind: 'log-k', kMin: 0.1, kMax: 100, count: 400 } },
  backend: 'wasm',
};

describe('storage faults', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'lab-faults-'));
    file = path.join(dir, 'runs.db');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('stops a run whose epoch cannot be written (disk full), keeping the epochs stored before', async () => {
    const db: Database.Database = openDatabase(file);
    const store = new RunStore(db);
    const service = new LabService(store, { baseDir: dir });
    const { runId } = await service.startRun({ config });
    // Once epoch 2 is stored, let the file grow no further: the next epoch's write fails with
    // SQLITE_FULL, as on a full disk.
    service.events.on('run', (m) => {
      if (m.runId === runId && m.kind === 'engine' && m.event.type === 'epoch' && m.event.epoch === 2) {
        db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true })}`);
      }
    });
    const outcome = await service.whenFinished(runId);
    expect(outcome.status).toBe('failed');
    expect(outcome.message).toMatch(/could not store the results of epoch 3: .*full/);
    expect(outcome.message).toMatch(/every epoch stored before is kept/);

    const run = store.getRun(runId)!;
    expect(run.metrics.map((m) => m.epoch)).toEqual([1, 2]);
    expect([...new Set(run.frequencies.map((f) => f.epoch))]).toEqual([0, 1, 2]);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it('refuses writes to a read-only database with a clear error and leaves the stored runs as they were', () => {
    const writable = new RunStore(openDatabase(file));
    const id = writable.createRun(config, 'kept');
    const before = writable.getRun(id);

    const readonly = new RunStore(openDatabase(file, { readonly: true }));
    expect(() => readonly.createRun(config, 'new')).toThrow(/readonly|read-only/i);
    expect(() => readonly.rename(id, 'changed')).toThrow(/readonly|read-only/i);
    expect(readonly.listRuns().map((r) => r.name)).toEqual(['kept']);
    expect(writable.getRun(id)).toEqual(before);
  });
});
