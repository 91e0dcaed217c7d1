// A worker that throws, a worker thread that exits, and a diverging run: each ends as a stored
// outcome with its reason, and every epoch before it intact.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ExperimentConfigInput } from '../../../src/shared/config';
import { LabService } from '../../../src/main/service';
import { openDatabase } from '../../../src/main/store/database';
import { RunStore } from '../../../src/main/store/runs';

const config: ExperimentConfigInput = {
  seed: 3,
  data: { kind: 'synthetic', target: { kind: 'sin', m: 2 }, trainSize: 64 },
  model: { kind: 'mlp', hidden: [16, 16] },
  training: { optimiser: { kind: 'adam' }, schedule: [{ fromEpoch: 1, rate: 1e-2 }], batchSize: 16, stop: { maxEpochs: 50 } },
  analysis: { layers: [1, 2], epochs: { every: 2 }, samples: 32, deltaGrid: { kind: 'log-k', kMin: 0.1, kMax: 100, count: 10 } },
  backend: 'wasm',
};

describe('worker faults', () => {
  let dir: string;
  let store: RunStore;
  let service: LabService;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'lab-worker-faults-'));
    store = new RunStore(openDatabase(path.join(dir, 'runs.db')));
    service = new LabService(store, { baseDir: dir });
  });
  afterEach(() => {
    delete process.env.FREQLAB_INJECT_FAULT;
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['throw@3', /injected fault: worker threw after epoch 3/],
    ['exit@3', /worker exited with code 3/],
  ])('a worker failing with %s: the run is stored as failed with the reason and epochs 1-3 intact', async (fault, reason) => {
    process.env.FREQLAB_INJECT_FAULT = fault; // the worker thread inherits the environment
    const { runId } = await service.startRun({ config });
    const outcome = await service.whenFinished(runId);
    expect(outcome.status).toBe('failed');
    expect(outcome.message).toMatch(reason);
    const run = store.getRun(runId)!;
    expect(run.status).toBe('failed');
    expect(run.message).toMatch(reason);
    expect(run.metrics.map((m) => m.epoch)).toEqual([1, 2, 3]);
    expect([...new Set(run.frequencies.map((f) => f.epoch))]).toEqual([0, 2]);
    // the service goes on: the next run works
    delete process.env.FREQLAB_INJECT_FAULT;
    const next = await service.startRun({ config: { ...config, training: { ...config.training, stop: { maxEpochs: 2 } } } });
    expect((await service.whenFinished(next.runId)).status).toBe('completed');
  });

  it('a diverging run is stored as diverged, with the epoch and reason, and every epoch before it', async () => {
    const diverging = { ...config, training: { ...config.training, optimiser: { kind: 'sgd' as const, momentum: 0.9 }, schedule: [{ fromEpoch: 1, rate: 1e6 }] } };
    const { runId } = await service.startRun({ config: diverging });
    const outcome = await service.whenFinished(runId);
    expect(outcome.status).toBe('diverged');
    const run = store.getRun(runId)!;
    expect(run.status).toBe('diverged');
    const last = run.metrics[run.metrics.length - 1];
    expect(Number.isNaN(last.loss) || !Number.isFinite(last.loss)).toBe(true);
    expect(run.message).toContain(`epoch ${last.epoch}`);
    expect(run.metrics.map((m) => m.epoch)).toEqual(run.metrics.map((_, i) => i + 1));
    for (const m of run.metrics.slice(0, -1)) expect(Number.isFinite(m.loss)).toBe(true);
  });

  it('rejects a malformed fault specification instead of ignoring it', async () => {
    process.env.FREQLAB_INJECT_FAULT = 'explode-now';
    const { runId } = await service.startRun({ config });
    const outcome = await service.whenFinished(runId);
    expect(outcome.status).toBe('failed');
    expect(outcome.message).toMatch(/FREQLAB_INJECT_FAULT must look like/);
  });
});
