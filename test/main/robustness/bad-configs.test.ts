// Bad configs over both doors of the lab: the desktop's IPC (payloads arrive as a structured
// clone) and the browser door's WebSocket (JSON text). Negative and zero sizes, empty layer
// lists, NaN and infinities, unknown fields, wrong types, delta grids with zeros or duplicates,
// an analysis subset larger than the data: each comes back as one message per offending field,
// naming it, and no run is created (the run list is the same before and after, and no run is
// queued). A good config afterwards is accepted: the door refused the bad ones, not everything.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ipcMain } from 'electron';
import type Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunEventMessage } from '../../../src/shared/api';
import type { LabCallResult } from '../../../src/shared/bridge';
import type { ExperimentConfigInput } from '../../../src/shared/config';
import { encodeWire } from '../../../src/shared/lab-wire';
import { registerLabIpc } from '../../../src/main/ipc';
import { startLabServer, type LabServer } from '../../../src/main/server';
import { LabService } from '../../../src/main/service';
import { openDatabase } from '../../../src/main/store/database';
import { RunStore } from '../../../src/main/store/runs';
import { MessageQueue, upgrade } from '../../fixtures/ws-client';

const good = {
  name: 'tiny sine',
  seed: 7,
  data: { kind: 'synthetic', target: { kind: 'sin', m: 1 }, trainSize: 64 },
  model: { kind: 'mlp', hidden: [8, 8], activation: 'tanh' },
  training: { optimiser: { kind: 'adam' }, schedule: [{ fromEpoch: 1, rate: 1e-2 }], batchSize: 16, stop: { maxEpochs: 2 } },
  analysis: { layers: [1, 2], epochs: { at: [0] }, samples: 32, deltaGrid: { kind: 'log-k', kMin: 0.1, kMax: 100, count: 8 } },
  backend: 'cpu',
} satisfies ExperimentConfigInput;

type Config = Record<string, any>;
/** A copy of the good config with one change. */
function bad(change: (c: Config) => void): Config {
  const c = structuredClone(good) as Config;
  change(c);
  return c;
}

/** One bad config and the fields the answer must name (each once), with what it must say. */
interface Case {
  what: string;
  config: Config;
  issues: Record<string, RegExp>;
}

