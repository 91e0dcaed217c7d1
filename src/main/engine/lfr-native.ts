// The fast path of the filtering method (method.md section 1) for the CPU backends: the low
// frequency ratios of a sampled function computed by a fused WebAssembly SIMD kernel
// (lfr-kernel/lfr.c) on several threads, with the sums that need it done in float64 on the host.
//
// Why it is fast, compared with one tfjs op per k and block:
// - fused: for each tile of the (never formed) n x n kernel and each k, one pass computes
//   exp(-k d/2) from the tile's distances in registers and adds it straight into the sums; no
//   intermediate tensor is written and read back per k;
// - symmetric: G_ij = G_ji, so each unordered pair costs one exp per k (off-diagonal tiles add
//   their sums to both the rows and the columns);
// - grouped targets: when the target rows take few distinct values (one-hot classes), the
//   samples are sorted by value, so sum_j G_ij y_j is a handful of segment sums instead of a
//   product with [y | 1];
// - pruned: with k ascending, a 4 x 4 block of pairs whose kernel values have fallen below 2^-40
//   for good is skipped for the remaining k (lfr.c says why this cannot be seen in the ratios);
// - parallel: the tiles are shared out, through an atomic counter, between this thread and
//   worker threads, each with its own instance of the kernel; each thread keeps its own float64
//   sums, added up at the end.
// Targets with many distinct values (regression) return null here: the caller uses the tfjs path.
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { lfrWasmBase64 } from './lfr-kernel/lfr-wasm';

/** Rows and columns of one tile: its distances (tile^2 floats) stay in the L2 cache. */
const TILE = 128;
/** Above this many distinct target rows the grouped kernel is not used. */
export const MAX_TARGET_GROUPS = 64;
/** The kernel's data starts here, above the (unused) stack area the wasm linker reserves. */
const DATA_OFFSET = 1 << 17;
/** Kernel memories (all threads) beyond this are given back once this thread is idle (scheduleRelease). */
const KEEP_BYTES = 96 * 2 ** 20;
/** Largest kernel memory (pages of 64 KiB): 2 GiB. Larger problems use the tfjs path. */
const MAX_PAGES = 32768;
/** Fewer padded samples than this: one thread (starting workers would cost more than it saves). */
const MIN_SAMPLES_FOR_WORKERS = 384;

interface KernelExports {
  lfr_tile(
    X: number, dp: number, norms: number, quadGroup: number, ck: number, K: number, G: number, np: number,
    S: number, scratch: number, i0: number, ti: number, j0: number, tj: number, symmetric: number,
  ): void;
  lfr_scratch_bytes(tile: number): number;
}

let compiled: WebAssembly.Module | null = null;

function kernelModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(Buffer.from(lfrWasmBase64, 'base64'));
  return compiled;
}

// ---------------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------------

let threadsSetting: number | null = null;

/** Threads the analysis uses (this one included): setAnalysisThreads, else FREQLAB_ANALYSIS_THREADS, else every core. */
export function analysisThreads(): number {
  if (threadsSetting !== null) return threadsSetting;
  const env = Number(process.env.FREQLAB_ANALYSIS_THREADS);
  if (Number.isInteger(env) && env >= 1) return env;
  return Math.max(1, os.availableParallelism());
}

/** Sets the analysis thread count for this thread (null: back to the default). */
export function setAnalysisThreads(threads: number | null): void {
  if (threads !== null && !(Number.isInteger(threads) && threads >= 1)) {
    throw new RangeError(`setAnalysisThreads: threads must be a whole number >= 1, got ${threads}`);
  }
  threadsSetting = threads;
}

/** Whether the fused kernel may be used: FREQLAB_ANALYSIS_KERNEL=tfjs turns it off (for comparisons). */
export function nativeAnalysisEnabled(): boolean {
  return (process.env.FREQLAB_ANALYSIS_KERNEL ?? 'auto') !== 'tfjs';
}

/** One line for reports: how the analysis is computed on the CPU backends. */
export function describeAnalysisImplementation(): string {
  if (!nativeAnalysisEnabled()) return 'tfjs ops (FREQLAB_ANALYSIS_KERNEL=tfjs)';
  const t = analysisThreads();
  return `fused wasm-SIMD kernel (symmetric ${TILE}x${TILE} tiles, grouped targets, float64 sums) on ${t} thread${t > 1 ? 's' : ''}; tfjs ops for targets with more than ${MAX_TARGET_GROUPS} distinct values`;
}

