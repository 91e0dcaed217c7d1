// The whole loop in browser mode, in a real Chromium: set up a small MNIST run from the form
// (with a field error on the way), watch it finish on the live screen, find it in the run
// history, clone it into a deeper second run, compare the two, and export charts as browser
// downloads: the PNG decodes, is at least twice the chart's CSS size and is not blank; the CSV
// has exactly the rows of the stored results. Screenshots of each screen go to docs/screenshots/.
//
// Small on purpose (about a minute on two cores): 300 MNIST test images, 32-unit layers, 3 epochs,
// 100 analysis samples. Needs ../shared/data/mnist beside the repository and /usr/bin/chromium.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Download, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunDetail } from '../../src/shared/results';
import { decodePng, inkStats } from './png';
import {
  hasChromium,
  hasMnist,
  launchBrowser,
  mnistDir,
  nodeLabClient,
  parseCsv,
  screenshot,
  screenshotDir,
  startServeDoor,
  type Browser,
  type ServeDoor,
} from './support';
import type { WsLabClient } from '../../src/renderer/lib/api-client';

const firstName = 'e2e MNIST 2x32';
/** For waits on the page or the door: generous, as the machine may be busy with other tests. */
const patient = { timeout: 30_000, interval: 100 };
const secondName = 'e2e MNIST 3x32';

/** Fills one setup field (a text input or a select) by its config path. */
async function setField(page: Page, fieldPath: string, value: string): Promise<void> {
  const field = page.getByTestId(`field-${fieldPath}`);
  if ((await field.evaluate((el) => el.tagName)) === 'SELECT') await field.selectOption(value);
  else await field.fill(value);
}

/** Clicks an export button and returns the browser download it starts. */
async function download(page: Page, testId: string, into: string): Promise<{ file: string; name: string }> {
  const [dl]: [Download, void] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.getByTestId(testId).click()]);
  const name = dl.suggestedFilename();
  const file = path.join(into, name);
  await dl.saveAs(file);
  expect(await dl.failure()).toBeNull();
  return { file, name };
}

/** Waits until the live screen shows `status` for its run. */
async function waitForLiveStatus(page: Page, status: string, timeout = 120_000): Promise<void> {
  await expect
    .poll(async () => (await page.getByTestId('live-status').textContent())?.trim(), { timeout, interval: 250 })
    .toBe(status);
}

