// Case 3, our side: training steps of a small ResNet through the app's own model builder
// (createNetwork -> models/resnet.ts) and training loop (trainAndAnalyse): a 3x3 stem
// convolution to 16 channels, one stage of three basic blocks of 16 channels with batch
// normalisation, global average pooling, a dense layer to 10 classes, softmax cross-entropy, Adam
// (lr 1e-3, as the CIFAR-10 presets), batch 64, on 64 synthetic seeded images in CIFAR-10 shape
// (32 x 32 x 3, values k/255, channels last, 10 classes). With as many samples as the batch, every
// epoch of the loop is exactly one training step, and the loop's own epoch time is the step time
// (it includes reading the step's loss and accuracy back, as every epoch of the app does).
//
// The first `--warmup` steps are a warm-up (kernel compilation, XNNPACK operators, Adam's slots);
// the next `--repeats` are timed. Then one more short run of the loop, with every kernel of the
// backend wrapped, records which kernels one (warm) step runs, their time, and whether each is
// the backend's own or one Frequency Lab registered (Conv2DBackpropFilter: tfjs 4.22's wasm
// backend has none). Peak memory is read before that run.
//
// `--out DIR` also writes the data and the initial weights there (x.f32, labels.u8,
// init.json + init.f32), so that the PyTorch reference can start from the same point and the
// bench can compare the two sides' losses step by step.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { getKernel, getKernelsForBackend, registerKernel, unregisterKernel, type KernelConfig } from '@tensorflow/tfjs-core';
import type { Dataset } from '../../src/main/engine/data/dataset';
import { initBackend } from '../../src/main/engine/backend';
import { createNetwork } from '../../src/main/engine/models/network';
import { createRng, deriveSeed } from '../../src/main/engine/random';
import { trainAndAnalyse } from '../../src/main/engine/train';
import { validateConfig, type BackendName, type ExperimentConfig } from '../../src/shared/config';
import { defaultDeltaGrid } from '../../src/shared/presets';
import { argValue } from '../lib/args';
import { RESULT_PREFIX } from '../lib/child';
import { peakRssBytes } from '../lib/memory';
import { timedEpochs } from '../lib/timed-epochs';

const warmup = Number(argValue('--warmup', '3'));
const repeats = Number(argValue('--repeats', '3'));
const batchSize = Number(argValue('--batch', '64'));
const backend = argValue('--backend', 'auto') as BackendName;
const out = argValue('--out', '');
const seed = Number(argValue('--seed', '1'));

const side = 32;
const channels = 3;
const classes = 10;
const width = 16;
const blocks = 3;
const learningRate = 1e-3;

/** `n` seeded images in CIFAR-10 shape: bytes k/255, channels last, with uniform labels. */
function syntheticImages(n: number): Dataset {
  const rng = createRng(deriveSeed(seed, 'bench-resnet-data'));
  const d = side * side * channels;
  const x = new Float32Array(n * d);
  for (let i = 0; i < x.length; i++) x[i] = Math.floor(rng.next() * 256) / 255;
  const labels = new Uint8Array(n);
  const y = new Float32Array(n * classes);
  for (let i = 0; i < n; i++) {
    labels[i] = Math.floor(rng.next() * classes);
    y[i * classes + labels[i]] = 1;
  }
  return { name: `synthetic CIFAR-10-shaped images (seed ${seed})`, n, inputDim: d, outputDim: classes, x, y, labels, classes, imageShape: [side, side, channels] };
}

function benchConfig(epochs: number): ExperimentConfig {
  return validateConfig(
    {
      seed,
      // Not read: the data set is handed over directly. The config must still be a valid one.
      data: { kind: 'cifar10', dir: '(bench: synthetic images)', files: 'test', trainSize: batchSize, validationSize: 0 },
      model: { kind: 'resnet', widths: [width], blocks: [blocks], stages: null, hidden: [], activation: 'relu', output: 'softmax', init: 'he-normal' },
      training: {
        loss: 'cross-entropy',
        optimiser: { kind: 'adam' },
        schedule: [{ fromEpoch: 1, rate: learningRate }],
        batchSize,
        stop: { maxEpochs: epochs, lossBelow: null },
      },
      analysis: { layers: [1], epochs: { every: null, at: [], final: false }, samples: 2, deltaGrid: defaultDeltaGrid },
      backend,
    },
    'bench resnet config',
  );
}

/** Kernel use of one step: calls and time per kernel name, outermost calls only. */
interface KernelUse {
  name: string;
  calls: number;
  ms: number;
  /** 'tfjs': the backend's own kernel; 'ours (replaces tfjs)': Frequency Lab's kernel registered
   *  over the backend's; 'ours (tfjs has none)': registered by Frequency Lab where the backend
   *  has no kernel of that name. */
  source: string;
}

