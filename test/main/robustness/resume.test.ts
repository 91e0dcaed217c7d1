// Resuming through the service: a run stopped by an injected worker fault (a worker that exits, a
// worker that throws), by a cancel, or by the whole process killed with SIGKILL, is resumed from
// its last checkpoint and then stores exactly the numbers an uninterrupted run with the same
// config and seed stores (losses, accuracies, validation metrics, LFR, RDF, spectra: equality,
// not closeness), for an MLP and a tiny ResNet. A run that cannot be resumed gets an error that
// names it and says why, and nothing stored changes.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { RunEventMessage } from '../../../src/shared/api';
import type { ExperimentConfigInput } from '../../../src/shared/config';
import type { RunDetail } from '../../../src/shared/results';
import { formatRunDetail } from '../../../src/main/cli/format';
import { LabService } from '../../../src/main/service';
import { openDatabase } from '../../../src/main/store/database';
import { RunStore } from '../../../src/main/store/runs';

const repo = path.resolve(__dirname, '../../..');

/** 1-D regression (so the DFT view is stored too), Adam, a schedule that changes after the checkpoint. */
const mlpConfig: ExperimentConfigInput = {
  seed: 21,
  data: { kind: 'synthetic', target: { kind: 'cos-sum', frequencies: [2, 5] }, trainSize: 96, interval: [-3.14, 3.14] },
  model: { kind: 'mlp', hidden: [24, 24, 24] },
  training: {
    optimiser: { kind: 'adam' },
    schedule: [{ fromEpoch: 1, rate: 1e-2 }, { fromEpoch: 8, rate: 2e-3 }],
    batchSize: 16,
    stop: { maxEpochs: 9 },
    threshold: 0.05,
  },
  analysis: { layers: [1, 3], epochs: { every: 3 }, samples: 48, deltaGrid: { kind: 'log-k', kMin: 0.1, kMax: 100, count: 12 } },
  backend: 'wasm',
};

/** Everything of a run that must match the uninterrupted run: all but times and identity. */
function numbers(run: RunDetail) {
  return {
    metrics: run.metrics.map(({ seconds: _s, ...m }) => m),
    frequencies: run.frequencies,
    spectra: run.spectra ?? [],
    lastEpoch: run.lastEpoch,
    finalLoss: run.finalLoss,
    epochsToThreshold: run.epochsToThreshold,
  };
}

