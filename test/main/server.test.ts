// The browser door (src/main/server.ts): 127.0.0.1 only, the access token on every request and
// on the WebSocket upgrade, the built renderer with the desktop's CSP and nothing outside it,
// LabApi calls over the WebSocket through the same validation as IPC, run events pushed to every
// page, and the page's client (src/renderer/lib/api-client.ts) against it.
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunEventMessage } from '../../src/shared/api';
import type { ExperimentConfigInput } from '../../src/shared/config';
import { decodeWire, encodeWire, tokenFromLocation } from '../../src/shared/lab-wire';
import { contentSecurityPolicy } from '../../src/main/csp';
import { startLabServer, staticFile, type LabServer } from '../../src/main/server';
import { LabService } from '../../src/main/service';
import { openDatabase } from '../../src/main/store/database';
import { RunStore } from '../../src/main/store/runs';
import { encodeFrame, opcodes } from '../../src/main/websocket';
import { createWsLabClient, labSocketUrl } from '../../src/renderer/lib/api-client';
import { MessageQueue, nodeWebSocket, upgrade } from '../fixtures/ws-client';

/** A run small enough to train in a second: sin(pi x) on 64 points, one tiny hidden layer. */
const tinyConfig: ExperimentConfigInput = {
  name: 'tiny sine',
  seed: 7,
  data: { kind: 'synthetic', target: { kind: 'sin', m: 1 }, trainSize: 64 },
  model: { kind: 'mlp', hidden: [8], activation: 'tanh' },
  training: { optimiser: { kind: 'adam' }, schedule: [{ fromEpoch: 1, rate: 1e-2 }], batchSize: 16, stop: { maxEpochs: 3 } },
  analysis: { layers: [1], epochs: { at: [0] }, samples: 32, deltaGrid: { kind: 'log-k', kMin: 0.1, kMax: 100, count: 8 } },
  backend: 'cpu',
};

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A GET (or other method) with the path sent exactly as given (no normalisation of '..'). */
function request(port: number, rawPath: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: rawPath, method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Whether a TCP connection to host:port is accepted. */
function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(2000);
    socket.on('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
    socket.on('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

let dir: string;
let rendererDir: string;
let db: Database.Database;
let service: LabService;
let server: LabServer;
const secret = 'SECRET-OUTSIDE-THE-RENDERER';

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-server-'));
  // A stand-in for out/renderer, with things beside it that must never be served.
  rendererDir = path.join(dir, 'renderer');
  fs.mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Frequency Lab</title><script type="module" src="./assets/app.js"></script>');
  fs.writeFileSync(path.join(rendererDir, 'assets/app.js'), 'console.log("app");');
  fs.writeFileSync(path.join(rendererDir, 'assets/style.css'), 'body{}');
  fs.writeFileSync(path.join(rendererDir, '.env'), secret);
  fs.writeFileSync(path.join(dir, 'secret.txt'), secret);
  fs.writeFileSync(path.join(dir, 'renderer-old.txt'), secret);
  fs.symlinkSync(path.join(dir, 'secret.txt'), path.join(rendererDir, 'assets/link.txt'));
  fs.symlinkSync(dir, path.join(rendererDir, 'up'));
  db = openDatabase(path.join(dir, 'runs.db'));
  service = new LabService(new RunStore(db), { baseDir: dir });
  server = await startLabServer({ service, rendererDir, port: 0 });
});

afterAll(async () => {
  await server?.close();
  await service?.shutdown();
  db?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('where it listens', () => {
  it('binds to 127.0.0.1 only, on the port asked for (0: a free one)', async () => {
    expect(server.host).toBe('127.0.0.1');
    expect(server.port).toBeGreaterThan(0);
    expect(server.origin).toBe(`http://127.0.0.1:${server.port}`);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`);
    expect(server.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await canConnect('127.0.0.1', server.port)).toBe(true);
    // Not on the machine's other addresses (when it has any), nor on IPv6 loopback.
    const others = Object.values(os.networkInterfaces())
      .flat()
      .filter((a): a is os.NetworkInterfaceInfo => !!a && !a.internal && a.family === 'IPv4')
      .map((a) => a.address);
    for (const address of others) expect(await canConnect(address, server.port)).toBe(false);
    expect(await canConnect('::1', server.port)).toBe(false);
  });

  it('refuses to start on any other address', async () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.10', 'localhost', '::1']) {
      await expect(startLabServer({ service, rendererDir, host, port: 0 })).rejects.toThrow(/127\.0\.0\.1 only.*SSH tunnel/);
    }
  });

  it('refuses to start without a built renderer, and says to build it', async () => {
    await expect(startLabServer({ service, rendererDir: path.join(dir, 'nowhere'), port: 0 })).rejects.toThrow(/npm run build/);
  });

  it('says when the port is taken', async () => {
    await expect(startLabServer({ service, rendererDir, port: server.port })).rejects.toThrow(/port \d+ .* in use/);
  });

  it('gives every start a new random token', async () => {
    const other = await startLabServer({ service, rendererDir, port: 0 });
    try {
      expect(other.token).not.toBe(server.token);
    } finally {
      await other.close();
    }
  });
});

describe('the access token', () => {
  it('refuses a request without a token (401) and with a wrong one (403)', async () => {
    for (const p of ['/', '/index.html', '/assets/app.js', '/api', '/nothing']) {
      const none = await request(server.port, p);
      expect(none.status, p).toBe(401);
      expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(none.body).not.toContain('<title>');
      expect(none.body).toMatch(/access token/);
    }
    const wrong = [
      `/?token=${'x'.repeat(43)}`,
      `/?token=${server.token.slice(0, -1)}`,
      `/?token=${server.token}x`,
      '/?token=',
    ];
    for (const p of wrong) {
      const r = await request(server.port, p);
      expect(r.status, p).toBe(403);
      expect(r.body).not.toContain('<title>');
    }
    expect((await request(server.port, '/', { Authorization: 'Bearer nope-nope-nope-nope' })).status).toBe(403);
    // The right token in one place is enough, whatever else the request carries.
    expect((await request(server.port, `/?token=${server.token}`, { Authorization: 'Bearer nope-nope-nope-nope' })).status).toBe(200);
  });

  it('accepts the token in the address, as a bearer token, or in the cookie set with the page', async () => {
    const page = await request(server.port, `/?token=${server.token}`);
    expect(page.status).toBe(200);
    const cookie = page.headers['set-cookie']?.[0] ?? '';
    expect(cookie).toMatch(/^freqlab-[0-9a-f]{12}=/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    const pair = cookie.split(';')[0];
    // The page's script is fetched without the query: the cookie carries the token.
    const script = await request(server.port, '/assets/app.js', { Cookie: `other=1; ${pair}` });
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.body).toBe('console.log("app");');
    expect((await request(server.port, '/assets/style.css', { Authorization: `Bearer ${server.token}` })).status).toBe(200);
    const badCookie = pair.replace(/=.*/, '=wrong-wrong-wrong-wrong');
    expect((await request(server.port, '/assets/app.js', { Cookie: badCookie })).status).toBe(403);
  });

  it('refuses requests that name another host (DNS rebinding)', async () => {
    const r = await request(server.port, `/?token=${server.token}`, { Host: `evil.example:${server.port}` });
    expect(r.status).toBe(403);
    expect(r.body).not.toContain('<title>');
    // Through an SSH tunnel the local port may differ: only the host name matters.
    expect((await request(server.port, `/?token=${server.token}`, { Host: 'localhost:9999' })).status).toBe(200);
  });
});

describe('static files', () => {
  const auth = () => ({ Authorization: `Bearer ${server.token}` });

  it('serves index.html with the desktop CSP and hardening headers', async () => {
    for (const p of ['/', '/index.html']) {
      const r = await request(server.port, p, auth());
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(r.headers['content-security-policy']).toBe(contentSecurityPolicy('production'));
      expect(r.headers['x-content-type-options']).toBe('nosniff');
      expect(r.headers['x-frame-options']).toBe('DENY');
      expect(r.headers['referrer-policy']).toBe('no-referrer');
      expect(r.body).toContain('<title>Frequency Lab</title>');
    }
    const head = await request(server.port, '/index.html', auth(), 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect((await request(server.port, '/index.html', auth(), 'POST')).status).toBe(405);
    const missing = await request(server.port, '/assets/missing.js', auth());
    expect(missing.status).toBe(404);
    expect(missing.headers['content-security-policy']).toBe(contentSecurityPolicy('production'));
  });

  it('serves nothing outside the renderer folder (no path traversal)', async () => {
    const attempts = [
      '/../secret.txt',
      '/../../../../etc/passwd',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E/%2E%2E/etc/passwd',
      '/..%2fsecret.txt',
      '/assets%2f..%2f..%2fsecret.txt',
      '/..%5csecret.txt',
      '/assets/..%5c..%5csecret.txt',
      '/%252e%252e/secret.txt',
      '/..;/secret.txt',
      '/.env',
      '/assets/../.env',
      '/%2eenv',
      '/assets/link.txt',
      '/up/secret.txt',
      '/../renderer-old.txt',
      '/index.html%00.js',
      '/%00',
      '/%E0%A4%A',
      '//etc/passwd',
      '/etc/passwd',
      `http://127.0.0.1:${server.port}/../secret.txt`,
      '/assets',
      '/assets/',
    ];
    for (const p of attempts) {
      const r = await request(server.port, p, auth());
      expect([400, 404], `${p} -> ${r.status}`).toContain(r.status);
      expect(r.body, p).not.toContain(secret);
      expect(r.body, p).not.toContain('root:');
    }
  });

  it('resolves URL paths inside the folder only (staticFile)', async () => {
    const root = fs.realpathSync(rendererDir);
    expect(await staticFile(root, '/')).toMatchObject({ path: path.join(root, 'index.html') });
    expect(await staticFile(root, '/assets/app.js')).toMatchObject({ path: path.join(root, 'assets/app.js') });
    expect(await staticFile(root, '/assets/../index.html')).toBe(404);
    expect(await staticFile(root, '/%zz')).toBe(400);
    expect(await staticFile(root, '/assets/link.txt')).toBe(404);
  });
});

describe('the WebSocket', () => {
  const wsUrl = () => `http://127.0.0.1:${server.port}/api?token=${server.token}`;
  const open: MessageQueue[] = [];

  async function connect(): Promise<MessageQueue> {
    const r = await upgrade(wsUrl(), { Origin: server.origin });
    expect(r.status).toBe(101);
    const q = r.queue!;
    open.push(q);
    const hello = await q.next((m) => m.type === 'hello');
    expect(hello).toMatchObject({ protocol: 1 });
    expect(hello.methods).toContain('startRun');
    return q;
  }

  let nextId = 1;
  async function call(q: MessageQueue, method: unknown, payload: unknown): Promise<Record<string, any>> {
    const id = nextId++;
    q.ws.send(encodeWire({ type: 'call', id, method, payload }));
    const reply = await q.next<{ result: Record<string, any> }>((m) => m.type === 'result' && m.id === id);
    return reply.result;
  }

  afterEach(() => {
    for (const q of open.splice(0)) q.ws.close();
  });

  it('refuses the upgrade without the token, with a wrong one, from another origin or another path', async () => {
    const base = `http://127.0.0.1:${server.port}/api`;
    expect((await upgrade(base)).status).toBe(401);
    expect((await upgrade(`${base}?token=wrong-wrong-wrong-wrong`)).status).toBe(403);
    expect((await upgrade(base, { Authorization: 'Bearer wrong-wrong-wrong' })).status).toBe(403);
    expect((await upgrade(wsUrl(), { Origin: 'http://evil.example' })).status).toBe(403);
    expect((await upgrade(wsUrl(), { Origin: `http://127.0.0.1:${server.port + 1}` })).status).toBe(403);
    expect((await upgrade(wsUrl(), { Host: 'evil.example' })).status).toBe(403);
    expect((await upgrade(`http://127.0.0.1:${server.port}/other?token=${server.token}`)).status).toBe(404);
    expect((await upgrade(wsUrl(), { 'Sec-WebSocket-Version': '8' })).status).toBe(400);
    expect(server.clientCount()).toBe(0);
  });

  it('answers a call: listRuns round trip, and a started run is listed', async () => {
    const q = await connect();
    expect(server.clientCount()).toBe(1);
    const listed = await call(q, 'listRuns', {});
    expect(listed).toEqual({ ok: true, value: [] });
  });

  it('answers a bad payload with a structured error naming the fields, and stays open', async () => {
    const q = await connect();
    const bad = await call(q, 'startRun', { config: { ...tinyConfig, training: { ...tinyConfig.training, batchSize: -1 } }, extra: 1 });
    expect(bad.ok).toBe(false);
    expect(bad.error.message).toMatch(/^invalid startRun request: /);
    expect(bad.error.message).toContain('config.training.batchSize');
    expect(bad.error.issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'extra' }),
        expect.objectContaining({ path: 'config.training.batchSize' }),
      ]),
    );
    const badId = await call(q, 'getRun', { runId: 'one' });
    expect(badId).toEqual({ ok: false, error: { message: expect.stringContaining('runId: must be a positive whole number'), issues: [expect.objectContaining({ path: 'runId' })] } });
    const unknown = await call(q, '__proto__', {});
    expect(unknown.ok).toBe(false);
    expect(unknown.error.message).toMatch(/unknown lab method/);
    const missing = await call(q, 'getRun', { runId: 999 });
    expect(missing).toEqual({ ok: false, error: { message: 'run 999 does not exist' } });

    // Not JSON, not a call, no id: an error with id null; the connection stays usable.
    q.ws.send('{nope');
    expect(await q.next((m) => m.type === 'result' && m.id === null)).toMatchObject({ result: { ok: false, error: { message: expect.stringMatching(/must be JSON/) } } });
    q.ws.send(JSON.stringify({ type: 'call', method: 'listRuns', payload: {} }));
    expect(await q.next((m) => m.type === 'result' && m.id === null)).toMatchObject({ result: { ok: false, error: { message: expect.stringMatching(/needs an "id"/) } } });
    q.ws.send(JSON.stringify({ type: 'subscribe', id: 5 }));
    expect(await q.next((m) => m.type === 'result' && m.id === 5)).toMatchObject({ result: { ok: false } });
    expect(await call(q, 'listRuns', {})).toMatchObject({ ok: true });
  });

  it('closes a connection that breaks the protocol (unmasked frames, oversized messages)', async () => {
    const r = await upgrade(wsUrl());
    const socketClosed = new Promise<number>((resolve) => r.ws!.on('close', (code) => resolve(code)));
    // Write an unmasked frame straight to the socket, as a server would.
    (r.ws as unknown as { socket: import('node:stream').Duplex }).socket.write(encodeFrame(opcodes.text, Buffer.from('{}')));
    expect(await socketClosed).toBe(1002);

    const big = await upgrade(wsUrl());
    const bigClosed = new Promise<number>((resolve) => big.ws!.on('close', (code) => resolve(code)));
    big.ws!.send('x'.repeat(1024 * 1024 + 1));
    expect(await bigClosed).toBe(1009);
  });

  it('pushes run events to every connected page', async () => {
    const a = await connect();
    const b = await connect();
    expect(server.clientCount()).toBe(2);
    const started = await call(a, 'startRun', { config: tinyConfig, name: 'pushed' });
    expect(started).toMatchObject({ ok: true, value: { runId: expect.any(Number) } });
    const runId = started.value.runId as number;
    for (const q of [a, b]) {
      const finished = await q.next<{ message: RunEventMessage }>((m) => m.type === 'event' && m.message.kind === 'finished' && m.message.runId === runId, 60_000);
      expect(finished.message).toMatchObject({ kind: 'finished', outcome: { status: 'completed' } });
      const events = q.drain().filter((m: any) => m.type === 'event' && m.message.runId === runId) as { message: RunEventMessage }[];
      const kinds = events.map((e) => (e.message.kind === 'engine' ? e.message.event.type : e.message.kind));
      expect(kinds[0]).toBe('queued');
      expect(kinds).toContain('started');
      expect(kinds.filter((k) => k === 'epoch').length).toBeGreaterThanOrEqual(2);
    }
    const got = await call(b, 'getRun', { runId });
    expect(got.value).toMatchObject({ id: runId, name: 'pushed', status: 'completed', lastEpoch: 3 });
  });
});

