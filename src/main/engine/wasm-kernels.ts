// Kernel fixes for the tfjs wasm backend (4.22): its matrix product with a transposed input
// runs 10-20x slower than without, and every dense backward pass uses one. The fix transposes
// the input explicitly (a fast memory copy) and calls the kernel without the transpose flag.
//
// BatchMatMul goes further: float32 products (2-D, or batched with equal or single batches) run
// in our own SIMD kernel (gemm-kernel/gemm.c), inside the backend's memory, on the tensors where
// they lie. It takes a transposed A through its strides and packs a transposed B once, and it
// has no per-call set-up: the backend's XNNPACK product re-creates its operator and re-packs B
// whenever B is a new tensor, which in training is every call (the weights change every step).
// Large products are shared with worker threads (parallel-gemm.ts; FREQLAB_MATMUL_THREADS).
// The same module gathers rows (the trainer's batches) with one copy per row and computes tanh
// with a SIMD polynomial. FREQLAB_WASM_GEMM=0 turns all of this off (for comparisons).
import { backend_util, getKernel, registerKernel, unregisterKernel, type KernelBackend, type KernelConfig, type TensorInfo } from '@tensorflow/tfjs-core';
import { gemmWasmBase64 } from './gemm-kernel/gemm-wasm';
import { nativeKernels } from './native-kernels';
import { heapBuffer, heapOffset, type WasmBackendInternals } from './wasm-heap';
import { parallelGemm } from './parallel-gemm';

const patched = new Set<string>();

/**
 * Registers `wrap(original)` in place of the wasm backend's kernel `name`, once per process (a
 * second call does nothing). The wrapper gets the original kernel for the cases it leaves to it.
 */
function replaceWasmKernel(name: string, wrap: (original: KernelConfig) => KernelConfig['kernelFunc']): void {
  const key = `${name}/wasm`;
  if (patched.has(key)) return;
  const original = getKernel(name, 'wasm');
  if (!original) throw new Error(`the wasm backend has no ${name} kernel to replace`);
  unregisterKernel(name, 'wasm');
  registerKernel({ ...original, kernelFunc: wrap(original) });
  patched.add(key);
}

/** Permutation that swaps the last two axes of a tensor of the given rank. */
function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return perm;
}

interface GemmExports {
  gemm(a: number, ai: number, at: number, b: number, c: number, m: number, k: number, n: number): void;
  pack_transpose(src: number, rows: number, cols: number, dst: number): void;
  gather_rows(src: number, rows: number, rowBytes: number, idx: number, count: number, dst: number): number;
  tanh_f32(x: number, n: number, out: number): void;
}

const gemmInstances = new WeakMap<object, GemmExports | null>();
let gemmModule: WebAssembly.Module | null = null;

/** Our product kernel, instantiated in the backend's own memory; null where that memory is not reachable. */
function gemmFor(backend: KernelBackend): GemmExports | null {
  const internals = backend as unknown as WasmBackendInternals;
  if (gemmInstances.has(backend)) return gemmInstances.get(backend)!;
  let exports: GemmExports | null = null;
  const memory = internals.wasm?.asm?.memory;
  if (memory instanceof WebAssembly.Memory && typeof internals.wasm._malloc === 'function') {
    gemmModule ??= new WebAssembly.Module(Buffer.from(gemmWasmBase64, 'base64'));
    exports = new WebAssembly.Instance(gemmModule, { env: { memory } }).exports as unknown as GemmExports;
  }
  gemmInstances.set(backend, exports);
  return exports;
}

function product(shape: readonly number[], from: number, to: number): number {
  let p = 1;
  for (let i = from; i < to; i++) p *= shape[i];
  return p;
}

/**
 * a x b by our kernel, or null when it does not apply (other dtypes, mismatched or broadcast
 * batch shapes other than a single batch on one side, inner shapes that do not match: the
 * original kernel reports those).
 */
