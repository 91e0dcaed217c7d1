// Screenshots of every screen of the built renderer, for looking at the UI without Electron:
// serves out/renderer over HTTP, opens it in headless Chromium (Debian's /usr/bin/chromium via
// playwright-core) with the fake window.lab of fake-lab.js, walks the screens, and checks a few
// things on the way (validation messages, exports). Not part of `vitest run`.
// Usage: npm run build && node test/renderer/screens/shoot.mjs [out-dir]   (default /tmp/freqlab-screens)
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');
const rendererDir = path.join(root, 'out/renderer');
const outDir = path.resolve(process.argv[2] ?? '/tmp/freqlab-screens');
const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
if (!fs.existsSync(path.join(rendererDir, 'index.html'))) throw new Error('out/renderer is missing: run npm run build first');
fs.mkdirSync(outDir, { recursive: true });

const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png' };
const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  const file = path.join(rendererDir, url.pathname === '/' ? 'index.html' : path.normalize(url.pathname));
  if (!file.startsWith(rendererDir) || !fs.existsSync(file)) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' });
  fs.createReadStream(file).pipe(res);
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${server.address().port}/`;
const fake = fs.readFileSync(path.join(here, 'fake-lab.js'), 'utf8');

const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu'] });
const step = (text) => console.log(`ok - ${text}`);
const problems = [];

async function open(options = {}) {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, deviceScaleFactor: 1, acceptDownloads: true });
  const page = await context.newPage();
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  await page.addInitScript(`window.__fakeLab = ${JSON.stringify(options)};\n${fake}`);
  await page.addInitScript(() => sessionStorage.clear());
  await page.goto(base);
  return { page, context };
}
/** A screenshot; `full`: the whole scrolling content of <main> (the window grows to fit it). */
const shot = async (page, name, full = true) => {
  await page.waitForTimeout(250);
  const viewport = page.viewportSize();
  if (full) {
    const height = await page.evaluate(() => document.querySelector('main')?.scrollHeight ?? 0);
    if (height > viewport.height) {
      await page.setViewportSize({ width: viewport.width, height: Math.min(height, 8000) });
      await page.waitForTimeout(400);
    }
  }
  await page.screenshot({ path: path.join(outDir, `${name}.png`) });
  if (full) await page.setViewportSize(viewport);
  step(`screenshot ${name}.png`);
};
const byId = (page, id) => page.getByTestId(id);

try {
  // --- Browser mode (no saveFile): history, run view, compare, exports as downloads ---------
  {
    const { page, context } = await open({ epochMs: 1500 });
    await byId(page, 'run-row-1').waitFor();
    await shot(page, '01-runs');

    await byId(page, 'runs-search').fill('depth');
    await page.waitForTimeout(100);
    assert.equal(await page.locator('[data-testid^="run-row-"]').count(), 2);
    await byId(page, 'runs-search').fill('');
    await byId(page, 'sort-loss').click();
    await byId(page, 'runs-status-filter').selectOption('completed');
    assert.equal(await page.locator('[data-testid^="run-row-"]').count(), 3);
    await byId(page, 'runs-status-filter').selectOption('');
    step('search, sort, filter');

    await byId(page, 'run-rename-1').click();
    await byId(page, 'run-rename-1-input').fill('MNIST 5×500 (baseline)');
    await byId(page, 'run-rename-1-input').press('Enter');
    await page.getByText('MNIST 5×500 (baseline)').waitFor();
    await byId(page, 'run-notes-2').click();
    await byId(page, 'run-notes-input-2').fill('shallower: slower to reach 0.01');
    await byId(page, 'run-notes-save-2').click();
    await shot(page, '02-runs-editing', false);
    await byId(page, 'run-delete-4').click();
    await shot(page, '03-runs-delete-confirm', false);
    await byId(page, 'confirm-delete').click();
    await byId(page, 'run-row-4').waitFor({ state: 'detached' });
    step('rename, notes, delete with confirmation');

    for (const id of [1, 2, 3]) await byId(page, `run-select-${id}`).check();
    await byId(page, 'compare-selected').click();
    await byId(page, 'chart-rdf-layers').locator('canvas').first().waitFor();
    await shot(page, '04-compare');
    await byId(page, 'rdf-mode-runs').check();
    await byId(page, 'epoch-slider').fill('20');
    assert.equal(await byId(page, 'epoch-value').textContent(), '20');
    await byId(page, 'rdf-epochs-style').selectOption('heatmap');
    await byId(page, 'logy-loss').uncheck();
    await byId(page, 'depth-loss-target').fill('0.02');
    await shot(page, '05-compare-options');
    await byId(page, 'chart-rdf-layers').screenshot({ path: path.join(outDir, '05a-chart-rdf-layers.png') });
    await byId(page, 'chart-rdf-epochs').screenshot({ path: path.join(outDir, '05b-chart-rdf-epochs-heatmap.png') });
    await byId(page, 'chart-depth').screenshot({ path: path.join(outDir, '05c-chart-depth.png') });

    for (const [format, kind] of [
      ['png', 'rdf-layers'],
      ['svg', 'peaks'],
      ['csv', 'rdf-layers'],
      ['csv', 'depth'],
    ]) {
      const [download] = await Promise.all([page.waitForEvent('download'), byId(page, `export-${format}-${kind}`).click()]);
      const file = path.join(outDir, download.suggestedFilename());
      await download.saveAs(file);
      const bytes = fs.readFileSync(file);
      if (format === 'png') {
        assert.equal(bytes.subarray(1, 4).toString(), 'PNG');
        const width = bytes.readUInt32BE(16);
        const box = await byId(page, `chart-${kind}`).boundingBox();
        assert.ok(width >= 2 * Math.floor(box.width), `PNG width ${width} is at least twice the chart's ${box.width}`);
      } else if (format === 'svg') assert.match(bytes.toString('utf8'), /^<svg[\s\S]*<\/svg>\s*$/);
      else assert.match(bytes.toString('utf8'), kind === 'depth' ? /^run_id,run,depth,loss_target,epochs\n/ : /^run_id,run,layer,epoch,k,value\n/);
      step(`export ${format} of ${kind} downloaded as ${download.suggestedFilename()} (${bytes.length} bytes)`);
    }

    await byId(page, 'compare-run-1').getByRole('button', { name: /#1/ }).click();
    await byId(page, 'chart-rdf-layers').locator('canvas').first().waitFor();
    await shot(page, '06-run-view');

    await byId(page, 'nav-live').click();
    await byId(page, 'live-status').waitFor();
    await page.waitForTimeout(1600);
    await shot(page, '07-live');
    await context.close();
  }

  // --- The setup form: validation at the field, start, then live -----------------------------
  {
    const { page, context } = await open({ epochMs: 400, saveFile: true });
    await byId(page, 'nav-setup').click();
    await byId(page, 'preset-select').waitFor();
    await shot(page, '08-setup');
    await byId(page, 'preset-select').selectOption('mnist-fc');
    assert.equal(await byId(page, 'field-data.trainSize').inputValue(), '30000');
    assert.equal(await byId(page, 'field-training.schedule[0].rate').inputValue(), '0.00001');
    await byId(page, 'preset-select').selectOption('mnist-fc-quick');
    assert.equal(await byId(page, 'field-data.trainSize').inputValue(), '5000');
    await byId(page, 'field-training.schedule[0].rate').pressSequentially('1e-', { delay: 5 });
    await byId(page, 'field-training.schedule[0].rate').fill('1e-');
    assert.equal(await byId(page, 'field-training.schedule[0].rate').inputValue(), '1e-');
    await byId(page, 'field-error-training.schedule[0].rate').waitFor();
    await byId(page, 'field-training.schedule[0].rate').fill('1e-4');
    await byId(page, 'field-error-training.schedule[0].rate').waitFor({ state: 'detached' });
    step('presets fill the form; typing "1e-" on the way to "1e-4" is kept as typed');
    await byId(page, 'field-data.trainSize').fill('0');
    await byId(page, 'field-model.hidden').fill('500, x, 500');
    await byId(page, 'field-training.schedule[0].rate').fill('-1');
    await byId(page, 'field-error-data.trainSize').waitFor();
    assert.match(await byId(page, 'field-error-data.trainSize').textContent(), /more than 0/);
    assert.match(await byId(page, 'field-error-model.hidden').textContent(), /entry 2: must be a number/);
    assert.equal(await byId(page, 'start-run').isDisabled(), true);
    await shot(page, '09-setup-invalid');
    step('validation messages at the fields; start disabled');

    await byId(page, 'field-data.kind').selectOption('synthetic');
    await byId(page, 'field-model.hidden').fill('16, 16');
    await byId(page, 'field-training.schedule[0].rate').fill('1e-3');
    await byId(page, 'field-training.stop.maxEpochs').fill('6');
    await byId(page, 'field-analysis.samples').fill('200');
    await byId(page, 'field-analysis.layers').fill('');
    await byId(page, 'field-analysis.epochs.every').fill('2');
    await byId(page, 'field-name').fill('tiny sine from the form');
    await byId(page, 'schedule-add').click();
    assert.equal(await byId(page, 'start-run').isDisabled(), false, await page.locator('[data-testid="setup-issues"]').textContent().catch(() => ''));
    await shot(page, '10-setup-synthetic');
    await byId(page, 'start-run').click();
    await byId(page, 'live-status').waitFor();
    await shot(page, '11-live-queued');
    await page.waitForFunction(() => document.querySelector('[data-testid="live-status"]')?.textContent === 'completed', null, { timeout: 60_000 });
    await shot(page, '12-live-completed');
    step('a run set up in the form runs to completed on the live screen');

    await byId(page, 'export-png-live-loss').click();
    await byId(page, 'export-status-live-loss').waitFor();
    const saved = await page.evaluate(() => window.__fakeLabSaved);
    assert.equal(saved.length, 1);
    assert.match(saved[0].fileName, /\.png$/);
    assert.equal(saved[0].encoding, 'base64');
    step(`desktop export goes through saveFile: ${saved[0].fileName}`);

    const cloneId = await page.locator('[data-testid^="clone-run-"]').first().getAttribute('data-testid');
    await byId(page, cloneId).click();
    await byId(page, 'setup-source').waitFor();
    assert.equal(await byId(page, 'field-name').inputValue(), 'tiny sine from the form (copy)');
    await shot(page, '13-setup-clone');
    step('clone and edit loads the run config into the form');
    await context.close();
  }

  // --- Empty states -----------------------------------------------------------------------------
  {
    const { page, context } = await open({ empty: true });
    await byId(page, 'runs-empty').waitFor();
    await shot(page, '14-runs-empty', false);
    await byId(page, 'nav-compare').click();
    await byId(page, 'compare-empty').waitFor();
    await byId(page, 'nav-live').click();
    await byId(page, 'live-empty').waitFor();
    await shot(page, '15-live-empty', false);
    await context.close();
  }
} finally {
  await browser.close();
  server.close();
}

const relevant = problems;
if (relevant.length) {
  console.log(`\n${relevant.length} page problems:\n${[...new Set(relevant)].join('\n')}`);
  process.exitCode = 1;
}
console.log(`\nscreenshots in ${outDir}`);
