import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { csvNumber, frequenciesCsv, metricsCsv, writeRunCsv } from '../../../src/main/export/csv';
import { makeRunDetail } from '../../fixtures/run-detail';

/** RFC 4180 parser: quoted fields with doubled quotes, commas and line breaks inside. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\n') row.push(field), rows.push(row), (row = []), (field = '');
    else field += c;
  }
  if (field !== '' || row.length) row.push(field), rows.push(row);
  return rows;
}

/** CSV text as objects keyed by the header. */
function records(text: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(text);
  rows.forEach((r) => expect(r).toHaveLength(header.length));
  return rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
}

const run = makeRunDetail();
const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe('metricsCsv', () => {
  it('has one row per epoch with exact values and the quoted run name', () => {
    const text = metricsCsv(run);
    expect(text.split('\n')[0]).toBe('run_id,run,epoch,loss,accuracy,learning_rate,seconds');
    expect(text).toContain('"MNIST, fully connected (quick) ""fixture"""');
    const rows = records(text);
    expect(rows).toHaveLength(2);
    rows.forEach((r, i) => {
      const m = run.metrics[i];
      expect(r.run_id).toBe('7');
      expect(r.run).toBe(run.name);
      expect(Number(r.epoch)).toBe(m.epoch);
      expect(Number(r.loss)).toBe(m.loss);
      expect(Number(r.accuracy)).toBe(m.accuracy);
      expect(Number(r.learning_rate)).toBe(m.learningRate);
      expect(Number(r.seconds)).toBe(m.seconds);
    });
  });

  it('leaves a missing accuracy empty and writes non-finite numbers readably', () => {
    const r = makeRunDetail();
    r.metrics[0] = { ...r.metrics[0], accuracy: null, loss: Number.NaN };
    const row = records(metricsCsv(r))[0];
    expect(row.accuracy).toBe('');
    expect(row.loss).toBe('NaN');
    expect([Infinity, -Infinity, 0.1 + 0.2, 1e-300].map(csvNumber)).toEqual(['Inf', '-Inf', '0.30000000000000004', '1e-300']);
  });
});

describe('frequenciesCsv', () => {
  const rows = records(frequenciesCsv(run));

  it('has one row per LFR grid point and one per RDF midpoint of every layer and epoch', () => {
    expect(Object.keys(rows[0])).toEqual(['run_id', 'run', 'layer', 'epoch', 'kind', 'k', 'delta', 'value']);
    expect(rows).toHaveLength(4 * (5 + 4));
    expect(rows.filter((r) => r.kind === 'lfr')).toHaveLength(4 * 5);
    expect(rows.filter((r) => r.kind === 'rdf')).toHaveLength(4 * 4);
    expect(new Set(rows.map((r) => r.run))).toEqual(new Set([run.name]));
  });

  it('round-trips every stored value exactly', () => {
    for (const f of run.frequencies) {
      const mine = rows.filter((r) => Number(r.layer) === f.layer && Number(r.epoch) === f.epoch);
      const lfr = mine.filter((r) => r.kind === 'lfr');
      const rdf = mine.filter((r) => r.kind === 'rdf');
      expect(lfr.map((r) => Number(r.k))).toEqual(f.k);
      expect(lfr.map((r) => Number(r.value))).toEqual(f.lfr);
      expect(rdf.map((r) => Number(r.k))).toEqual(f.rdfK);
      expect(rdf.map((r) => Number(r.value))).toEqual(f.rdf);
      expect(mine.map((r) => Number(r.delta))).toEqual([...f.k, ...f.rdfK].map((k) => 1 / k));
    }
  });
});

describe('writeRunCsv', () => {
  it('creates the folder and writes run-<id>-metrics.csv and run-<id>-frequencies.csv', async () => {
    const root = await mkdtemp(join(tmpdir(), 'fl-csv-'));
    dirs.push(root);
    const dir = join(root, 'nested', 'out');
    const paths = await writeRunCsv(run, dir);
    expect(paths.map((p) => basename(p))).toEqual(['run-7-metrics.csv', 'run-7-frequencies.csv']);
    expect(await readFile(paths[0], 'utf8')).toBe(metricsCsv(run));
    expect(records(await readFile(paths[1], 'utf8'))).toHaveLength(36);
  });
});