describe.skipIf(!hasChromium || !hasMnist)('the lab in a browser: setup, live, runs, compare, export', () => {
  let dir: string;
  let door: ServeDoor;
  let browser: Browser;
  let page: Page;
  let client: WsLabClient;
  let firstId = 0;
  let secondId = 0;
  const started = Date.now();

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'freqlab-e2e-flow-'));
    fs.mkdirSync(path.join(dir, 'downloads'));
    door = await startServeDoor({ rendererDir: inject('rendererDir'), dbFile: path.join(dir, 'runs.db'), env: { FREQLAB_BASE_DIR: dir } });
    browser = await launchBrowser({ width: 1280, height: 860 });
    page = browser.page;
    client = nodeLabClient(door);
    const response = await page.goto(door.url);
    expect(response?.status()).toBe(200);
  });

  afterAll(async () => {
    client?.close();
    await browser?.close();
    await door?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    console.log(`e2e flow: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });

  it('sets up a small MNIST run from the form, with field-level validation', async () => {
    await page.getByTestId('nav-setup').click();
    await page.getByTestId('preset-select').selectOption('mnist-fc-quick');
    await setField(page, 'name', firstName);
    await setField(page, 'data.dir', mnistDir);
    await setField(page, 'data.files', 't10k');

    // A bad value: the field says why and "start" is disabled; fixed, both clear.
    await setField(page, 'data.trainSize', '-5');
    await expect.poll(() => page.getByTestId('field-error-data.trainSize').isVisible(), patient).toBe(true);
    expect(await page.getByTestId('field-error-data.trainSize').textContent()).toMatch(/\S/);
    expect(await page.getByTestId('start-run').isDisabled()).toBe(true);
    await setField(page, 'data.trainSize', '300');
    await expect.poll(() => page.getByTestId('field-error-data.trainSize').count(), patient).toBe(0);

    await setField(page, 'model.hidden', '32, 32');
    await setField(page, 'training.batchSize', '50');
    await setField(page, 'training.schedule[0].rate', '0.001');
    await setField(page, 'training.stop.maxEpochs', '3');
    await setField(page, 'analysis.layers', '');
    await setField(page, 'analysis.samples', '100');
    await setField(page, 'analysis.epochs.every', '1');
    await setField(page, 'analysis.deltaGrid.count', '40');
    await setField(page, 'backend', 'wasm');
    expect(await page.getByTestId('start-run').isEnabled()).toBe(true);
    await page.getByTestId('field-name').scrollIntoViewIfNeeded();
    await screenshot(page, 'setup');

    await page.getByTestId('start-run').click();
    // The page's startRun reaches the door over its WebSocket: the run is stored.
    await expect.poll(async () => (await client.listRuns({})).length, patient).toBe(1);
    const runs = await client.listRuns({});
    firstId = runs[0].id;
    expect(runs[0]).toMatchObject({ name: firstName });
    expect(runs[0].config).toMatchObject({
      data: { kind: 'idx', dir: mnistDir, files: 't10k', trainSize: 300 },
      model: { kind: 'mlp', hidden: [32, 32] },
      training: { batchSize: 50, stop: { maxEpochs: 3 } },
      analysis: { samples: 100, epochs: { every: 1 } },
      backend: 'wasm',
    });
  });

  it('watches it train and finish on the live screen', async () => {
    if (!(await page.getByTestId('live-status').isVisible())) await page.getByTestId('nav-live').click();
    // Progress while it trains, then "completed" with every epoch done.
    await expect.poll(async () => (await page.getByTestId('live-status').textContent())?.trim(), { timeout: 60_000 }).toMatch(/running|completed/);
    await waitForLiveStatus(page, 'completed');
    await expect.poll(async () => (await page.getByTestId('live-epoch').textContent())?.replace(/\s+/g, ' ').trim(), patient).toBe('3 / 3');
    expect(await page.getByTestId('live-backend').textContent()).toMatch(/wasm/);
    await page.waitForTimeout(600); // the charts' last redraw
    await screenshot(page, 'live');
    const run = await client.getRun({ runId: firstId });
    expect(run).toMatchObject({ status: 'completed', lastEpoch: 3 });
  });

  it('finds the run in the history, searches, and clones it into a deeper second run', async () => {
    await page.getByTestId('nav-runs').click();
    const row = page.getByTestId(`run-row-${firstId}`);
    await row.waitFor();
    expect(await row.textContent()).toContain(firstName);
    expect(await row.textContent()).toContain('completed');

    await page.getByTestId('runs-search').fill('no such run anywhere');
    await page.getByTestId('runs-none').waitFor();
    await page.getByTestId('runs-search').fill('2x32');
    await row.waitFor();
    await page.getByTestId('runs-search').fill('');

    await page.getByTestId(`clone-run-${firstId}`).click();
    await page.getByTestId('field-model.hidden').waitFor();
    expect(await page.getByTestId('field-data.trainSize').inputValue()).toBe('300');
    await setField(page, 'name', secondName);
    await setField(page, 'model.hidden', '32, 32, 32');
    await page.getByTestId('start-run').click();
    await expect.poll(async () => (await client.listRuns({})).length, patient).toBe(2);
    secondId = (await client.listRuns({})).find((r) => r.id !== firstId)!.id;
    if (!(await page.getByTestId('live-status').isVisible())) await page.getByTestId('nav-live').click();
    await waitForLiveStatus(page, 'completed');
    const second = await client.getRun({ runId: secondId });
    expect(second).toMatchObject({ name: secondName, status: 'completed', lastEpoch: 3, config: { model: { hidden: [32, 32, 32] } } });

    await page.getByTestId('nav-runs').click();
    await page.getByTestId(`run-row-${secondId}`).waitFor();
    await expect.poll(async () => await page.getByTestId(`run-row-${secondId}`).textContent(), patient).toContain('completed');
  });

  it('compares the two runs: every chart drawn, the epoch slider moves', async () => {
    await page.getByTestId(`run-select-${firstId}`).check();
    await page.getByTestId(`run-select-${secondId}`).check();
    expect(await page.getByTestId('compare-selected').isEnabled()).toBe(true);
    await screenshot(page, 'runs');
    await page.getByTestId('compare-selected').click();
    for (const kind of ['rdf-layers', 'rdf-epochs', 'peaks', 'loss', 'depth']) {
      const chart = page.getByTestId(`chart-${kind}`);
      await chart.waitFor();
      await expect.poll(() => chart.locator('canvas').count(), patient).toBeGreaterThan(0);
    }
    const slider = page.getByTestId('epoch-slider');
    await slider.focus();
    await page.keyboard.press('Home');
    await expect.poll(async () => (await page.getByTestId('epoch-value').textContent())?.trim(), patient).toBe('0');
    await page.keyboard.press('End');
    await expect.poll(async () => (await page.getByTestId('epoch-value').textContent())?.trim(), patient).toBe('3');
    // One layer across runs: the last hidden layer of each run, overlaid.
    await page.getByTestId('rdf-mode-runs').check();
    expect(await page.getByTestId('rdf-mode-runs').isChecked()).toBe(true);
    await page.waitForTimeout(800); // the redraw (echarts animates its updates)
    await screenshot(page, 'compare');
  });

  it('exports a chart to PNG (decodes, 2x its size, not blank), SVG, and its data to CSV', async () => {
    const into = path.join(dir, 'downloads');
    const box = await page.getByTestId('chart-rdf-layers').boundingBox();
    expect(box).not.toBeNull();

    const png = await download(page, 'export-png-rdf-layers', into);
    expect(png.name).toMatch(/\.png$/);
    const image = decodePng(fs.readFileSync(png.file));
    expect(image.width).toBeGreaterThanOrEqual(Math.floor(2 * box!.width) - 2);
    expect(image.height).toBeGreaterThanOrEqual(Math.floor(2 * box!.height) - 2);
    const ink = inkStats(image);
    expect(ink.transparentFraction).toBe(0); // white background, not transparent
    expect(ink.inkFraction).toBeGreaterThan(0.01); // axes, curves and text, not a blank image
    expect(ink.inkFraction).toBeLessThan(0.6);
    expect(ink.colours).toBeGreaterThan(8); // coloured curves, not only black text
    fs.mkdirSync(screenshotDir, { recursive: true });
    fs.copyFileSync(png.file, path.join(screenshotDir, 'export-rdf-layers.png'));

    const svg = await download(page, 'export-svg-rdf-layers', into);
    const svgText = fs.readFileSync(svg.file, 'utf8');
    expect(svgText.trimStart()).toMatch(/^(<\?xml[^>]*>\s*)?<svg/);
    expect(svgText).toContain('<path');

    // The RDF CSV: one row per (layer, k) of every plotted curve, equal to the stored results.
    const csv = await download(page, 'export-csv-rdf-layers', into);
    const rows = parseCsv(fs.readFileSync(csv.file, 'utf8'));
    const [header, ...data] = rows;
    expect(header).toEqual(['run_id', 'run', 'layer', 'epoch', 'k', 'value']);
    const runs = new Map<number, RunDetail>([
      [firstId, await client.getRun({ runId: firstId })],
      [secondId, await client.getRun({ runId: secondId })],
    ]);
    const curves = new Map<string, number>();
    for (const [runId, runName, layer, epoch, k, value] of data) {
      const run = runs.get(Number(runId));
      expect(run, `run ${runId}`).toBeDefined();
      expect(runName).toBe(run!.name);
      const result = run!.frequencies.find((f) => f.layer === Number(layer) && f.epoch === Number(epoch));
      expect(result, `layer ${layer} epoch ${epoch}`).toBeDefined();
      const j = result!.rdfK.indexOf(Number(k));
      expect(j, `k ${k}`).toBeGreaterThanOrEqual(0);
      expect(Number(value)).toBe(result!.rdf[j]);
      const key = `${runId}/${layer}/${epoch}`;
      curves.set(key, (curves.get(key) ?? 0) + 1);
    }
    // "One layer across runs" at epoch 3: the last hidden layer of each run (2 and 3), every
    // point of its 39-point RDF (40 grid points, midpoints) once.
    expect([...curves.keys()].sort()).toEqual([`${firstId}/2/3`, `${secondId}/3/3`].sort());
    for (const [key, count] of curves) expect(count, key).toBe(39);
    expect(data).toHaveLength(2 * 39);

    // The loss CSV: one row per run and epoch.
    const lossCsv = await download(page, 'export-csv-loss', into);
    const lossRows = parseCsv(fs.readFileSync(lossCsv.file, 'utf8'));
    expect(lossRows[0].slice(0, 4)).toEqual(['run_id', 'run', 'epoch', 'loss']);
    expect(lossRows.slice(1).map((r) => `${r[0]}:${r[2]}`).sort()).toEqual(
      [firstId, secondId].flatMap((id) => [1, 2, 3].map((e) => `${id}:${e}`)).sort(),
    );
    for (const r of lossRows.slice(1)) {
      const metrics = runs.get(Number(r[0]))!.metrics.find((m) => m.epoch === Number(r[2]))!;
      expect(Number(r[3])).toBe(metrics.loss);
    }
    await expect.poll(async () => await page.getByTestId('export-status-loss').textContent(), patient).toMatch(/Saved CSV/);
  });

  it('logged no errors in the page', () => {
    expect(browser.errors).toEqual([]);
  });
});
