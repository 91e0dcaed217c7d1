import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunEventMessage } from '../../src/shared/api';
import { ConfigError, type ExperimentConfigInput } from '../../src/shared/config';
import { LabService } from '../../src/main/service';
import { openDatabase } from '../../src/main/store/database';
import { RunStore } from '../../src/main/store/runs';

/** A tiny regression run that trains in a fraction of a second. */
function tinyConfig(overrides: Record<string, unknown> = {}): ExperimentConfigInput {
  return {
    seed: 3,
    data: { kind: 'synthetic', target: { kind: 'cos-sum', frequencies: [3, 5] }, trainSize: 48, interval: [-3.14, 3.14] },
    model: { kind: 'mlp', hidden: [8, 8, 8], activation: 'tanh' },
    training: { optimiser: { kind: 'adam' }, schedule: [{ fromEpoch: 1, rate: 1e-2 }], batchSize: 16, stop: { maxEpochs: 3 } },
    analysis: {
      layers: [1, 2, 3],
      epochs: { every: 1 },
      samples: 24,
      deltaGrid: { kind: 'log-k', kMin: 0.1, kMax: 100, count: 10 },
      blockRows: 8,
    },
    backend: 'wasm',
    ...overrides,
  } as ExperimentConfigInput;
}

describe('LabService', () => {
  let dir: string;
  let store: RunStore;
  let service: LabService;
  let events: RunEventMessage[];

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'lab-service-'));
    store = new RunStore(openDatabase(path.join(dir, 'runs.db')));
    service = new LabService(store, { baseDir: dir });
    events = [];
    service.events.on('run', (m) => events.push(m));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('runs a job in a worker thread and stores every epoch as it ends', async () => {
    const { runId } = await service.startRun({ config: tinyConfig(), name: 'tiny' });
    const outcome = await service.whenFinished(runId);
    expect(outcome.status).toBe('completed');

    const run = store.getRun(runId)!;
    expect(run.name).toBe('tiny');
    expect(run.status).toBe('completed');
    expect(run.environment?.backend).toBe('wasm');
    expect(run.environment?.tfjsVersion).toBe('4.22.0');
    expect(run.metrics.map((m) => m.epoch)).toEqual([1, 2, 3]);
    expect(run.lastEpoch).toBe(3);
    expect(run.finalLoss).toBe(run.metrics[2].loss);
    // epochs 0..3, layers 1..3
    expect(run.frequencies.map((f) => `${f.epoch}/${f.layer}`)).toEqual(
      [0, 1, 2, 3].flatMap((e) => [1, 2, 3].map((l) => `${e}/${l}`)),
    );
    const kinds = events.filter((e) => e.runId === runId).map((e) => (e.kind === 'engine' ? e.event.type : e.kind));
    expect(kinds[0]).toBe('queued');
    expect(kinds[1]).toBe('started');
    expect(kinds.filter((k) => k === 'epoch')).toHaveLength(4);
    expect(kinds[kinds.length - 1]).toBe('finished');
  });

  it('runs queued runs one after another', async () => {
    const a = await service.startRun({ config: tinyConfig() });
    const b = await service.startRun({ config: tinyConfig({ seed: 4 }) });
    expect(store.getRun(b.runId)!.status).toBe('queued');
    await Promise.all([service.whenFinished(a.runId), service.whenFinished(b.runId)]);
    const ra = store.getRun(a.runId)!;
    const rb = store.getRun(b.runId)!;
    expect(rb.status).toBe('completed');
    expect(Date.parse(rb.startedAt!)).toBeGreaterThanOrEqual(Date.parse(ra.finishedAt!));
  });

  it('cancels a queued run before it starts and a running one after its current batch', async () => {
    const long = tinyConfig({ training: { ...tinyConfig().training, stop: { maxEpochs: 100000 } } });
    const a = await service.startRun({ config: long });
    const b = await service.startRun({ config: tinyConfig() });
    await service.cancelRun({ runId: b.runId });
    expect((await service.whenFinished(b.runId)).status).toBe('cancelled');
    expect(store.getRun(b.runId)!.startedAt).toBeNull();

    // wait until the long run has stored two epochs, then cancel it
    await new Promise<void>((resolve) => {
      service.events.on('run', (m) => {
        if (m.runId === a.runId && m.kind === 'engine' && m.event.type === 'epoch' && m.event.epoch === 2) resolve();
      });
    });
    await service.cancelRun({ runId: a.runId });
    const outcome = await service.whenFinished(a.runId);
    expect(outcome.status).toBe('cancelled');
    const run = store.getRun(a.runId)!;
    expect(run.status).toBe('cancelled');
    expect(run.metrics.length).toBeGreaterThanOrEqual(2);
    expect(run.metrics.map((m) => m.epoch)).toEqual(run.metrics.map((_, i) => i + 1));
  });

  it('refuses a run whose data folder does not exist before storing it, and stores data paths absolute', async () => {
    const config = tinyConfig({ data: { kind: 'idx', dir: 'no-such-folder', files: 't10k', trainSize: 100 }, analysis: { ...(tinyConfig().analysis as object), samples: 10 } });
    await expect(service.startRun({ config })).rejects.toThrow(`data.dir: folder ${path.join(dir, 'no-such-folder')} does not exist`);
    expect(store.listRuns()).toEqual([]);
    // a relative folder that exists is stored resolved against the service's folder
    mkdirSync(path.join(dir, 'empty'));
    const { runId } = await service.startRun({ config: { ...config, data: { kind: 'idx', dir: 'empty', files: 't10k', trainSize: 100 } } });
    expect(store.getRun(runId)!.config.data).toMatchObject({ dir: path.join(dir, 'empty') });
    const outcome = await service.whenFinished(runId);
    expect(outcome.status).toBe('failed'); // the folder has no IDX files: named in the message
    expect(outcome.message).toContain(path.join(dir, 'empty'));
  });

  it('rejects an invalid config with one message per field and creates no run', async () => {
    const bad = tinyConfig({ seed: -1, model: { kind: 'mlp', hidden: [] } });
    await expect(service.startRun({ config: bad })).rejects.toThrow(ConfigError);
    await expect(service.startRun({ config: bad })).rejects.toThrow(/seed[\s\S]*model\.hidden/);
    expect(store.listRuns()).toEqual([]);
  });

  it('marks runs left running by a dead process as interrupted, keeping their epochs', () => {
    const id = store.createRun(tinyConfig());
    const deadPid = 2 ** 22 + 12345; // above Linux's default pid_max, never a live process
    store.markStarted(id, { appVersion: 'x', tfjsVersion: 'x', backend: 'wasm', backendDetail: '', nodeVersion: '', platform: '', cpu: '', cpuCount: 1, memoryBytes: 1, gpu: null }, deadPid);
    store.saveEpoch(id, { epoch: 1, loss: 0.5, accuracy: null, learningRate: 0.01, seconds: 1 }, []);
    const reopened = new LabService(store, { baseDir: dir });
    expect(reopened).toBeInstanceOf(LabService);
    const run = store.getRun(id)!;
    expect(run.status).toBe('interrupted');
    expect(run.metrics.map((m) => m.epoch)).toEqual([1]);
  });
});
