// Tidy CSV export of one run (RFC 4180 quoting, '\n' line ends, UTF-8, header row first).
//
// <prefix>metrics.csv: one row per finished epoch.
//   run_id,run,epoch,loss,accuracy,learning_rate,seconds
// <prefix>frequencies.csv: long form, one row per (layer, epoch, kind, grid point):
//   run_id,run,layer,epoch,kind,k,delta,value
//   kind = lfr: value is LFR at the grid point k (k = 1/delta of the grid);
//   kind = rdf: value is RDF = dLFR/dk at the midpoint k of two consecutive grid points, and
//               delta = 1/k there (the reciprocal of the midpoint in k, not a midpoint in delta).
//   LFR and RDF live on different k grids, so one value column plus `kind` keeps every row a
//   single observation with no empty cells: filter on kind and plot value against k.
// `layer` counts hidden layers from the input (0 = the input itself); `run` is the run's name,
// `run_id` its store id (names repeat across runs of one preset).
// Numbers are written with JavaScript's shortest round-trip form (at most 17 significant digits,
// parses back to the identical double); NaN, Inf and -Inf as such; missing accuracy as empty.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { RunDetail } from '../../shared/results';

type Cell = string | number | null;

/** A number as CSV text: exact round-trip decimal, 'NaN'/'Inf'/'-Inf' for non-finite, '' for null. */
export function csvNumber(x: number | null): string {
  if (x === null) return '';
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Inf';
  if (x === -Infinity) return '-Inf';
  return String(x);
}

/** A string as a CSV field, quoted when it holds a comma, quote, line break or edge whitespace. */
export function csvString(s: string): string {
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Rows to CSV text: header first, one line per row, trailing newline. */
export function toCsv(header: string[], rows: Cell[][]): string {
  const cell = (c: Cell) => (typeof c === 'string' ? csvString(c) : csvNumber(c));
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\n') + '\n';
}

/** Per-epoch training metrics: run_id,run,epoch,loss,accuracy,learning_rate,seconds. */
export function metricsCsv(run: RunDetail): string {
  const rows = [...run.metrics]
    .sort((a, b) => a.epoch - b.epoch)
    .map((m) => [run.id, run.name, m.epoch, m.loss, m.accuracy, m.learningRate, m.seconds]);
  return toCsv(['run_id', 'run', 'epoch', 'loss', 'accuracy', 'learning_rate', 'seconds'], rows);
}

/** LFR at grid k and RDF at midpoint k, long form: run_id,run,layer,epoch,kind,k,delta,value. */
export function frequenciesCsv(run: RunDetail): string {
  const rows: Cell[][] = [];
  const results = [...run.frequencies].sort((a, b) => a.layer - b.layer || a.epoch - b.epoch);
  for (const f of results) {
    f.k.forEach((k, i) => rows.push([run.id, run.name, f.layer, f.epoch, 'lfr', k, 1 / k, f.lfr[i]]));
    f.rdfK.forEach((k, i) => rows.push([run.id, run.name, f.layer, f.epoch, 'rdf', k, 1 / k, f.rdf[i]]));
  }
  return toCsv(['run_id', 'run', 'layer', 'epoch', 'kind', 'k', 'delta', 'value'], rows);
}

/**
 * Writes run-<id>-metrics.csv and run-<id>-frequencies.csv into dir (created if missing); returns
 * their paths. The file names come from the id alone, which must be a positive whole number: no
 * name, and no forged id, can make a path outside `dir` (the run's name is data in the files).
 */
export async function writeRunCsv(run: RunDetail, dir: string): Promise<string[]> {
  const id: unknown = run.id;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1) {
    throw new Error(`cannot export: the run id must be a positive whole number, not ${JSON.stringify(String(id)).slice(0, 60)}`);
  }
  const files: [string, string][] = [
    [join(dir, `run-${id}-metrics.csv`), metricsCsv(run)],
    [join(dir, `run-${id}-frequencies.csv`), frequenciesCsv(run)],
  ];
  for (const [path] of files) {
    if (dirname(resolve(path)) !== resolve(dir)) throw new Error(`cannot export: ${path} is not inside ${dir}`);
  }
  await mkdir(dir, { recursive: true });
  for (const [path, text] of files) await writeFile(path, text, 'utf8');
  return files.map(([path]) => path);
}
