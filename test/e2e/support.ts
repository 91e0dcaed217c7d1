// What the end-to-end tests need: the serve door as a child process (the real `npm run serve`
// entry), Debian's Chromium through playwright-core with a fresh profile, a Node-side lab client
// to check what the page did, and the small MNIST subset.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { createWsLabClient, type WsLabClient } from '../../src/renderer/lib/api-client';
import { nodeWebSocket } from '../fixtures/ws-client';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The MNIST test set beside the repository (as the engine's end-to-end tests use it). */
export const mnistDir = path.resolve(repoRoot, '../shared/data/mnist');
export const hasMnist = fs.existsSync(path.join(mnistDir, 't10k-images-idx3-ubyte.gz')) || fs.existsSync(path.join(mnistDir, 't10k-images-idx3-ubyte'));
export const chromiumPath = process.env.FREQLAB_CHROMIUM ?? '/usr/bin/chromium';
export const hasChromium = fs.existsSync(chromiumPath);
/** Where the screenshots go: $FREQLAB_E2E_SCREENSHOTS (`npm run screenshots` sets it to
 *  docs/screenshots, the ones the README shows), else a temporary folder, so that an ordinary
 *  test run leaves the work tree untouched. */
export const screenshotDir = path.resolve(
  process.env.FREQLAB_E2E_SCREENSHOTS || path.join(os.tmpdir(), 'frequency-lab-e2e-screenshots'),
);

export interface ServeDoor {
  url: string;
  origin: string;
  token: string;
  port: number;
  /** Everything the door printed so far. */
  output(): string;
  /** Ctrl-C (SIGINT), then waits for the exit; returns the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `src/main/serve.ts` (what `npm run serve` runs) on a free port and waits for its address. */
export async function startServeDoor(options: { rendererDir: string; dbFile: string; env?: Record<string, string> }): Promise<ServeDoor> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(repoRoot, 'src/main/serve.ts'), '--port', '0', '--db', options.dbFile, '--renderer', options.rendererDir],
    { cwd: repoRoot, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  child.stdout!.on('data', (s: string) => (output += s));
  child.stderr!.on('data', (s: string) => (output += s));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the serve door printed no address in 60 s:\n${output}`)), 60_000);
    const check = () => {
      const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the serve door exited (${code}) before printing its address:\n${output}`));
    });
  });
  const parsed = new URL(url);
  return {
    url,
    origin: parsed.origin,
    token: parsed.searchParams.get('token')!,
    port: Number(parsed.port),
    output: () => output,
    async stop() {
      if (child.exitCode === null) child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 40_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught page errors seen so far. */
  errors: string[];
  close(): Promise<void>;
}

/** Debian's Chromium, headless, with a new empty profile; downloads accepted. */
export async function launchBrowser(viewport = { width: 1280, height: 820 }): Promise<Browser> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'freqlab-e2e-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
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
    ],
    viewport,
    deviceScaleFactor: 1,
    acceptDownloads: true,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  return {
    context,
    page,
    errors,
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A lab client from Node to the same door (to check what the page did). */
export function nodeLabClient(door: ServeDoor): WsLabClient {
  return createWsLabClient({ url: `ws://127.0.0.1:${door.port}/api?token=${door.token}`, connect: nodeWebSocket });
}

/** A screenshot for the README: the whole viewport, into docs/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, `${name}.png`);
  await page.screenshot({ path: file, animations: 'disabled' });
  return file;
}

/** Parses CSV text (RFC 4180 quoting) into rows of cells. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += ch;
  }
  if (cell !== '' || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}
