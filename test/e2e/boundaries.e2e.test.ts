// The app's boundaries, in a real Chromium against the real serve door (`npm run serve`):
// - the built app: the preload requires nothing but 'electron', the renderer bundle no Node and
//   no IPC, and the page in browser mode has no Node globals;
// - DNS rebinding: a host name that resolves to 127.0.0.1 (Chromium's --host-resolver-rules plays
//   the attacker's DNS) is refused by the door, even with the right token, over HTTP and WebSocket;
// - other sites in the same browser, after the user opened the lab (its cookie is set): a page
//   on another site (localhost) and one on the same site but another port (127.0.0.1, where the
//   SameSite cookie does travel) cannot open the lab's WebSocket, with or without the token, nor
//   read its pages, nor load its scripts; the lab's own page can (the positive control). The
//   cookie, which the browser also sends to that other server on 127.0.0.1, is not the token and
//   does not open the lab's WebSocket.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { upgrade } from '../fixtures/ws-client';
import { chromiumPath, hasChromium, nodeLabClient, startServeDoor, type ServeDoor } from './support';

/** The host name the attacker's DNS points at 127.0.0.1. */
const rebindHost = 'rebind.test';

/** What a page script can try against the door; run in the page with page.evaluate. */
const probes = {
  /** Opens a WebSocket; 'open' or 'refused'. */
  socket: (url: string) =>
    new Promise<string>((resolve) => {
      const ws = new WebSocket(url);
      const timer = setTimeout(() => resolve('timeout'), 10_000);
      ws.onopen = () => {
        clearTimeout(timer);
        ws.close();
        resolve('open');
      };
      ws.onerror = () => {
        clearTimeout(timer);
        resolve('refused');
      };
    }),
  /** Fetches and reads a response; its text, or 'blocked'. */
  read: async (url: string) => {
    try {
      const response = await fetch(url, { credentials: 'include' });
      return `${response.status} ${await response.text()}`;
    } catch {
      return 'blocked';
    }
  },
  /** Loads a script or an image from another origin; 'loaded' or 'blocked'. */
  embed: ({ url, tag }: { url: string; tag: 'script' | 'img' }) =>
    new Promise<string>((resolve) => {
      const el = document.createElement(tag);
      el.onload = () => resolve('loaded');
      el.onerror = () => resolve('blocked');
      el.setAttribute('src', url);
      document.body.appendChild(el);
    }),
};