function gemmMatMul(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean, backend: KernelBackend): TensorInfo | null {
  if (process.env.FREQLAB_WASM_GEMM === '0') return null;
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return null;
  const ra = a.shape.length;
  const rb = b.shape.length;
  if (ra < 2 || ra !== rb) return null;
  const m = a.shape[ra - (transposeA ? 1 : 2)];
  const k = a.shape[ra - (transposeA ? 2 : 1)];
  const kb = b.shape[rb - (transposeB ? 1 : 2)];
  const n = b.shape[rb - (transposeB ? 2 : 1)];
  if (k !== kb) return null;
  const outer = a.shape.slice(0, -2);
  const batchA = product(a.shape, 0, ra - 2);
  const batchB = product(b.shape, 0, rb - 2);
  const sameOuter = outer.every((d, i) => d === b.shape[i]);
  const singleA = a.shape.slice(0, -2).every((d) => d === 1);
  const singleB = b.shape.slice(0, -2).every((d) => d === 1);
  if (!sameOuter && !singleA && !singleB) return null;
  const gemm = gemmFor(backend);
  if (!gemm) return null;
  const internals = backend as unknown as WasmBackendInternals;
  const outOuter = sameOuter || singleB ? outer : b.shape.slice(0, -2);
  const out = internals.makeOutput([...outOuter, m, n], 'float32');
  const batch = Math.max(batchA, batchB);
  if (m * n === 0 || batch === 0) return out;
  const aOff = heapOffset(internals, a);
  const bOff = heapOffset(internals, b);
  const cOff = heapOffset(internals, out);
  const native = nativeKernels();
  if (native) {
    // The native product reads transposed operands through their strides and packs them itself.
    const memory = heapBuffer(internals);
    const [ars, acs] = transposeA ? [1, m] : [k, 1];
    const [brs, bcs] = transposeB ? [1, k] : [n, 1];
    native.sgemm(memory, m, n, k, batch, aOff, batchA === 1 ? 0 : m * k, ars, acs, bOff, batchB === 1 ? 0 : k * n, brs, bcs, cOff, m * n);
    return out;
  }
  // Transposed operands are packed once into row-major copies: a strided A would touch a new
  // cache line for every k step of every row quad.
  const packedB = transposeB ? internals.wasm._malloc(k * n * 4) : 0;
  const packedA = transposeA ? internals.wasm._malloc(m * k * 4) : 0;
  try {
    for (let i = 0; i < batch; i++) {
      let aAt = aOff + (batchA === 1 ? 0 : i) * m * k * 4;
      let bAt = bOff + (batchB === 1 ? 0 : i) * k * n * 4;
      if (transposeA) {
        if (i === 0 || batchA > 1) gemm.pack_transpose(aAt, k, m, packedA); // a holds k x m: make it m x k
        aAt = packedA;
      }
      if (transposeB) {
        if (i === 0 || batchB > 1) gemm.pack_transpose(bAt, n, k, packedB); // b holds n x k: make it k x n
        bAt = packedB;
      }
      const cAt = cOff + i * m * n * 4;
      if (!parallelGemm(gemm.gemm, internals.wasm.asm!.memory as WebAssembly.Memory, aAt, bAt, cAt, m, k, n)) gemm.gemm(aAt, k, 1, bAt, cAt, m, k, n);
    }
  } finally {
    if (packedA) internals.wasm._free(packedA);
    if (packedB) internals.wasm._free(packedB);
  }
  return out;
}

/**
 * GatherV2 along the first axis (the trainer's batch rows) as one row copy per index; the
 * backend's kernel computes every element's source position. Other gathers, other dtypes and
 * out-of-range indices go to the original kernel.
 */
