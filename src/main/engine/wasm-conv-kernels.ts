// Kernels the tfjs 4.22 wasm backend lacks for training convolutional networks. Of the kernels a
// ResNet training step needs (Conv2D and its two gradients, FusedBatchNorm and its gradient ops,
// AvgPool/MaxPool and their gradients, Mean, Relu, Softmax...), only Conv2DBackpropFilter (the
// gradient of a convolution with respect to its filter) is missing; this file registers it.
//
// dW[kh, kw, ci, co] = sum_{n, r, c} x[n, r*sh - padTop + kh, c*sw - padLeft + kw, ci] * dy[n, r, c, co]
//
// computed as a matrix product on the wasm heap: the patches of x are laid out (im2col, zero where
// the window leaves the image) as a K x M matrix, K = kh*kw*ci rows (the filter's own row-major
// order) and M = images*outHeight*outWidth columns; patches are first copied row-major into a
// small scratch block (each filter row of a patch one contiguous run within the heap) and then
// written transposed. dW = patches . dy (M x co) with the backend's own BatchMatMul kernel. Images are processed in chunks so the patch matrix stays below
// `patchBudget` floats; the chunks' products are summed.
import {
  backend_util,
  getKernel,
  registerKernel,
  unregisterKernel,
  type KernelConfig,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { flippedFilter, nativeConv2D, nativeConv2DBackpropFilter, nativeConv2DBackpropInput, nativeConvApplies } from './native-conv';
import type { WasmBackendInternals } from './wasm-heap';
import { nativeKernels } from './native-kernels';


/** Largest patch matrix, in floats, built at once (16 Mi floats = 64 MiB). */
let patchBudget = 16 * 1024 * 1024;

/** Changes the patch budget (tests use a small one to exercise chunking); returns the old value. */
export function setPatchBudget(floats: number): number {
  const old = patchBudget;
  patchBudget = Math.max(1, Math.floor(floats));
  return old;
}

/** The attributes tfjs gives Conv2D and its two gradient kernels. */
interface ConvAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dilations?: [number, number] | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** The convolution's geometry from an input shape, a filter shape and the kernel's attributes
 *  (the gradient kernels carry no dilations: 1). */
function convInfo(xShape: readonly number[], filterShape: readonly number[], attrs: ConvAttrs): backend_util.Conv2DInfo {
  return backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    backend_util.convertConv2DDataFormat(attrs.dataFormat),
  );
}