/** Wraps every kernel of `backendName` to count and time its outermost calls while `recording()`. */
function wrapKernels(backendName: string, original: Map<string, KernelConfig['kernelFunc']>, recording: () => boolean): Map<string, KernelUse> {
  const use = new Map<string, KernelUse>();
  let depth = 0;
  for (const k of getKernelsForBackend(backendName)) {
    const inner = k.kernelFunc;
    const before = original.get(k.kernelName);
    const source = backendName !== 'wasm' ? backendName : before === undefined ? 'ours (tfjs has none)' : before === inner ? 'tfjs' : 'ours (replaces tfjs)';
    const kernelFunc: KernelConfig['kernelFunc'] = (args) => {
      if (depth > 0 || !recording()) {
        depth++;
        try {
          return inner(args);
        } finally {
          depth--;
        }
      }
      depth++;
      const t0 = performance.now();
      try {
        return inner(args);
      } finally {
        depth--;
        const u = use.get(k.kernelName) ?? { name: k.kernelName, calls: 0, ms: 0, source };
        u.calls++;
        u.ms += performance.now() - t0;
        use.set(k.kernelName, u);
      }
    };
    unregisterKernel(k.kernelName, backendName);
    registerKernel({ ...k, kernelFunc });
  }
  return use;
}

async function main(): Promise<void> {
  // The wasm backend's own kernels, before Frequency Lab replaces or adds any.
  const tfjsWasmKernels = new Map(getKernelsForBackend('wasm').map((k) => [k.kernelName, k.kernelFunc]));
  const active = await initBackend(backend);
  const dataset = syntheticImages(batchSize);

  // The initial network, exactly as the loop builds it (same config and seed), for its parameter
  // count and for the reference's starting point; disposed before the loop builds its own.
  const config = benchConfig(warmup + repeats);
  const probe = createNetwork(config.model, dataset, config.seed);
  const params = probe.variables.reduce((s, v) => s + v.size, 0);
  const state = probe.getState();
  const statistics = state.slice(probe.variables.length).reduce((s, t) => s + t.values.length, 0);
  const layerShapes = state.slice(0, probe.variables.length).map((t) => ({ name: t.name, shape: t.shape }));
  if (out) {
    mkdirSync(out, { recursive: true });
    writeFileSync(path.join(out, 'x.f32'), Buffer.from(dataset.x.buffer, dataset.x.byteOffset, dataset.x.byteLength));
    writeFileSync(path.join(out, 'labels.u8'), dataset.labels!);
    const trainable = state.slice(0, probe.variables.length);
    const all = new Float32Array(params);
    let offset = 0;
    const layout = trainable.map((t) => {
      all.set(t.values, offset);
      const entry = { name: t.name, shape: t.shape, offset };
      offset += t.values.length;
      return entry;
    });
    writeFileSync(path.join(out, 'init.f32'), Buffer.from(all.buffer));
    writeFileSync(path.join(out, 'init.json'), JSON.stringify({ n: batchSize, imageShape: [side, side, channels], classes, learningRate, tensors: layout }, null, 1));
  }
  probe.dispose();
  process.stderr.write(`ours: resnet stem + ${blocks} basic blocks x ${width} channels, ${params} trainable parameters (+ ${statistics} batch-norm statistics), batch ${batchSize}, ${active.backend}\n`);

  // Timed steps: one epoch of the app's loop = one step.
  const { seconds, cpuSeconds, losses } = timedEpochs(config, dataset, (epoch, sec, loss) =>
    `ours ${epoch <= warmup ? 'warm-up step' : 'step'} ${epoch}: ${(sec * 1000).toFixed(0)} ms, loss ${loss.toFixed(6)}`,
  );
  const peak = peakRssBytes();

  // Which kernels a warm step runs: two more steps through the same loop, the second recorded.
  let recording = false;
  const use = wrapKernels(tf.getBackend(), tfjsWasmKernels, () => recording);
  let profiledSeconds = 0;
  const profiled = trainAndAnalyse(benchConfig(2), dataset, {
    emit: (e) => {
      if (e.type !== 'epoch' || !e.metrics) return;
      if (e.epoch === 2) profiledSeconds = e.metrics.seconds;
      recording = e.epoch === 1;
    },
    cancelled: () => false,
  });
  if (profiled.status !== 'completed') throw new Error(`the profiled step did not complete: ${profiled.status} ${profiled.message}`);
  const kernels = [...use.values()].sort((a, b) => b.ms - a.ms);
  const backpropFilter = getKernel('Conv2DBackpropFilter', tf.getBackend());
  process.stderr.write(
    `ours kernels of one step (${(profiledSeconds * 1000).toFixed(0)} ms, wrapped): ${kernels
      .slice(0, 8)
      .map((k) => `${k.name} x${k.calls} ${k.ms.toFixed(1)} ms${k.source === 'tfjs' ? '' : ` [${k.source}]`}`)
      .join(', ')}\n`,
  );

  const result = {
    implementation: 'trainAndAnalyse (app training loop), createNetwork resnet',
    backend: active.backend,
    detail: active.detail,
    batchSize,
    warmup,
    params,
    statistics,
    layers: layerShapes,
    warmupSeconds: seconds.slice(0, warmup),
    seconds: seconds.slice(warmup),
    warmupCpuSeconds: cpuSeconds.slice(0, warmup),
    cpuSeconds: cpuSeconds.slice(warmup),
    losses,
    peakRssBytes: peak,
    kernels,
    profiledStepSeconds: profiledSeconds,
    conv2dBackpropFilter: backpropFilter ? (tfjsWasmKernels.has('Conv2DBackpropFilter') || tf.getBackend() !== 'wasm' ? `${tf.getBackend()} backend's own` : 'registered by Frequency Lab (src/main/engine/wasm-conv-kernels.ts)') : 'none',
  };
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