describe('the page client (api-client) against the door', () => {
  it('calls the LabApi, throws field errors, and receives events', async () => {
    const url = labSocketUrl({ protocol: 'http:', host: `127.0.0.1:${server.port}`, search: `?token=${server.token}`, hash: '' });
    expect(url).toBe(`ws://127.0.0.1:${server.port}/api?token=${server.token}`);
    const client = createWsLabClient({ url, connect: nodeWebSocket });
    const events: RunEventMessage[] = [];
    const finished = new Promise<void>((resolve) =>
      client.onEvent((m) => {
        events.push(m);
        if (m.kind === 'finished') resolve();
      }),
    );
    try {
      const before = await client.listRuns({});
      await expect(client.getRun({ runId: 0 })).rejects.toThrow(/invalid getRun request: runId: must be a positive whole number/);
      await expect(client.renameRun({ runId: 1, name: '  ' })).rejects.toMatchObject({ issues: [{ path: 'name', message: 'must not be empty' }] });
      const { runId } = await client.startRun({ config: tinyConfig, name: 'from the page client' });
      await finished;
      expect(events.some((e) => e.runId === runId && e.kind === 'engine' && e.event.type === 'epoch')).toBe(true);
      const after = await client.listRuns({});
      expect(after.length).toBe(before.length + 1);
      expect(after.find((r) => r.id === runId)).toMatchObject({ name: 'from the page client', status: 'completed' });
      await client.renameRun({ runId, name: 'renamed' });
      expect((await client.getRun({ runId })).name).toBe('renamed');
    } finally {
      client.close();
    }
  });

  it('says clearly when the server cannot be reached or the token is wrong', async () => {
    const client = createWsLabClient({ url: `ws://127.0.0.1:${server.port}/api?token=wrong-wrong-wrong-wrong`, connect: nodeWebSocket });
    try {
      await expect(client.listRuns({})).rejects.toThrow(/cannot reach the Frequency Lab server at ws:\/\/127\.0\.0\.1:\d+\/api\?token=…: is npm run serve still running/);
    } finally {
      client.close();
    }
  });

  it('fails calls in flight when the connection drops', async () => {
    const other = await startLabServer({ service, rendererDir, port: 0 });
    const client = createWsLabClient({ url: `ws://127.0.0.1:${other.port}/api?token=${other.token}`, connect: nodeWebSocket });
    try {
      await client.listRuns({});
      const closing = other.close();
      await expect(client.listRuns({})).rejects.toThrow(/lost the connection|cannot reach/);
      await closing;
    } finally {
      client.close();
    }
  });
});

