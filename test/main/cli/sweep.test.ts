// `lab sweep`, `lab list --group`, `lab show --group`, `lab export --group` end to end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const repo = path.resolve(__dirname, '../../..');
const tsx = path.join(repo, 'node_modules/.bin/tsx');
const exec = promisify(execFile);

async function lab(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await exec(tsx, [path.join(repo, 'src/main/cli.ts'), ...args], { cwd: repo, maxBuffer: 1 << 24 });
    return { code: 0, out: stdout, err: stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout, err: x.stderr };
  }
}

describe('lab sweep', () => {
  let dir: string;
  let db: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'lab-cli-sweep-'));
    db = path.join(dir, 'runs.db');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs a depth sweep as a group, lists it, shows it and draws its figures', async () => {
    const small = ['--set', 'data.trainSize=40', '--set', 'analysis.samples=20', '--set', 'training.stop.maxEpochs=3', '--set', 'training.threshold=100', '--set', 'analysis.deltaGrid.count=8'];
    const r = await lab('sweep', '--preset', 'fit-1d-depth', '--vary', 'model.hidden', '--values', '[[6,6],[6,6,6]]', '--db', db, '--backend', 'wasm', ...small);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/group 1: 2 runs queued \(1, 2\)/);
    expect(r.out).toMatch(/\[run 2\] epoch 3\/3 +loss/);
    expect(r.out).toMatch(/2×6 +1 +completed +3 /);
    expect(r.out).toMatch(/3×6 +2 +completed +3 /);

    const list = await lab('list', '--group', '1', '--db', db);
    expect(list.out.trim().split('\n')).toHaveLength(3); // header + 2 runs
    expect(list.out).toMatch(/MLP 6×3 tanh/);
    expect((await lab('groups', '--db', db)).out).toMatch(/1 +cos\(3x\) \+ cos\(5x\), depth +model\.hidden +\[6,6\] \[6,6,6\] +1,2/);
    expect((await lab('show', '--group', '1', '--db', db)).out).toMatch(/varies: +model\.hidden over 2×6, 3×6/);
    expect((await lab('list', '--group', '5', '--db', db)).err).toMatch(/group 5 does not exist/);

    for (const [args, file] of [
      [['export', '--group', '1'], 'threshold.png'],
      [['export', '--group', '1', '--figure', 'loss'], 'band.png'],
      [['export', '1', '--figure', 'spectrum'], 'spectrum.png'],
      [['export', '1', '--figure', 'peak-errors'], 'peaks.png'],
    ] as const) {
      const out = path.join(dir, file);
      const e = await lab(...args, '--png', out, '--db', db);
      expect(e.err).toBe('');
      expect(readFileSync(out).subarray(1, 4).toString()).toBe('PNG');
    }
    expect((await lab('export', '--group', '1', '--figure', 'nope', '--png', path.join(dir, 'x.png'), '--db', db)).err).toMatch(/--figure for a group must be one of threshold, loss/);
  });

  it('explains a missing --vary or bad --values', async () => {
    expect((await lab('sweep', '--preset', 'fit-1d-depth', '--db', db, '--values', '[1]')).err).toMatch(/sweep needs --vary PATH/);
    expect((await lab('sweep', '--preset', 'fit-1d-depth', '--db', db, '--vary', 'seed', '--values', '[1,')).err).toMatch(/--values is not valid JSON/);
    expect((await lab('sweep', '--preset', 'fit-1d-depth', '--db', db, '--vary', 'seed', '--values', '[]')).err).toMatch(/non-empty JSON list/);
  });
});