const conv2DBackpropFilter: KernelConfig['kernelFunc'] = (args) => {
  const backend = args.backend as unknown as WasmBackendInternals;
  const x = args.inputs.x as TensorInfo;
  const dy = args.inputs.dy as TensorInfo;
  const attrs = args.attrs as unknown as ConvAttrs & { filterShape: [number, number, number, number] };
  const info = convInfo(x.shape, attrs.filterShape, attrs);
  const native = nativeKernels();
  if (native && nativeConvApplies(info, x, dy)) return nativeConv2DBackpropFilter(native, backend, x, dy, info);
  if (info.dataFormat !== 'channelsLast') {
    throw new Error('Conv2DBackpropFilter (wasm, Frequency Lab): only the NHWC (channels last) layout is supported');
  }
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') throw new Error('Conv2DBackpropFilter (wasm): needs float32 inputs');
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, strideHeight, strideWidth } = info;
  const { filterHeight, filterWidth, dilationHeight, dilationWidth } = info;
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;
  const K = filterHeight * filterWidth * inChannels;
  const P = outHeight * outWidth;
  const perChunk = Math.max(1, Math.min(batchSize, Math.floor(patchBudget / (K * P))));
  const matMul = getKernel('BatchMatMul', 'wasm');
  if (!matMul) throw new Error('Conv2DBackpropFilter (wasm): the backend has no BatchMatMul kernel');

  const run = filterWidth * inChannels; // one filter row of a patch: contiguous in x when dilation is 1
  const block = Math.max(1, Math.min(64, Math.floor(65536 / K))); // rows of the row-major scratch block
  const sum = new Float32Array(K * outChannels);
  for (let n0 = 0; n0 < batchSize; n0 += perChunk) {
    const count = Math.min(perChunk, batchSize - n0);
    const M = count * P;
    const patches = backend.makeOutput([1, K, M], 'float32');
    const dyChunk = backend.makeOutput([1, M, outChannels], 'float32');
    const scratch = backend.makeOutput([block, K], 'float32');
    let product: TensorInfo | null = null;
    try {
      // Views of the heap only after every allocation of this step (an allocation may grow the heap).
      const xv = backend.typedArrayFromHeap(x);
      const pv = backend.typedArrayFromHeap(patches);
      const sv = backend.typedArrayFromHeap(scratch);
      backend.typedArrayFromHeap(dyChunk).set(backend.typedArrayFromHeap(dy).subarray(n0 * P * outChannels, (n0 + count) * P * outChannels));
      const heap = new Float32Array(xv.buffer);
      const xBase = xv.byteOffset / 4;
      const sBase = sv.byteOffset / 4;
      /** Writes patch m = (image n, r, c) as row b of the scratch block: (kh, kw, ci) order. */
      const patchRow = (n: number, r: number, c: number, b: number) => {
        const iw0 = c * strideWidth - padLeft;
        for (let kh = 0; kh < filterHeight; kh++) {
          const dst = b * K + kh * run;
          const ih = r * strideHeight - padTop + kh * dilationHeight;
          if (ih < 0 || ih >= inHeight) {
            sv.fill(0, dst, dst + run);
            continue;
          }
          if (dilationWidth !== 1) {
            for (let kw = 0; kw < filterWidth; kw++) {
              const iw = iw0 + kw * dilationWidth;
              for (let ci = 0; ci < inChannels; ci++) {
                sv[dst + kw * inChannels + ci] = iw < 0 || iw >= inWidth ? 0 : xv[((n * inHeight + ih) * inWidth + iw) * inChannels + ci];
              }
            }
            continue;
          }
          const kwStart = Math.max(0, -iw0);
          const kwEnd = Math.min(filterWidth, inWidth - iw0);
          if (kwStart > 0) sv.fill(0, dst, dst + Math.min(kwStart, filterWidth) * inChannels);
          if (kwEnd < filterWidth) sv.fill(0, dst + Math.max(kwEnd, kwStart, 0) * inChannels, dst + run);
          if (kwEnd > kwStart) {
            const src = xBase + ((n * inHeight + ih) * inWidth + iw0 + kwStart) * inChannels;
            heap.copyWithin(sBase + dst + kwStart * inChannels, src, src + (kwEnd - kwStart) * inChannels);
          }
        }
      };
      // Patches in blocks of rows: each block built row-major in the scratch (contiguous copies),
      // then written transposed into the K x M patch matrix (contiguous runs of the block's length).
      for (let m0 = 0; m0 < M; m0 += block) {
        const rows = Math.min(block, M - m0);
        for (let b = 0; b < rows; b++) {
          const m = m0 + b;
          const n = n0 + Math.floor(m / P);
          const p = m % P;
          patchRow(n, Math.floor(p / outWidth), p % outWidth, b);
        }
        for (let k = 0; k < K; k++) {
          const to = k * M + m0;
          for (let b = 0; b < rows; b++) pv[to + b] = sv[b * K + k];
        }
      }
      // dW = patches (K x M) . dy (M x co), with the backend's own matrix product.
      product = matMul.kernelFunc({
        inputs: { a: patches, b: dyChunk },
        backend: args.backend,
        attrs: { transposeA: false, transposeB: false },
      }) as TensorInfo;
      const values = backend.typedArrayFromHeap(product);
      for (let i = 0; i < sum.length; i++) sum[i] += values[i];
    } finally {
      backend.disposeData(patches.dataId);
      backend.disposeData(dyChunk.dataId);
      backend.disposeData(scratch.dataId);
      if (product) backend.disposeData(product.dataId);
    }
  }
  const out = backend.makeOutput([...attrs.filterShape], 'float32');
  backend.typedArrayFromHeap(out).set(sum);
  return out;
};

/**
 * A faster Conv2DBackpropInput for wasm: the backend's own kernel is a plain loop, about 20 times
 * slower than its forward Conv2D (XNNPACK). The gradient with respect to the input is itself a
 * convolution, done here with the backend's forward kernel:
 *
 *   dx = conv2d(dilate(dy, stride), rot180(W) with in/out channels swapped, stride 1,
 *               pad top = kh - 1 - padTop, pad bottom = inHeight - D + kh - 1 - (kh - 1 - padTop))
 *
 * where dilate puts stride - 1 zeros between neighbouring values (D = (outHeight - 1) * stride + 1),
 * and the same along the width. Cases whose padding would be negative use the original kernel.
 */