// ---------------------------------------------------------------------------------------------
// Preparing a problem
// ---------------------------------------------------------------------------------------------

/** The distinct rows of y (exact float comparison) and each sample's index among them. */
export interface TargetGroups {
  count: number;
  /** Group of each sample. */
  groupOf: Int32Array;
  /** The distinct rows, count x c, row-major. */
  values: Float64Array;
}

/** Groups the samples by their target row; null when there are more than maxGroups distinct rows. */
export function groupTargets(y: ArrayLike<number>, n: number, c: number, maxGroups = MAX_TARGET_GROUPS): TargetGroups | null {
  const index = new Map<string, number>();
  const groupOf = new Int32Array(n);
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) {
    const row = Array.from({ length: c }, (_, t) => y[i * c + t]);
    const key = row.join(',');
    let g = index.get(key);
    if (g === undefined) {
      if (rows.length === maxGroups) return null;
      g = rows.length;
      index.set(key, g);
      rows.push(row);
    }
    groupOf[i] = g;
  }
  return { count: rows.length, groupOf, values: Float64Array.from(rows.flat()) };
}

interface Layout {
  X: number;
  norms: number;
  quadGroup: number;
  ck: number;
  /** End of the inputs (the part copied to every thread). */
  inputEnd: number;
  S: number;
  scratch: number;
  end: number;
}

interface Problem {
  /** Samples after sorting and padding (a multiple of 4); dp: features padded to a multiple of 4. */
  np: number;
  dp: number;
  K: number;
  G: number;
  layout: Layout;
  /** The inputs exactly as they sit in a kernel memory from layout.X to layout.inputEnd (at the start of this buffer). */
  input: SharedArrayBuffer;
  /** Tiles as (i0, ti, j0, tj), upper triangle only. */
  tiles: Int32Array;
  tileCount: number;
  /** Original index of each sorted sample, -1 for padding. */
  sample: Int32Array;
}

const align = (v: number, to: number) => Math.ceil(v / to) * to;

function layoutFor(np: number, dp: number, K: number, G: number, scratchBytes: number): Layout {
  const X = DATA_OFFSET;
  const norms = X + np * dp * 4;
  const quadGroup = norms + np * 4;
  const ck = quadGroup + (np / 4) * 4;
  const inputEnd = align(ck + K * 4, 16);
  const S = inputEnd;
  const scratch = align(S + K * G * np * 8, 16);
  return { X, norms, quadGroup, ck, inputEnd, S, scratch, end: scratch + scratchBytes };
}

/**
 * Sorts the samples by group, pads each group to a multiple of four samples (padding has zero
 * features and a huge norm, so its kernel values are 0), centres x on its mean (float64 mean),
 * and lays everything out as the kernel reads it.
 */
function prepare(x: ArrayLike<number>, n: number, d: number, groups: TargetGroups, kAscending: readonly number[], scratchBytes: number): Problem | null {
  const G = groups.count;
  const members: number[][] = Array.from({ length: G }, () => []);
  for (let i = 0; i < n; i++) members[groups.groupOf[i]].push(i);
  const np = members.reduce((s, m) => s + align(m.length, 4), 0);
  const dp = align(d, 4);
  const K = kAscending.length;
  const layout = layoutFor(np, dp, K, G, scratchBytes);
  if (layout.end > MAX_PAGES * 65536) return null;
  const input = inputBuffer(layout.inputEnd - layout.X);
  const X = new Float32Array(input, 0, np * dp);
  const norms = new Float32Array(input, layout.norms - layout.X, np);
  const quadGroup = new Int32Array(input, layout.quadGroup - layout.X, np / 4);
  const ck = new Float32Array(input, layout.ck - layout.X, K);
  const sample = new Int32Array(np).fill(-1);
  new Uint8Array(input, 0, layout.inputEnd - layout.X).fill(0); // reused buffer: padding must read 0

  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let t = 0; t < d; t++) mean[t] += x[i * d + t];
  for (let t = 0; t < d; t++) mean[t] /= n;
  let p = 0;
  for (let g = 0; g < G; g++) {
    const m = members[g];
    const padded = align(m.length, 4);
    for (let q = 0; q < padded; q++, p++) {
      if (q % 4 === 0) quadGroup[p / 4] = g;
      if (q >= m.length) {
        norms[p] = 1e30; // exp(-k (1e30 + ...) / 2) = 0 for every k > 0
        continue;
      }
      const i = m[q];
      sample[p] = i;
      let norm = 0;
      for (let t = 0; t < d; t++) {
        const v = Math.fround(x[i * d + t] - mean[t]);
        X[p * dp + t] = v;
        norm += v * v;
      }
      if (!Number.isFinite(norm)) return null; // NaN or infinite inputs: the tfjs path says what they give
      norms[p] = norm;
    }
  }
  // The kernel skips blocks whose kernel values have underflowed for good, which needs k ascending.
  for (let j = 0; j < K; j++) ck[j] = (-kAscending[j] / 2) * Math.LOG2E;

  const blocks: [number, number][] = [];
  for (let s = 0; s < np; s += TILE) blocks.push([s, Math.min(TILE, np - s)]);
  const tileList: number[] = [];
  for (let a = 0; a < blocks.length; a++) {
    for (let b = a; b < blocks.length; b++) tileList.push(blocks[a][0], blocks[a][1], blocks[b][0], blocks[b][1]);
  }
  const tiles = Int32Array.from(tileList);
  return { np, dp, K, G, layout, input, tiles, tileCount: tileList.length / 4, sample };
}

