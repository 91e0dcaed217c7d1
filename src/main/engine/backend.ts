// Choosing and preparing the tfjs compute backend. `auto` tries, in order: tfjs-node-gpu
// (TensorFlow with CUDA), tfjs-node (TensorFlow on the CPU), the wasm backend, the plain JS cpu
// backend; the one chosen is always reported, with the reasons the better ones did not load.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
// tfjs-core's Node entry registers no gradients, and its own register_all_gradients file is
// bundler-only ESM; the @tensorflow/tfjs bundle (same 4.22.0 core) registers them all.
import '@tensorflow/tfjs';
import { existsSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { BackendName } from '../../shared/config';
import { describeNativeKernels } from './native-kernels';
import { applyWasmKernelFixes } from './wasm-kernels';

export type ComputeBackend = Exclude<BackendName, 'auto'>;
export const backendOrder: ComputeBackend[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

/** What happened when one backend was tried. */
export interface BackendProbe {
  backend: ComputeBackend;
  ok: boolean;
  /** Why it did not load, in words a user can act on. */
  reason?: string;
}

/** The backend a process computes on. */
export interface ActiveBackend {
  backend: ComputeBackend;
  /** e.g. "TensorFlow 2.9.1 with CUDA on NVIDIA RTX A6000" or "wasm (SIMD, single thread)". */
  detail: string;
  gpu: string | null;
  /** Every backend tried before this one, with the reason it was passed over. */
  probes: BackendProbe[];
}

const require = createRequire(import.meta.url);

/** CUDA / cuDNN libraries that tfjs-node-gpu 4.22 (TensorFlow 2.9) loads at start. */
export const requiredGpuLibraries = ['libcudart.so.11.0', 'libcublas.so.11', 'libcudnn.so.8'];

/** Folders the dynamic loader searches, for the GPU libraries check. */
function libraryDirectories(): string[] {
  const dirs = (process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);
  dirs.push('/usr/local/cuda/lib64', '/usr/local/cuda-11.2/lib64', '/usr/lib/x86_64-linux-gnu', '/usr/lib64', '/usr/lib');
  try {
    const cache = execFileSync('ldconfig', ['-p'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    for (const line of cache.split('\n')) {
      const m = line.match(/=>\s*(\S+)$/);
      if (m) dirs.push(path.dirname(m[1]));
    }
  } catch {
    // no ldconfig: the explicit folders above are searched
  }
  return [...new Set(dirs)];
}

/** The required CUDA libraries that the dynamic loader would not find. */
export function missingGpuLibraries(): string[] {
  if (process.platform !== 'linux') return [];
  const dirs = libraryDirectories().filter((d) => existsSync(d));
  const present = new Set<string>();
  for (const d of dirs) {
    try {
      for (const f of readdirSync(d)) present.add(f);
    } catch {
      // unreadable folder
    }
  }
  return requiredGpuLibraries.filter((lib) => !present.has(lib));
}

/** The GPU names nvidia-smi reports, or null where there is no NVIDIA driver. */
export function nvidiaGpus(): string | null {
  try {
    const out = execFileSync('nvidia-smi', ['--query-gpu=name,memory.total', '--format=csv,noheader'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5000,
    });
    const names = out.trim().split('\n').filter(Boolean);
    return names.length ? names.join('; ') : null;
  } catch {
    return null;
  }
}

/** Whether a package can be resolved at all (before trying to load its native code). */
function packageInstalled(name: string): boolean {
  try {
    require.resolve(`${name}/package.json`);
    return true;
  } catch {
    return false;
  }
}

/** One line from a loader error: the first line that names a library or the cause. */
function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n').find((l) => l.trim()) ?? text;
}

async function tryTensorflow(gpu: boolean): Promise<BackendProbe & { detail?: string; gpuName?: string | null }> {
  const backend: ComputeBackend = gpu ? 'tensorflow-gpu' : 'tensorflow';
  const pkg = gpu ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
  if (!packageInstalled(pkg)) {
    return {
      backend,
      ok: false,
      reason: `${pkg} is not installed (it is an optional dependency: its install downloads libtensorflow, which needs internet; see README "GPU backend")`,
    };
  }
  let gpuName: string | null = null;
  if (gpu) {
    const missing = missingGpuLibraries();
    if (missing.length) {
      return {
        backend,
        ok: false,
        reason: `CUDA/cuDNN libraries not found: ${missing.join(', ')} (tfjs-node-gpu 4.22 needs CUDA 11.2 and cuDNN 8.1 on the library path)`,
      };
    }
    gpuName = nvidiaGpus();
    if (!gpuName) return { backend, ok: false, reason: 'no NVIDIA GPU found (nvidia-smi did not answer)' };
  }
  try {
    require(pkg); // registers the 'tensorflow' backend with the shared tfjs-core
  } catch (e) {
    return { backend, ok: false, reason: `${pkg} did not load: ${firstLine(e)}` };
  }
  if (!(await tf.setBackend('tensorflow'))) {
    return { backend, ok: false, reason: `${pkg} loaded but its backend did not initialise` };
  }
  const version = (tf.backend() as unknown as { binding?: { TF_Version?: string } }).binding?.TF_Version;
  const detail = `TensorFlow ${version ?? '(unknown version)'}${gpu ? ` with CUDA on ${gpuName}` : ' on the CPU'}`;
  return { backend, ok: true, detail, gpuName };
}

async function tryWasm(): Promise<BackendProbe & { detail?: string }> {
  try {
    if (!(await tf.setBackend('wasm'))) return { backend: 'wasm', ok: false, reason: 'the wasm backend did not initialise' };
    await tf.ready();
    applyWasmKernelFixes();
    // In Node the wasm backend runs single-threaded; SIMD is used where the runtime has it. The
    // products and Adam run in the native kernels where they are built (native-kernels.ts).
    return { backend: 'wasm', ok: true, detail: `tfjs wasm backend (patched kernels; ${describeNativeKernels()})` };
  } catch (e) {
    return { backend: 'wasm', ok: false, reason: `the wasm backend failed: ${firstLine(e)}` };
  }
}

async function tryCpu(): Promise<BackendProbe & { detail?: string }> {
  await tf.setBackend('cpu');
  await tf.ready();
  return { backend: 'cpu', ok: true, detail: 'tfjs plain JavaScript cpu backend (slow; for checks)' };
}

/** Tries one backend; on success it is the active tfjs backend of this thread. */
export async function tryBackend(b: ComputeBackend): Promise<BackendProbe & { detail?: string; gpuName?: string | null }> {
  switch (b) {
    case 'tensorflow-gpu':
      return tryTensorflow(true);
    case 'tensorflow':
      return tryTensorflow(false);
    case 'wasm':
      return tryWasm();
    case 'cpu':
      return tryCpu();
  }
}

/** Makes `preference` (or the best loadable backend, for `auto`) the active backend of this
 *  thread. A forced backend that does not load is an error, never a silent fall-back. */
export async function initBackend(preference: BackendName): Promise<ActiveBackend> {
  const candidates = preference === 'auto' ? backendOrder : [preference];
  const probes: BackendProbe[] = [];
  for (const b of candidates) {
    const r = await tryBackend(b);
    probes.push({ backend: r.backend, ok: r.ok, reason: r.reason });
    if (r.ok) {
      return { backend: b, detail: r.detail ?? b, gpu: r.gpuName ?? null, probes };
    }
  }
  const why = probes.map((p) => `${p.backend}: ${p.reason}`).join('; ');
  throw new Error(`backend "${preference}" is not available here: ${why}`);
}

/** Describes a backend choice in one line, naming what was passed over and why. */
export function describeBackend(active: ActiveBackend): string {
  const skipped = active.probes.filter((p) => !p.ok).map((p) => `${p.backend} unavailable: ${p.reason}`);
  return [`backend: ${active.backend} — ${active.detail}`, ...skipped.map((s) => `  (${s})`)].join('\n');
}
