// The optional native kernels (native-kernels/kernels.c): a matrix product with AVX2/FMA on a
// pool of threads and a fused Adam step, used by the wasm backend's patched kernels
// (wasm-kernels.ts) and the Adam optimiser (optimiser.ts). A Node-API addon, so one build serves
// Node and Electron. Built by `npm run build:kernels` (also run by `npm install`, never failing
// it); where it is missing or does not load, the wasm kernels run and the backend says so.
//
// Where it is looked for, in order:
//   $FREQLAB_NATIVE_KERNELS   a path to freqlab_kernels.node, or 0 to turn the kernels off
//   packaged app              <resources>/native/freqlab_kernels.node (scripts/after-pack.mjs)
//   checkout                  build/native/freqlab-kernels-<platform>-<arch>/freqlab_kernels.node
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findProjectRoot } from '../store/native-binding';
import { matmulThreads } from './parallel-gemm';

export const nativeKernelsEnvVar = 'FREQLAB_NATIVE_KERNELS';
export const nativeKernelsFileName = 'freqlab_kernels.node';
/** Where the packaged app keeps the addon, relative to its resources folder. */
export const packagedKernelsPath = `native/${nativeKernelsFileName}`;
export const buildKernelsCommand = 'npm run build:kernels';

/** The checkout's build, relative to its root; must match scripts/build-native-kernels.mjs (a test checks it). */
export function developmentKernelsPath(platform: string, arch: string): string {
  return `build/native/freqlab-kernels-${platform}-${arch}/${nativeKernelsFileName}`;
}

/** The addon's functions (kernels.c). Offsets are in bytes, strides in floats. */
export interface NativeKernels {
  /** C = op(A) op(B) for `batch` products; A(i, t) = a[aOff/4 + i ars + t acs], B(t, j) = b[bOff/4 + t brs + j bcs], C row-major. */
  sgemm(
    memory: ArrayBuffer,
    m: number, n: number, k: number, batch: number,
    aOff: number, aBatch: number, ars: number, acs: number,
    bOff: number, bBatch: number, brs: number, bcs: number,
    cOff: number, cBatch: number,
  ): void;
  /** One Adam step for n values (float32, tfjs's order of operations), outputs to the *Out offsets. */
  adam(
    memory: ArrayBuffer, n: number,
    wOff: number, gOff: number, mOff: number, vOff: number, wOutOff: number, mOutOff: number, vOutOff: number,
    beta1: number, beta2: number, oneMinusBeta1: number, oneMinusBeta2: number,
    oneMinusAccBeta1: number, oneMinusAccBeta2: number, negLearningRate: number, epsilon: number,
  ): void;
  /** out[j] = sum_i x[i][j] of a rows x cols float32 matrix, each column added up in row order. */
  colsum(memory: ArrayBuffer, rows: number, cols: number, xOff: number, outOff: number): void;
  /**
   * A convolution as a product whose A is read from the NHWC images at xOff while packing (no patch
   * matrix): transposed 0: out (M x co) = patches (M x K) . W (at bOff, K x co), the forward pass;
   * transposed 1: out (K x co) = patches^T . dy (at bOff, M x co), the filter gradient.
   */
  conv2d(memory: ArrayBuffer, xOff: number, bOff: number, outOff: number, ...rest: [...ConvGeometry, number, 0 | 1]): void;
  /** Patch rows (M x K, (kh, kw, ci) order) added back into a zeroed NHWC image gradient. */
  col2im(memory: ArrayBuffer, patchesOff: number, dxOff: number, ...geometry: ConvGeometry): void;
  /** out[i] = a[i % aLen] op b[i % bLen], i < n; aLen, bLen: n or one row length dividing n (op 0 add, 1 sub, 2 mul, 3 div). */
  binary(memory: ArrayBuffer, op: 0 | 1 | 2 | 3, aOff: number, aLen: number, bOff: number, bLen: number, outOff: number, n: number): void;
  setThreads(threads: number): void;
  info(): { isa: string; threads: number };
}