// ---------------------------------------------------------------------------------------------
// Kernel memories and instances: one per thread, all owned by the thread that runs the job
// ---------------------------------------------------------------------------------------------

/** Shared memories by thread slot (0: this thread; 1..: workers), reused from job to job. */
let memories: WebAssembly.Memory[] = [];
let local: { memory: WebAssembly.Memory; exports: KernelExports } | null = null;
let inputCache: SharedArrayBuffer | null = null;
let releaseTimer: ReturnType<typeof setTimeout> | null = null;

/** Memory of `slot` with at least `bytes` bytes. */
function memoryFor(slot: number, bytes: number): WebAssembly.Memory {
  const pages = Math.ceil(bytes / 65536);
  let m = memories[slot];
  if (!m) {
    m = new WebAssembly.Memory({ initial: pages, maximum: MAX_PAGES, shared: true });
    memories[slot] = m;
  } else if (m.buffer.byteLength < bytes) {
    m.grow(pages - m.buffer.byteLength / 65536);
  }
  return m;
}

function localKernel(bytes: number): KernelExports {
  const memory = memoryFor(0, bytes);
  if (!local || local.memory !== memory) {
    const instance = new WebAssembly.Instance(kernelModule(), { env: { memory } });
    local = { memory, exports: instance.exports as unknown as KernelExports };
  }
  return local.exports;
}

function scratchBytes(): number {
  return localKernel(DATA_OFFSET).lfr_scratch_bytes(TILE);
}

function inputBuffer(bytes: number): SharedArrayBuffer {
  if (!inputCache || inputCache.byteLength < bytes) inputCache = new SharedArrayBuffer(bytes);
  return inputCache;
}

/**
 * Large memories are given back once this thread is idle: the timer can only fire when the
 * event loop runs again, i.e. after a whole synchronous series of analyses (one snapshot).
 */
function scheduleRelease(): void {
  if (releaseTimer) clearTimeout(releaseTimer);
  const held = memories.reduce((s, m) => s + (m?.buffer.byteLength ?? 0), 0) + (inputCache?.byteLength ?? 0);
  if (held <= KEEP_BYTES) return;
  releaseTimer = setTimeout(() => {
    releaseTimer = null;
    memories = [];
    local = null;
    inputCache = null;
    for (const w of pool) w.postMessage({ release: true });
  }, 2000);
  releaseTimer.unref?.();
}

// Control words of a job (Int32Array over a SharedArrayBuffer).
const NEXT_TILE = 0;
const DONE_TILES = 1;
const FAILED = 2;
const CLAIMED = 3; // + worker slot
// PUBLISHED = CLAIMED + workers + slot

