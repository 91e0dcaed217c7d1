// Case 5: the compare view in Chromium. A temporary run database with `--runs` finished runs
// (each `--layers` analysed layers x `--epochs` analysed epochs on a `--points`-point delta grid,
// written with RunStore.saveEpoch by bench/load-runs.ts's populateRuns), the app's browser door
// on 127.0.0.1 serving a fresh build of the renderer (as test/e2e does), and Debian's Chromium
// through playwright-core. Timed inside the page with performance.now(), so no playwright
// round-trip counts:
//
//   show    from the click on "Compare selected" (all runs ticked in the run history) until every
//           chart of the compare view has drawn (echarts' 'finished', which Chart.svelte passes on
//           as a bubbling 'chartfinished' DOM event) and the frame after the last draw has run;
//           split into "data" (until the last run arrived over the door's WebSocket) and "draw".
//   slider  from moving the epoch slider of the RDF chart to another analysed epoch until that
//           chart has drawn and the next frame has run; in both of its modes (every layer of one
//           run, and one layer across all runs).
//
// A measurement ends once no chart has drawn for a quiet period (so a second, late redraw is
// counted too). After one untimed warm-up of each, `--repeats` timed repeats; the series and
// points each chart drew are read from its echarts instance (getOption) after the timing.
//
//   node --import tsx bench/children/ui.ts [--repeats 5] [--runs 20] [--layers 5] [--points 100] [--epochs 8] [--renderer DIR]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromiumPath, hasChromium, launchBrowser, startServeDoor, type Browser, type ServeDoor } from '../../test/e2e/support';
import { openDatabase } from '../../src/main/store/database';
import { RunStore } from '../../src/main/store/runs';
import { loadRunStatus, populateRuns, type LoadShape } from '../load-runs';
import { argValue } from '../lib/args';
import { RESULT_PREFIX, repoRoot } from '../lib/child';
import type { UiChartCount, UiResult, UiTiming } from '../lib/report';

function wholeArg(name: string, fallback: string): number {
  const v = Number(argValue(name, fallback));
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} needs a whole number >= 1`);
  return v;
}

const repeats = wholeArg('--repeats', '3');
const shape: LoadShape = { runs: wholeArg('--runs', '20'), layers: wholeArg('--layers', '5'), points: wholeArg('--points', '100'), epochs: wholeArg('--epochs', '8') };
const rendererArg = argValue('--renderer', '');
if (shape.epochs < 2) throw new Error('--epochs needs at least 2 (the slider moves between two analysed epochs)');
/** Milliseconds without a chart drawing after which a measurement counts as settled. */
const quietMs = 400;
const compareCharts = ['rdf-layers', 'rdf-epochs', 'peaks', 'loss', 'depth'];

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

// The page side, as plain JavaScript (a string, so that no transpiler helper ends up in it):
// installed before the app's scripts on every load of the page.
const pageScript = String.raw`(() => {
  const messages = [];
  const NativeWebSocket = window.WebSocket;
  window.WebSocket = class extends NativeWebSocket {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', () => messages.push(performance.now()));
    }
  };
  const draws = [];
  const afterFrame = (done) =>
    requestAnimationFrame(() => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => done(performance.now());
      channel.port2.postMessage(0);
    });
  document.addEventListener('chartfinished', (event) => {
    const box = event.target.closest('[data-testid^="chart-"]');
    const draw = { t: performance.now(), kind: box ? box.dataset.testid.slice('chart-'.length) : '?', chart: event.detail, painted: null };
    draws.push(draw);
    afterFrame((t) => (draw.painted = t));
  }, true);
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  async function settle(t0, kinds, quietMs, timeoutMs) {
    for (;;) {
      await sleep(25);
      const now = performance.now();
      const since = draws.filter((d) => d.t >= t0);
      const have = new Set(since.map((d) => d.kind));
      const last = since[since.length - 1];
      if (kinds.every((k) => have.has(k)) && since.every((d) => d.painted !== null) && now - last.t >= quietMs) {
        return { since, end: Math.max(...since.map((d) => d.painted)) };
      }
      if (now - t0 > timeoutMs) throw new Error('no draw of ' + kinds.filter((k) => !have.has(k)).join(', ') + ' within ' + timeoutMs + ' ms');
    }
  }

  function counts(since, t0) {
    const out = {};
    for (const d of since) {
      const series = d.chart.getOption().series || [];
      out[d.kind] = {
        series: series.length,
        points: series.reduce((n, s) => n + (Array.isArray(s.data) ? s.data.length : 0), 0),
        draws: (out[d.kind] ? out[d.kind].draws : 0) + 1,
        at: d.t - t0,
      };
    }
    return out;
  }

  window.__uiBench = {
    async show(kinds, quietMs) {
      const button = document.querySelector('[data-testid="compare-selected"]');
      if (!button || button.disabled) throw new Error('no enabled "Compare selected" button');
      const t0 = performance.now();
      button.click();
      const { since, end } = await settle(t0, kinds, quietMs, 60000);
      const firstDraw = since[0].t;
      const arrived = messages.filter((t) => t >= t0 && t <= firstDraw);
      const dataIn = arrived.length ? arrived[arrived.length - 1] : t0;
      return { ms: end - t0, dataMs: dataIn - t0, drawMs: end - dataIn, charts: counts(since, t0), messages: arrived.length };
    },
    async slider(epoch, quietMs) {
      const input = document.querySelector('[data-testid="chart-rdf-layers"]').closest('section').querySelector('[data-testid="epoch-slider"]');
      const t0 = performance.now();
      input.value = String(epoch);
      input.dispatchEvent(new Event('input', { bubbles: true }));
      const { since, end } = await settle(t0, ['rdf-layers'], quietMs, 30000);
      const shown = document.querySelector('[data-testid="chart-rdf-layers"]').closest('section').querySelector('[data-testid="epoch-value"]').textContent.trim();
      if (shown !== String(epoch)) throw new Error('the slider shows epoch ' + shown + ', not ' + epoch);
      return { ms: end - t0, charts: counts(since, t0) };
    },
    async quiet(quietMs) {
      for (;;) {
        await sleep(50);
        const last = draws[draws.length - 1];
        if (!last || (last.painted !== null && performance.now() - last.t >= quietMs)) return;
      }
    },
  };
})();`;

function chromiumVersion(): string {
  const r = spawnSync(chromiumPath, ['--version'], { encoding: 'utf8' });
  return r.stdout.trim() || 'unknown';
}

/** Builds the app into a temporary folder, as test/e2e/global-setup.ts does; returns it. */
function buildRenderer(): { dir: string; outDir: string } {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'frequency-lab-bench-ui-build-'));
  const t0 = performance.now();
  const r = spawnSync(path.join(repoRoot, 'node_modules/.bin/electron-vite'), ['build', '--outDir', outDir, '--logLevel', 'error'], { cwd: repoRoot, encoding: 'utf8' });
  if (r.status !== 0) {
    fs.rmSync(outDir, { recursive: true, force: true });
    throw new Error(`electron-vite build failed:\n${r.stdout}\n${r.stderr}`);
  }
  log(`built the app into ${outDir} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return { dir: path.join(outDir, 'renderer'), outDir };
}

