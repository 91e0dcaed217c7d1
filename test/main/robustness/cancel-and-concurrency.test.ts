// Cancelling at any point leaves a consistent run; two app instances on one database both work
// and leave it intact.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ExperimentConfigInput } from '../../../src/shared/config';
import type { RunDetail } from '../../../src/shared/results';
import { LabService } from '../../../src/main/service';
import { openDatabase } from '../../../src/main/store/database';
import { RunStore } from '../../../src/main/store/runs';

const repo = path.resolve(__dirname, '../../..');

function config(maxEpochs: number, seed = 3): ExperimentConfigInput {
  return {
    seed,
    data: { kind: 'synthetic', target: { kind: 'cos-sum', frequencies: [3, 5] }, trainSize: 128, interval: [-3.14, 3.14] },
    model: { kind: 'mlp', hidden: [32, 32] },
    training: { optimiser: { kind: 'adam' }, schedule: [{ fromEpoch: 1, rate: 1e-2 }], batchSize: 16, stop: { maxEpochs } },
    analysis: { layers: [1, 2], epochs: { every: 3 }, samples: 64, deltaGrid: { kind: 'log-k', kMin: 0.1, kMax: 100, count: 30 } },
    backend: 'wasm',
  };
}

/** A stored run is consistent: epochs 1..last with no gap, analyses only at scheduled epochs up to last. */
function expectConsistent(run: RunDetail): void {
  const last = run.metrics.length;
  expect(run.metrics.map((m) => m.epoch)).toEqual(Array.from({ length: last }, (_, i) => i + 1));
  expect(run.lastEpoch).toBe(last === 0 ? (run.frequencies.length ? 0 : null) : last);
  for (const f of run.frequencies) {
    expect(f.epoch).toBeLessThanOrEqual(last);
    expect(f.epoch % 3).toBe(0);
  }
  const perEpoch = new Map<number, number>();
  for (const f of run.frequencies) perEpoch.set(f.epoch, (perEpoch.get(f.epoch) ?? 0) + 1);
  for (const count of perEpoch.values()) expect(count).toBe(2); // both layers, never half an epoch
}

describe('cancel and concurrency', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'lab-cancel-'));
    file = path.join(dir, 'runs.db');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('cancelling at any point leaves a consistent run marked cancelled', async () => {
    const store = new RunStore(openDatabase(file));
    const service = new LabService(store, { baseDir: dir });
    // immediately, during start-up, during the first epochs, later
    for (const delayMs of [0, 30, 250, 600, 1200]) {
      const { runId } = await service.startRun({ config: config(100000) });
      await new Promise((r) => setTimeout(r, delayMs));
      await service.cancelRun({ runId });
      const outcome = await service.whenFinished(runId);
      expect(outcome.status).toBe('cancelled');
      const run = store.getRun(runId)!;
      expect(run.status).toBe('cancelled');
      expect(run.finishedAt).not.toBeNull();
      expectConsistent(run);
    }
  });

  it('two app instances on one database both store their runs, and the file stays intact', async () => {
    const cfgFile = path.join(dir, 'cfg.json');
    writeFileSync(cfgFile, JSON.stringify(config(12, 9)));
    // instance A: the command line in another process; instance B: a service in this process
    const other = spawn(process.execPath, ['--import', 'tsx', path.join(repo, 'src/main/cli.ts'), 'run', '--config', cfgFile, '--db', file], {
      cwd: repo,
    });
    let out = '';
    other.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const otherExit = new Promise<number | null>((resolve) => other.on('exit', resolve));

    const store = new RunStore(openDatabase(file));
    const service = new LabService(store, { baseDir: dir });
    const { runId } = await service.startRun({ config: config(12, 4) });
    const [outcome, code] = await Promise.all([service.whenFinished(runId), otherExit]);
    expect(code, out).toBe(0);
    expect(outcome.status).toBe('completed');

    const runs = store.listRuns();
    expect(runs).toHaveLength(2);
    for (const r of runs) {
      const run = store.getRun(r.id)!;
      expect(run.status).toBe('completed');
      expect(run.metrics).toHaveLength(12);
      expectConsistent(run);
    }
    const check = openDatabase(file);
    expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    check.close();
  });
});