const tooSmall = /too small|at least|positive|>/i;
const cases: Case[] = [
  { what: 'a negative batch size', config: bad((c) => (c.training.batchSize = -16)), issues: { 'config.training.batchSize': tooSmall } },
  { what: 'a zero training set', config: bad((c) => (c.data.trainSize = 0)), issues: { 'config.data.trainSize': tooSmall } },
  { what: 'a negative training set', config: bad((c) => (c.data.trainSize = -64)), issues: { 'config.data.trainSize': tooSmall } },
  { what: 'a zero and a negative layer width', config: bad((c) => (c.model.hidden = [8, 0, -3])), issues: { 'config.model.hidden[1]': tooSmall, 'config.model.hidden[2]': tooSmall } },
  { what: 'zero epochs', config: bad((c) => (c.training.stop.maxEpochs = 0)), issues: { 'config.training.stop.maxEpochs': tooSmall } },
  { what: 'a zero analysis subset', config: bad((c) => (c.analysis.samples = 0)), issues: { 'config.analysis.samples': tooSmall } },
  { what: 'a negative learning rate', config: bad((c) => (c.training.schedule[0].rate = -0.01)), issues: { 'config.training.schedule[0].rate': tooSmall } },
  { what: 'an empty list of hidden layers', config: bad((c) => (c.model.hidden = [])), issues: { 'config.model.hidden': /at least one/ } },
  { what: 'an empty list of analysed layers', config: bad((c) => (c.analysis.layers = [])), issues: { 'config.analysis.layers': /at least one/ } },
  { what: 'an empty schedule', config: bad((c) => (c.training.schedule = [])), issues: { 'config.training.schedule': /at least one/ } },
  { what: 'a NaN batch size', config: bad((c) => (c.training.batchSize = NaN)), issues: { 'config.training.batchSize': /NaN/ } },
  { what: 'a NaN learning rate', config: bad((c) => (c.training.schedule[0].rate = NaN)), issues: { 'config.training.schedule[0].rate': /NaN/ } },
  { what: 'a NaN seed', config: bad((c) => (c.seed = NaN)), issues: { 'config.seed': /NaN/ } },
  { what: 'an infinite kMax', config: bad((c) => (c.analysis.deltaGrid.kMax = Infinity)), issues: { 'config.analysis.deltaGrid.kMax': /Infinity|finite/ } },
  {
    what: 'unknown fields, at the top and inside',
    config: bad((c) => {
      c.colour = 'blue';
      c.model.dropout = 0.5;
      c.training.optimiser.lr = 0.1;
    }),
    issues: { 'config.colour': /unknown field/, 'config.model.dropout': /unknown field/, 'config.training.optimiser.lr': /unknown field/ },
  },
  {
    what: 'wrong types',
    config: bad((c) => {
      c.seed = '7';
      c.model.hidden = '8,8';
      c.backend = 3;
      c.training.stop = 'never';
    }),
    issues: { 'config.seed': /number.*string/, 'config.model.hidden': /array.*string/, 'config.backend': /one of/, 'config.training.stop': /object.*string/ },
  },
  { what: 'a delta grid with a zero', config: bad((c) => (c.analysis.deltaGrid = { kind: 'list', deltas: [0, 0.5, 1] })), issues: { 'config.analysis.deltaGrid.deltas[0]': tooSmall } },
  { what: 'a delta grid with duplicates', config: bad((c) => (c.analysis.deltaGrid = { kind: 'list', deltas: [0.5, 0.25, 0.5] })), issues: { 'config.analysis.deltaGrid.deltas': /distinct/ } },
  { what: 'a log-k grid from k = 0', config: bad((c) => (c.analysis.deltaGrid.kMin = 0)), issues: { 'config.analysis.deltaGrid.kMin': tooSmall } },
  { what: 'a log-k grid of zero points', config: bad((c) => (c.analysis.deltaGrid.count = 0)), issues: { 'config.analysis.deltaGrid.count': tooSmall } },
  { what: 'an analysis subset larger than the data', config: bad((c) => (c.analysis.samples = 65)), issues: { 'config.analysis.samples': /analysis subset \(65\) is larger than the training data \(64\)/ } },
  {
    what: 'an analysis subset larger than an IDX training set',
    config: bad((c) => {
      c.data = { kind: 'idx', dir: 'data/mnist', files: 't10k', trainSize: 100 };
      c.analysis.samples = 101;
    }),
    issues: { 'config.analysis.samples': /analysis subset \(101\) is larger than the training data \(100\)/ },
  },
  {
    what: 'everything at once',
    config: bad((c) => {
      c.seed = -1;
      c.colour = 'blue';
      c.data.trainSize = 0;
      c.model.hidden = [];
      c.training.batchSize = NaN;
      c.training.stop.maxEpochs = 0;
      c.analysis.layers = [];
      c.analysis.deltaGrid = { kind: 'list', deltas: [0.5, 0.5] };
    }),
    issues: {
      'config.seed': tooSmall,
      'config.colour': /unknown field/,
      'config.data.trainSize': tooSmall,
      'config.model.hidden': /at least one/,
      'config.training.batchSize': /NaN/,
      'config.training.stop.maxEpochs': tooSmall,
      'config.analysis.layers': /at least one/,
      'config.analysis.deltaGrid.deltas': /distinct/,
    },
  },
];

