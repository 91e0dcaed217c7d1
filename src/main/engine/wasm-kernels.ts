// Kernel fixes for the tfjs wasm backend (4.22): its matrix product with a transposed input
// runs 10-20x slower than without, and every dense backward pass uses one. The fix transposes
// the input explicitly (a fast memory copy) and calls the kernel without the transpose flag.
import { getKernel, registerKernel, unregisterKernel, type KernelBackend, type KernelConfig, type TensorInfo } from '@tensorflow/tfjs-core';

const patched = new Set<string>();

/** Permutation that swaps the last two axes of a tensor of the given rank. */
function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return perm;
}

/** Re-registers a wasm matmul kernel (BatchMatMul, _FusedMatMul) so it never runs transposed. */
function patchMatMulKernel(kernelName: string): void {
  const key = `${kernelName}/wasm`;
  if (patched.has(key)) return;
  const original = getKernel(kernelName, 'wasm');
  const transpose = getKernel('Transpose', 'wasm');
  if (!original || !transpose) throw new Error(`wasm backend has no ${kernelName} or Transpose kernel to patch`);
  const kernelFunc: KernelConfig['kernelFunc'] = (args) => {
    const { inputs, attrs } = args;
    const backend = args.backend as KernelBackend;
    const a = inputs.a as TensorInfo;
    const b = inputs.b as TensorInfo;
    const transposeA = Boolean(attrs?.transposeA);
    const transposeB = Boolean(attrs?.transposeB);
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
  };
  unregisterKernel(kernelName, 'wasm');
  registerKernel({ ...original, kernelFunc });
  patched.add(key);
}

/** Applies every wasm kernel fix; safe to call more than once. */
export function applyWasmKernelFixes(): void {
  patchMatMulKernel('BatchMatMul');
  patchMatMulKernel('_FusedMatMul');
}
