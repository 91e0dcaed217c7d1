// Load: a run database with 1000 stored runs with full analyses (5 layers x 8 analysed epochs x a
// 100-point delta grid each, plus 8 epochs of metrics), written with RunStore.saveEpoch into a
// temporary file; then the time of listing all runs, filtering by status, searching, and opening
// one run (in the store, and through a door: handleLabCall plus the JSON the browser door sends),
// the time to open the database, and its size. Prints a markdown table for docs/benchmarks.md.
//
//   node --import tsx bench/load-runs.ts [--runs 1000] [--epochs 8] [--layers 5] [--points 100] [--repeats 15]
//
// populateRuns and the naming rules (loadRunName, loadRunStatus, ...) are shared with the test
// (test/main/robustness/load.test.ts), which checks what the listing returns, not how fast.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type Database from 'better-sqlite3';
import { validateConfig, type ExperimentConfig } from '../src/shared/config';
import { ratioDensity, rdfPeak } from '../src/shared/frequency-math';
import { encodeWire } from '../src/shared/lab-wire';
import { presets } from '../src/shared/presets';
import type { LayerFrequency, RunEnvironment, RunStatus } from '../src/shared/results';
import { handleLabCall } from '../src/main/lab-call';
import { LabService } from '../src/main/service';
import { openDatabase } from '../src/main/store/database';
import { RunStore } from '../src/main/store/runs';

export interface LoadShape {
  runs: number;
  /** Analysed (and trained) epochs per run: 1..epochs, each with metrics and every layer's curves. */
  epochs: number;
  layers: number;
  /** Points of the delta grid (the LFR curve; the RDF has one fewer). */
  points: number;
}

export const defaultShape: LoadShape = { runs: 1000, epochs: 8, layers: 5, points: 100 };

/** How run i (0-based) ends: 70% completed, 10% each cancelled, failed, diverged. */
export function loadRunStatus(i: number): Exclude<RunStatus, 'queued' | 'running' | 'interrupted'> {
  const r = i % 10;
  return r === 7 ? 'cancelled' : r === 8 ? 'failed' : r === 9 ? 'diverged' : 'completed';
}

/** Run i's name: every 50th is a "needle" a search finds by name. */
export function loadRunName(i: number): string {
  return i % 50 === 0 ? `needle ${i}` : `mnist sweep ${i}`;
}

/** Run i's tags: every 7th is tagged "baseline" (a search finds it by tag). */
export function loadRunTags(i: number): string[] {
  return i % 7 === 0 ? ['baseline', `seed-${i % 5}`] : [`seed-${i % 5}`];
}

/** Run i's notes: every 13th mentions "warmup" (a search finds it by its notes). */
export function loadRunNotes(i: number): string {
  return i % 13 === 0 ? `run ${i}: longer warmup, then the paper's schedule` : '';
}

const environment: RunEnvironment = {
  appVersion: '0.1.0',
  tfjsVersion: '4.22.0',
  backend: 'wasm',
  backendDetail: 'load fixture',
  nodeVersion: process.versions.node,
  platform: `${process.platform} ${process.arch}`,
  cpu: 'fixture',
  cpuCount: 1,
  memoryBytes: 0,
  gpu: null,
};

function loadConfig(shape: LoadShape): ExperimentConfig {
  const base = presets['mnist-fc'];
  return validateConfig({
    ...base,
    model: { ...base.model, hidden: Array.from({ length: shape.layers }, () => 500) },
    training: { ...base.training, stop: { maxEpochs: shape.epochs, lossBelow: 1e-2 } },
    analysis: {
      ...base.analysis,
      layers: Array.from({ length: shape.layers }, (_, l) => l + 1),
      epochs: { every: 1, at: [], final: true },
      deltaGrid: { kind: 'log-k', kMin: 0.1, kMax: 1000, count: shape.points },
    },
  });
}