/** Checks a refusal: one issue per expected field, no other, and a message naming each. */
function expectRefusal(result: LabCallResult, issues: Record<string, RegExp>): void {
  expect(result.ok).toBe(false);
  if (result.ok) return;
  const got = result.error.issues ?? [];
  const paths = got.map((i) => i.path);
  expect(paths.slice().sort()).toEqual(Object.keys(issues).sort());
  expect(new Set(paths).size).toBe(paths.length); // one message per field
  for (const issue of got) expect(issue.message, issue.path).toMatch(issues[issue.path]);
  expect(result.error.message).toMatch(/^invalid startRun request: /);
  for (const p of Object.keys(issues)) expect(result.error.message.split(`${p}: `).length - 1, p).toBe(1);
}

let dir: string;
let db: Database.Database;
let service: LabService;
let server: LabServer;
let queued: RunEventMessage[];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'freqlab-bad-configs-'));
  db = openDatabase(path.join(dir, 'runs.db'));
  service = new LabService(new RunStore(db), { baseDir: dir });
  queued = [];
  service.events.on('run', (m) => {
    if (m.kind === 'queued') queued.push(m);
  });
  server = await startLabServer({ service, rendererDir: makeRenderer(dir), port: 0 });
});

afterAll(async () => {
  await server?.close();
  await service?.shutdown();
  db?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function makeRenderer(root: string): string {
  const renderer = path.join(root, 'renderer');
  fs.mkdirSync(renderer);
  fs.writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>lab</title>');
  return renderer;
}

/** A door: calls a lab method as a page would, and says how the payload travels. */
interface Door {
  name: string;
  call(method: string, payload: unknown): Promise<LabCallResult>;
  close(): void;
}

/** The desktop's IPC: the registered lab:<method> handler, the payload a structured clone. */
function ipcDoor(): Door {
  const appUrl = 'file:///app/out/renderer/index.html';
  vi.mocked(ipcMain.handle).mockClear();
  const dispose = registerLabIpc(service, { target: () => null, isAppUrl: (u) => u === appUrl });
  const handlers = new Map(vi.mocked(ipcMain.handle).mock.calls.map(([channel, fn]) => [channel, fn]));
  return {
    name: 'IPC',
    async call(method, payload) {
      const handler = handlers.get(`lab:${method}`)!;
      return (await handler({ senderFrame: { url: appUrl } } as never, structuredClone(payload))) as LabCallResult;
    },
    close: dispose,
  };
}

let nextId = 1;
/** The browser door's WebSocket, the payload encoded as the page's client does (encodeWire). */
async function wsDoor(): Promise<Door & { queue: MessageQueue }> {
  const r = await upgrade(`http://127.0.0.1:${server.port}/api?token=${server.token}`, { Origin: server.origin });
  expect(r.status).toBe(101);
  const queue = r.queue!;
  await queue.next((m) => m.type === 'hello');
  return {
    name: 'WebSocket',
    queue,
    async call(method, payload) {
      const id = nextId++;
      queue.ws.send(encodeWire({ type: 'call', id, method, payload }));
      return (await queue.next<{ result: LabCallResult }>((m) => m.type === 'result' && m.id === id)).result;
    },
    close: () => queue.ws.close(),
  };
}

describe.each([
  ['IPC', async () => ipcDoor()],
  ['WebSocket', wsDoor],
] as const)('bad configs over %s', (_name, open) => {
  let door: Door;
  let before: unknown;

  beforeAll(async () => {
    door = await open();
    const listed = await door.call('listRuns', {});
    expect(listed.ok).toBe(true);
    before = listed.ok ? listed.value : null;
    queued.length = 0;
  });

  afterAll(() => door.close());

  it.each(cases.map((c) => [c.what, c] as const))('%s: one message per field, no run', async (_what, c) => {
    expectRefusal(await door.call('startRun', { config: c.config, name: 'must not exist' }), c.issues);
    expect(await door.call('listRuns', {})).toEqual({ ok: true, value: before });
    expect(queued).toEqual([]);
  });

  it('an unknown field of the request itself, and a missing or non-object config', async () => {
    expectRefusal(await door.call('startRun', { config: good, priority: 'high' }), { priority: /unknown field/ });
    expectRefusal(await door.call('startRun', { name: 'no config' }), { config: /required/ });
    expectRefusal(await door.call('startRun', { config: [good] }), { config: /object.*array/ });
    expectRefusal(await door.call('startRun', { config: 'mnist-fc' }), { config: /object.*string/ });
    // An own "__proto__" key (JSON.parse makes one) is an unknown field, not a prototype.
    const polluting = JSON.parse(`{"config": ${JSON.stringify({ ...good, training: undefined }).replace(/^\{/, '{"__proto__": {"training": {"batchSize": 1}},')}}`);
    const result = await door.call('startRun', polluting);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.issues?.map((i) => i.path).sort()).toEqual(['config.__proto__', 'config.training']);
    expect(({} as Record<string, unknown>).training).toBeUndefined();
    expect(await door.call('listRuns', {})).toEqual({ ok: true, value: before });
    expect(queued).toEqual([]);
  });

  it('still accepts a good config afterwards, and that creates exactly one run', async () => {
    const started = await door.call('startRun', { config: good, name: `good over ${door.name}` });
    expect(started).toMatchObject({ ok: true, value: { runId: expect.any(Number) } });
    const runId = (started as { ok: true; value: { runId: number } }).value.runId;
    expect(queued.map((m) => m.runId)).toEqual([runId]);
    const after = await door.call('listRuns', {});
    expect(after.ok && (after.value as { id: number }[]).map((r) => r.id)).toEqual([runId, ...(before as { id: number }[]).map((r) => r.id)]);
    expect((await service.whenFinished(runId)).status).toBe('completed');
  });
});

describe('what the WebSocket does with numbers JSON cannot hold', () => {
  it('a NaN or infinity sent by the page client arrives as such and is refused by name; a bare NaN is not JSON', async () => {
    const door = await wsDoor();
    try {
      const before = await door.call('listRuns', {});
      queued.length = 0;
      // encodeWire turns NaN into {"$number":"NaN"}, which the door turns back into NaN.
      expect(encodeWire({ x: NaN })).toBe('{"x":{"$number":"NaN"}}');
      expectRefusal(await door.call('startRun', { config: bad((c) => (c.training.batchSize = NaN)) }), { 'config.training.batchSize': /received NaN/ });
      expectRefusal(await door.call('startRun', { config: bad((c) => (c.analysis.deltaGrid.kMax = -Infinity)) }), { 'config.analysis.deltaGrid.kMax': /Infinity/ });
      // Plain JSON.stringify turns NaN into null: refused as a null, naming the field.
      const id = nextId++;
      door.queue.ws.send(JSON.stringify({ type: 'call', id, method: 'startRun', payload: { config: bad((c) => (c.training.batchSize = NaN)) } }));
      const asNull = (await door.queue.next<{ result: LabCallResult }>((m) => m.type === 'result' && m.id === id)).result;
      expectRefusal(asNull, { 'config.training.batchSize': /received null/ });
      // A literal NaN is not JSON at all: the door says so, and the connection stays usable.
      door.queue.ws.send(`{"type":"call","id":${nextId++},"method":"startRun","payload":{"config":{"seed":NaN}}}`);
      const notJson = await door.queue.next<{ id: null; result: LabCallResult }>((m) => m.type === 'result' && m.id === null);
      expect(notJson.result).toMatchObject({ ok: false, error: { message: expect.stringMatching(/must be JSON/) } });
      // A "$number" that is not one of the three stays an object, and is refused as one.
      const odd = nextId++;
      door.queue.ws.send(`{"type":"call","id":${odd},"method":"startRun","payload":{"config":${JSON.stringify(good).replace('"batchSize":16', '"batchSize":{"$number":"1e999"}')}}}`);
      const oddResult = (await door.queue.next<{ result: LabCallResult }>((m) => m.type === 'result' && m.id === odd)).result;
      expectRefusal(oddResult, { 'config.training.batchSize': /expected number, received object/ });
      expect(await door.call('listRuns', {})).toEqual(before);
      expect(queued).toEqual([]);
    } finally {
      door.close();
    }
  });
});