interface PageTiming {
  ms: number;
  dataMs?: number;
  drawMs?: number;
  charts: Record<string, UiChartCount>;
}

async function main(): Promise<void> {
  if (!hasChromium) throw new Error(`no Chromium at ${chromiumPath} (apt-get install chromium; or set FREQLAB_CHROMIUM)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'frequency-lab-bench-ui-'));
  let build: { dir: string; outDir: string } | null = null;
  let door: ServeDoor | null = null;
  let browser: Browser | null = null;
  try {
    const rendererDir = rendererArg ? path.resolve(rendererArg) : (build = buildRenderer()).dir;
    const dbFile = path.join(dir, 'runs.db');
    const db = openDatabase(dbFile);
    const ids = populateRuns(db, new RunStore(db), shape);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const statuses: Record<string, number> = {};
    for (let i = 0; i < shape.runs; i++) statuses[loadRunStatus(i)] = (statuses[loadRunStatus(i)] ?? 0) + 1;
    log(`wrote ${shape.runs} runs (${shape.layers} layers x ${shape.epochs} analysed epochs x ${shape.points} points) into ${dbFile}`);

    door = await startServeDoor({ rendererDir, dbFile, env: { FREQLAB_BASE_DIR: dir } });
    const viewport = { width: 1280, height: 860 };
    browser = await launchBrowser(viewport);
    const page = browser.page;
    page.setDefaultTimeout(60_000);
    await page.addInitScript({ content: pageScript });
    const response = await page.goto(door.url);
    if (response?.status() !== 200) throw new Error(`the door answered ${response?.status()} for the page`);

    // Tick every run in the run history (not timed).
    await page.getByTestId('nav-runs').click();
    for (const id of ids) await page.getByTestId(`run-select-${id}`).check();
    const selectedText = (await page.getByTestId('selected-count').textContent())?.trim();
    if (selectedText !== `${ids.length} selected`) throw new Error(`the run history says "${selectedText}", not ${ids.length} selected`);

    const evaluate = <T>(expression: string) => page.evaluate(expression) as Promise<T>;
    const show = () => evaluate<PageTiming & { messages: number }>(`window.__uiBench.show(${JSON.stringify(compareCharts)}, ${quietMs})`);
    const slider = (epoch: number) => evaluate<PageTiming>(`window.__uiBench.slider(${epoch}, ${quietMs})`);
    const backToRuns = async () => {
      await page.getByTestId('nav-runs').click();
      await page.getByTestId('compare-selected').waitFor();
      await evaluate(`window.__uiBench.quiet(${quietMs})`);
    };

    // Show: warm-up, then the timed repeats (back to the run history in between, not timed).
    const shows: (PageTiming & { messages: number })[] = [];
    for (let r = 0; r <= repeats; r++) {
      const t = await show();
      if (r > 0) shows.push(t);
      log(`show ${r === 0 ? 'warm-up' : `${r}/${repeats}`}: ${t.ms.toFixed(1)} ms (data ${t.dataMs!.toFixed(1)} ms over ${t.messages} messages, draw ${t.drawMs!.toFixed(1)} ms); ${chartText(t.charts)}`);
      if (r < repeats) await backToRuns();
    }
    const chips = await page.getByTestId('compare-runs').locator('li').count();
    if (chips !== ids.length) throw new Error(`the compare view lists ${chips} runs, not ${ids.length}`);

    // The epoch slider of the RDF chart, in both modes: back and forth between the last analysed
    // epoch (shown first) and the middle one.
    const sliderRepeats = async (label: string) => {
      const last = shape.epochs;
      const middle = Math.max(1, Math.round(shape.epochs / 2));
      const out: PageTiming[] = [];
      const epochs: number[] = [];
      const value = page.getByTestId('chart-rdf-layers').locator('xpath=ancestor::section').getByTestId('epoch-value');
      for (let r = 0; r <= repeats; r++) {
        const epoch = (await value.textContent())?.trim() === String(last) ? middle : last;
        const t = await slider(epoch);
        if (r > 0) {
          out.push(t);
          epochs.push(epoch);
        }
        log(`slider (${label}) to epoch ${epoch} ${r === 0 ? 'warm-up' : `${r}/${repeats}`}: ${t.ms.toFixed(1)} ms; ${chartText(t.charts)}`);
      }
      return { out, epochs };
    };
    const layers = await sliderRepeats('layers of one run');
    await page.getByTestId('rdf-mode-runs').check();
    await evaluate(`window.__uiBench.quiet(${quietMs})`);
    const across = await sliderRepeats('one layer across runs');

    if (browser.errors.length) throw new Error(`the page logged errors:\n${browser.errors.join('\n')}`);
    // What was drawn is what was asked for: a line per layer and run in the peak chart, an RDF
    // curve (points - 1 midpoints) per run or per layer in the RDF chart.
    const expect = (what: string, got: UiChartCount | undefined, series: number, points: number | null) => {
      if (!got || got.series !== series || (points !== null && got.points !== points)) {
        throw new Error(`${what}: drew ${got ? `${got.series} series / ${got.points} points` : 'nothing'}, expected ${series} series${points === null ? '' : ` / ${points} points`}`);
      }
    };
    const rdfPoints = shape.points - 1;
    expect('peak chart', shows[shows.length - 1].charts.peaks, shape.runs * shape.layers, shape.runs * shape.layers * shape.epochs);
    expect('RDF chart, layers of one run', layers.out[layers.out.length - 1].charts['rdf-layers'], shape.layers, shape.layers * rdfPoints);
    expect('RDF chart, one layer across runs', across.out[across.out.length - 1].charts['rdf-layers'], shape.runs, shape.runs * rdfPoints);
    const timing = (ts: PageTiming[]): UiTiming => ({
      ms: ts.map((t) => t.ms),
      ...(ts[0].dataMs !== undefined ? { dataMs: ts.map((t) => t.dataMs!), drawMs: ts.map((t) => t.drawMs!) } : {}),
      charts: ts[ts.length - 1].charts,
    });
    const result: UiResult = {
      chromium: chromiumVersion(),
      shape,
      statuses,
      repeats,
      viewport,
      show: timing(shows),
      sliderLayers: { ...timing(layers.out), epochs: layers.epochs },
      sliderRuns: { ...timing(across.out), epochs: across.epochs },
    };
    process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
  } finally {
    await browser?.close().catch(() => {});
    await door?.stop().catch(() => null);
    if (build) fs.rmSync(build.outDir, { recursive: true, force: true });
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function chartText(charts: Record<string, UiChartCount>): string {
  return Object.entries(charts)
    .map(([kind, c]) => `${kind} ${c.series} series/${c.points} points (${c.draws} draw${c.draws === 1 ? '' : 's'}, at ${c.at.toFixed(0)} ms)`)
    .join(', ');
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exit(1);
});