/** The worker threads' code: the same tile loop as runTiles below, in the memory the job brings. */
const workerSource = `
const { parentPort } = require('node:worker_threads');
let memory = null;
let kernel = null;
parentPort.on('message', (job) => {
  if (job.release) {
    memory = null;
    kernel = null;
    return;
  }
  const ctl = new Int32Array(job.control);
  const published = ${CLAIMED} + job.workers + job.slot;
  try {
    const L = job.layout;
    if (memory !== job.memory) {
      memory = job.memory;
      kernel = new WebAssembly.Instance(job.module, { env: { memory } }).exports;
    }
    let claimed = false;
    for (;;) {
      const t = Atomics.add(ctl, ${NEXT_TILE}, 1);
      if (t >= job.tileCount || Atomics.load(ctl, ${FAILED}) !== 0) break;
      if (!claimed) {
        claimed = true;
        Atomics.store(ctl, ${CLAIMED} + job.slot, 1);
        new Uint8Array(memory.buffer, L.X, job.inputBytes).set(new Uint8Array(job.input, 0, job.inputBytes));
        new Uint8Array(memory.buffer, L.S, L.scratch - L.S).fill(0);
      }
      const tiles = job.tiles;
      kernel.lfr_tile(L.X, job.dp, L.norms, L.quadGroup, L.ck, job.K, job.G, job.np, L.S, L.scratch,
        tiles[4 * t], tiles[4 * t + 1], tiles[4 * t + 2], tiles[4 * t + 3], tiles[4 * t] === tiles[4 * t + 2] ? 0 : 1);
      Atomics.add(ctl, ${DONE_TILES}, 1);
      Atomics.notify(ctl, ${DONE_TILES});
    }
  } catch (e) {
    Atomics.store(ctl, ${FAILED}, 1);
    Atomics.notify(ctl, ${DONE_TILES});
  }
  Atomics.store(ctl, published, 1);
  Atomics.notify(ctl, published);
});
`;

const pool: Worker[] = [];