/** count, inH, inW, inC, outH, outW, filterH, filterW, strideH, strideW, dilationH, dilationW, padTop, padLeft */
export type ConvGeometry = [number, number, number, number, number, number, number, number, number, number, number, number, number, number];

/** The facts that decide where the addon is looked for. */
export interface KernelsContext {
  env: Readonly<Record<string, string | undefined>>;
  platform: string;
  arch: string;
  /** Electron's resources folder in a packaged app, else undefined. */
  resourcesPath?: string;
  projectRoot: string | null;
}

/** Where to look, in order; `off` when the environment turns the kernels off. */
export function kernelCandidates(ctx: KernelsContext): { off: true } | { off: false; files: string[] } {
  const override = ctx.env[nativeKernelsEnvVar];
  if (override === '0' || override === 'off') return { off: true };
  if (override) return { off: false, files: [path.resolve(override)] };
  const files: string[] = [];
  if (ctx.resourcesPath) files.push(path.join(ctx.resourcesPath, packagedKernelsPath));
  if (ctx.projectRoot) files.push(path.join(ctx.projectRoot, developmentKernelsPath(ctx.platform, ctx.arch)));
  return { off: false, files };
}

/** The outcome of loading the addon: the kernels, or why there are none. */
export type NativeKernelsStatus =
  | { loaded: true; kernels: NativeKernels; file: string; isa: string; threads: number }
  | { loaded: false; reason: string };

let status: NativeKernelsStatus | null = null;

function currentContext(): KernelsContext {
  const electronProcess = process as NodeJS.Process & { resourcesPath?: string; defaultApp?: boolean };
  const packaged = Boolean(process.versions.electron) && !electronProcess.defaultApp;
  return {
    env: process.env,
    platform: process.platform,
    arch: process.arch,
    resourcesPath: packaged ? electronProcess.resourcesPath : undefined,
    projectRoot: findProjectRoot(path.dirname(fileURLToPath(import.meta.url))),
  };
}

/** Loads the addon for `ctx`; never throws. */
export function loadNativeKernels(ctx: KernelsContext): NativeKernelsStatus {
  const where = kernelCandidates(ctx);
  if (where.off) return { loaded: false, reason: `turned off by $${nativeKernelsEnvVar}=${ctx.env[nativeKernelsEnvVar]}` };
  const file = where.files.find((f) => fs.existsSync(f));
  if (!file) {
    const looked = where.files.length ? where.files.join(', ') : '(no project folder or resources folder to look in)';
    return { loaded: false, reason: `not built (looked for ${looked}; run \`${buildKernelsCommand}\`)` };
  }
  try {
    const kernels = createRequire(import.meta.url)(file) as NativeKernels;
    kernels.setThreads(Math.min(matmulThreads(), 64));
    const info = kernels.info();
    return { loaded: true, kernels, file, isa: info.isa, threads: info.threads };
  } catch (e) {
    return { loaded: false, reason: `${file} does not load: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}` };
  }
}

/** This process's addon, loaded once per thread. */
export function nativeKernelsStatus(): NativeKernelsStatus {
  status ??= loadNativeKernels(currentContext());
  return status;
}

/** The loaded kernels, or null (also when $FREQLAB_NATIVE_KERNELS is 0 now: read at each call,
 *  so a process, e.g. a test, can compare the two paths). */
export function nativeKernels(): NativeKernels | null {
  const env = process.env[nativeKernelsEnvVar];
  if (env === '0' || env === 'off') return null;
  const s = nativeKernelsStatus();
  return s.loaded ? s.kernels : null;
}

/** One line for the backend report. */
export function describeNativeKernels(): string {
  const s = nativeKernelsStatus();
  return s.loaded ? `native kernels ${s.isa}, ${s.threads} thread(s) per product` : `native kernels not used: ${s.reason}`;
}