function patchGather(): void {
  replaceWasmKernel('GatherV2', (original) => (args) => {
    const x = args.inputs.x as TensorInfo;
    const indices = args.inputs.indices as TensorInfo;
    const backend = args.backend as KernelBackend;
    const axis = Number(args.attrs?.axis ?? 0);
    const batchDims = Number(args.attrs?.batchDims ?? 0);
    const gemm = process.env.FREQLAB_WASM_GEMM === '0' ? null : gemmFor(backend);
    if (
      !gemm || (axis !== 0 && axis !== -x.shape.length) || batchDims !== 0 || x.shape.length < 1 || indices.dtype !== 'int32' ||
      (x.dtype !== 'float32' && x.dtype !== 'int32')
    ) {
      return original.kernelFunc(args);
    }
    const internals = backend as unknown as WasmBackendInternals;
    const rowBytes = product(x.shape, 1, x.shape.length) * 4;
    const count = product(indices.shape, 0, indices.shape.length);
    const out = internals.makeOutput([...indices.shape, ...x.shape.slice(1)], x.dtype as 'float32');
    if (count === 0 || rowBytes === 0) return out;
    const bad = gemm.gather_rows(
      heapOffset(internals, x),
      x.shape[0],
      rowBytes,
      heapOffset(internals, indices),
      count,
      heapOffset(internals, out),
    );
    if (bad < 0) return out;
    backend.disposeData(out.dataId);
    return original.kernelFunc(args);
  });
}

/** Tanh of float32 tensors with a SIMD polynomial (the backend's is a scalar libm call per value). */
function patchTanh(): void {
  replaceWasmKernel('Tanh', (original) => (args) => {
    const x = args.inputs.x as TensorInfo;
    const backend = args.backend as KernelBackend;
    const gemm = process.env.FREQLAB_WASM_GEMM === '0' ? null : gemmFor(backend);
    if (!gemm || x.dtype !== 'float32') return original.kernelFunc(args);
    const internals = backend as unknown as WasmBackendInternals;
    const out = internals.makeOutput([...x.shape], 'float32');
    const size = product(x.shape, 0, x.shape.length);
    if (size > 0) gemm.tanh_f32(heapOffset(internals, x), size, heapOffset(internals, out));
    return out;
  });
}

/**
 * Identity without a copy: the output shares the input's buffer (reference-counted), as the
 * backend's Reshape and the cpu backend's Identity do. tfjs runs Identity for every tensor it
 * saves for the backward pass (engine.clone), about 40 copies per training step of the paper's
 * network. Sound because no kernel writes into its inputs (ours included: every kernel here and
 * the fused Adam step write to new outputs).
 */
function patchIdentity(): void {
  replaceWasmKernel('Identity', (original) => (args) => {
    const x = args.inputs.x as TensorInfo;
    const backend = args.backend as KernelBackend & { incRef?(dataId: unknown): void };
    if (process.env.FREQLAB_WASM_GEMM === '0' || x.dtype === 'string' || typeof backend.incRef !== 'function') return original.kernelFunc(args);
    backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  });
}

/**
 * Sum and Mean over leading axes of a float32 tensor (bias gradients: a [batch, units] gradient
 * summed over the batch; batch-norm statistics: a mean over [batch, height, width]) as column sums
 * in the native kernels, without the backend's transpose. Each column is added up in row order in
 * float32 and a mean divides the sum by the count in float32, as the backend's kernels do, so the
 * values are the same bits. Other reductions go to the original kernel.
 */
function patchLeadingReduction(kernelName: 'Sum' | 'Mean'): void {
  replaceWasmKernel(kernelName, (original) => (args) => {
    const x = args.inputs.x as TensorInfo;
    const native = process.env.FREQLAB_WASM_GEMM === '0' ? null : nativeKernels();
    const rank = x.shape.length;
    const raw = args.attrs?.axis as number | number[] | undefined;
    // Axes in ascending order only: the backend sums [1, 0] in another order (other rounding).
    const axes = (raw == null ? [] : Array.isArray(raw) ? raw : [raw]).map((a) => (a < 0 ? a + rank : a));
    const leading = axes.length > 0 && axes.length < rank && axes.every((a, i) => a === i);
    if (!native || x.dtype !== 'float32' || !leading) return original.kernelFunc(args);
    const internals = args.backend as unknown as WasmBackendInternals;
    const rows = product(x.shape, 0, axes.length);
    const cols = product(x.shape, axes.length, rank);
    const outShape = args.attrs?.keepDims ? [...axes.map(() => 1), ...x.shape.slice(axes.length)] : x.shape.slice(axes.length);
    const out = internals.makeOutput(outShape, 'float32');
    if (cols === 0) return out;
    const memory = heapBuffer(internals);
    const outOffset = heapOffset(internals, out);
    native.colsum(memory, rows, cols, heapOffset(internals, x), outOffset);
    if (kernelName === 'Mean') {
      // float32 sum / float32 count: a double division rounded once to float32 is the same value.
      const values = new Float32Array(memory, outOffset, cols);
      const count = Math.fround(rows);
      for (let j = 0; j < cols; j++) values[j] = values[j] / count;
    }
    return out;
  });
}