function fastConv2DBackpropInput(original: KernelConfig['kernelFunc']): KernelConfig['kernelFunc'] {
  return (args) => {
    const backend = args.backend as unknown as WasmBackendInternals;
    const dy = args.inputs.dy as TensorInfo;
    const filter = args.inputs.filter as TensorInfo;
    const conv = getKernel('Conv2D', 'wasm');
    const attrs = args.attrs as unknown as ConvAttrs & { inputShape: [number, number, number, number] };
    const info = convInfo(attrs.inputShape, filter.shape, attrs);
    const native = nativeKernels();
    if (native && nativeConvApplies(info, dy, filter)) return nativeConv2DBackpropInput(native, backend, dy, filter, info, patchBudget);
    const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, strideHeight, strideWidth, filterHeight, filterWidth } = info;
    const dh = (outHeight - 1) * strideHeight + 1;
    const dw = (outWidth - 1) * strideWidth + 1;
    const top = filterHeight - 1 - info.padInfo.top;
    const left = filterWidth - 1 - info.padInfo.left;
    const bottom = inHeight - dh + filterHeight - 1 - top;
    const right = inWidth - dw + filterWidth - 1 - left;
    if (!conv || info.dataFormat !== 'channelsLast' || dy.dtype !== 'float32' || Math.min(top, left, bottom, right) < 0) {
      return original(args);
    }
    const dilated = strideHeight === 1 && strideWidth === 1 ? null : backend.makeOutput([batchSize, dh, dw, outChannels], 'float32');
    const flipped = flippedFilter(backend, filter, info);
    try {
      if (dilated) {
        const dv = backend.typedArrayFromHeap(dy);
        const zv = backend.typedArrayFromHeap(dilated);
        zv.fill(0);
        for (let n = 0; n < batchSize; n++) {
          for (let r = 0; r < outHeight; r++) {
            for (let c = 0; c < outWidth; c++) {
              const from = ((n * outHeight + r) * outWidth + c) * outChannels;
              const to = ((n * dh + r * strideHeight) * dw + c * strideWidth) * outChannels;
              zv.set(dv.subarray(from, from + outChannels), to);
            }
          }
        }
      }
      return conv.kernelFunc({
        inputs: { x: dilated ?? dy, filter: flipped },
        backend: args.backend,
        attrs: { strides: 1, pad: [[0, 0], [top, bottom], [left, right], [0, 0]], dilations: 1, dataFormat: 'NHWC' },
      }) as TensorInfo;
    } finally {
      if (dilated) backend.disposeData(dilated.dataId);
      backend.disposeData(flipped.dataId);
    }
  };
}

/** Conv2D through the native kernels where they are loaded (a product on every core that reads
 *  the patches while packing; the backend's XNNPACK convolution runs on one thread); the
 *  backend's own kernel otherwise. */
function nativeConv2DForward(original: KernelConfig['kernelFunc']): KernelConfig['kernelFunc'] {
  return (args) => {
    const native = nativeKernels();
    if (!native) return original(args);
    const x = args.inputs.x as TensorInfo;
    const filter = args.inputs.filter as TensorInfo;
    const info = convInfo(x.shape, filter.shape, args.attrs as unknown as ConvAttrs);
    if (!nativeConvApplies(info, x, filter)) return original(args);
    return nativeConv2D(native, args.backend as unknown as WasmBackendInternals, x, filter, info);
  };
}

let forwardReplaced = false;
let inputGradientReplaced = false;

/** Registers the missing wasm kernels (and the faster input gradient); safe to call more than
 *  once and before the backend starts. */
export function registerWasmConvKernels(): void {
  if (!getKernel('Conv2DBackpropFilter', 'wasm')) {
    registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2DBackpropFilter });
  }
  const original = getKernel('Conv2DBackpropInput', 'wasm');
  if (!inputGradientReplaced && original) {
    unregisterKernel('Conv2DBackpropInput', 'wasm');
    registerKernel({ ...original, kernelFunc: fastConv2DBackpropInput(original.kernelFunc) });
    inputGradientReplaced = true;
  }
  const forward = getKernel('Conv2D', 'wasm');
  if (!forwardReplaced && forward) {
    unregisterKernel('Conv2D', 'wasm');
    registerKernel({ ...forward, kernelFunc: nativeConv2DForward(forward.kernelFunc) });
    forwardReplaced = true;
  }
}