/** Layer l's curves at `epoch` of run i: a plausible LFR rising along log k, and its RDF. */
function curves(shape: LoadShape, k: number[], i: number, epoch: number, l: number): LayerFrequency {
  const shift = (i % 17) * 0.05 + l * 0.3 - epoch * 0.05;
  const lfr = k.map((kj) => 0.1 + 0.9 / (1 + Math.exp(-(Math.log(kj) - shift))));
  const { rdfK, rdf } = ratioDensity(k, lfr);
  return {
    epoch,
    layer: l + 1,
    configuredLayer: l + 1,
    normalisation: { kind: 'mean-distance', d0: 1 },
    scale: 0.05 + 0.01 * l,
    k,
    lfr,
    rdfK,
    rdf,
    peakK: rdfPeak(rdfK, rdf),
  };
}

/** Writes `shape.runs` finished runs into `store` (runs i = 0..runs-1 get ids in that order). */
export function populateRuns(db: Database.Database, store: RunStore, shape: LoadShape = defaultShape): number[] {
  const config = loadConfig(shape);
  const k = Array.from({ length: shape.points }, (_, j) => 0.1 * Math.pow(1000 / 0.1, j / (shape.points - 1)));
  const ids: number[] = [];
  // One outer transaction per run (its saveEpoch calls become savepoints inside it): the store's
  // own per-epoch transactions, without a disk sync per epoch while generating.
  const writeRun = db.transaction((i: number) => {
    const id = store.createRun(config, loadRunName(i));
    store.markStarted(id, environment, process.pid);
    for (let epoch = 1; epoch <= shape.epochs; epoch++) {
      const loss = loadRunStatus(i) === 'diverged' && epoch === shape.epochs ? NaN : 1 / (epoch + 1 + (i % 11));
      const metrics = { epoch, loss, accuracy: 0.5 + epoch / (4 * shape.epochs), learningRate: 1e-5, seconds: 30 + (i % 7) };
      store.saveEpoch(id, metrics, Array.from({ length: shape.layers }, (_, l) => curves(shape, k, i, epoch, l)));
    }
    const status = loadRunStatus(i);
    const message = status === 'completed' ? '' : `ended as ${status} (load fixture)`;
    store.finishRun(id, status === 'diverged' ? { status, message, epoch: shape.epochs } : { status, message });
    store.setTags(id, loadRunTags(i));
    store.setNotes(id, loadRunNotes(i));
    return id;
  });
  for (let i = 0; i < shape.runs; i++) ids.push(writeRun(i));
  return ids;
}

/** Bytes of the database file and its WAL. */
export function databaseBytes(file: string): number {
  return [file, `${file}-wal`].reduce((sum, f) => sum + (fs.existsSync(f) ? fs.statSync(f).size : 0), 0);
}

interface Timing {
  what: string;
  /** Rows the call returned (runs listed, or 1 for a run). */
  rows: number;
  /** Size of the answer as the browser door sends it (JSON text), when measured through a door. */
  bytes?: number;
  median: number;
  max: number;
}

function time(what: string, repeats: number, fn: () => { rows: number; bytes?: number }): Timing {
  fn(); // warm-up: statements prepared, pages cached
  const ms: number[] = [];
  let last = { rows: 0 } as { rows: number; bytes?: number };
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    last = fn();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return { what, rows: last.rows, bytes: last.bytes, median: ms[Math.floor(ms.length / 2)], max: ms[ms.length - 1] };
}

async function timeAsync(what: string, repeats: number, fn: () => Promise<{ rows: number; bytes?: number }>): Promise<Timing> {
  await fn();
  const ms: number[] = [];
  let last = { rows: 0 } as { rows: number; bytes?: number };
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    last = await fn();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return { what, rows: last.rows, bytes: last.bytes, median: ms[Math.floor(ms.length / 2)], max: ms[ms.length - 1] };
}

