// Matrix products of the tfjs wasm backend on more than one core (wasm-kernels.ts). The backend
// itself runs on one thread; for a large enough product this thread and worker threads share
// the rows of C in blocks, through an atomic counter: this thread computes its blocks in place in
// the backend's memory, the workers in a shared memory that holds copies of A and B, and their
// rows are copied back at the end. The call stays synchronous (the workers are waited for with
// Atomics.wait), so the backend and the trainer see an ordinary kernel.
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { gemmSharedWasmBase64 } from './gemm-kernel/gemm-wasm';

/** The in-place kernel's product: C = A B, A(i, t) = a[i * ai + t * at], B row-major, C row-major. */
export type GemmFunction = (a: number, ai: number, at: number, b: number, c: number, m: number, k: number, n: number) => void;

/** Rows of C per block handed out. */
const BLOCK_ROWS = 32;
/** Smallest product (multiply-adds) worth splitting: below it the hand-over costs more than it saves. */
const MIN_WORK = 4_000_000;
/** The copies (A, B, and C back) must be small beside the work: (mk + kn + mn) * RATIO <= mkn. */
const COPY_RATIO = 48;
const DATA_OFFSET = 1 << 16;
const MAX_PAGES = 16384; // 1 GiB

/** Threads for one product (this one included): FREQLAB_MATMUL_THREADS, else every core. */
export function matmulThreads(): number {
  const env = Number(process.env.FREQLAB_MATMUL_THREADS);
  if (Number.isInteger(env) && env >= 1) return env;
  return Math.max(1, os.availableParallelism());
}

let sharedModule: WebAssembly.Module | null = null;
let shared: WebAssembly.Memory | null = null;
const pool: Worker[] = [];

const workerSource = `
const { parentPort } = require('node:worker_threads');
let memory = null;
let kernel = null;
parentPort.on('message', (job) => {
  const ctl = new Int32Array(job.control);
  try {
    if (memory !== job.memory) {
      memory = job.memory;
      kernel = new WebAssembly.Instance(job.module, { env: { memory } }).exports;
    }
    for (;;) {
      const b = Atomics.add(ctl, 0, 1);
      if (b >= job.blocks || Atomics.load(ctl, 2) !== 0) break;
      const r0 = b * job.rows;
      const rows = Math.min(job.m - r0, job.rows);
      kernel.gemm(job.a + r0 * job.k * 4, job.k, 1, job.b, job.c + r0 * job.n * 4, rows, job.k, job.n);
      Atomics.store(ctl, 4 + b, 2);
      Atomics.add(ctl, 1, 1);
      Atomics.notify(ctl, 1);
    }
  } catch (e) {
    Atomics.store(ctl, 2, 1);
    Atomics.notify(ctl, 1);
  }
});
`;

function helpers(count: number): Worker[] {
  while (pool.length < count) {
    const w = new Worker(workerSource, { eval: true, name: 'frequency-lab-gemm' });
    w.unref();
    const drop = () => {
      const at = pool.indexOf(w);
      if (at >= 0) pool.splice(at, 1);
    };
    w.on('error', drop);
    w.on('exit', drop);
    pool.push(w);
  }
  return pool.slice(0, count);
}

/** Stops the product worker threads (they start again when needed). */
export async function closeMatmulWorkers(): Promise<void> {
  shared = null;
  await Promise.all(pool.splice(0).map((w) => w.terminate()));
}

function sharedMemory(bytes: number): WebAssembly.Memory | null {
  const pages = Math.ceil(bytes / 65536);
  if (pages > MAX_PAGES) return null;
  if (!shared) shared = new WebAssembly.Memory({ initial: pages, maximum: MAX_PAGES, shared: true });
  else if (shared.buffer.byteLength < bytes) shared.grow(pages - shared.buffer.byteLength / 65536);
  return shared;
}

/**
 * C = A B (A row-major m x k at byte offset a, B row-major k x n at b, C at c, all in `heap`, the
 * backend's memory) on several threads. Returns false, having done nothing, when the product is
 * too small to split or only one thread is allowed; the caller then computes it alone.
 */
export function parallelGemm(gemm: GemmFunction, heap: WebAssembly.Memory, a: number, b: number, c: number, m: number, k: number, n: number): boolean {
  const threads = matmulThreads();
  const work = m * k * n;
  if (threads < 2 || work < MIN_WORK || (m * k + k * n + m * n) * COPY_RATIO > work || m < 2 * BLOCK_ROWS) return false;
  const blocks = Math.ceil(m / BLOCK_ROWS);
  const offA = DATA_OFFSET;
  const offB = offA + m * k * 4;
  const offC = offB + k * n * 4;
  const memory = sharedMemory(offC + m * n * 4);
  if (!memory) return false;
  const workers = helpers(Math.min(threads - 1, blocks - 1));
  if (workers.length === 0) return false;

  const ctl = new Int32Array(new SharedArrayBuffer(4 * (4 + blocks)));
  const source = new Uint8Array(heap.buffer);
  const target = new Uint8Array(memory.buffer);
  target.set(source.subarray(a, a + m * k * 4), offA);
  target.set(source.subarray(b, b + k * n * 4), offB);
  sharedModule ??= new WebAssembly.Module(Buffer.from(gemmSharedWasmBase64, 'base64'));
  for (const w of workers) {
    w.postMessage({ module: sharedModule, memory, control: ctl.buffer, a: offA, b: offB, c: offC, m, k, n, rows: BLOCK_ROWS, blocks });
  }
  try {
    for (;;) {
      const blk = Atomics.add(ctl, 0, 1);
      if (blk >= blocks) break;
      const r0 = blk * BLOCK_ROWS;
      gemm(a + r0 * k * 4, k, 1, b, c + r0 * n * 4, Math.min(m - r0, BLOCK_ROWS), k, n);
      Atomics.store(ctl, 4 + blk, 1);
      Atomics.add(ctl, 1, 1);
    }
    let last = Atomics.load(ctl, 1);
    let since = Date.now();
    while (last < blocks && Atomics.load(ctl, 2) === 0) {
      Atomics.wait(ctl, 1, last, 1000);
      const done = Atomics.load(ctl, 1);
      if (done !== last) {
        last = done;
        since = Date.now();
      } else if (Date.now() - since > 60_000) {
        Atomics.store(ctl, 2, 1); // give up on the workers: the blocks they hold are redone below
        break;
      }
    }
  } finally {
    Atomics.store(ctl, 0, blocks); // a late worker finds nothing left
  }
  const out = new Uint8Array(heap.buffer);
  const rowBytes = n * 4;
  for (let blk = 0; blk < blocks; blk++) {
    const state = Atomics.load(ctl, 4 + blk);
    if (state === 1) continue;
    const r0 = blk * BLOCK_ROWS;
    const rows = Math.min(m - r0, BLOCK_ROWS);
    if (state === 2) {
      out.set(new Uint8Array(memory.buffer, offC + r0 * rowBytes, rows * rowBytes), c + r0 * rowBytes);
    } else {
      gemm(a + r0 * k * 4, k, 1, b, c + r0 * n * 4, rows, k, n); // a worker failed or stalled on it
    }
  }
  return true;
}
