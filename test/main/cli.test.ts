// End to end through the command line, on a small subset of the real MNIST test set.
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { inflateSync } from 'node:zlib';

const repo = path.resolve(__dirname, '../..');
const mnistDir = path.resolve(repo, '../shared/data/mnist');
const tsx = path.join(repo, 'node_modules/.bin/tsx');
const run = promisify(execFile);

/** Runs `lab` with arguments; resolves with exit code and output (never rejects). */
async function lab(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await run(tsx, [path.join(repo, 'src/main/cli.ts'), ...args], { cwd: repo, maxBuffer: 1 << 24 });
    return { code: 0, out: stdout, err: stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout, err: x.stderr };
  }
}

/** Width, height and the decoded RGBA/RGB rows of a PNG (8-bit, non-interlaced). */
function decodePng(buf: Buffer): { width: number; height: number; distinctColours: number } {
  expect(buf.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  const width = buf.readUInt32BE(16);
  const height = buf.readUInt32BE(20);
  const channels = { 2: 3, 6: 4 }[buf[25]] ?? 0;
  const idat: Buffer[] = [];
  for (let o = 8; o < buf.length; ) {
    const len = buf.readUInt32BE(o);
    const type = buf.toString('ascii', o + 4, o + 8);
    if (type === 'IDAT') idat.push(buf.subarray(o + 8, o + 8 + len));
    o += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const colours = new Set<number>();
  let prev = Buffer.alloc(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = Buffer.from(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)));
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? line[i - channels] : 0;
      const b = prev[i];
      const c = i >= channels ? prev[i - channels] : 0;
      const p = a + b - c;
      const pred = [0, a, b, (a + b) >> 1, Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c][filter];
      line[i] = (line[i] + pred) & 255;
    }
    for (let x = 0; x < width; x += 7) colours.add(line.readUIntBE(x * channels, 3));
    prev = line;
  }
  return { width, height, distinctColours: colours.size };
}

describe.skipIf(!existsSync(mnistDir))('lab command line on real MNIST', () => {
  let dir: string;
  let db: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'lab-cli-'));
    db = path.join(dir, 'runs.db');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs, lists, shows and exports a run', async () => {
    const r = await lab(
      'run', '--preset', 'mnist-fc-quick', '--db', db, '--name', 'cli e2e',
      '--set', `data.dir=${mnistDir}`, '--set', 'data.trainSize=300', '--set', 'analysis.samples=120',
      '--set', 'model.hidden=[32,32,32]', '--set', 'analysis.layers=[1,-1]', '--set', 'analysis.epochs.every=1',
      '--set', 'training.stop.maxEpochs=2', '--set', 'training.batchSize=50', '--backend', 'wasm',
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/run 1 stored in/);
    expect(r.out).toMatch(/backend: wasm/);
    expect(r.out).toMatch(/epoch 2\/2 +loss/);
    expect(r.out).toMatch(/run 1 completed/);

    const list = await lab('list', '--db', db);
    expect(list.code).toBe(0);
    expect(list.out).toMatch(/1\s+completed\s+cli e2e/);

    const show = await lab('show', '1', '--db', db);
    expect(show.out).toMatch(/status: +completed/);
    expect(show.out).toMatch(/RDF peak position/);

    const csvDir = path.join(dir, 'csv');
    const png = path.join(dir, 'fig.png');
    const exp = await lab('export', '1', '--db', db, '--csv', csvDir, '--png', png);
    expect(exp.code).toBe(0);
    const metrics = readFileSync(path.join(csvDir, 'run-1-metrics.csv'), 'utf8').trim().split('\n');
    expect(metrics[0]).toBe('run_id,run,epoch,loss,accuracy,learning_rate,seconds');
    expect(metrics.slice(1).map((l) => l.split(',')[2])).toEqual(['1', '2']);
    const freq = readFileSync(path.join(csvDir, 'run-1-frequencies.csv'), 'utf8').trim().split('\n');
    // 3 analysed epochs (0, 1, 2) x 2 layers x (100 LFR points + 99 RDF midpoints), plus the header
    expect(freq).toHaveLength(1 + 3 * 2 * (100 + 99));
    const layers = new Set(freq.slice(1).map((l) => l.split(',')[2]));
    expect([...layers].sort()).toEqual(['1', '3']);
    const img = decodePng(readFileSync(png));
    expect(img.width).toBeGreaterThanOrEqual(1200);
    expect(img.height).toBeGreaterThanOrEqual(700);
    expect(img.distinctColours).toBeGreaterThan(5); // not blank: lines, text, axes
  });

  it('rejects bad input with a message that names the field or preset', async () => {
    const unknown = await lab('run', '--preset', 'nope', '--db', db);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/unknown preset "nope".*mnist-fc-quick/);
    const bad = await lab('run', '--preset', 'mnist-fc-quick', '--db', db, '--set', 'data.trainSize=-5', '--set', 'training.bogus=1');
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/data\.trainSize: /);
    expect(bad.err).toMatch(/training\.bogus: unknown field/);
    const missing = await lab('show', '99', '--db', db);
    expect(missing.err).toMatch(/run 99 does not exist/);
  });

  it('analyses the frequency content of sin(m pi x) and matches the filter computed directly', async () => {
    const csv = path.join(dir, 'sin.csv');
    const r = await lab('analyse', '--data', 'sin', '--m', '2', '--n', '200', '--k-min', '1', '--k-max', '1000', '--count', '20', '--csv', csv);
    expect(r.code).toBe(0);
    const rows = readFileSync(csv, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    const lfr = rows.filter((row) => row[row.length - 4] === 'lfr').map((row) => ({ k: Number(row[row.length - 3]), v: Number(row[row.length - 1]) }));
    expect(lfr).toHaveLength(20);
    // Reference: the Gaussian filter of method.md in float64, straight from its definition.
    const x = Array.from({ length: 200 }, (_, i) => -1 + (2 * i) / 199);
    const y = x.map((t) => Math.sin(2 * Math.PI * t));
    for (const { k, v } of [lfr[0], lfr[7], lfr[13], lfr[19]]) {
      let num = 0;
      let den = 0;
      for (let i = 0; i < 200; i++) {
        let s = 0;
        let g = 0;
        for (let j = 0; j < 200; j++) {
          const w = Math.exp((-((x[i] - x[j]) ** 2) * k) / 2);
          s += w * y[j];
          g += w;
        }
        num += (s / g) ** 2;
        den += y[i] ** 2;
      }
      expect(v).toBeCloseTo(num / den, 4);
    }
  });
});