describe('the wire format', () => {
  it('keeps NaN and infinities (a diverged run) and finds the token in the page address', () => {
    const text = encodeWire({ loss: NaN, k: [1, Infinity, -Infinity], name: 'x' });
    expect(JSON.parse(text)).toEqual({ loss: { $number: 'NaN' }, k: [1, { $number: 'Infinity' }, { $number: '-Infinity' }], name: 'x' });
    const back = decodeWire(text) as { loss: number; k: number[] };
    expect(back.loss).toBeNaN();
    expect(back.k).toEqual([1, Infinity, -Infinity]);
    expect(tokenFromLocation({ search: '?token=abc', hash: '' })).toBe('abc');
    expect(tokenFromLocation({ search: '', hash: '#token=def' })).toBe('def');
    expect(tokenFromLocation({ search: '?x=1', hash: '#view=runs&token=ghi' })).toBe('ghi');
    expect(tokenFromLocation({ search: '', hash: '' })).toBeNull();
  });

  it('decodes and encodes exactly as a JSON reviver and replacer would (they are only used when needed)', () => {
    const reviver = (_key: string, value: unknown): unknown => {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
      const keys = Object.keys(value);
      const text = (value as Record<string, unknown>).$number;
      if (keys.length !== 1 || keys[0] !== '$number') return value;
      return text === 'NaN' ? NaN : text === 'Infinity' ? Infinity : text === '-Infinity' ? -Infinity : value;
    };
    const texts = [
      '{"$number":"NaN"}',
      '[{"$number":"Infinity"},{"$number":"-Infinity"},{"$number":"1"},{"$number":"NaN","x":1}]',
      '{"a":{"b":[{"$number":"NaN"},2,{"c":{"$number":"-Infinity"}}]}}',
      '{"x":{"\\u0024number":"Infinity"}}',
      '{"$number":{"$number":"NaN"}}',
      '{"s":"$number","t":"\\u0001","k":[0.1,1e-7,-0]}',
    ];
    for (const text of texts) expect(decodeWire(text), text).toEqual(JSON.parse(text, reviver));
    const replacer = (_key: string, value: unknown): unknown => (typeof value === 'number' && !Number.isFinite(value) ? { $number: String(value) } : value);
    const messages: unknown[] = [
      { k: [0.1, 0.2], lfr: [[1, 2], [3, 4]], name: 'x', none: null, gone: undefined },
      { deep: [[[{ loss: -Infinity }]]] },
      { when: new Date(0), custom: { toJSON: () => ({ loss: NaN }) } },
      new Float64Array([1, NaN]),
      NaN,
    ];
    for (const m of messages) expect(encodeWire(m)).toBe(JSON.stringify(m, replacer));
  });
});

