// Choosing the compute backend (src/main/engine/backend.ts): `auto` reports why every better
// backend was passed over, a forced backend never falls back silently, and the GPU library check.
import { describe, it, expect, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  backendOrder,
  describeBackend,
  initBackend,
  missingGpuLibraries,
  requiredGpuLibraries,
  type ActiveBackend,
} from '../../../src/main/engine/backend';

const require = createRequire(import.meta.url);
function installed(pkg: string): boolean {
  try {
    require.resolve(`${pkg}/package.json`);
    return true;
  } catch {
    return false;
  }
}
const hasNodeGpu = installed('@tensorflow/tfjs-node-gpu');
const hasNode = installed('@tensorflow/tfjs-node');

describe('initBackend', () => {
  it('auto: the first backend of backendOrder that loads, with a reason for every one before it', async () => {
    expect(backendOrder).toEqual(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']);
    const active = await initBackend('auto');
    const index = backendOrder.indexOf(active.backend);
    expect(index).toBeGreaterThanOrEqual(0);
    // the probes are exactly the backends tried, in order, ending with the chosen one
    expect(active.probes.map((p) => p.backend)).toEqual(backendOrder.slice(0, index + 1));
    const last = active.probes[active.probes.length - 1];
    expect(last.ok).toBe(true);
    for (const p of active.probes.slice(0, -1)) {
      expect(p.ok, p.backend).toBe(false);
      expect(typeof p.reason, p.backend).toBe('string');
      expect(p.reason!.trim().length, p.backend).toBeGreaterThan(0);
    }
    expect(active.detail.length).toBeGreaterThan(0);
    // the chosen backend is the active tfjs backend
    const tfName = active.backend === 'tensorflow-gpu' ? 'tensorflow' : active.backend;
    expect(tf.getBackend()).toBe(tfName);
  });

  it.skipIf(hasNodeGpu)('auto without @tensorflow/tfjs-node-gpu: the reason says it is not installed', async () => {
    const active = await initBackend('auto');
    const gpu = active.probes.find((p) => p.backend === 'tensorflow-gpu');
    expect(gpu).toBeDefined();
    expect(gpu!.ok).toBe(false);
    expect(gpu!.reason).toContain('@tensorflow/tfjs-node-gpu');
    expect(gpu!.reason).toMatch(/not installed/);
    expect(active.gpu).toBeNull();
  });

  it.skipIf(hasNodeGpu || hasNode)('auto with neither tfjs-node package: wasm is chosen', async () => {
    const active = await initBackend('auto');
    expect(active.backend).toBe('wasm');
    expect(active.probes.map((p) => [p.backend, p.ok])).toEqual([
      ['tensorflow-gpu', false],
      ['tensorflow', false],
      ['wasm', true],
    ]);
  });

  it('forcing cpu gives cpu', async () => {
    const active = await initBackend('cpu');
    expect(active.backend).toBe('cpu');
    expect(active.gpu).toBeNull();
    expect(active.probes).toEqual([{ backend: 'cpu', ok: true, reason: undefined }]);
    expect(tf.getBackend()).toBe('cpu');
    // and it computes
    expect(Array.from(tf.tidy(() => tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4]))).dataSync())).toEqual([4, 6]);
  });

  it('forcing wasm gives wasm', async () => {
    const active = await initBackend('wasm');
    expect(active.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(active.probes).toEqual([{ backend: 'wasm', ok: true, reason: undefined }]);
  });

  it.skipIf(hasNode)('forcing tensorflow without @tensorflow/tfjs-node throws, naming the backend and the reason', async () => {
    const before = tf.getBackend();
    let error: unknown;
    try {
      await initBackend('tensorflow');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toContain('"tensorflow"');
    expect(message).toContain('@tensorflow/tfjs-node');
    expect(message).toMatch(/not installed/);
    // no silent fall-back: the active backend is unchanged
    expect(tf.getBackend()).toBe(before);
  });

  it.skipIf(hasNodeGpu)('forcing tensorflow-gpu without @tensorflow/tfjs-node-gpu throws, naming it', async () => {
    await expect(initBackend('tensorflow-gpu')).rejects.toThrow(/"tensorflow-gpu".*@tensorflow\/tfjs-node-gpu is not installed/s);
  });
});

describe('describeBackend', () => {
  it('names the chosen backend and every skipped one with its reason', () => {
    const active: ActiveBackend = {
      backend: 'wasm',
      detail: 'tfjs wasm backend',
      gpu: null,
      probes: [
        { backend: 'tensorflow-gpu', ok: false, reason: 'no CUDA here' },
        { backend: 'tensorflow', ok: false, reason: 'package missing' },
        { backend: 'wasm', ok: true },
      ],
    };
    const lines = describeBackend(active).split('\n');
    expect(lines.length).toBe(3);
    expect(lines[0]).toContain('wasm');
    expect(lines[0]).toContain('tfjs wasm backend');
    expect(lines[1]).toContain('tensorflow-gpu');
    expect(lines[1]).toContain('no CUDA here');
    expect(lines[2]).toContain('tensorflow');
    expect(lines[2]).toContain('package missing');
    expect(lines.slice(1).some((l) => l.includes('wasm'))).toBe(false);
  });

  it('a backend with nothing skipped is one line', () => {
    const text = describeBackend({ backend: 'cpu', detail: 'plain JS', gpu: null, probes: [{ backend: 'cpu', ok: true }] });
    expect(text.split('\n').length).toBe(1);
    expect(text).toContain('cpu');
    expect(text).toContain('plain JS');
  });

  it('describes a real auto choice, naming each skipped backend', async () => {
    const active = await initBackend('auto');
    const text = describeBackend(active);
    for (const p of active.probes.filter((q) => !q.ok)) {
      expect(text).toContain(p.backend);
      expect(text).toContain(p.reason!);
    }
  });
});

describe('missingGpuLibraries', () => {
  const savedPath = process.env.LD_LIBRARY_PATH;
  const dirs: string[] = [];
  afterAll(() => {
    if (savedPath === undefined) delete process.env.LD_LIBRARY_PATH;
    else process.env.LD_LIBRARY_PATH = savedPath;
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** A folder holding empty files with the given library names, put first on LD_LIBRARY_PATH. */
  function libraryFolder(names: string[]): void {
    const d = mkdtempSync(path.join(tmpdir(), 'frequency-lab-libs-'));
    dirs.push(d);
    for (const n of names) writeFileSync(path.join(d, n), '');
    process.env.LD_LIBRARY_PATH = [d, savedPath].filter(Boolean).join(':');
  }

  it('returns a subset of the required libraries, without duplicates', () => {
    expect(requiredGpuLibraries.length).toBeGreaterThan(0);
    const missing = missingGpuLibraries();
    for (const lib of missing) expect(requiredGpuLibraries).toContain(lib);
    expect(new Set(missing).size).toBe(missing.length);
  });

  it.skipIf(process.platform !== 'linux')('finds libraries in the folders of LD_LIBRARY_PATH', () => {
    const [first, ...rest] = requiredGpuLibraries;
    libraryFolder([first]);
    expect(missingGpuLibraries()).not.toContain(first);
    libraryFolder(requiredGpuLibraries);
    expect(missingGpuLibraries()).toEqual([]);
    expect(rest.length).toBeGreaterThan(0);
  });
});
