// A sweep from the setup form in browser mode, in a real Chromium: a tiny 1-D fit swept over
// seeds [1, 2] (a bad value on the way is refused at the value), both runs queued as one group
// and trained, the group in the run history's group column and filter, and Compare's group mode
// with the sweep charts drawn (mean ± std over the seeds, epochs to threshold) and the band
// chart's CSV equal to the stored losses. Small on purpose (a few seconds of training): synthetic
// data, one 8-unit layer, 3 epochs, the cpu backend; needs /usr/bin/chromium, not MNIST.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Download, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { WsLabClient } from '../../src/renderer/lib/api-client';
import { hasChromium, launchBrowser, nodeLabClient, parseCsv, screenshot, startServeDoor, type Browser, type ServeDoor } from './support';

const patient = { timeout: 30_000, interval: 100 };
const sweepName = 'e2e seeds';

async function setField(page: Page, fieldPath: string, value: string): Promise<void> {
  const field = page.getByTestId(`field-${fieldPath}`);
  if ((await field.evaluate((el) => el.tagName)) === 'SELECT') await field.selectOption(value);
  else await field.fill(value);
}

describe.skipIf(!hasChromium)('a sweep in a browser: setup, run history, compare group', () => {
  let dir: string;
  let door: ServeDoor;
  let browser: Browser;
  let page: Page;
  let client: WsLabClient;
  let groupId = 0;
  let runIds: number[] = [];
  const started = Date.now();

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'freqlab-e2e-sweep-'));
    door = await startServeDoor({ rendererDir: inject('rendererDir'), dbFile: path.join(dir, 'runs.db'), env: { FREQLAB_BASE_DIR: dir } });
    browser = await launchBrowser({ width: 1280, height: 860 });
    page = browser.page;
    client = nodeLabClient(door);
    expect((await page.goto(door.url))?.status()).toBe(200);
  });

  afterAll(async () => {
    client?.close();
    await browser?.close();
    await door?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    console.log(`e2e sweep: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });

  it('sweeps the seed from the setup form: the count, a bad value refused at the value, two runs queued as a group', async () => {
    await page.getByTestId('nav-setup').click();
    await page.getByTestId('preset-select').selectOption('fit-1d-depth');
    await setField(page, 'name', sweepName);
    await setField(page, 'data.trainSize', '64');
    await setField(page, 'model.hidden', '8');
    await setField(page, 'training.stop.maxEpochs', '3');
    await setField(page, 'training.stop.lossBelow', '');
    await setField(page, 'training.threshold', '0.6');
    await setField(page, 'analysis.samples', '32');
    await setField(page, 'analysis.epochs.every', '1');
    await setField(page, 'analysis.deltaGrid.count', '8');
    await setField(page, 'backend', 'cpu');
    expect(await page.getByTestId('start-run').isEnabled()).toBe(true);

    await page.getByTestId('sweep-enabled').check();
    await page.getByTestId('sweep-setting').selectOption('seed');
    await page.getByTestId('sweep-values').fill('1, -1');
    await expect.poll(async () => await page.getByTestId('sweep-error').textContent(), patient).toMatch(/value 2 \(-1\): seed: must be at least 0/);
    expect(await page.getByTestId('start-sweep').isDisabled()).toBe(true);
    await page.getByTestId('section-sweep').scrollIntoViewIfNeeded();
    await screenshot(page, 'setup-sweep');
    await page.getByTestId('sweep-values').fill('1, 2');
    await expect.poll(() => page.getByTestId('sweep-error').count(), patient).toBe(0);
    expect(await page.getByTestId('sweep-count').textContent()).toMatch(/Will queue 2 runs/);
    expect(await page.getByTestId('start-sweep').textContent()).toMatch(/Start sweep \(2 runs\)/);
    await page.getByTestId('start-sweep').click();

    // The page's startSweep reaches the door: one group of two runs, seeds 1 and 2.
    await expect.poll(async () => (await client.listGroups({})).length, patient).toBe(1);
    const [group] = await client.listGroups({});
    groupId = group.id;
    runIds = group.runIds;
    expect(group).toMatchObject({ name: sweepName, varyPath: 'seed', values: [1, 2] });
    expect(runIds).toHaveLength(2);
    // Both train, one after the other.
    await expect
      .poll(async () => (await client.getGroup({ groupId })).runs.map((r) => r.status).join(), { timeout: 120_000, interval: 250 })
      .toBe('completed,completed');
  });

  it('shows the group in the run history and filters by it', async () => {
    await page.getByTestId('nav-runs').click();
    for (const id of runIds) await page.getByTestId(`run-row-${id}`).waitFor();
    expect(await page.getByTestId(`run-group-${runIds[1]}`).textContent()).toMatch(/#\d+ e2e seeds\s*seed = 2/);
    await page.getByTestId('group-filter').selectOption('none');
    await page.getByTestId('runs-none').waitFor();
    await page.getByTestId('group-filter').selectOption(String(groupId));
    for (const id of runIds) await page.getByTestId(`run-row-${id}`).waitFor();
    await screenshot(page, 'runs-group');
    await page.getByTestId('compare-group').click();
  });

  it('compares the group: the sweep charts are drawn and the band CSV holds the mean over seeds', async () => {
    expect(await page.getByTestId('compare-mode-group').isChecked()).toBe(true);
    expect(await page.getByTestId('compare-group-select').inputValue()).toBe(String(groupId));
    await page.getByTestId('compare-group-facts').waitFor();
    for (const kind of ['sweep-band', 'sweep-threshold']) {
      const chart = page.getByTestId(`chart-${kind}`);
      await chart.waitFor();
      await expect.poll(() => chart.locator('canvas').count(), patient).toBeGreaterThan(0);
    }
    // The group's runs are the selection: both chips.
    for (const id of runIds) await page.getByTestId(`compare-run-${id}`).waitFor();
    await page.waitForTimeout(500);
    await screenshot(page, 'compare-group');

    const [dl]: [Download, void] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.getByTestId('export-csv-sweep-band').click()]);
    const file = path.join(dir, dl.suggestedFilename());
    await dl.saveAs(file);
    const [header, ...rows] = parseCsv(fs.readFileSync(file, 'utf8'));
    expect(header).toEqual(['band', 'epoch', 'mean_loss', 'std', 'runs', 'lower', 'upper']);
    const group = await client.getGroup({ groupId });
    expect(rows.map((r) => r[1])).toEqual(['1', '2', '3']);
    for (const [band, epoch, mean, , count] of rows) {
      expect(band).toBe('2 seeds');
      expect(count).toBe('2');
      const losses = group.runs.map((r) => r.metrics.find((m) => m.epoch === Number(epoch))!.loss);
      expect(Number(mean)).toBeCloseTo((losses[0] + losses[1]) / 2, 12);
    }
    // Back to the selected runs: group mode off, the same runs compared.
    await page.getByTestId('compare-mode-runs').check();
    await expect.poll(() => page.getByTestId('chart-sweep-band').count(), patient).toBe(0);
    await page.getByTestId('chart-loss').waitFor();
  });

  it('logged no errors in the page', () => {
    expect(browser.errors).toEqual([]);
  });
});
