// The whole process killed (SIGKILL) mid-run: what was stored survives, the database is intact,
// and the next start shows the run as interrupted with every finished epoch.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { LabService } from '../../../src/main/service';
import { openDatabase } from '../../../src/main/store/database';
import { RunStore } from '../../../src/main/store/runs';

const repo = path.resolve(__dirname, '../../..');

describe('a run killed with SIGKILL', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'lab-kill-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps its finished epochs, leaves an intact database and shows as interrupted', async () => {
    const db = path.join(dir, 'runs.db');
    const config = path.join(dir, 'long.json');
    writeFileSync(
      config,
      JSON.stringify({
        seed: 5,
        data: { kind: 'synthetic', target: { kind: 'cos-sum', frequencies: [3, 5] }, trainSize: 256, interval: [-3.14, 3.14] },
        model: { kind: 'mlp', hidden: [64, 64, 64] },
        training: { optimiser: { kind: 'adam' }, schedule: [{ fromEpoch: 1, rate: 1e-3 }], batchSize: 16, stop: { maxEpochs: 100000 } },
        analysis: { layers: [1, 3], epochs: { every: 2 }, samples: 64, deltaGrid: { kind: 'log-k', kMin: 0.1, kMax: 100, count: 20 } },
        backend: 'wasm',
      }),
    );
    // node --import tsx: one process (the tsx wrapper would leave its node child alive on SIGKILL).
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(repo, 'src/main/cli.ts'), 'run', '--config', config, '--db', db], { cwd: repo });
    let out = '';
    // Kill it in the middle of an epoch after a few epochs have been stored.
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (/epoch 5\/100000/.test(out)) resolve();
      });
      child.on('exit', (code) => reject(new Error(`the run ended on its own (code ${code}) before it was killed:\n${out}`)));
    });
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('exit', resolve));

    // The file is a sound SQLite database, and the run is still marked running.
    const raw = new Database(db, { readonly: true });
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(raw.prepare('SELECT status FROM runs WHERE id = 1').get()).toEqual({ status: 'running' });
    raw.close();

    // The next start marks it interrupted; every epoch that finished is there, in order.
    const store = new RunStore(openDatabase(db));
    new LabService(store, { baseDir: dir });
    const run = store.getRun(1)!;
    expect(run.status).toBe('interrupted');
    expect(run.message).toMatch(/stopped during epoch \d+/);
    expect(run.metrics.length).toBeGreaterThanOrEqual(5);
    expect(run.metrics.map((m) => m.epoch)).toEqual(run.metrics.map((_, i) => i + 1));
    expect(run.lastEpoch).toBe(run.metrics.length);
    const analysed = [...new Set(run.frequencies.map((f) => f.epoch))];
    expect(analysed).toEqual(analysed.filter((e) => e % 2 === 0 && e <= run.metrics.length));
    expect(analysed.slice(0, 3)).toEqual([0, 2, 4]);
    for (const f of run.frequencies) expect(f.lfr).toHaveLength(20);
  });
});
