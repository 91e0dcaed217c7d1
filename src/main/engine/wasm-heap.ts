// What kernels working in place need of the tfjs wasm backend (4.22): its Emscripten module
// (memory, malloc), where each tensor lies in that memory, and new outputs.
import type { TensorInfo } from '@tensorflow/tfjs-core';

/** The members of the wasm backend our kernels use. */
export interface WasmBackendInternals {
  wasm: { asm?: { memory?: unknown }; _malloc(bytes: number): number; _free(ptr: number): void };
  dataIdMap: { get(dataId: unknown): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array;
  disposeData(dataId: object): boolean;
}

/** The backend's memory now (read after allocating: an allocation may grow and move it). */
export function heapBuffer(backend: WasmBackendInternals): ArrayBuffer {
  return (backend.wasm.asm!.memory as WebAssembly.Memory).buffer as ArrayBuffer;
}

/** The byte offset of a tensor's values in the backend's memory. */
export function heapOffset(backend: WasmBackendInternals, t: TensorInfo): number {
  return backend.dataIdMap.get(t.dataId)!.memoryOffset;
}
