// The IPC door: every payload is validated in main before it reaches the service, bad ones come
// back as { ok: false, error } naming the field, nothing throws across IPC; valid calls reach a
// real LabService on a temporary database. 'electron' is the stand-in of test/setup.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ipcMain } from 'electron';
import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LabApi, RunEventMessage } from '../../src/shared/api';
import { labMethods, type LabCallResult } from '../../src/shared/bridge';
import type { ExperimentConfigInput } from '../../src/shared/config';
import { presets } from '../../src/shared/presets';
import { createEventForwarder, handleLabCall, handleSaveFile, registerLabIpc, type SaveFileDeps } from '../../src/main/ipc';
import { limits } from '../../src/main/ipc-validate';
import { LabService } from '../../src/main/service';
import { openDatabase } from '../../src/main/store/database';
import { RunStore } from '../../src/main/store/runs';

/** A run small enough to train in a second: sin(pi x) on 64 points, one tiny hidden layer. */
const tinyConfig: ExperimentConfigInput = {
  name: 'tiny sine',
  seed: 7,
  data: { kind: 'synthetic', target: { kind: 'sin', m: 1 }, trainSize: 64 },
  model: { kind: 'mlp', hidden: [8], activation: 'tanh' },
  training: {
    optimiser: { kind: 'adam' },
    schedule: [{ fromEpoch: 1, rate: 1e-2 }],
    batchSize: 16,
    stop: { maxEpochs: 3 },
  },
  analysis: {
    layers: [1],
    epochs: { at: [0] },
    samples: 32,
    deltaGrid: { kind: 'log-k', kMin: 0.1, kMax: 100, count: 8 },
  },
  backend: 'cpu',
};

let dir: string;
let db: Database.Database;
let store: RunStore;
let service: LabService;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'freqlab-ipc-'));
  db = openDatabase(path.join(dir, 'runs.db'));
  store = new RunStore(db);
  service = new LabService(store, { baseDir: dir });
});