function argNumber(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} needs a whole number >= 1, not ${process.argv[i + 1]}`);
  return v;
}

function cpuName(): string {
  const model = os.cpus()[0]?.model?.trim() ?? 'unknown CPU';
  return `${model}, ${os.availableParallelism()} cores`;
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const ms = (x: number) => (x < 10 ? x.toFixed(2) : x.toFixed(1));

async function main(): Promise<void> {
  const shape: LoadShape = {
    runs: argNumber('--runs', defaultShape.runs),
    epochs: argNumber('--epochs', defaultShape.epochs),
    layers: argNumber('--layers', defaultShape.layers),
    points: argNumber('--points', defaultShape.points),
  };
  const repeats = argNumber('--repeats', 15);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'frequency-lab-load-'));
  const file = path.join(dir, 'runs.db');
  try {
    let db = openDatabase(file);
    let store = new RunStore(db);
    const t0 = performance.now();
    const ids = populateRuns(db, store, shape);
    const writeSeconds = (performance.now() - t0) / 1000;
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const bytes = databaseBytes(file);

    // Opening, as the app starts: the file, its schema check, and the service's look for orphaned runs.
    const openTiming = time('open the database and start the service', repeats, () => {
      const d = openDatabase(file);
      new LabService(new RunStore(d), { baseDir: dir });
      d.close();
      return { rows: 0 };
    });
    db = openDatabase(file);
    store = new RunStore(db);
    const service = new LabService(store, { baseDir: dir });
    const middle = ids[Math.floor(ids.length / 2)];
    const timings: Timing[] = [
      openTiming,
      time('listRuns: all', repeats, () => ({ rows: store.listRuns().length })),
      time('listRuns: status = failed', repeats, () => ({ rows: store.listRuns({ status: 'failed' }).length })),
      time('listRuns: search "needle" (names)', repeats, () => ({ rows: store.listRuns({ search: 'needle' }).length })),
      time('listRuns: search "baseline" (tags)', repeats, () => ({ rows: store.listRuns({ search: 'baseline' }).length })),
      time('listRuns: search "warmup" (notes)', repeats, () => ({ rows: store.listRuns({ search: 'warmup' }).length })),
      time('listRuns: status = completed, search "baseline"', repeats, () => ({ rows: store.listRuns({ status: 'completed', search: 'baseline' }).length })),
      time('listRuns: newest 50', repeats, () => ({ rows: store.listRuns({ limit: 50 }).length })),
      time('getRun: one run with its analyses', repeats, () => ({ rows: store.getRun(middle) ? 1 : 0 })),
      await timeAsync('door: listRuns all (validate, call, JSON)', repeats, async () => {
        const r = await handleLabCall(service, 'listRuns', {});
        const text = encodeWire({ type: 'result', id: 1, result: r });
        return { rows: r.ok ? (r.value as unknown[]).length : 0, bytes: Buffer.byteLength(text) };
      }),
      await timeAsync('door: getRun (validate, call, JSON)', repeats, async () => {
        const r = await handleLabCall(service, 'getRun', { runId: middle });
        const text = encodeWire({ type: 'result', id: 1, result: r });
        return { rows: r.ok ? 1 : 0, bytes: Buffer.byteLength(text) };
      }),
    ];
    db.close();

    const rows = timings.map((t) => `| ${t.what} | ${t.rows} | ${t.bytes === undefined ? '' : mib(t.bytes)} | ${ms(t.median)} | ${ms(t.max)} |`);
    const perRun = shape.layers * shape.epochs;
    console.log(
      [
        `### Load: ${shape.runs} stored runs with full analyses`,
        '',
        `${shape.runs} finished runs, each with ${shape.epochs} epochs of metrics and ${shape.layers} layers x ${shape.epochs} analysed epochs ` +
          `(${perRun} curves) on a ${shape.points}-point delta grid: ${shape.runs * perRun} LFR/RDF curves. ` +
          `Written with RunStore.saveEpoch in ${writeSeconds.toFixed(1)} s; database ${mib(bytes)} (${Math.round(bytes / shape.runs / 1024)} KiB a run).`,
        '',
        `Machine: ${cpuName()}, ${mib(os.totalmem())} RAM, ${os.type()} ${os.release()}, Node ${process.versions.node}; ` +
          `load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}. Median and slowest of ${repeats} repeats after a warm-up.`,
        '',
        `Command: \`node --import tsx bench/load-runs.ts${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}\``,
        '',
        '| operation | rows | answer (JSON) | median ms | max ms |',
        '|---|---:|---:|---:|---:|',
        ...rows,
      ].join('\n'),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.stack : String(e));
    process.exit(1);
  });
}
