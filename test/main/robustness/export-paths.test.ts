// An export file name cannot escape its folder: the command line's CSV export writes exactly
// run-<id>-metrics.csv and run-<id>-frequencies.csv into the folder it is given, whatever the run
// is called (the name is data inside the file, never part of its name), and writeRunCsv refuses
// a run whose id is not a whole number rather than build a path from it.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeRunCsv } from '../../../src/main/export/csv';
import { openDatabase } from '../../../src/main/store/database';
import { RunStore } from '../../../src/main/store/runs';
import type { RunDetail } from '../../../src/shared/results';
import { fixtureConfig, layerFrequency, makeRunDetail } from '../../fixtures/run-detail';

const repo = path.resolve(__dirname, '../../..');
const run = promisify(execFile);

/** Every file under `root`, relative, sorted. */
function tree(root: string): string[] {
  return (fs.readdirSync(root, { recursive: true }) as string[]).filter((p) => fs.statSync(path.join(root, p)).isFile()).sort();
}

/** Names a hostile or careless user (or a shared database) may give a run. */
const hostileNames = ['../../x', '/etc/passwd', '..', 'a/b\\c', 'C:\\Windows\\system32\\x', '.bashrc', 'run-1-metrics.csv', '~/x', 'x\ny'];

let dir: string;
let db: string;
const ids: number[] = [];

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'freqlab-export-paths-'));
  // The export folder sits two levels down, so that '../../x' would land inside `dir`, where the
  // test sees it.
  db = path.join(dir, 'runs.db');
  const database = openDatabase(db);
  const store = new RunStore(database);
  for (const name of hostileNames) {
    const id = store.createRun(fixtureConfig, 'placeholder');
    store.rename(id, name);
    store.markStarted(id, makeRunDetail().environment!, process.pid);
    store.saveEpoch(id, null, [layerFrequency(0, 1, 1, 5)]);
    store.saveEpoch(id, { epoch: 1, loss: 0.5, accuracy: 0.5, learningRate: 1e-3, seconds: 1 }, []);
    store.finishRun(id, { status: 'completed', message: 'done' });
    ids.push(id);
  }
  database.close();
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('CSV export of runs with hostile names', () => {
  it('the command line writes run-<id>-*.csv inside the given folder and nothing anywhere else', async () => {
    const out = path.join(dir, 'exports', 'here');
    const before = tree(dir).filter((p) => !p.startsWith('runs.db'));
    // One run through the real command (each start costs seconds); every name through the
    // function it calls, on the runs as the store gives them back.
    const viaCli = ids.slice(0, 1);
    for (const id of viaCli) {
      const { stdout } = await run(process.execPath, ['--import', 'tsx', path.join(repo, 'src/main/cli.ts'), 'export', String(id), '--db', db, '--csv', out], { cwd: repo });
      expect(stdout.trim().split('\n')).toEqual([`wrote ${path.join(out, `run-${id}-metrics.csv`)}`, `wrote ${path.join(out, `run-${id}-frequencies.csv`)}`]);
    }
    const database = openDatabase(db, { readonly: true });
    const store = new RunStore(database);
    for (const id of ids.slice(viaCli.length)) await writeRunCsv(store.getRun(id)!, out);
    database.close();
    const added = tree(dir).filter((p) => !p.startsWith('runs.db') && !before.includes(p));
    const expected = ids.flatMap((id) => [`run-${id}-frequencies.csv`, `run-${id}-metrics.csv`].map((f) => path.join('exports', 'here', f)));
    expect(added).toEqual(expected.sort());
    // The name is in the file, as data, quoted where CSV needs it.
    const metrics = fs.readFileSync(path.join(out, `run-${ids[0]}-metrics.csv`), 'utf8');
    expect(metrics.split('\n')[1]).toBe(`${ids[0]},../../x,1,0.5,0.5,0.001,1`);
    expect(fs.readFileSync(path.join(out, `run-${ids.at(-1)}-metrics.csv`), 'utf8')).toContain('"x\ny"');
  });

  it('writeRunCsv builds file names from the id alone, and refuses an id that is not a whole number', async () => {
    const out = path.join(dir, 'direct', 'here');
    const good = makeRunDetail();
    expect(await writeRunCsv({ ...good, name: '../../../escape' }, out)).toEqual([
      path.join(out, `run-${good.id}-metrics.csv`),
      path.join(out, `run-${good.id}-frequencies.csv`),
    ]);
    const before = tree(dir);
    // A RunDetail does not come only from the store: a forged one must not steer the path.
    for (const id of ['../../evil', '/tmp/evil', '1/../../evil', -1, 0, 1.5, Number.NaN, Infinity, null, '7']) {
      const forged = { ...good, id } as unknown as RunDetail;
      await expect(writeRunCsv(forged, out), String(id)).rejects.toThrow(/run id must be a positive whole number/);
    }
    expect(tree(dir)).toEqual(before);
  });
});
