// Training checkpoints: everything a run needs to continue from the end of an epoch exactly as
// if it had never stopped. Taken by the trainer at each analysed epoch, carried to the main thread
// with that epoch's event, stored by the store in the same transaction as the epoch's results,
// and handed back to a new worker by LabService.resumeRun.
//
// What is in one (see train.ts):
//   - the network: every variable that defines it (trainable weights, then the batch-norm running
//     statistics of a resnet), by tfjs variable name, shape and float32 values;
//   - the optimiser: its step count and its slots (Adam: accBeta1, accBeta2 and the first and
//     second moments of each variable; SGD with momentum: one accumulation per variable);
//   - the state of every seeded random stream that advances during training (the batch order);
//   - the epoch's training loss, to apply the loss-below stopping rule at once on resume.
// The analysis subset, the data split and the initial weights come from the seed and need no state.
//
// Values travel and are stored as float32 little-endian bytes, exactly the tensors' own values:
// a resumed run computes bit-identical numbers on the same backend.
import os from 'node:os';
import type { ModelConfig } from '../../shared/config';

/** A tensor's values by name. */
export interface NamedFloats {
  name: string;
  shape: number[];
  values: Float32Array;
}

/** Where a tensor's values are in a blob: in order, each prod(shape) float32 values. */
export interface CheckpointTensor {
  name: string;
  shape: number[];
}

/** The description of a checkpoint's blobs and its scalar state (stored as JSON). */
export interface CheckpointManifest {
  /** Bumped when the layout changes incompatibly. */
  format: 1;
  /** The epoch at whose end the state was taken (0: the initial state). */
  epoch: number;
  /** The mean training loss of that epoch (null at epoch 0). */
  loss: number | null;
  /** The tfjs backend that computed it (exactness holds on the same backend). */
  backend: string;
  model: { kind: ModelConfig['kind']; tensors: CheckpointTensor[] };
  optimiser: { kind: OptimiserKind; iterations: number; tensors: CheckpointTensor[] };
  /** The state of each seeded random stream that training advances, by stream name. */
  rng: Record<string, number>;
}

export type OptimiserKind = 'adam' | 'momentum' | 'sgd';

/** A checkpoint as it travels and is stored: the manifest, and one float32 blob each for the
 *  network's and the optimiser's tensors (in the manifest's order). */
export interface TrainingCheckpoint {
  manifest: CheckpointManifest;
  model: Uint8Array;
  optimiser: Uint8Array;
}

/** The current format. */
export const checkpointFormat = 1;

const littleEndian = os.endianness() === 'LE';

function count(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The tensors as one little-endian float32 blob, and their names and shapes. */
export function packTensors(tensors: readonly NamedFloats[]): { blob: Uint8Array; layout: CheckpointTensor[] } {
  const total = tensors.reduce((n, t) => n + t.values.length, 0);
  const all = new Float32Array(total);
  let offset = 0;
  for (const t of tensors) {
    if (t.values.length !== count(t.shape)) {
      throw new Error(`checkpoint tensor ${t.name}: ${t.values.length} values for shape [${t.shape.join(', ')}]`);
    }
    all.set(t.values, offset);
    offset += t.values.length;
  }
  const blob = new Uint8Array(all.buffer);
  if (!littleEndian) swapBytes(blob);
  return { blob, layout: tensors.map((t) => ({ name: t.name, shape: [...t.shape] })) };
}

/** The tensors of a blob written by packTensors, with the layout it was written with. */
export function unpackTensors(blob: Uint8Array, layout: readonly CheckpointTensor[], what: string): NamedFloats[] {
  const total = layout.reduce((n, t) => n + count(t.shape), 0);
  if (blob.byteLength !== total * 4) {
    throw new Error(`the ${what} of the checkpoint has ${blob.byteLength} bytes, but its manifest describes ${total} float32 values (${total * 4} bytes)`);
  }
  // A copy: aligned, and independent of the buffer it came in (a database row, a message).
  const bytes = new Uint8Array(blob);
  if (!littleEndian) swapBytes(bytes);
  const all = new Float32Array(bytes.buffer);
  let offset = 0;
  return layout.map((t) => {
    const n = count(t.shape);
    const values = all.subarray(offset, offset + n);
    offset += n;
    return { name: t.name, shape: [...t.shape], values };
  });
}

function swapBytes(bytes: Uint8Array): void {
  for (let i = 0; i < bytes.length; i += 4) {
    const a = bytes[i];
    const b = bytes[i + 1];
    bytes[i] = bytes[i + 3];
    bytes[i + 1] = bytes[i + 2];
    bytes[i + 2] = b;
    bytes[i + 3] = a;
  }
}

/** The size of a checkpoint's blobs in bytes. */
export function checkpointBytes(c: TrainingCheckpoint): number {
  return c.model.byteLength + c.optimiser.byteLength;
}

/** Checks a manifest read back from storage; throws naming what is wrong. */
export function checkManifest(value: unknown, what: string): CheckpointManifest {
  const m = value as Partial<CheckpointManifest> | null;
  const fail = (problem: string): never => {
    throw new Error(`${what}: ${problem}`);
  };
  if (typeof m !== 'object' || m === null) return fail('the manifest is not an object');
  if (m.format !== checkpointFormat) return fail(`format ${String(m.format)} is not supported (this app reads format ${checkpointFormat})`);
  if (!Number.isInteger(m.epoch) || (m.epoch as number) < 0) return fail(`epoch ${String(m.epoch)} is not a whole number >= 0`);
  if (m.loss !== null && typeof m.loss !== 'number') return fail('the loss is not a number');
  const tensors = (t: unknown, part: string) => {
    if (!Array.isArray(t) || !t.every((x) => typeof x?.name === 'string' && Array.isArray(x.shape) && x.shape.every((d: unknown) => Number.isInteger(d) && (d as number) >= 0))) {
      fail(`the ${part} tensors are not a list of { name, shape }`);
    }
  };
  if (!m.model || (m.model.kind !== 'mlp' && m.model.kind !== 'resnet')) return fail('the model kind is missing or unknown');
  tensors(m.model.tensors, 'model');
  if (!m.optimiser || !['adam', 'momentum', 'sgd'].includes(m.optimiser.kind)) return fail('the optimiser kind is missing or unknown');
  if (!Number.isInteger(m.optimiser.iterations) || m.optimiser.iterations < 0) return fail('the optimiser step count is not a whole number >= 0');
  tensors(m.optimiser.tensors, 'optimiser');
  if (typeof m.rng !== 'object' || m.rng === null || !Object.values(m.rng).every((s) => Number.isInteger(s) && s >= 0 && s <= 0xffffffff)) {
    return fail('the random stream states are not 32-bit whole numbers');
  }
  if (typeof m.backend !== 'string') return fail('the backend is missing');
  return m as CheckpointManifest;
}