/** The shape without its leading 1s. */
function withoutLeadingOnes(shape: readonly number[]): number[] {
  let i = 0;
  while (i < shape.length && shape[i] === 1) i++;
  return shape.slice(i);
}

/**
 * Add, Sub, Multiply and RealDiv of float32 tensors in the native kernels (vectorised, on every
 * core for large tensors) when both have the output's shape or one repeats along the leading axes
 * (a bias, a batch-norm scale: [channels] against [batch, h, w, channels]) with rows of at least
 * 8 values. One IEEE operation per value, as the backend does: the same bits. Other cases
 * (scalars, other broadcasts, other dtypes) go to the original kernel.
 */
function patchBinary(kernelName: 'Add' | 'Sub' | 'Multiply' | 'RealDiv', op: 0 | 1 | 2 | 3): void {
  replaceWasmKernel(kernelName, (original) => (args) => {
    const a = args.inputs.a as TensorInfo;
    const b = args.inputs.b as TensorInfo;
    const native = process.env.FREQLAB_WASM_GEMM === '0' ? null : nativeKernels();
    if (!native || a.dtype !== 'float32' || b.dtype !== 'float32') return original.kernelFunc(args);
    const outShape = backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const n = product(outShape, 0, outShape.length);
    const aLen = product(a.shape, 0, a.shape.length);
    const bLen = product(b.shape, 0, b.shape.length);
    const fits = (shape: readonly number[], len: number) => {
      if (len === n) return true;
      const core = withoutLeadingOnes(shape);
      return len >= 8 && core.every((d, i) => d === outShape[outShape.length - core.length + i]);
    };
    if (n === 0 || !fits(a.shape, aLen) || !fits(b.shape, bLen)) return original.kernelFunc(args);
    const internals = args.backend as unknown as WasmBackendInternals;
    const out = internals.makeOutput(outShape, 'float32');
    const at = (t: TensorInfo) => heapOffset(internals, t);
    native.binary(heapBuffer(internals), op, at(a), aLen, at(b), bLen, at(out), n);
    return out;
  });
}

/** Re-registers a wasm matmul kernel (BatchMatMul, _FusedMatMul) so it never runs transposed. */
function patchMatMulKernel(kernelName: string): void {
  const transpose = getKernel('Transpose', 'wasm');
  if (!transpose) throw new Error(`wasm backend has no ${kernelName} or Transpose kernel to patch`);
  replaceWasmKernel(kernelName, (original) => (args) => {
    const { inputs, attrs } = args;
    const backend = args.backend as KernelBackend;
    const a = inputs.a as TensorInfo;
    const b = inputs.b as TensorInfo;
    const transposeA = Boolean(attrs?.transposeA);
    const transposeB = Boolean(attrs?.transposeB);
    if (kernelName === 'BatchMatMul') {
      const out = gemmMatMul(a, b, transposeA, transposeB, backend);
      if (out) return out;
    }
    if (!transposeA && !transposeB) return original.kernelFunc(args);
    // Check here, with the caller's shapes and flags: after the explicit transpose the original
    // kernel would report the transposed shapes with both flags false.
    const innerA = a.shape[a.shape.length - (transposeA ? 2 : 1)];
    const innerB = b.shape[b.shape.length - (transposeB ? 1 : 2)];
    if (innerA !== innerB) {
      throw new Error(
        `Error in matMul: inner shapes (${innerA}) and (${innerB}) of Tensors with shapes ${a.shape} and ${b.shape} ` +
          `and transposeA=${transposeA} and transposeB=${transposeB} must match.`,
      );
    }
    const explicit = (x: TensorInfo) =>
      transpose.kernelFunc({ inputs: { x }, backend, attrs: { perm: swapLastTwo(x.shape.length) } }) as TensorInfo;
    const aReady = transposeA ? explicit(a) : a;
    const bReady = transposeB ? explicit(b) : b;
    try {
      return original.kernelFunc({
        inputs: { ...inputs, a: aReady, b: bReady },
        backend,
        attrs: { ...attrs, transposeA: false, transposeB: false },
      });
    } finally {
      if (transposeA) backend.disposeData(aReady.dataId);
      if (transposeB) backend.disposeData(bReady.dataId);
    }
  });
}

