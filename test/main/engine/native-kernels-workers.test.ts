// The native kernels loaded by one worker thread after another (as the app trains run after
// run, each in its own worker): Node unloads an addon when the last worker that loaded it exits,
// and a reloaded copy must not start a second thread pool beside the first one's threads (which
// ran each product twice and wrote into freed memory before kernels.c was linked -z nodelete).
import { describe, expect, it } from 'vitest';
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { developmentKernelsPath, nativeKernelsEnvVar } from '../../../src/main/engine/native-kernels';

const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const k = require(workerData.file);
k.setThreads(2);
const [m, n, kk] = [300, 150, 200]; // 9 M multiply-adds: shared with the pool
const memory = new ArrayBuffer((m * kk + kk * n + m * n) * 4);
const f = new Float32Array(memory);
for (let i = 0; i < m * kk + kk * n; i++) f[i] = Math.fround(Math.sin(i * 0.37 + workerData.round));
let worst = 0;
for (let rep = 0; rep < 20; rep++) {
  k.sgemm(memory, m, n, kk, 1, 0, 0, kk, 1, m * kk * 4, 0, n, 1, (m * kk + kk * n) * 4, 0);
  for (let i = 0; i < m; i += 37) for (let j = 0; j < n; j += 11) {
    let s = 0;
    for (let t = 0; t < kk; t++) s += f[i * kk + t] * f[m * kk + t * n + j];
    worst = Math.max(worst, Math.abs(f[m * kk + kk * n + i * n + j] - s));
  }
}
parentPort.postMessage(worst);
`;

function runInWorker(file: string, round: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const w = new Worker(workerSource, { eval: true, workerData: { file, round } });
    let result: number | null = null;
    w.on('message', (v: number) => (result = v));
    w.on('error', reject);
    w.on('exit', (code) => (code === 0 && result !== null ? resolve(result) : reject(new Error(`worker ${round} exited with ${code}`))));
  });
}

describe('native kernels across worker threads', () => {
  it('five workers in turn each get correct parallel products', async () => {
    // This thread must not load the addon itself: then the workers' exits would not unload it.
    const file = path.resolve(process.env[nativeKernelsEnvVar] || developmentKernelsPath(process.platform, process.arch));
    expect(existsSync(file), `${file}: the native kernels must be built (npm run build:kernels)`).toBe(true);
    for (let round = 0; round < 5; round++) expect(await runInWorker(file, round), `worker ${round}`).toBeLessThan(1e-3);
  });
});