describe('a second door on the same service', () => {
  let second: LabServer;
  beforeEach(async () => {
    second = await startLabServer({ service, rendererDir, port: 0 });
  });
  afterEach(async () => {
    await second.close();
  });

  it('does not accept the other door\'s token or cookie', async () => {
    expect((await request(second.port, `/?token=${server.token}`)).status).toBe(403);
    const page = await request(server.port, `/?token=${server.token}`);
    const pair = (page.headers['set-cookie']?.[0] ?? '').split(';')[0];
    expect((await request(second.port, '/assets/app.js', { Cookie: pair })).status).toBe(401);
  });
});

describe('sweeps through the page client', () => {
  it('starts a sweep, lists and reads its group, filters runs by group, and gets field errors', async () => {
    const client = createWsLabClient({ url: `ws://127.0.0.1:${server.port}/api?token=${server.token}`, connect: nodeWebSocket });
    const finished = new Set<number>();
    let runIds: number[] = [];
    let done = () => {};
    const allFinished = new Promise<void>((resolve) => (done = resolve));
    const check = () => {
      if (runIds.length && runIds.every((id) => finished.has(id))) done();
    };
    client.onEvent((m) => {
      if (m.kind !== 'finished') return;
      finished.add(m.runId);
      check();
    });
    try {
      const refused = client.startSweep({ config: tinyConfig, vary: { path: 'seed', values: [1, -1] } });
      await expect(refused).rejects.toThrow(/^invalid startSweep request: vary\.values\[1\]: config\.seed: /);
      await expect(refused).rejects.toMatchObject({ issues: [{ path: 'vary.values[1]' }] });
      await expect(client.startSweep({ config: tinyConfig, vary: { path: 'model.widths', values: [1] } })).rejects.toThrow(/vary\.path: model has no setting "widths"/);

      const started = await client.startSweep({ config: tinyConfig, vary: { path: 'seed', values: [1, 2] }, name: 'page sweep' });
      runIds = started.runIds;
      expect(runIds).toHaveLength(2);
      check();
      await allFinished;

      const groups = await client.listGroups({});
      expect(groups.find((g) => g.id === started.groupId)).toMatchObject({ name: 'page sweep', varyPath: 'seed', values: [1, 2], runIds });
      const group = await client.getGroup({ groupId: started.groupId });
      expect(group.runs.map((r) => [r.id, r.config.seed, r.status, r.groupId])).toEqual([
        [runIds[0], 1, 'completed', started.groupId],
        [runIds[1], 2, 'completed', started.groupId],
      ]);
      expect(group.runs.every((r) => r.metrics.length === 3)).toBe(true);
      expect((await client.listRuns({ groupId: started.groupId })).map((r) => r.id).sort()).toEqual([...runIds].sort());
      await expect(client.getGroup({ groupId: 0 })).rejects.toMatchObject({ issues: [{ path: 'groupId' }] });
    } finally {
      client.close();
    }
  });
});
