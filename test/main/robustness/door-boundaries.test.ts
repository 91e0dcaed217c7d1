// The browser door's boundaries (src/main/server.ts), beyond test/main/server.test.ts:
// - the cookie the door sets with the page is not the access token: browsers send a cookie of
//   127.0.0.1 to every port of 127.0.0.1, so any other local web server the user visits gets it;
//   it must fetch only the page's static files, never open the WebSocket or reach the lab;
// - DNS rebinding and other Host header tricks, on HTTP and on the WebSocket upgrade;
// - no CORS: no response ever allows another origin to read it;
// - WebSocket upgrades from pages of other origins (null, file:, other ports) are refused even
//   with the token.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startLabServer, type LabServer } from '../../../src/main/server';
import { LabService } from '../../../src/main/service';
import { openDatabase } from '../../../src/main/store/database';
import { RunStore } from '../../../src/main/store/runs';
import { upgrade } from '../../fixtures/ws-client';

interface RawReply {
  status: number;
  head: string;
  body: string;
}

/** Sends raw request bytes (any Host header, or none) and reads the reply until the socket closes. */
function raw(port: number, text: string): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (c: string) => (data += c));
    socket.on('error', reject);
    socket.on('close', () => {
      const [head, ...rest] = data.split('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0), head, body: rest.join('\r\n\r\n') });
    });
    socket.write(text);
  });
}

/** A GET with exactly these header lines; the connection closes after the answer. */
function get(port: number, target: string, headers: string[]): Promise<RawReply> {
  return raw(port, [`GET ${target} HTTP/1.1`, ...headers, 'Connection: close', '', ''].join('\r\n'));
}

let dir: string;
let db: Database.Database;
let service: LabService;
let server: LabServer;
let cookie: { name: string; value: string };

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'freqlab-door-boundaries-'));
  const renderer = path.join(dir, 'renderer');
  fs.mkdirSync(path.join(renderer, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>Frequency Lab</title><script type="module" src="./assets/app.js"></script>');
  fs.writeFileSync(path.join(renderer, 'assets/app.js'), 'console.log("app");');
  db = openDatabase(path.join(dir, 'runs.db'));
  service = new LabService(new RunStore(db), { baseDir: dir });
  server = await startLabServer({ service, rendererDir: renderer, port: 0 });
  const page = await get(server.port, `/?token=${server.token}`, [`Host: 127.0.0.1:${server.port}`]);
  expect(page.status).toBe(200);
  const set = /^set-cookie: ([^=]+)=([^;\r\n]*)/im.exec(page.head);
  expect(set).not.toBeNull();
  cookie = { name: set![1], value: set![2] };
});

afterAll(async () => {
  await server?.close();
  await service?.shutdown();
  db?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the cookie set with the page', () => {
  it('is not the access token, and does not contain it', () => {
    expect(cookie.value).not.toBe(server.token);
    expect(cookie.value).not.toContain(server.token);
    expect(server.token).not.toContain(cookie.value);
    expect(cookie.value.length).toBeGreaterThanOrEqual(32);
  });

  it('fetches the files the page loads (what it is for), but not the page, which needs the token', async () => {
    const withCookie = (target: string) => get(server.port, target, [`Host: 127.0.0.1:${server.port}`, `Cookie: ${cookie.name}=${cookie.value}`]);
    expect((await withCookie('/assets/app.js')).status).toBe(200);
    for (const target of ['/', '/index.html', '/assets/../index.html', '/?x=1']) {
      const r = await withCookie(target);
      expect(r.status, target).toBe(401);
      expect(r.body).toMatch(/needs the access token in its address/);
      expect(r.body).not.toContain('<title>');
    }
  });

  it('does not open the WebSocket, with or without an Origin', async () => {
    const base = `http://127.0.0.1:${server.port}/api`;
    expect((await upgrade(base, { Cookie: `${cookie.name}=${cookie.value}` })).status).toBe(401);
    expect((await upgrade(base, { Cookie: `${cookie.name}=${cookie.value}`, Origin: server.origin })).status).toBe(401);
    // Nor does the token in the cookie's place (a cookie is never how the socket authenticates).
    expect((await upgrade(base, { Cookie: `${cookie.name}=${server.token}`, Origin: server.origin })).status).toBe(401);
    // The token itself does (the control).
    const ok = await upgrade(`${base}?token=${server.token}`, { Origin: server.origin });
    expect(ok.status).toBe(101);
    ok.ws!.close();
    expect(server.clientCount()).toBeLessThanOrEqual(1);
  });
});