describe.skipIf(!hasChromium)('the boundaries of the app, in Chromium', () => {
  let dir: string;
  let rendererDir: string;
  let door: ServeDoor;
  let context: BrowserContext;
  let profile: string;
  /** Pages of other sites: one on another site (localhost), one on the lab's site, another port. */
  let attacker: http.Server;
  let attackerPort: number;
  /** The Cookie headers the other server received from the browser. */
  const cookiesSeen: string[] = [];

  beforeAll(async () => {
    rendererDir = inject('rendererDir');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'freqlab-e2e-boundaries-'));
    door = await startServeDoor({ rendererDir, dbFile: path.join(dir, 'runs.db') });
    attacker = http.createServer((req, res) => {
      if (req.headers.cookie) cookiesSeen.push(req.headers.cookie);
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><title>another site</title><body>another site</body>');
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    attackerPort = (attacker.address() as { port: number }).port;
    profile = fs.mkdtempSync(path.join(os.tmpdir(), 'freqlab-e2e-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        // The attacker's DNS: rebind.test resolves to the loopback address.
        `--host-resolver-rules=MAP ${rebindHost} 127.0.0.1`,
      ],
    });
  });

  afterAll(async () => {
    await context?.close();
    if (profile) fs.rmSync(profile, { recursive: true, force: true });
    await new Promise<void>((resolve) => (attacker ? attacker.close(() => resolve()) : resolve()));
    const code = await door?.stop();
    expect(code).toBe(0);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function newPage(): Promise<Page> {
    return await context.newPage();
  }

  it('the built preload requires only electron; the built renderer has no Node and no IPC', () => {
    const preload = fs.readFileSync(path.join(rendererDir, '../preload/index.cjs'), 'utf8');
    const required = new Set([...preload.matchAll(/\brequire\(\s*["'`]([^"'`]+)["'`]\s*\)/g)].map((m) => m[1]));
    expect([...required]).toEqual(['electron']);
    expect(preload).toMatch(/exposeInMainWorld\(\s*["']lab["']/);
    expect(preload.match(/exposeInMainWorld/g)).toHaveLength(1);
    const assets = fs.readdirSync(path.join(rendererDir, 'assets')).filter((f) => f.endsWith('.js'));
    expect(assets.length).toBeGreaterThan(0);
    for (const asset of assets) {
      const js = fs.readFileSync(path.join(rendererDir, 'assets', asset), 'utf8');
      expect(js, asset).not.toMatch(/\brequire\(\s*["'`]/);
      expect(js, asset).not.toMatch(/["'`]node:[a-z_/]+["'`]/);
      expect(js, asset).not.toMatch(/ipcRenderer|contextBridge/);
    }
  });

  it('the page has no Node: no require, process, module, Buffer or global', async () => {
    const page = await newPage();
    try {
      const response = await page.goto(door.url);
      expect(response?.status()).toBe(200);
      await page.getByTestId('nav-runs').waitFor({ timeout: 20_000 });
      const globals = await page.evaluate(() =>
        ['require', 'process', 'module', 'exports', 'Buffer', 'global', '__dirname', 'electron', 'ipcRenderer'].map(
          (name) => `${name}:${typeof (globalThis as Record<string, unknown>)[name]}`,
        ),
      );
      expect(globals).toEqual(['require', 'process', 'module', 'exports', 'Buffer', 'global', '__dirname', 'electron', 'ipcRenderer'].map((n) => `${n}:undefined`));
    } finally {
      await page.close();
    }
  });

  it('DNS rebinding: a name that resolves to 127.0.0.1 is refused, even with the right token', async () => {
    const page = await newPage();
    try {
      const rebound = `http://${rebindHost}:${door.port}`;
      const response = await page.goto(`${rebound}/?token=${door.token}`);
      expect(response?.status()).toBe(403);
      const body = (await page.textContent('body')) ?? '';
      expect(body).toMatch(/must name 127\.0\.0\.1 or localhost/);
      expect(await page.title()).not.toBe('Frequency Lab');
      // From that (attacker's) page: the door's socket under the rebound name, and under its own.
      expect(await page.evaluate(probes.socket, `ws://${rebindHost}:${door.port}/api?token=${door.token}`)).toBe('refused');
      expect(await page.evaluate(probes.socket, `ws://127.0.0.1:${door.port}/api?token=${door.token}`)).toBe('refused');
      expect(await page.evaluate(probes.read, `${rebound}/assets/`)).not.toMatch(/^200/);
    } finally {
      await page.close();
    }
  });

  it('another site cannot use the lab the user has open: no socket, no reading, no embedding', async () => {
    // The user opens the lab: the page gets its cookie and connects.
    const lab = await newPage();
    const attackers: Page[] = [];
    try {
      expect((await lab.goto(door.url))?.status()).toBe(200);
      await lab.getByTestId('nav-runs').waitFor({ timeout: 20_000 });
      const cookies = await context.cookies(`http://127.0.0.1:${door.port}`);
      expect(cookies.map((c) => c.name)).toEqual([expect.stringMatching(/^freqlab-/)]);
      // Positive control: the lab's own page opens the socket, with the token as its client does.
      expect(await lab.evaluate(probes.socket, `ws://127.0.0.1:${door.port}/api?token=${door.token}`)).toBe('open');
      // The cookie alone does not, even from the lab's own page.
      expect(await lab.evaluate(probes.socket, `ws://127.0.0.1:${door.port}/api`)).toBe('refused');
      const html = await (await fetch(`${door.origin}/?token=${door.token}`)).text();
      const script = /src="\.?\/?(assets\/[^"]+\.js)"/.exec(html)?.[1];
      expect(script).toBeDefined();

      // localhost is another site (the SameSite cookie stays home); 127.0.0.1 on another port is
      // the same site (the cookie travels), so there only the Origin check and CORS/CORP stand.
      const origins = [`http://localhost:${attackerPort}`, `http://127.0.0.1:${attackerPort}`];
      const tried: Record<string, Record<string, string>> = {};
      for (const origin of origins) {
        const page = await newPage();
        attackers.push(page);
        expect((await page.goto(`${origin}/`))?.status()).toBe(200);
        tried[origin] = {
          socketWithoutToken: await page.evaluate(probes.socket, `ws://127.0.0.1:${door.port}/api`),
          socketWithToken: await page.evaluate(probes.socket, `ws://127.0.0.1:${door.port}/api?token=${door.token}`),
          socketViaLocalhost: await page.evaluate(probes.socket, `ws://localhost:${door.port}/api?token=${door.token}`),
          readPage: await page.evaluate(probes.read, `http://127.0.0.1:${door.port}/`),
          readPageWithToken: await page.evaluate(probes.read, `http://127.0.0.1:${door.port}/?token=${door.token}`),
          embedScript: await page.evaluate(probes.embed, { url: `http://127.0.0.1:${door.port}/${script}`, tag: 'script' as const }),
          embedImage: await page.evaluate(probes.embed, { url: `http://127.0.0.1:${door.port}/${script}`, tag: 'img' as const }),
        };
      }
      const refusedEverything = {
        socketWithoutToken: 'refused',
        socketWithToken: 'refused',
        socketViaLocalhost: 'refused',
        readPage: 'blocked',
        readPageWithToken: 'blocked',
        embedScript: 'blocked',
        embedImage: 'blocked',
      };
      expect(tried).toEqual(Object.fromEntries(origins.map((o) => [o, refusedEverything])));
      // Browsers send 127.0.0.1's cookies to every port: the other server on 127.0.0.1 got the
      // lab's cookie. It is not the token, and opens neither the socket nor the lab.
      const leaked = cookiesSeen.join('; ');
      expect(leaked).toContain(cookies[0].name);
      expect(leaked).not.toContain(door.token);
      const withCookie = await upgrade(`http://127.0.0.1:${door.port}/api`, { Cookie: `${cookies[0].name}=${cookies[0].value}` });
      expect(withCookie.status).toBe(401);
      // Still usable by its own page, and nothing was done to the lab.
      expect(await lab.evaluate(probes.socket, `ws://127.0.0.1:${door.port}/api?token=${door.token}`)).toBe('open');
      const client = nodeLabClient(door);
      try {
        expect(await client.listRuns({})).toEqual([]);
      } finally {
        client.close();
      }
    } finally {
      for (const p of attackers) await p.close();
      await lab.close();
    }
  });
});
