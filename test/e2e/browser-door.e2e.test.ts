// Browser mode in a real Chromium: the serve door refuses pages without the right token, serves
// the app with the desktop's CSP (which the browser enforces), and the page's lab client works
// over the WebSocket: a run started by another client shows up live in the page's run history.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { contentSecurityPolicy } from '../../src/main/csp';
import type { ExperimentConfigInput } from '../../src/shared/config';
import { hasChromium, launchBrowser, nodeLabClient, startServeDoor, type Browser, type ServeDoor } from './support';

/** A run of a second or two: sin(pi x) on 64 points, two tiny hidden layers. */
const tinyConfig: ExperimentConfigInput = {
  name: 'door check',
  seed: 5,
  data: { kind: 'synthetic', target: { kind: 'sin', m: 1 }, trainSize: 64 },
  model: { kind: 'mlp', hidden: [8, 8], activation: 'tanh' },
  training: { optimiser: { kind: 'adam' }, schedule: [{ fromEpoch: 1, rate: 1e-2 }], batchSize: 16, stop: { maxEpochs: 3 } },
  analysis: { layers: [1, 2], epochs: { every: 1 }, samples: 32, deltaGrid: { kind: 'log-k', kMin: 0.1, kMax: 100, count: 8 } },
  backend: 'cpu',
};

describe.skipIf(!hasChromium)('the browser door in Chromium', () => {
  let dir: string;
  let door: ServeDoor;
  let browser: Browser;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'freqlab-e2e-door-'));
    door = await startServeDoor({ rendererDir: inject('rendererDir'), dbFile: path.join(dir, 'runs.db') });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    const code = await door?.stop();
    expect(code).toBe(0);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses the page without the token (401) and with a wrong one (403)', async () => {
    const { page } = browser;
    const none = await page.goto(`${door.origin}/`);
    expect(none?.status()).toBe(401);
    expect(await page.textContent('body')).toMatch(/needs the access token/);
    const wrong = await page.goto(`${door.origin}/?token=${'A'.repeat(43)}`);
    expect(wrong?.status()).toBe(403);
    expect(await page.textContent('body')).toMatch(/wrong access token/);
    // The WebSocket without the token: refused too (the browser sees the socket fail).
    const opened = await page.evaluate(
      (url) =>
        new Promise<string>((resolve) => {
          const ws = new WebSocket(url);
          ws.onopen = () => resolve('open');
          ws.onerror = () => resolve('refused');
        }),
      `ws://127.0.0.1:${door.port}/api`,
    );
    expect(opened).toBe('refused');
  });

  it('serves the app with the CSP, and the page reaches the lab over the WebSocket', async () => {
    const { page, errors } = browser;
    errors.length = 0;
    const response = await page.goto(door.url);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toBe(contentSecurityPolicy('production'));
    // The page has loaded the run list through the lab client (an empty database: no runs).
    await page.getByTestId('nav-runs').click();
    await page.getByTestId('runs-empty').waitFor({ timeout: 20_000 });
    expect(await page.textContent('body')).not.toMatch(/cannot reach|window\.lab is missing/);

    // The browser enforces the policy: no connection to anywhere else.
    const blocked = await page.evaluate(async () => {
      try {
        await fetch('http://127.0.0.2:9/');
        return 'fetched';
      } catch {
        return 'blocked';
      }
    });
    expect(blocked).toBe('blocked');
    expect(errors.filter((e) => !/Content Security Policy|127\.0\.0\.2/.test(e))).toEqual([]);
  });

  it('shows a run started by another client live, as it trains and finishes', async () => {
    const { page, errors } = browser;
    errors.length = 0;
    await page.goto(door.url);
    await page.getByTestId('nav-runs').click();
    await page.getByTestId('runs-empty').waitFor({ timeout: 20_000 });
    const client = nodeLabClient(door);
    try {
      const { runId } = await client.startRun({ config: tinyConfig, name: 'started elsewhere' });
      // Pushed events refresh the page's run list: the run appears, then shows as completed.
      const row = page.getByTestId(`run-row-${runId}`);
      await row.waitFor({ timeout: 30_000 });
      expect(await row.textContent()).toContain('started elsewhere');
      await expect.poll(async () => await row.textContent(), { timeout: 60_000, interval: 200 }).toContain('completed');
      const run = await client.getRun({ runId });
      expect(run.status).toBe('completed');
      expect(run.lastEpoch).toBe(3);
    } finally {
      client.close();
    }
    expect(errors).toEqual([]);
  });
});