afterEach(async () => {
  await service.shutdown();
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The error of a failed call (fails the test when the call succeeded). */
function errorOf(result: LabCallResult): { message: string; issues?: { path: string; message: string }[] } {
  if (result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result.value)}`);
  return result.error;
}

/** A stored run that has ended (so it can be renamed, tagged and deleted). */
function endedRun(name = 'stored run'): number {
  const id = store.createRun(presets['mnist-fc-quick'], name);
  store.finishRun(id, { status: 'cancelled', message: 'ended for the test' });
  return id;
}

describe('handleLabCall: valid calls', () => {
  it('lists no runs on an empty database', async () => {
    expect(await handleLabCall(service, 'listRuns', {})).toEqual({ ok: true, value: [] });
    expect(await handleLabCall(service, 'listRuns', undefined)).toEqual({ ok: true, value: [] });
  });

  it('reads, renames, tags, annotates, filters and deletes a stored run', async () => {
    const id = endedRun();
    expect(await handleLabCall(service, 'renameRun', { runId: id, name: 'renamed' })).toEqual({ ok: true, value: undefined });
    expect(await handleLabCall(service, 'setRunTags', { runId: id, tags: ['baseline', 'mnist'] })).toEqual({ ok: true, value: undefined });
    expect(await handleLabCall(service, 'setRunNotes', { runId: id, notes: 'first try' })).toEqual({ ok: true, value: undefined });
    const got = await handleLabCall(service, 'getRun', { runId: id });
    expect(got.ok).toBe(true);
    if (got.ok) {
      expect(got.value).toMatchObject({ id, name: 'renamed', tags: ['baseline', 'mnist'], notes: 'first try', status: 'cancelled' });
    }
    const listed = await handleLabCall(service, 'listRuns', { status: 'cancelled', search: 'baseline', limit: 10 });
    expect(listed.ok && (listed.value as { id: number }[]).map((r) => r.id)).toEqual([id]);
    expect(await handleLabCall(service, 'listRuns', { status: 'completed' })).toEqual({ ok: true, value: [] });
    expect(await handleLabCall(service, 'deleteRun', { runId: id })).toEqual({ ok: true, value: undefined });
    expect(await handleLabCall(service, 'listRuns', {})).toEqual({ ok: true, value: [] });
  });

  it('starts a run from a validated config, and cancels it', async () => {
    const events: RunEventMessage[] = [];
    service.events.on('run', (m) => events.push(m));
    const started = await handleLabCall(service, 'startRun', { config: tinyConfig, name: 'from ipc' });
    expect(started.ok).toBe(true);
    const { runId } = (started as { ok: true; value: { runId: number } }).value;
    expect(runId).toBeGreaterThan(0);
    expect(events[0]).toEqual({ runId, kind: 'queued' });
    expect(await handleLabCall(service, 'cancelRun', { runId })).toEqual({ ok: true, value: undefined });
    const outcome = await service.whenFinished(runId);
    expect(['cancelled', 'completed']).toContain(outcome.status);
    const run = store.getRun(runId);
    expect(run).toMatchObject({ name: 'from ipc', status: outcome.status });
    expect(run?.config.backend).toBe('cpu');
  });
});

describe('handleLabCall: bad payloads come back as errors naming the field', () => {
  it('refuses unknown methods, including inherited property names', async () => {
    for (const method of ['deleteEverything', 'constructor', '__proto__', 'toString', '', 42, null, undefined]) {
      const error = errorOf(await handleLabCall(service, method, {}));
      expect(error.message).toMatch(/unknown lab method/);
    }
  });

  it('refuses a missing runId', async () => {
    for (const method of ['getRun', 'cancelRun', 'deleteRun'] as const) {
      const error = errorOf(await handleLabCall(service, method, {}));
      expect(error.message).toContain('runId');
      expect(error.issues).toEqual([{ path: 'runId', message: expect.stringContaining('required') }]);
    }
  });

  it('refuses a runId that is not a positive whole number', async () => {
    const bad: unknown[] = ['3', -1, 0, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60, null, true, [1], { id: 1 }];
    for (const runId of bad) {
      const error = errorOf(await handleLabCall(service, 'getRun', { runId }));
      expect(error.message).toMatch(/^invalid getRun request: runId: must be a positive whole number/);
      expect(error.issues?.[0]?.path).toBe('runId');
    }
    expect(errorOf(await handleLabCall(service, 'getRun', { runId: '3' })).message).toContain('the text "3"');
  });

  it('refuses a payload that is not a plain object', async () => {
    for (const payload of [null, undefined, 'runId=1', 7, [1, 2], new Date()]) {
      const error = errorOf(await handleLabCall(service, 'getRun', payload));
      expect(error.message).toMatch(/invalid getRun request: the request must be an? (plain )?object/);
    }
    expect(errorOf(await handleLabCall(service, 'listRuns', 'all')).message).toMatch(/the run filter must be an object/);
  });

  it('refuses unknown fields', async () => {
    const error = errorOf(await handleLabCall(service, 'getRun', { runId: 1, sql: 'DROP TABLE runs' }));
    expect(error.issues).toEqual([{ path: 'sql', message: expect.stringContaining('unknown field') }]);
    expect(error.message).toContain('sql');
  });

  it('refuses names that are too long, blank or not text', async () => {
    const id = endedRun();
    const huge = 'x'.repeat(limits.name + 1);
    const tooLong = errorOf(await handleLabCall(service, 'renameRun', { runId: id, name: huge }));
    expect(tooLong.message).toContain(`name: must be at most ${limits.name} characters long (it has ${limits.name + 1})`);
    expect(tooLong.message.length).toBeLessThan(300); // the huge value itself is not echoed
    expect(errorOf(await handleLabCall(service, 'renameRun', { runId: id, name: '   ' })).message).toContain('name: must not be empty');
    expect(errorOf(await handleLabCall(service, 'renameRun', { runId: id, name: 12 })).message).toContain('name: must be text');
    expect(errorOf(await handleLabCall(service, 'renameRun', { runId: id })).message).toContain('name: is required');
    expect(errorOf(await handleLabCall(service, 'startRun', { config: tinyConfig, name: huge })).message).toContain('name: must be at most');
    expect(store.getRun(id)?.name).toBe('stored run');
    expect(store.listRuns()).toHaveLength(1); // the refused startRun stored nothing
  });

  it('reports every offending field of one request', async () => {
    const error = errorOf(await handleLabCall(service, 'renameRun', { runId: 'one', name: 5 }));
    expect(error.issues?.map((i) => i.path)).toEqual(['runId', 'name']);
    expect(error.message).toMatch(/runId: .*; name: /);
  });

  it('refuses tags that are not a short list of short texts', async () => {
    const id = endedRun();
    expect(errorOf(await handleLabCall(service, 'setRunTags', { runId: id, tags: 'a,b' })).message).toContain('tags: must be a list of text');
    expect(errorOf(await handleLabCall(service, 'setRunTags', { runId: id, tags: ['ok', 3] })).message).toContain('tags[1]: must be text');
    const longTag = 't'.repeat(limits.tag + 1);
    expect(errorOf(await handleLabCall(service, 'setRunTags', { runId: id, tags: [longTag] })).message).toContain(
      `tags[0]: must be at most ${limits.tag} characters`,
    );
    const many = Array.from({ length: limits.tags + 1 }, (_, i) => `t${i}`);
    expect(errorOf(await handleLabCall(service, 'setRunTags', { runId: id, tags: many })).message).toContain(
      `tags: must have at most ${limits.tags} entries`,
    );
    expect(store.getRun(id)?.tags).toEqual([]);
  });

  it('refuses notes that are too long or not text', async () => {
    const id = endedRun();
    const notes = 'n'.repeat(limits.notes + 1);
    expect(errorOf(await handleLabCall(service, 'setRunNotes', { runId: id, notes })).message).toContain('notes: must be at most');
    expect(errorOf(await handleLabCall(service, 'setRunNotes', { runId: id, notes: null })).message).toContain('notes: must be text');
  });

  it('refuses run filters with fields of the wrong type', async () => {
    expect(errorOf(await handleLabCall(service, 'listRuns', { status: 'bogus' })).message).toContain('status: must be one of queued, running');
    expect(errorOf(await handleLabCall(service, 'listRuns', { limit: 0 })).message).toContain('limit: must be a whole number from 1');
    expect(errorOf(await handleLabCall(service, 'listRuns', { limit: '10' })).message).toContain('limit');
    expect(errorOf(await handleLabCall(service, 'listRuns', { search: { $ne: '' } })).message).toContain('search: must be text');
    expect(errorOf(await handleLabCall(service, 'listRuns', { order: 'id' })).message).toContain('order: unknown field');
  });

  it('refuses an invalid config with one message per field, under config.*', async () => {
    const config = {
      ...tinyConfig,
      seed: 'seven',
      training: { ...tinyConfig.training, batchSize: -16 },
      colour: 'blue',
    };
    const error = errorOf(await handleLabCall(service, 'startRun', { config }));
    const paths = error.issues?.map((i) => i.path) ?? [];
    expect(paths).toEqual(expect.arrayContaining(['config.seed', 'config.training.batchSize', 'config.colour']));
    expect(error.message).toMatch(/^invalid startRun request: /);
    expect(error.message).toContain('config.seed: ');
    expect(error.message).toContain('config.training.batchSize: ');
    expect(error.message).toContain('config.colour: unknown field');
    expect(store.listRuns()).toEqual([]);
  });

  it('refuses a config that breaks a rule between fields, naming the field', async () => {
    const config = { ...tinyConfig, analysis: { ...tinyConfig.analysis, samples: 500 } };
    const error = errorOf(await handleLabCall(service, 'startRun', { config }));
    expect(error.issues).toEqual([{ path: 'config.analysis.samples', message: expect.stringContaining('larger than the training data') }]);
  });

  it('refuses a startRun without a config', async () => {
    const error = errorOf(await handleLabCall(service, 'startRun', { name: 'no config' }));
    expect(error.issues).toEqual([{ path: 'config', message: expect.stringContaining('required') }]);
    expect(errorOf(await handleLabCall(service, 'startRun', { config: 'mnist' })).message).toContain('config');
  });

  it('turns errors of the service into error results', async () => {
    expect(errorOf(await handleLabCall(service, 'getRun', { runId: 99 })).message).toBe('run 99 does not exist');
    expect(errorOf(await handleLabCall(service, 'renameRun', { runId: 99, name: 'x' })).message).toBe('run 99 does not exist');
    expect(errorOf(await handleLabCall(service, 'deleteRun', { runId: 99 })).message).toMatch(/run 99 does not exist/);
  });

  it('never rejects, whatever the service throws', async () => {
    const throwing = {
      getRun: () => {
        throw 'a string, not an Error';
      },
      listRuns: () => Promise.reject(new TypeError('boom')),
    } as unknown as LabApi;
    expect(await handleLabCall(throwing, 'getRun', { runId: 1 })).toEqual({ ok: false, error: { message: 'a string, not an Error' } });
    expect(await handleLabCall(throwing, 'listRuns', {})).toEqual({ ok: false, error: { message: 'boom' } });
  });
});

describe('registerLabIpc', () => {
  const appUrl = 'file:///app/out/renderer/index.html';
  const isAppUrl = (url: string) => url === appUrl;

  function registered(): Map<string, (event: unknown, payload: unknown) => unknown> {
    const handle = vi.mocked(ipcMain.handle);
    return new Map(handle.mock.calls.map(([channel, fn]) => [channel, fn as (event: unknown, payload: unknown) => unknown]));
  }

  beforeEach(() => {
    vi.mocked(ipcMain.handle).mockClear();
    vi.mocked(ipcMain.removeHandler).mockClear();
  });

  it('handles lab:<method> for every LabApi method, answers only the app, pushes events and unregisters', async () => {
    const send = vi.fn();
    const contents = { send, isDestroyed: () => false };
    const dispose = registerLabIpc(service, { target: () => contents as never, isAppUrl });
    const handlers = registered();
    expect([...handlers.keys()].sort()).toEqual([...labMethods.map((m) => `lab:${m}`), 'lab:saveFile'].sort());

    const list = handlers.get('lab:listRuns')!;
    expect(await list({ senderFrame: { url: appUrl } }, {})).toEqual({ ok: true, value: [] });
    const refused = (await list({ senderFrame: { url: 'https://example.com/' } }, {})) as LabCallResult;
    expect(errorOf(refused).message).toMatch(/only answered for the app's own pages/);
    expect(errorOf((await list({ senderFrame: null }, {})) as LabCallResult).message).toMatch(/unknown frame/);
    expect(errorOf((await handlers.get('lab:getRun')!({ senderFrame: { url: appUrl } }, { runId: -4 })) as LabCallResult).message).toContain('runId');

    const message: RunEventMessage = { runId: 5, kind: 'queued' };
    service.events.emit('run', message);
    expect(send).toHaveBeenCalledWith('lab:event', message);

    dispose();
    expect(vi.mocked(ipcMain.removeHandler).mock.calls.map(([c]) => c).sort()).toEqual([...handlers.keys()].sort());
    service.events.emit('run', { runId: 6, kind: 'queued' });
    expect(send).toHaveBeenCalledTimes(1);
  });

  it('does not push to a destroyed window', () => {
    const send = vi.fn();
    const dispose = registerLabIpc(service, { target: () => ({ send, isDestroyed: () => true }) as never, isAppUrl });
    service.events.emit('run', { runId: 1, kind: 'queued' });
    expect(send).not.toHaveBeenCalled();
    dispose();
  });
});

describe('createEventForwarder', () => {
  it('forwards every event but thins out batch progress per run', () => {
    let t = 0;
    const sent: RunEventMessage[] = [];
    const forward = createEventForwarder((m) => sent.push(m), { batchIntervalMs: 100, now: () => t });
    const batch = (runId: number, b: number): RunEventMessage => ({ runId, kind: 'engine', event: { type: 'batch', epoch: 1, batch: b, batches: 10 } });
    forward(batch(1, 1));
    forward(batch(1, 2)); // too soon after batch 1 of run 1
    forward(batch(2, 1)); // another run
    t = 150;
    forward(batch(1, 3));
    forward({ runId: 1, kind: 'engine', event: { type: 'log', message: 'hello' } });
    forward({ runId: 1, kind: 'finished', outcome: { status: 'completed', message: 'done' } });
    expect(sent.map((m) => (m.kind === 'engine' && m.event.type === 'batch' ? `${m.runId}:${m.event.batch}` : m.kind))).toEqual([
      '1:1',
      '2:1',
      '1:3',
      'engine',
      'finished',
    ]);
  });
});

describe('saveFile: the native save dialog of exports', () => {
  // The smallest PNG header, base64: the validator only checks the signature.
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]).toString('base64');

  function deps(chosen: string | null): SaveFileDeps & { asked: unknown[]; written: [string, Buffer][] } {
    const asked: unknown[] = [];
    const written: [string, Buffer][] = [];
    return {
      asked,
      written,
      choosePath: async (options) => {
        asked.push(options);
        return chosen;
      },
      writeFile: async (file, data) => {
        written.push([file, data]);
      },
    };
  }

  it('suggests the file name, filtered to its kind, and writes the bytes only to the chosen path', async () => {
    const d = deps('/home/user/figures/rdf.png');
    const result = await handleSaveFile({ fileName: 'rdf_runs-3-5.png', data: png, encoding: 'base64' }, d);
    expect(result).toEqual({ ok: true, value: { saved: true, path: '/home/user/figures/rdf.png' } });
    expect(d.asked).toEqual([{ defaultPath: 'rdf_runs-3-5.png', filters: [{ name: 'PNG image', extensions: ['png'] }] }]);
    expect(d.written).toHaveLength(1);
    expect(d.written[0][0]).toBe('/home/user/figures/rdf.png');
    expect(d.written[0][1].equals(Buffer.from(png, 'base64'))).toBe(true);
  });

  it('writes CSV and SVG as UTF-8 text, really to disk with the default writer', async () => {
    const target = path.join(dir, 'chosen.csv');
    const real: SaveFileDeps = { choosePath: async () => target, writeFile: (file, data) => fs.promises.writeFile(file, data) };
    const csv = 'run_id,run\n1,"é, ü"\n';
    expect(await handleSaveFile({ fileName: 'loss.csv', data: csv, encoding: 'utf8' }, real)).toEqual({ ok: true, value: { saved: true, path: target } });
    expect(fs.readFileSync(target, 'utf8')).toBe(csv);
    const d = deps('/tmp/x.svg');
    await handleSaveFile({ fileName: 'peaks.svg', data: '<svg/>', encoding: 'utf8' }, d);
    expect(d.written[0][1].toString('utf8')).toBe('<svg/>');
  });

  it('writes nothing when the dialog is cancelled', async () => {
    const d = deps(null);
    expect(await handleSaveFile({ fileName: 'a.csv', data: 'x\n', encoding: 'utf8' }, d)).toEqual({ ok: true, value: { saved: false, path: null } });
    expect(d.written).toEqual([]);
  });

  it('refuses paths, hidden or unknown kinds of file, wrong encodings, non-PNG data and unknown fields, without asking', async () => {
    const cases: [unknown, string][] = [
      [{ fileName: '../../.bashrc.csv', data: 'x', encoding: 'utf8' }, 'fileName: must be a file name, not a path'],
      [{ fileName: 'C:\\evil.csv', data: 'x', encoding: 'utf8' }, 'fileName: must be a file name, not a path'],
      [{ fileName: '.hidden.csv', data: 'x', encoding: 'utf8' }, 'fileName: must not start with a dot'],
      [{ fileName: 'a\nb.csv', data: 'x', encoding: 'utf8' }, 'fileName: must not contain control characters'],
      [{ fileName: 'run.sh', data: 'x', encoding: 'utf8' }, 'fileName: must end in .png, .svg, .csv'],
      [{ fileName: '', data: 'x', encoding: 'utf8' }, 'fileName: must not be empty'],
      [{ fileName: 'a.png', data: 'x', encoding: 'utf8' }, 'encoding: a .png file travels as base64'],
      [{ fileName: 'a.csv', data: 'x', encoding: 'latin1' }, 'encoding: must be utf8 or base64'],
      [{ fileName: 'a.png', data: 'not base64!', encoding: 'base64' }, 'data: must be base64 text'],
      [{ fileName: 'a.png', data: Buffer.from('GIF89a').toString('base64'), encoding: 'base64' }, 'data: must be a PNG image'],
      [{ fileName: 'a.csv', data: 42, encoding: 'utf8' }, 'data: must be text'],
      [{ fileName: 'a.csv', encoding: 'utf8' }, 'data: is required'],
      [{ fileName: 'a.csv', data: 'x', encoding: 'utf8', path: '/etc/passwd' }, 'path: unknown field'],
      ['a.csv', 'the request must be an object'],
    ];
    for (const [payload, message] of cases) {
      const d = deps('/tmp/never');
      const error = errorOf(await handleSaveFile(payload, d));
      expect(error.message).toMatch(/^invalid saveFile request: /);
      expect(error.message).toContain(message);
      expect(d.asked).toEqual([]);
      expect(d.written).toEqual([]);
    }
  });

  it('refuses content beyond the size limit', async () => {
    const d = deps('/tmp/never');
    const error = errorOf(await handleSaveFile({ fileName: 'a.csv', data: 'x'.repeat(limits.fileData + 1), encoding: 'utf8' }, d));
    expect(error.message).toContain(`data: must be at most ${limits.fileData} characters long`);
    expect(error.message.length).toBeLessThan(400);
  });

  it('turns a failed write into an error result', async () => {
    const failing: SaveFileDeps = { choosePath: async () => '/read-only/x.csv', writeFile: () => Promise.reject(new Error('EROFS: read-only file system')) };
    expect(errorOf(await handleSaveFile({ fileName: 'x.csv', data: 'x', encoding: 'utf8' }, failing)).message).toBe('EROFS: read-only file system');
  });

  it('is registered on lab:saveFile, answers only the app, and uses the injected dialog', async () => {
    vi.mocked(ipcMain.handle).mockClear();
    const d = deps('/tmp/out.csv');
    const dispose = registerLabIpc(service, { target: () => null, isAppUrl: (url) => url === 'file:///app/index.html', saveFile: d });
    const handler = new Map(vi.mocked(ipcMain.handle).mock.calls.map(([c, fn]) => [c, fn as (event: unknown, payload: unknown) => unknown])).get('lab:saveFile')!;
    const request = { fileName: 'x.csv', data: 'a\n', encoding: 'utf8' };
    expect(errorOf((await handler({ senderFrame: { url: 'https://example.com/' } }, request)) as LabCallResult).message).toMatch(/only answered for the app/);
    expect(d.asked).toEqual([]);
    expect(await handler({ senderFrame: { url: 'file:///app/index.html' }, sender: null }, request)).toEqual({ ok: true, value: { saved: true, path: '/tmp/out.csv' } });
    dispose();
    expect(vi.mocked(ipcMain.removeHandler).mock.calls.map(([c]) => c)).toContain('lab:saveFile');
  });
});

describe('handleLabCall: sweeps (startSweep, listGroups, getGroup)', () => {
  /** The issues of a refused sweep; checks that nothing was stored. */
  async function refusedSweep(payload: unknown): Promise<{ message: string; issues: { path: string; message: string }[] }> {
    const error = errorOf(await handleLabCall(service, 'startSweep', payload));
    expect(error.message).toMatch(/^invalid startSweep request: /);
    expect(store.listGroups()).toEqual([]);
    expect(store.listRuns()).toEqual([]);
    return { message: error.message, issues: error.issues ?? [] };
  }

  it('stores a good sweep as a group of N queued runs, in the order of the values', async () => {
    const events: RunEventMessage[] = [];
    service.events.on('run', (m) => events.push(m));
    const started = await handleLabCall(service, 'startSweep', { config: tinyConfig, vary: { path: 'seed', values: [1, 2, 3] }, name: 'seeds' });
    expect(started.ok).toBe(true);
    const { groupId, runIds } = (started as { ok: true; value: { groupId: number; runIds: number[] } }).value;
    expect(groupId).toBeGreaterThan(0);
    expect(runIds).toHaveLength(3);
    // Each run was queued (the first may already be running), one 'queued' event per run, in order.
    expect(events.filter((e) => e.kind === 'queued').map((e) => e.runId)).toEqual(runIds);
    const stored = runIds.map((id) => store.getRun(id)!);
    expect(stored.map((r) => r.config.seed)).toEqual([1, 2, 3]);
    expect(stored.map((r) => r.groupId)).toEqual([groupId, groupId, groupId]);
    expect(stored.map((r) => r.name)).toEqual(['seeds: seed = 1', 'seeds: seed = 2', 'seeds: seed = 3']);
    expect(stored.slice(1).map((r) => r.status)).toEqual(['queued', 'queued']);

    const groups = await handleLabCall(service, 'listGroups', {});
    expect(groups).toMatchObject({ ok: true, value: [{ id: groupId, name: 'seeds', varyPath: 'seed', values: [1, 2, 3], runIds }] });
    expect(await handleLabCall(service, 'listGroups', undefined)).toMatchObject({ ok: true, value: [{ id: groupId }] });
    const group = await handleLabCall(service, 'getGroup', { groupId });
    expect(group.ok && (group.value as { runs: { id: number }[] }).runs.map((r) => r.id)).toEqual(runIds);
    const listed = await handleLabCall(service, 'listRuns', { groupId });
    expect(listed.ok && (listed.value as { id: number }[]).map((r) => r.id).sort()).toEqual([...runIds].sort());
    expect(await handleLabCall(service, 'listRuns', { groupId: groupId + 1 })).toEqual({ ok: true, value: [] });
  });

  it('sweeps depth (the width of the first hidden layer for every layer) and a list entry by index', async () => {
    const depth = await handleLabCall(service, 'startSweep', { config: tinyConfig, vary: { path: 'depth', values: [1, 2] } });
    expect(depth.ok).toBe(true);
    const { runIds } = (depth as { ok: true; value: { runIds: number[] } }).value;
    expect(runIds.map((id) => store.getRun(id)!.config.model)).toMatchObject([{ hidden: [8] }, { hidden: [8, 8] }]);
    const rates = await handleLabCall(service, 'startSweep', { config: tinyConfig, vary: { path: 'training.schedule.0.rate', values: [0.01, 0.001] } });
    expect(rates.ok).toBe(true);
    const rateRuns = (rates as { ok: true; value: { runIds: number[] } }).value.runIds.map((id) => store.getRun(id)!);
    expect(rateRuns.map((r) => r.config.training.schedule[0].rate)).toEqual([0.01, 0.001]);
  });

  it('refuses a vary path that is not a setting of the config (or depth without an mlp)', async () => {
    const cases: [unknown, RegExp][] = [
      ['model.widths', /vary\.path: model has no setting "widths"/],
      ['bogus', /vary\.path: the config has no setting "bogus"/],
      ['seed.x', /vary\.path: seed is a single value/],
      ['training.schedule.3.rate', /vary\.path: training\.schedule has 1 entry \(0 to 0\): there is no entry 3/],
      ['training.schedule.rate', /vary\.path: training\.schedule is a list/],
      ['__proto__.polluted', /vary\.path: .*not a valid config path/],
      ['a..b', /vary\.path: .*not a valid config path/],
      ['  ', /vary\.path: must not be empty/],
      [42, /vary\.path: must be text/],
      [undefined, /vary\.path: is required/],
    ];
    for (const [path, message] of cases) {
      const { message: text, issues } = await refusedSweep({ config: tinyConfig, vary: { path, values: [1, 2] } });
      expect(text).toMatch(message);
      expect(issues.map((i) => i.path)).toEqual(['vary.path']);
    }
    const resnet = { ...presets['cifar10-resnet18-quick'] };
    expect((await refusedSweep({ config: resnet, vary: { path: 'depth', values: [1, 2] } })).message).toMatch(/vary\.path: the "depth" shorthand needs an mlp/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses an empty list of values, too many values, and values that are not JSON data', async () => {
    const sweep = (values: unknown) => ({ config: tinyConfig, vary: { path: 'seed', values } });
    expect((await refusedSweep(sweep([]))).issues).toEqual([{ path: 'vary.values', message: 'must list at least one value' }]);
    expect((await refusedSweep(sweep('1,2'))).message).toContain('vary.values: must be a list of values, not the text "1,2"');
    const many = Array.from({ length: 51 }, (_, i) => i);
    const tooMany = await refusedSweep(sweep(many));
    expect(tooMany.issues).toEqual([{ path: 'vary.values', message: 'must have at most 50 values (it has 51)' }]);
    expect(tooMany.message.length).toBeLessThan(200);
    // 50 is the limit: accepted (and cancelled again by the afterEach shutdown).
    expect((await handleLabCall(service, 'startSweep', sweep(many.slice(0, 50)))).ok).toBe(true);
    expect(store.listRuns()).toHaveLength(50);
  });

  it('refuses values that are not JSON data, naming each', async () => {
    const deep: unknown[] = [];
    let node = deep;
    for (let i = 0; i < 12; i++) {
      const next: unknown[] = [];
      node.push(next);
      node = next;
    }
    const { issues } = await refusedSweep({ config: tinyConfig, vary: { path: 'seed', values: [1, Number.NaN, Infinity, new Date(0), deep, { __proto__: null, constructor: 1 }] } });
    expect(issues).toEqual([
      { path: 'vary.values[1]', message: 'must be a finite number, not NaN' },
      { path: 'vary.values[2]', message: 'must be a finite number, not Infinity' },
      { path: 'vary.values[3]', message: expect.stringContaining('plain JSON data') },
      { path: 'vary.values[4]', message: expect.stringContaining('nested more than') },
      { path: 'vary.values[5]', message: 'must not have a field named constructor' },
    ]);
  });

  it('refuses a value that makes an invalid config, with one message per value and field', async () => {
    const seeds = await refusedSweep({ config: tinyConfig, vary: { path: 'seed', values: [1, -1, 'two'] } });
    expect(seeds.issues).toEqual([
      { path: 'vary.values[1]', message: expect.stringMatching(/^config\.seed: .* \(with seed = -1\)$/) },
      { path: 'vary.values[2]', message: expect.stringMatching(/^config\.seed: .* \(with seed = "two"\)$/) },
    ]);
    expect(seeds.message).toContain('vary.values[1]: config.seed: ');
    // A value that breaks a rule between fields names the field the rule reports.
    const batch = await refusedSweep({ config: tinyConfig, vary: { path: 'data.trainSize', values: [64, 16] } });
    expect(batch.issues).toEqual([{ path: 'vary.values[1]', message: expect.stringMatching(/^config\.analysis\.samples: .*\(with data\.trainSize = 16\)$/) }]);
    const depth = await refusedSweep({ config: tinyConfig, vary: { path: 'depth', values: [2, 0, 1001] } });
    expect(depth.issues).toEqual([
      { path: 'vary.values[1]', message: 'a depth must be a whole number from 1 to 1000, not 0' },
      { path: 'vary.values[2]', message: 'a depth must be a whole number from 1 to 1000, not 1001' },
    ]);
    const widths = await refusedSweep({ config: tinyConfig, vary: { path: 'model.hidden', values: [[8, 8], [8, -1], []] } });
    expect(widths.issues.map((i) => `${i.path} ${i.message.split(':')[0]}`)).toEqual(['vary.values[1] config.model.hidden[1]', 'vary.values[2] config.model.hidden']);
  });

  it('refuses an invalid base config under config.*, a missing vary, and unknown fields', async () => {
    const bad = await refusedSweep({ config: { ...tinyConfig, seed: 'seven' }, vary: { path: 'training.batchSize', values: [8, 16] } });
    expect(bad.issues).toEqual([{ path: 'config.seed', message: expect.any(String) }]);
    expect((await refusedSweep({ config: tinyConfig })).issues).toEqual([{ path: 'vary', message: expect.stringContaining('is required') }]);
    expect((await refusedSweep({ config: tinyConfig, vary: [1, 2] })).issues).toEqual([{ path: 'vary', message: 'vary must be an object, not an array of 2' }]);
    expect((await refusedSweep({ vary: { path: 'seed', values: [1] } })).issues).toEqual([{ path: 'config', message: expect.stringContaining('is required') }]);
    expect((await refusedSweep({ config: tinyConfig, vary: { path: 'seed', values: [1], step: 2 } })).issues).toEqual([
      { path: 'vary.step', message: 'unknown field (expected path, values)' },
    ]);
    expect((await refusedSweep({ config: tinyConfig, vary: { path: 'seed', values: [1] }, parallel: true })).message).toContain('parallel: unknown field');
    expect((await refusedSweep({ config: tinyConfig, vary: { path: 'seed', values: [1] }, name: 'x'.repeat(limits.name + 1) })).message).toContain('name: must be at most');
  });

  it('checks getGroup and listGroups requests, and a groupId filter of listRuns', async () => {
    expect(errorOf(await handleLabCall(service, 'getGroup', {})).issues).toEqual([{ path: 'groupId', message: expect.stringContaining('is required: the id of a sweep group') }]);
    for (const groupId of [0, -1, 1.5, '1', null]) {
      expect(errorOf(await handleLabCall(service, 'getGroup', { groupId })).message).toMatch(/^invalid getGroup request: groupId: must be a positive whole number/);
    }
    expect(errorOf(await handleLabCall(service, 'getGroup', { groupId: 99 })).message).toBe('group 99 does not exist');
    expect(errorOf(await handleLabCall(service, 'listGroups', { all: true })).message).toContain('all: unknown field (expected no fields)');
    expect(errorOf(await handleLabCall(service, 'listGroups', 'all')).message).toMatch(/must be an object/);
    expect(errorOf(await handleLabCall(service, 'listRuns', { groupId: 0 })).message).toContain('groupId: must be a whole number from 1');
    expect(errorOf(await handleLabCall(service, 'listRuns', { groupId: '2' })).message).toContain('groupId');
  });
});

describe('handleLabCall: resumeRun', () => {
  afterEach(() => {
    delete process.env.FREQLAB_INJECT_FAULT;
  });

  it('resumes a failed run from its checkpoint and answers with the epoch it goes on from', async () => {
    process.env.FREQLAB_INJECT_FAULT = 'exit@2'; // the worker thread exits after storing epoch 2
    const { runId } = await service.startRun({ config: tinyConfig });
    expect((await service.whenFinished(runId)).status).toBe('failed');
    delete process.env.FREQLAB_INJECT_FAULT;
    expect(store.getRun(runId)!.checkpointEpoch).toBe(0); // tinyConfig analyses epoch 0 only
    expect(await handleLabCall(service, 'resumeRun', { runId })).toEqual({ ok: true, value: { runId, fromEpoch: 0 } });
    expect((await service.whenFinished(runId)).status).toBe('completed');
    expect(store.getRun(runId)!.metrics.map((m) => m.epoch)).toEqual([1, 2, 3]);
  });

  it('refuses a bad payload naming the field, and a run that cannot be resumed naming the run and why', async () => {
    expect(errorOf(await handleLabCall(service, 'resumeRun', {})).issues).toEqual([{ path: 'runId', message: expect.stringContaining('required') }]);
    expect(errorOf(await handleLabCall(service, 'resumeRun', { runId: '4' })).message).toMatch(/^invalid resumeRun request: runId: must be a positive whole number/);
    expect(errorOf(await handleLabCall(service, 'resumeRun', { runId: 1, fromEpoch: 0 })).issues).toEqual([{ path: 'fromEpoch', message: expect.stringContaining('unknown field') }]);
    expect(errorOf(await handleLabCall(service, 'resumeRun', { runId: 99 })).message).toBe('run 99 does not exist');
    const id = endedRun(); // cancelled, never trained: no checkpoint
    expect(errorOf(await handleLabCall(service, 'resumeRun', { runId: id })).message).toMatch(new RegExp(`^cannot resume run ${id}: it has no checkpoint`));
    store.setNotes(id, 'unchanged');
    expect(store.getRun(id)).toMatchObject({ status: 'cancelled', notes: 'unchanged' });
  });

  it('refuses to resume a run whose data has gone, naming the file, and leaves it as it was', async () => {
    const id = store.createRun(presets['mnist-fc-quick'], 'data moved away');
    store.markStarted(id, { appVersion: '0', tfjsVersion: '4.22.0', backend: 'cpu', backendDetail: 'cpu', nodeVersion: '', platform: '', cpu: '', cpuCount: 1, memoryBytes: 1, gpu: null }, process.pid);
    const empty = new Uint8Array(0);
    const checkpoint = {
      manifest: { format: 1 as const, epoch: 0, loss: null, backend: 'cpu', model: { kind: 'mlp' as const, tensors: [] }, optimiser: { kind: 'adam' as const, iterations: 0, tensors: [] }, rng: {} },
      model: empty,
      optimiser: empty,
    };
    store.saveEpoch(id, null, [{ epoch: 0, layer: 1, configuredLayer: 1, normalisation: { kind: 'none' }, scale: 1, k: [1], lfr: [0.5], rdfK: [], rdf: [], peakK: 1 }], null, checkpoint);
    store.finishRun(id, { status: 'cancelled', message: 'cancelled after epoch 0' });
    const before = store.getRun(id);
    const error = errorOf(await handleLabCall(service, 'resumeRun', { runId: id }));
    expect(error.message).toMatch(new RegExp(`^cannot resume run ${id}: its data is missing: data\\.dir: folder .* does not exist`));
    expect(store.getRun(id)).toEqual(before);
  });
});