describe('resuming a run through the service', () => {
  let dir: string;
  let store: RunStore;
  let service: LabService;
  let db: Database.Database;
  let mlpReference: RunDetail;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'lab-resume-'));
    db = openDatabase(path.join(dir, 'runs.db'));
    store = new RunStore(db);
    service = new LabService(store, { baseDir: dir });
    const { runId } = await service.startRun({ config: mlpConfig, name: 'uninterrupted' });
    expect((await service.whenFinished(runId)).status).toBe('completed');
    mlpReference = store.getRun(runId)!;
    expect(mlpReference.metrics).toHaveLength(9);
  });
  afterEach(() => {
    delete process.env.FREQLAB_INJECT_FAULT;
  });
  afterAll(async () => {
    await service.shutdown();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('an mlp whose worker exited after epoch 7 resumes from epoch 6 and stores the uninterrupted numbers exactly', async () => {
    process.env.FREQLAB_INJECT_FAULT = 'exit@7'; // the worker thread inherits the environment
    const { runId } = await service.startRun({ config: mlpConfig });
    expect(await service.whenFinished(runId)).toMatchObject({ status: 'failed', message: expect.stringContaining('worker exited with code 3') });
    delete process.env.FREQLAB_INJECT_FAULT;
    const failed = store.getRun(runId)!;
    expect(failed.metrics.map((m) => m.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(failed.checkpointEpoch).toBe(6);

    const events: string[] = [];
    const eventKeys = new Set<string>();
    const listen = (m: RunEventMessage) => {
      if (m.runId !== runId || m.kind !== 'engine') return;
      if (m.event.type === 'log') events.push(m.event.message);
      for (const key of Object.keys(m.event)) eventKeys.add(key);
    };
    service.events.on('run', listen);
    expect(await service.resumeRun({ runId })).toEqual({ runId, fromEpoch: 6 });
    // epoch 7 (after the checkpoint) is gone before the run goes on
    const queued = store.getRun(runId)!;
    expect(queued.metrics.map((m) => m.epoch)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(['queued', 'running']).toContain(queued.status);
    expect(queued.message).toBeNull();

    const outcome = await service.whenFinished(runId);
    service.events.off('run', listen);
    expect(outcome).toEqual({ status: 'completed', message: 'reached the epoch limit (9)' });
    expect(events).toContain('resuming from the checkpoint at the end of epoch 6');
    // the checkpoint is stored, never sent with the events that windows and pages receive
    expect(eventKeys).toContain('frequencies');
    expect(eventKeys).not.toContain('checkpoint');
    const resumed = store.getRun(runId)!;
    expect(resumed.status).toBe('completed');
    expect(resumed.startedAt).toBe(failed.startedAt);
    expect(numbers(resumed)).toEqual(numbers(mlpReference));
    expect(resumed.spectra!.map((s) => s.epoch)).toEqual([0, 3, 6, 9]);
    expect(resumed.checkpointEpoch).toBeUndefined(); // a completed run's checkpoint is dropped
  });

  it('a cancelled mlp resumes from its last checkpoint and stores the uninterrupted numbers exactly', async () => {
    const { runId } = await service.startRun({ config: mlpConfig });
    const cancelAfter4 = (m: RunEventMessage) => {
      if (m.runId === runId && m.kind === 'engine' && m.event.type === 'epoch' && m.event.epoch === 4) void service.cancelRun({ runId });
    };
    service.events.on('run', cancelAfter4);
    expect((await service.whenFinished(runId)).status).toBe('cancelled');
    service.events.off('run', cancelAfter4);
    const cancelled = store.getRun(runId)!;
    expect(cancelled.checkpointEpoch).toBe(3);
    expect(cancelled.lastEpoch).toBeGreaterThanOrEqual(4);

    expect(await service.resumeRun({ runId })).toEqual({ runId, fromEpoch: 3 });
    expect((await service.whenFinished(runId)).status).toBe('completed');
    expect(numbers(store.getRun(runId)!)).toEqual(numbers(mlpReference));
  });

  it('a tiny resnet (batch norm, momentum, validation set) whose worker threw after epoch 3 resumes exactly', async () => {
    // Two classes of 6x6x2 images, bright top half or bright bottom half, as CSV rows.
    const rows: string[] = [];
    const labels: string[] = [];
    let s = 12345;
    const noise = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32 - 0.5) * 0.3;
    for (let i = 0; i < 48; i++) {
      const label = i % 2;
      const row: string[] = [];
      for (let p = 0; p < 36; p++) for (let c = 0; c < 2; c++) row.push(((Math.floor(p / 6) < 3) === (label === 0) ? 0.8 : 0.2 + noise()).toFixed(4));
      rows.push(row.join(','));
      labels.push(String(label));
    }
    writeFileSync(path.join(dir, 'images.csv'), rows.join('\n'));
    writeFileSync(path.join(dir, 'labels.csv'), labels.join('\n'));
    const config: ExperimentConfigInput = {
      seed: 4,
      data: { kind: 'arrays', inputs: 'images.csv', targets: 'labels.csv', task: 'classification', validationSize: 16, imageShape: [6, 6, 2] },
      model: { kind: 'resnet', widths: [4, 8], blocks: [1, 1], hidden: [8] },
      training: { loss: 'cross-entropy', optimiser: { kind: 'sgd', momentum: 0.9 }, schedule: [{ fromEpoch: 1, rate: 0.05 }], batchSize: 8, stop: { maxEpochs: 5 } },
      analysis: { epochs: { every: 2 }, samples: 24, deltaGrid: { kind: 'log-k', kMin: 0.1, kMax: 100, count: 8 }, blockRows: 8 },
      backend: 'wasm',
    };
    const reference = await service.startRun({ config });
    expect((await service.whenFinished(reference.runId)).status).toBe('completed');

    process.env.FREQLAB_INJECT_FAULT = 'throw@3';
    const { runId } = await service.startRun({ config });
    expect(await service.whenFinished(runId)).toMatchObject({ status: 'failed', message: expect.stringMatching(/injected fault: worker threw after epoch 3/) });
    delete process.env.FREQLAB_INJECT_FAULT;
    expect(store.getRecord(runId)!.checkpointEpoch).toBe(2);

    expect(await service.resumeRun({ runId })).toEqual({ runId, fromEpoch: 2 });
    expect((await service.whenFinished(runId)).status).toBe('completed');
    const resumed = store.getRun(runId)!;
    const expected = store.getRun(reference.runId)!;
    expect(resumed.metrics.every((m) => m.validationAccuracy !== undefined && m.accuracy !== null)).toBe(true);
    expect([...new Set(resumed.frequencies.map((f) => f.epoch))]).toEqual([0, 2, 4, 5]);
    expect(numbers(resumed)).toEqual(numbers(expected));
  });

  it('refuses to resume a run that does not exist, has completed, is running or queued, or has no checkpoint, naming it and why', async () => {
    await expect(service.resumeRun({ runId: 999 })).rejects.toThrow('run 999 does not exist');
    await expect(service.resumeRun({ runId: mlpReference.id })).rejects.toThrow(
      `cannot resume run ${mlpReference.id}: it has completed (only an interrupted, failed or cancelled run can be resumed)`,
    );

    // running and queued (behind it) in this service
    const long = { ...mlpConfig, training: { ...mlpConfig.training, stop: { maxEpochs: 10_000 } } } as ExperimentConfigInput;
    const running = await service.startRun({ config: long });
    const queued = await service.startRun({ config: mlpConfig });
    await expect(service.resumeRun({ runId: running.runId })).rejects.toThrow(`cannot resume run ${running.runId}: it is running`);
    await expect(service.resumeRun({ runId: queued.runId })).rejects.toThrow(`cannot resume run ${queued.runId}: it is queued`);
    await service.cancelRun({ runId: queued.runId });
    await service.cancelRun({ runId: running.runId });
    expect((await service.whenFinished(running.runId)).status).toBe('cancelled');

    // no analysed epoch before the worker exited: no checkpoint
    process.env.FREQLAB_INJECT_FAULT = 'exit@2';
    const bare = await service.startRun({ config: { ...mlpConfig, analysis: { ...mlpConfig.analysis, epochs: { every: 5, at: [] } } } as ExperimentConfigInput });
    expect((await service.whenFinished(bare.runId)).status).toBe('failed');
    delete process.env.FREQLAB_INJECT_FAULT;
    const before = store.getRun(bare.runId)!;
    await expect(service.resumeRun({ runId: bare.runId })).rejects.toThrow(
      new RegExp(`cannot resume run ${bare.runId}: it has no checkpoint \\(one is saved at each analysed epoch, and the run stopped before its first`),
    );
    expect(store.getRun(bare.runId)).toEqual(before);
    // a run cancelled before it started has no checkpoint either
    await expect(service.resumeRun({ runId: queued.runId })).rejects.toThrow(/it has no checkpoint/);
  });
});

describe('resuming a run whose process was killed (SIGKILL)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'lab-resume-kill-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const cli = (args: string[]) => spawn(process.execPath, ['--import', 'tsx', path.join(repo, 'src/main/cli.ts'), ...args], { cwd: repo });

  it('`lab resume` continues it from its checkpoint to the numbers of an uninterrupted run', async () => {
    const config = {
      ...mlpConfig,
      seed: 9,
      data: { kind: 'synthetic', target: { kind: 'cos-sum', frequencies: [3, 5] }, trainSize: 1024, interval: [-3.14, 3.14] },
      model: { kind: 'mlp', hidden: [32, 32] },
      training: { ...mlpConfig.training, batchSize: 8, stop: { maxEpochs: 8 } },
      analysis: { ...mlpConfig.analysis, layers: [1, 2], epochs: { every: 2 } },
    };
    const configFile = path.join(dir, 'run.json');
    writeFileSync(configFile, JSON.stringify(config));
    const dbFile = path.join(dir, 'runs.db');

    // Killed in the middle of epoch 4 (epoch 3 stored, checkpoint at epoch 2).
    const child = cli(['run', '--config', configFile, '--db', dbFile]);
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (/epoch 3\/8/.test(out)) resolve();
      });
      child.on('exit', (code) => reject(new Error(`the run ended on its own (code ${code}) before it was killed:\n${out}`)));
    });
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('exit', resolve));
    const raw = new Database(dbFile, { readonly: true });
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(raw.prepare('SELECT status FROM runs WHERE id = 1').get()).toEqual({ status: 'running' });
    expect(raw.prepare('SELECT epoch FROM checkpoints WHERE run_id = 1').get()).toEqual({ epoch: 2 });
    raw.close();

    // The next start shows it interrupted, with the checkpoint to resume from.
    const reopened = openDatabase(dbFile);
    const stopped = new RunStore(reopened);
    new LabService(stopped, { baseDir: dir });
    const interrupted = stopped.getRun(1)!;
    expect(interrupted).toMatchObject({ status: 'interrupted', checkpointEpoch: 2 });
    expect(interrupted.metrics.map((m) => m.epoch)).toEqual([1, 2, 3]);
    expect(formatRunDetail(interrupted)).toContain('checkpoint: epoch 2 (continue from it: npm run lab -- resume 1)');
    reopened.close();

    // lab resume: resumes it.
    const resume = cli(['resume', '1', '--db', dbFile]);
    let resumeOut = '';
    let resumeErr = '';
    resume.stdout.on('data', (d: Buffer) => (resumeOut += d.toString()));
    resume.stderr.on('data', (d: Buffer) => (resumeErr += d.toString()));
    const code = await new Promise((resolve) => resume.on('exit', resolve));
    expect(resumeErr).toBe('');
    expect(code).toBe(0);
    expect(resumeOut).toContain('resuming from its checkpoint at epoch 2 of 8');
    expect(resumeOut).toContain('run 1 completed: reached the epoch limit (8)');
    expect(resumeOut).not.toMatch(/epoch 2\/8/); // epochs up to the checkpoint are not trained again

    // The same config, uninterrupted, in another database.
    const refDb = openDatabase(path.join(dir, 'reference.db'));
    const refStore = new RunStore(refDb);
    const service = new LabService(refStore, { baseDir: dir });
    const { runId } = await service.startRun({ config: config as ExperimentConfigInput });
    expect((await service.whenFinished(runId)).status).toBe('completed');

    const resumedDb = openDatabase(dbFile);
    const resumed = new RunStore(resumedDb).getRun(1)!;
    expect(resumed.status).toBe('completed');
    expect(resumedDb.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(numbers(resumed)).toEqual(numbers(refStore.getRun(runId)!));
    resumedDb.close();
    refDb.close();
  });

  it('`lab resume` of a run that cannot be resumed says which run and why, and exits with an error', async () => {
    const dbFile = path.join(dir, 'runs.db'); // run 1 completed in the test above
    const child = cli(['resume', '1', '--db', dbFile]);
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(err).toContain('cannot resume run 1: it has completed (only an interrupted, failed or cancelled run can be resumed)');
  });
});