/** At least `count` worker threads (they do not keep the process alive). */
function workers(count: number): Worker[] {
  while (pool.length < count) {
    const w = new Worker(workerSource, { eval: true, name: 'frequency-lab-lfr' });
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

/** Stops the analysis worker threads and frees the kernel memories (both come back when needed). */
export async function closeAnalysisWorkers(): Promise<void> {
  if (releaseTimer) clearTimeout(releaseTimer);
  releaseTimer = null;
  memories = [];
  local = null;
  inputCache = null;
  const all = pool.splice(0);
  await Promise.all(all.map((w) => w.terminate()));
}

/** Blocks while ctl[index] == value; fails when a worker failed or no tile finished for `stallMs`. */
function waitWhile(ctl: Int32Array, index: number, value: number, stallMs: number, what: string): void {
  let lastDone = Atomics.load(ctl, DONE_TILES);
  let since = Date.now();
  while (Atomics.load(ctl, index) === value) {
    if (Atomics.load(ctl, FAILED) !== 0) throw new Error('lowFrequencyRatios: an analysis worker thread failed');
    Atomics.wait(ctl, index, value, 1000);
    const done = Atomics.load(ctl, DONE_TILES);
    if (done !== lastDone) {
      lastDone = done;
      since = Date.now();
    } else if (Date.now() - since > stallMs) {
      throw new Error(`lowFrequencyRatios: no progress for ${stallMs / 1000} s while waiting for ${what}`);
    }
  }
}

/**
 * Runs every tile on this thread and `workerCount` workers, each in its own memory; returns the
 * summed S ([K][G][np], float64) as a view of this thread's kernel memory (valid until the next job).
 */
function runTiles(problem: Problem, workerCount: number): Float64Array {
  const { layout: L, np, dp, K, G, tileCount, tiles } = problem;
  const sLength = K * G * np;
  const ctl = new Int32Array(new SharedArrayBuffer(4 * (CLAIMED + 2 * workerCount)));
  const helpers = workerCount > 0 ? workers(workerCount) : [];
  const module = kernelModule();
  const inputBytes = L.inputEnd - L.X;
  helpers.forEach((w, slot) =>
    w.postMessage({
      module, memory: memoryFor(slot + 1, L.end), control: ctl.buffer, input: problem.input, inputBytes, tiles,
      layout: L, dp, K, G, np, tileCount, slot, workers: workerCount,
    }),
  );
  const kernel = localKernel(L.end);
  const memory = memories[0];
  try {
    new Uint8Array(memory.buffer, L.X, inputBytes).set(new Uint8Array(problem.input, 0, inputBytes));
    new Uint8Array(memory.buffer, L.S, sLength * 8).fill(0);
    for (;;) {
      const t = Atomics.add(ctl, NEXT_TILE, 1);
      if (t >= tileCount || Atomics.load(ctl, FAILED) !== 0) break;
      const i0 = tiles[4 * t], ti = tiles[4 * t + 1], j0 = tiles[4 * t + 2], tj = tiles[4 * t + 3];
      kernel.lfr_tile(L.X, dp, L.norms, L.quadGroup, L.ck, K, G, np, L.S, L.scratch, i0, ti, j0, tj, i0 === j0 ? 0 : 1);
      Atomics.add(ctl, DONE_TILES, 1);
    }
    // Every tile has been claimed; wait until they are all done and the workers that took some
    // have finished (a worker that had not started yet took none and is not waited for).
    const stallMs = 10 * 60 * 1000;
    while (Atomics.load(ctl, DONE_TILES) < tileCount) {
      waitWhile(ctl, DONE_TILES, Atomics.load(ctl, DONE_TILES), stallMs, 'the analysis worker threads');
    }
    const S = new Float64Array(memory.buffer, L.S, sLength);
    for (let slot = 0; slot < workerCount; slot++) {
      if (Atomics.load(ctl, CLAIMED + slot) === 0) continue;
      waitWhile(ctl, CLAIMED + workerCount + slot, 0, stallMs, `analysis worker ${slot + 1}`);
      const part = new Float64Array(memories[slot + 1].buffer, L.S, sLength);
      for (let i = 0; i < sLength; i++) S[i] += part[i];
    }
    if (Atomics.load(ctl, FAILED) !== 0) throw new Error('lowFrequencyRatios: an analysis worker thread failed');
    return S;
  } finally {
    Atomics.store(ctl, NEXT_TILE, tileCount); // a late worker finds nothing left to do
    scheduleRelease();
  }
}

/**
 * LFR(k) for every k (in the order given) by the fused kernel, or null when the targets have more
 * than MAX_TARGET_GROUPS distinct rows. x: n x d, y: n x c, both row-major; targetEnergy is
 * sum_i |y_i|^2 (> 0). Same definition as lowFrequencyRatios: G_ij = exp(-k |x_i - x_j|^2 / 2),
 * the diagonal included.
 */
export function lowFrequencyRatiosNative(
  x: ArrayLike<number>, n: number, d: number, y: ArrayLike<number>, c: number, k: readonly number[], targetEnergy: number,
): number[] | null {
  const groups = groupTargets(y, n, c);
  if (!groups) return null;
  const order = k.map((_, j) => j).sort((a, b) => k[a] - k[b]);
  const kAscending = order.map((j) => k[j]);
  const problem = prepare(x, n, d, groups, kAscending, scratchBytes());
  if (!problem) return null;
  const threads = problem.np >= MIN_SAMPLES_FOR_WORKERS ? Math.min(analysisThreads(), problem.tileCount) : 1;
  let S: Float64Array;
  try {
    S = runTiles(problem, threads - 1);
  } catch (error) {
    if (threads === 1) throw error;
    // A worker thread failed or hung: do it all on this thread, with new workers next time.
    void closeAnalysisWorkers();
    S = runTiles(prepare(x, n, d, groups, kAscending, scratchBytes())!, 0);
  }

  // |sum_g S_g y_g|^2 = sum_{g,h} S_g S_h (y_g . y_h); for one-hot groups the Gram matrix is diagonal.
  const { G, np, K, sample } = problem;
  const M = new Float64Array(G * G);
  let diagonal = true;
  for (let g = 0; g < G; g++) {
    for (let h = 0; h < G; h++) {
      let dot = 0;
      for (let t = 0; t < c; t++) dot += groups.values[g * c + t] * groups.values[h * c + t];
      M[g * G + h] = dot;
      if (g !== h && dot !== 0) diagonal = false;
    }
  }
  // k = 0: every G_ij = 1 and y_low_i = mean y (the kernel's padding trick needs k > 0).
  const meanY = new Float64Array(c);
  for (let i = 0; i < n; i++) for (let t = 0; t < c; t++) meanY[t] += y[i * c + t] / n;
  const atZero = (n * meanY.reduce((s, v) => s + v * v, 0)) / targetEnergy;

  const row = new Float64Array(G);
  const lfr = new Array<number>(K);
  for (let s = 0; s < K; s++) {
    if (kAscending[s] === 0) {
      lfr[order[s]] = atZero;
      continue;
    }
    let low = 0;
    const base = s * G * np;
    for (let p = 0; p < np; p++) {
      if (sample[p] < 0) continue;
      let den = 0;
      for (let g = 0; g < G; g++) {
        row[g] = S[base + g * np + p];
        den += row[g];
      }
      let num = 0;
      if (diagonal) {
        for (let g = 0; g < G; g++) num += M[g * G + g] * row[g] * row[g];
      } else {
        for (let g = 0; g < G; g++) for (let h = 0; h < G; h++) num += M[g * G + h] * row[g] * row[h];
      }
      low += num / (den * den);
    }
    lfr[order[s]] = low / targetEnergy;
  }
  return lfr;
}
