// Prototype for issue 5, case 2: the paper's MNIST network trained data-parallel on worker
// threads (each with its own tfjs wasm backend and our matmul kernel), to measure what the app's
// training loop would gain from it. Same network, loss, Adam and batch size as the bench's
// training case; not the app's code path (train.ts is not changed by this prototype).
//   npx tsx bench/prototypes/data-parallel-train.ts [--workers 2] [--samples 10000] [--epochs 3]
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { argValue } from '../lib/args';
import { readMeta, readRows } from '../lib/dataset-files';
import { median } from '../lib/stats';

const workers = Number(argValue('--workers', '2'));
const samples = Number(argValue('--samples', '10000'));
const epochs = Number(argValue('--epochs', '3'));
const batch = Number(argValue('--batch', '256'));

function tsWorker(file: string, data: unknown): Worker {
  const tsxPackage = createRequire(import.meta.url).resolve('tsx/package.json');
  const tsxApi = pathToFileURL(path.join(path.dirname(tsxPackage), 'dist/esm/api/index.mjs')).href;
  const url = pathToFileURL(file).href;
  return new Worker(`import(${JSON.stringify(tsxApi)}).then(({ tsImport }) => tsImport(${JSON.stringify(file)}, ${JSON.stringify(url)}))`, {
    eval: true,
    workerData: data,
  });
}

async function main(): Promise<void> {
  const dir = [10000, 5000, 2000].map((m) => path.join(os.tmpdir(), 'frequency-lab-bench', `data-v1-mnist-${m}`)).find((d) => existsSync(d) && readMeta(d).n >= samples);
  if (!dir) throw new Error('no bench data: run `npm run bench -- --case train` first');
  const meta = readMeta(dir);
  const share = (a: Float32Array) => {
    const s = new SharedArrayBuffer(a.byteLength);
    new Float32Array(s).set(a);
    return s;
  };
  const hidden = [500, 500, 500, 500, 500];
  const sizes = [meta.inputDim, ...hidden, meta.classes];
  let parameters = 0;
  for (let l = 1; l < sizes.length; l++) parameters += sizes[l - 1] * sizes[l] + sizes[l];
  const control = new SharedArrayBuffer(4 * (2 + epochs));
  const ctl = new Int32Array(control);
  const results = new SharedArrayBuffer(8 * epochs * workers);
  const common = {
    workers,
    x: share(readRows(dir, meta.files.x, samples, meta.inputDim)),
    y: share(readRows(dir, meta.files.y, samples, meta.classes)),
    n: samples,
    inputDim: meta.inputDim,
    classes: meta.classes,
    hidden,
    batch,
    epochs,
    grads: new SharedArrayBuffer(4 * 2 * workers * parameters),
    control,
    results,
  };
  const file = path.join(path.dirname(fileURLToPath(import.meta.url)), 'data-parallel-worker.ts');
  const threads = Array.from({ length: workers }, (_, slot) => tsWorker(file, { ...common, slot }));
  const failed = new Promise<never>((_, reject) => threads.forEach((t) => t.on('error', reject)));
  const seconds: number[] = [];
  let t0 = performance.now();
  for (let e = 0; e < epochs; e++) {
    const done = new Promise<void>((resolve) => {
      const poll = () => (Atomics.load(ctl, 2 + e) !== 0 ? resolve() : setTimeout(poll, 5));
      poll();
    });
    await Promise.race([failed, done]);
    const t1 = performance.now();
    seconds.push((t1 - t0) / 1000);
    t0 = t1;
    const losses = new Float64Array(results);
    let loss = losses[e];
    for (let w = 1; w < workers; w++) loss += losses[epochs * w + e];
    console.log(`epoch ${e + 1}: ${seconds[e].toFixed(2)} s, loss ${(loss / samples).toFixed(5)}${e === 0 ? ' (includes start-up)' : ''}`);
  }
  await Promise.all(threads.map((t) => t.terminate()));
  console.log(`${workers} worker(s), ${samples} samples, batch ${batch}: median epoch after the first ${median(seconds.slice(1)).toFixed(2)} s; load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
