// Schema version 2 in the store: validation metrics, epochs to threshold, sweep groups, spectra.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { openDatabase } from '../../../src/main/store/database';
import { latestSchemaVersion, migrations } from '../../../src/main/store/migrations';
import { RunStore } from '../../../src/main/store/runs';
import { validateConfig } from '../../../src/shared/config';
import { presets } from '../../../src/shared/presets';
import type { OutputSpectrum, RunEnvironment } from '../../../src/shared/results';
import { sweepConfigs } from '../../../src/shared/sweep';

const environment: RunEnvironment = {
  appVersion: '0.1.0', tfjsVersion: '4.22.0', backend: 'cpu', backendDetail: 'cpu', nodeVersion: process.version,
  platform: 'linux', cpu: 'test cpu', cpuCount: 2, memoryBytes: 8e9, gpu: null,
};

const dirs: string[] = [];
function tempFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-groups-'));
  dirs.push(dir);
  return path.join(dir, 'lab.db');
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const base = validateConfig({ ...presets['fit-1d-depth'], training: { ...presets['fit-1d-depth'].training, threshold: 1e-3 } });

describe('schema version 2', () => {
  it('migrates a version 1 database with runs, keeping them and adding the new columns', () => {
    const file = tempFile();
    const v1 = openDatabase(file, { migrations: migrations.slice(0, 1) });
    const { lastInsertRowid } = v1
      .prepare(`INSERT INTO runs (name, status, config, created_at) VALUES ('old run', 'completed', ?, '2026-01-01T00:00:00.000Z')`)
      .run(JSON.stringify(validateConfig(presets['mnist-fc-quick'])));
    const id = Number(lastInsertRowid);
    v1.prepare('INSERT INTO epochs (run_id, epoch, loss, accuracy, learning_rate, seconds) VALUES (?, 1, 0.5, 0.9, 1e-4, 2)').run(id);
    v1.close();
    const db = openDatabase(file);
    expect(db.pragma('user_version', { simple: true })).toBe(latestSchemaVersion);
    const store = new RunStore(db);
    const run = store.getRun(id)!;
    expect(run.name).toBe('old run');
    expect(run.groupId).toBeUndefined();
    expect(run.epochsToThreshold).toBeUndefined();
    expect(run.metrics).toEqual([{ epoch: 1, loss: 0.5, accuracy: 0.9, learningRate: 1e-4, seconds: 2 }]);
    expect(fs.existsSync(`${file}.v1.bak`)).toBe(true);
  });

  it('stores validation metrics and the first epoch below the threshold (never moved by later epochs)', () => {
    const store = new RunStore(openDatabase(tempFile()));
    const id = store.createRun(base);
    store.markStarted(id, environment, process.pid);
    const losses = [0.5, 0.002, 0.0009, 0.002, 0.0001];
    losses.forEach((loss, i) => {
      store.saveEpoch(id, { epoch: i + 1, loss, accuracy: null, learningRate: 1e-3, seconds: 0.1, validationLoss: loss * 2, validationAccuracy: i === 0 ? null : 0.5 }, []);
      expect(store.getRun(id)!.epochsToThreshold).toBe(i + 1 >= 3 ? 3 : undefined);
    });
    const run = store.getRun(id)!;
    expect(run.metrics[1]).toEqual({ epoch: 2, loss: 0.002, accuracy: null, learningRate: 1e-3, seconds: 0.1, validationLoss: 0.004, validationAccuracy: 0.5 });
    expect(run.metrics[0].validationAccuracy).toBeUndefined();
  });

  it('uses stop.lossBelow when training.threshold is absent, and records nothing without either', () => {
    const store = new RunStore(openDatabase(tempFile()));
    const lossBelow = validateConfig({ ...presets['fit-1d-depth'], training: { ...presets['fit-1d-depth'].training, threshold: undefined, stop: { maxEpochs: 9, lossBelow: 0.1 } } });
    const none = validateConfig({ ...presets['fit-1d-depth'], training: { ...presets['fit-1d-depth'].training, threshold: null, stop: { maxEpochs: 9 } } });
    const [a, b] = [store.createRun(lossBelow), store.createRun(none)];
    for (const id of [a, b]) {
      store.markStarted(id, environment, process.pid);
      store.saveEpoch(id, { epoch: 1, loss: 0.2, accuracy: null, learningRate: 1, seconds: 1 }, []);
      store.saveEpoch(id, { epoch: 2, loss: 0.05, accuracy: null, learningRate: 1, seconds: 1 }, []);
    }
    expect(store.getRun(a)!.epochsToThreshold).toBe(2);
    expect(store.getRun(b)!.epochsToThreshold).toBeUndefined();
  });

  it('stores a group and its runs in order, lists runs by group, and reads the group back', () => {
    const store = new RunStore(openDatabase(tempFile()));
    const lone = store.createRun(base);
    const { spec, configs } = sweepConfigs(base, { path: 'depth', values: [3, 4, 5] });
    const { groupId, runIds } = store.createGroup(
      { name: 'depths', varyPath: spec.path, values: spec.values, baseConfig: base },
      configs.map((config, i) => ({ config, name: `depth ${i + 3}` })),
    );
    expect(runIds).toHaveLength(3);
    const group = store.getGroup(groupId)!;
    expect(group).toMatchObject({ id: groupId, name: 'depths', varyPath: 'model.hidden', values: [[50, 50, 50], [50, 50, 50, 50], [50, 50, 50, 50, 50]], runIds });
    expect(group.baseConfig).toEqual(base);
    expect(store.listRuns({ groupId }).map((r) => r.id).sort()).toEqual(runIds);
    expect(store.listRuns({ groupId }).every((r) => r.groupId === groupId)).toBe(true);
    expect(store.getRun(lone)!.groupId).toBeUndefined();
    expect(store.listGroups().map((g) => g.id)).toEqual([groupId]);
    expect(store.getGroup(groupId + 1)).toBeNull();
    expect(() => store.createGroup({ name: 'x', varyPath: 'seed', values: [], baseConfig: base }, [])).toThrow(/at least one run/);
  });

  it('stores and reads back the DFT spectrum of an analysed epoch', () => {
    const store = new RunStore(openDatabase(tempFile()));
    const id = store.createRun(base);
    store.markStarted(id, environment, process.pid);
    const spectrum: OutputSpectrum = { epoch: 0, targetAmplitude: [0.1, 1 / 3, 100.5], outputAmplitude: [0, 2, Math.PI], peaks: [2], peakErrors: [0.97] };
    store.saveEpoch(id, null, [], spectrum);
    expect(store.getRun(id)!.spectra).toEqual([spectrum]);
    expect(() => store.saveEpoch(id, { epoch: 1, loss: 1, accuracy: null, learningRate: 1, seconds: 1 }, [], { ...spectrum, epoch: 2 })).toThrow(/spectrum is for epoch 2, not epoch 1/);
    // deleting the run removes its spectra
    store.finishRun(id, { status: 'completed', message: '' });
    store.deleteRun(id);
    const raw = new Database(path.join(dirs[dirs.length - 1], 'lab.db'), { readonly: true });
    expect((raw.prepare('SELECT COUNT(*) AS n FROM spectra').get() as { n: number }).n).toBe(0);
    raw.close();
  });
});