describe('Host headers (DNS rebinding)', () => {
  const hostile = [
    'evil.example',
    'evil.example:PORT',
    '127.0.0.1.evil.example:PORT',
    'localhost.evil.example:PORT',
    '127.0.0.1@evil.example:PORT',
    'evil.example#@127.0.0.1:PORT',
    'localhost.:PORT',
    '127.0.0.2:PORT',
    '0.0.0.0:PORT',
    '[::ffff:7f00:1]:PORT',
    '',
  ];

  it('refuses every request that names another host, even with the token; and one with no Host', async () => {
    for (const h of hostile) {
      const host = h.replace('PORT', String(server.port));
      const r = await get(server.port, `/?token=${server.token}`, [`Host: ${host}`]);
      expect([400, 403], JSON.stringify(host)).toContain(r.status);
      expect(r.body, host).not.toContain('<title>Frequency Lab</title>');
      expect(r.head, host).not.toMatch(/set-cookie/i);
    }
    const noHost = await raw(server.port, `GET /?token=${server.token} HTTP/1.0\r\n\r\n`);
    expect(noHost.status).toBe(403);
    expect(noHost.body).not.toContain('<title>');
  });

  it('accepts the loopback names (an SSH tunnel may use another local port)', async () => {
    for (const host of [`127.0.0.1:${server.port}`, `localhost:${server.port}`, 'localhost:9000', '127.0.0.1', 'LOCALHOST:9000']) {
      const r = await get(server.port, `/?token=${server.token}`, [`Host: ${host}`]);
      expect(r.status, host).toBe(200);
    }
  });

  it('refuses the WebSocket upgrade that names another host, even with the token and a matching Origin', async () => {
    for (const h of hostile.filter((x) => x !== '')) {
      const host = h.replace('PORT', String(server.port));
      const r = await upgrade(`http://127.0.0.1:${server.port}/api?token=${server.token}`, { Host: host, Origin: `http://${host}` });
      expect(r.status, host).toBe(403);
    }
  });
});

describe('no CORS', () => {
  it('never allows another origin to read an answer, and refuses preflights', async () => {
    const origin = 'Origin: http://evil.example';
    const replies = [
      await get(server.port, `/?token=${server.token}`, [`Host: 127.0.0.1:${server.port}`, origin]),
      await get(server.port, '/assets/app.js', [`Host: 127.0.0.1:${server.port}`, origin, `Cookie: ${cookie.name}=${cookie.value}`]),
      await get(server.port, '/', [`Host: 127.0.0.1:${server.port}`, origin]),
      await raw(
        server.port,
        [`OPTIONS /api?token=${server.token} HTTP/1.1`, `Host: 127.0.0.1:${server.port}`, origin, 'Access-Control-Request-Method: POST', 'Connection: close', '', ''].join('\r\n'),
      ),
    ];
    for (const r of replies) expect(r.head).not.toMatch(/access-control-allow/i);
    expect(replies[3].status).toBe(405);
    expect(replies[0].head).toMatch(/cross-origin-resource-policy: same-origin/i);
  });
});

describe('WebSocket upgrades from other pages', () => {
  it('are refused even with the token: null, file:, another port, another scheme', async () => {
    const url = `http://127.0.0.1:${server.port}/api?token=${server.token}`;
    for (const origin of ['null', 'file://', `http://127.0.0.1:${server.port + 1}`, `http://localhost:${server.port + 1}`, `chrome-extension://abc`, 'http://evil.example', 'not a url']) {
      expect((await upgrade(url, { Origin: origin })).status, origin).toBe(403);
    }
    // Only the control connection of the cookie test was ever let in, and it has closed.
    await vi.waitFor(() => expect(server.clientCount()).toBe(0));
  });
});
