// Convolutions of the wasm backend through the native kernels (native-kernels.ts): matrix products
// on every core, in the backend's memory. For NHWC tensors and HWIO filters (what tfjs's conv2d
// uses), K = filterH * filterW * inChannels and M = images * outH * outW patches:
//   forward          y (M x co)   = patches (M x K) . W (K x co)
//   filter gradient  dW (K x co)  = patches^T . dy (M x co)
//   input gradient   dx           = col2im(dy (M x co) . W^T (co x K))   (in chunks of images)
// The first two read the patches from the images while packing the product's panels (no patch
// matrix); the third makes the patch gradients chunk by chunk and adds them back (col2im).
// wasm-conv-kernels.ts uses these when the addon is loaded; its own kernels otherwise.
import { backend_util, type TensorInfo } from '@tensorflow/tfjs-core';
import type { ConvGeometry, NativeKernels } from './native-kernels';
import { heapBuffer, heapOffset, type WasmBackendInternals } from './wasm-heap';

/** How often each kernel ran in this thread (tests check that the native path was taken). */
export const nativeConvCalls = { forward: 0, filter: 0, input: 0 };

/** Largest patch matrix built at once, in floats (16 Mi floats = 64 MiB). */
export const nativePatchBudget = 16 * 1024 * 1024;

function geometry(info: backend_util.Conv2DInfo, count: number): ConvGeometry {
  return [
    count, info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth, info.filterHeight, info.filterWidth,
    info.strideHeight, info.strideWidth, info.dilationHeight, info.dilationWidth, info.padInfo.top, info.padInfo.left,
  ];
}

/** Images per chunk so that a chunk's patch matrix stays within the budget (at least one). */
function imagesPerChunk(info: backend_util.Conv2DInfo, budget: number): number {
  const perImage = info.outHeight * info.outWidth * info.filterHeight * info.filterWidth * info.inChannels;
  return Math.max(1, Math.min(info.batchSize, Math.floor(budget / Math.max(1, perImage))));
}

/** Whether these kernels apply: channels last, float32, padding that is not negative. */
export function nativeConvApplies(info: backend_util.Conv2DInfo, ...tensors: TensorInfo[]): boolean {
  return info.dataFormat === 'channelsLast' && tensors.every((t) => t.dtype === 'float32') && info.padInfo.top >= 0 && info.padInfo.left >= 0;
}

/** y = conv2d(x, W): [batch, outH, outW, co]. */
export function nativeConv2D(native: NativeKernels, backend: WasmBackendInternals, x: TensorInfo, filter: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  nativeConvCalls.forward++;
  const out = backend.makeOutput([info.batchSize, info.outHeight, info.outWidth, info.outChannels], 'float32');
  native.conv2d(heapBuffer(backend), heapOffset(backend, x), heapOffset(backend, filter), heapOffset(backend, out), ...geometry(info, info.batchSize), info.outChannels, 0);
  return out;
}

/** dW = the filter gradient: [filterH, filterW, ci, co]. */
export function nativeConv2DBackpropFilter(native: NativeKernels, backend: WasmBackendInternals, x: TensorInfo, dy: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  nativeConvCalls.filter++;
  const out = backend.makeOutput([info.filterHeight, info.filterWidth, info.inChannels, info.outChannels], 'float32');
  native.conv2d(heapBuffer(backend), heapOffset(backend, x), heapOffset(backend, dy), heapOffset(backend, out), ...geometry(info, info.batchSize), info.outChannels, 1);
  return out;
}

/** W rotated by 180 degrees with its channels swapped: [fh, fw, co, ci] from [fh, fw, ci, co]. */
export function flippedFilter(backend: Pick<WasmBackendInternals, 'makeOutput' | 'typedArrayFromHeap'>, filter: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const { filterHeight: fh, filterWidth: fw, inChannels: ci, outChannels: co } = info;
  const out = backend.makeOutput([fh, fw, co, ci], 'float32');
  const src = backend.typedArrayFromHeap(filter);
  const dst = backend.typedArrayFromHeap(out);
  for (let kh = 0; kh < fh; kh++)
    for (let kw = 0; kw < fw; kw++) {
      const from = ((fh - 1 - kh) * fw + (fw - 1 - kw)) * ci * co;
      const to = (kh * fw + kw) * co * ci;
      for (let i = 0; i < ci; i++) for (let o = 0; o < co; o++) dst[to + o * ci + i] = src[from + i * co + o];
    }
  return out;
}

/**
 * dx = the input gradient: [batch, inH, inW, ci]. With stride 1 and no dilation it is itself a
 * convolution, of dy with the flipped filter (pad fh - 1 - padTop): the forward product, no
 * patch matrix. Otherwise the patch gradients dy . W^T are made chunk by chunk and added back.
 */
export function nativeConv2DBackpropInput(native: NativeKernels, backend: WasmBackendInternals, dy: TensorInfo, filter: TensorInfo, info: backend_util.Conv2DInfo, budget = nativePatchBudget): TensorInfo {
  nativeConvCalls.input++;
  const K = info.filterHeight * info.filterWidth * info.inChannels;
  const P = info.outHeight * info.outWidth;
  const co = info.outChannels;
  const out = backend.makeOutput([info.batchSize, info.inHeight, info.inWidth, info.inChannels], 'float32');
  const top = info.filterHeight - 1 - info.padInfo.top;
  const left = info.filterWidth - 1 - info.padInfo.left;
  const unitSteps = info.strideHeight === 1 && info.strideWidth === 1 && info.dilationHeight === 1 && info.dilationWidth === 1;
  if (unitSteps && top >= 0 && left >= 0) {
    const flipped = flippedFilter(backend, filter, info);
    try {
      const onDy: ConvGeometry = [info.batchSize, info.outHeight, info.outWidth, co, info.inHeight, info.inWidth, info.filterHeight, info.filterWidth, 1, 1, 1, 1, top, left];
      native.conv2d(heapBuffer(backend), heapOffset(backend, dy), heapOffset(backend, flipped), heapOffset(backend, out), ...onDy, info.inChannels, 0);
    } finally {
      backend.disposeData(flipped.dataId);
    }
    return out;
  }
  const chunk = imagesPerChunk(info, budget);
  const patches = backend.makeOutput([chunk * P, K], 'float32');
  try {
    for (let n0 = 0; n0 < info.batchSize; n0 += chunk) {
      const count = Math.min(chunk, info.batchSize - n0);
      const M = count * P;
      const memory = heapBuffer(backend);
      // dpatches (M x K) = dy (M x co) . W^T: B(t, j) = W[j * co + t]
      native.sgemm(memory, M, K, co, 1, heapOffset(backend, dy) + n0 * P * co * 4, 0, co, 1, heapOffset(backend, filter), 0, 1, co, heapOffset(backend, patches), 0);
      native.col2im(memory, heapOffset(backend, patches), heapOffset(backend, out) + n0 * info.inHeight * info.inWidth * info.inChannels * 4, ...geometry(info, count));
    }
  } finally {
    backend.disposeData(patches.dataId);
  }
  return out;
}