/** The kernel of one fused Adam step (optimiser.ts), registered for wasm when the native kernels load. */
export const fusedAdamKernelName = 'FreqlabAdamStep';

/** Attributes of the fused Adam step: the optimiser's numbers, as tfjs's Adam uses them. */
export interface FusedAdamAttrs {
  beta1: number;
  beta2: number;
  learningRate: number;
  epsilon: number;
}

/**
 * One Adam step of one variable in a single pass (native kernels): inputs w, g (gradient), m, v
 * and the scalars c1 = 1 - beta1^t, c2 = 1 - beta2^t; outputs [w', m', v']. Every constant is
 * rounded to float32 as tfjs's Adam does when it turns the numbers into scalar tensors.
 */
function registerFusedAdam(): void {
  if (getKernel(fusedAdamKernelName, 'wasm')) return;
  const kernelFunc: KernelConfig['kernelFunc'] = (args) => {
    const native = nativeKernels();
    if (!native) throw new Error(`${fusedAdamKernelName} needs the native kernels`);
    const { w, g, m, v, c1, c2 } = args.inputs as Record<string, TensorInfo>;
    const attrs = args.attrs as unknown as FusedAdamAttrs;
    const internals = args.backend as unknown as WasmBackendInternals;
    const size = product(w.shape, 0, w.shape.length);
    for (const [name, t] of [['gradient', g], ['first moment', m], ['second moment', v]] as const) {
      if (t.dtype !== 'float32' || product(t.shape, 0, t.shape.length) !== size) {
        throw new Error(`${fusedAdamKernelName}: the ${name} has shape [${t.shape.join(', ')}], the variable [${w.shape.join(', ')}]`);
      }
    }
    const outs = [internals.makeOutput([...w.shape], 'float32'), internals.makeOutput([...w.shape], 'float32'), internals.makeOutput([...w.shape], 'float32')];
    const memory = heapBuffer(internals);
    const at = (t: TensorInfo) => heapOffset(internals, t);
    const heap = new Float32Array(memory);
    const f = Math.fround;
    native.adam(
      memory, size, at(w), at(g), at(m), at(v), at(outs[0]), at(outs[1]), at(outs[2]),
      f(attrs.beta1), f(attrs.beta2), f(1 - attrs.beta1), f(1 - attrs.beta2), heap[at(c1) / 4], heap[at(c2) / 4], f(-attrs.learningRate), f(attrs.epsilon),
    );
    return outs;
  };
  registerKernel({ kernelName: fusedAdamKernelName, backendName: 'wasm', kernelFunc });
}

/** Applies every wasm kernel fix; safe to call more than once. */
export function applyWasmKernelFixes(): void {
  patchMatMulKernel('BatchMatMul');
  patchMatMulKernel('_FusedMatMul');
  patchGather();
  patchTanh();
  patchIdentity();
  patchLeadingReduction('Sum');
  patchLeadingReduction('Mean');
  patchBinary('Add', 0);
  patchBinary('Sub', 1);
  patchBinary('Multiply', 2);
  patchBinary('RealDiv', 3);
  if (nativeKernels() && process.env.FREQLAB_WASM_GEMM !== '0') registerFusedAdam();
}
