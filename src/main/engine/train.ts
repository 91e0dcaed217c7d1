// The training loop: epochs of mini-batch training with a piecewise learning-rate schedule, the
// stopping rules, the validation set after every epoch, and the frequency analysis (plus, for 1-D
// regression data, the DFT view of the fit) at the scheduled epochs. Works for any Network (mlp,
// resnet) and is backend-agnostic: the caller has chosen the tfjs backend; events go out
// through `hooks`. At every analysed epoch it also takes a checkpoint (./checkpoint.ts) that goes
// out with that epoch's event, and it can start from one instead of from the seed's initial
// state, continuing exactly as the uninterrupted run would have.
import * as tf from '@tensorflow/tfjs-core';
import { analysedLayers, isScheduledAnalysisEpoch, learningRateAt, spectrumSettings, type ExperimentConfig } from '../../shared/config';
import type { EngineEvent, EngineOutcome, EpochMetrics, OutputSpectrum } from '../../shared/results';
import { amplitudes, dft, relativeErrors, spectrumPeaks, type Dft } from '../../shared/spectrum';
import type { Dataset } from './data/dataset';
import { subsetDataset } from './data/dataset';
import { batchLoss, correctCount } from './loss';
import { createNetwork, type Network } from './models/network';
import { checkpointFormat, packTensors, unpackTensors, type TrainingCheckpoint } from './checkpoint';
import { createOptimiser, disposeOptimiser, getOptimiserState, setLearningRate, setOptimiserState } from './optimiser';
import { createRng, deriveSeed, sampleIndices, shuffleInPlace, type Rng } from './random';
import { analyseSnapshot, runInChunks } from './snapshot';

export interface TrainHooks {
  /** An event; an analysed epoch's event comes with the checkpoint taken at its end, which the
   *  caller stores together with the epoch's results. */
  emit(event: EngineEvent, checkpoint?: TrainingCheckpoint): void;
  /** Polled between batches; true stops the run cleanly after the current batch. */
  cancelled(): boolean;
}

/** Samples on the device: inputs, targets and (classification) labels. */
interface DeviceSet {
  x: tf.Tensor2D;
  y: tf.Tensor2D;
  labels: tf.Tensor1D | null;
}

/** The tensors a run keeps for its whole life. */
interface RunTensors extends DeviceSet {
  analysisX: tf.Tensor2D;
  analysisY: tf.Tensor2D;
  validation: DeviceSet | null;
}

function upload(ds: Dataset): DeviceSet {
  return {
    x: tf.tensor2d(ds.x, [ds.n, ds.inputDim]),
    y: tf.tensor2d(ds.y, [ds.n, ds.outputDim]),
    labels: ds.labels ? tf.tensor1d(Int32Array.from(ds.labels), 'int32') : null,
  };
}

function uploadData(dataset: Dataset, analysisIdx: Int32Array): RunTensors {
  const analysis = subsetDataset(dataset, analysisIdx);
  return {
    ...upload(dataset),
    analysisX: tf.tensor2d(analysis.x, [analysis.n, analysis.inputDim]),
    analysisY: tf.tensor2d(analysis.y, [analysis.n, analysis.outputDim]),
    validation: dataset.validation && dataset.validation.n > 0 ? upload(dataset.validation) : null,
  };
}

function disposeData(data: RunTensors): void {
  const sets: DeviceSet[] = data.validation ? [data, data.validation] : [data];
  for (const s of sets) tf.dispose(s.labels ? [s.x, s.y, s.labels] : [s.x, s.y]);
  tf.dispose([data.analysisX, data.analysisY]);
}

const progressIntervalMs = 1000;

/** One pass over the training data in a seeded random order. Returns null when cancelled. */
function trainEpoch(
  net: Network,
  opt: tf.Optimizer,
  data: RunTensors,
  config: ExperimentConfig,
  orderRng: Rng,
  epoch: number,
  hooks: TrainHooks,
): { loss: number; accuracy: number | null } | null {
  const n = data.x.shape[0];
  const { batchSize, loss } = config.training;
  const order = shuffleInPlace(Int32Array.from({ length: n }, (_, i) => i), orderRng);
  const batches = Math.ceil(n / batchSize);
  let lossSum = tf.scalar(0);
  let correctSum = tf.scalar(0);
  let lastProgress = performance.now();
  try {
    for (let b = 0; b < batches; b++) {
      if (hooks.cancelled()) return null;
      const idx = tf.tensor1d(order.subarray(b * batchSize, Math.min(n, (b + 1) * batchSize)), 'int32');
      const size = idx.shape[0];
      let correct: tf.Scalar | null = null;
      const cost = opt.minimize(
        () => {
          const xb = tf.gather(data.x, idx) as tf.Tensor2D;
          const yb = tf.gather(data.y, idx) as tf.Tensor2D;
          const { logits } = net.forward(xb, { training: true });
          if (data.labels) correct = tf.keep(correctCount(logits, tf.gather(data.labels, idx) as tf.Tensor1D));
          return batchLoss(logits, yb, loss, config.model.output);
        },
        true,
        net.variables,
      ) as tf.Scalar;
      const nextLoss = tf.tidy(() => tf.add(lossSum, tf.mul(cost, size)) as tf.Scalar);
      tf.dispose([lossSum, cost, idx]);
      lossSum = nextLoss;
      if (correct) {
        const nextCorrect = tf.add(correctSum, correct) as tf.Scalar;
        tf.dispose([correctSum, correct]);
        correctSum = nextCorrect;
      }
      const now = performance.now();
      if (now - lastProgress > progressIntervalMs) {
        lastProgress = now;
        hooks.emit({ type: 'batch', epoch, batch: b + 1, batches });
      }
    }
    const meanLoss = lossSum.dataSync()[0] / n;
    const accuracy = data.labels ? correctSum.dataSync()[0] / n : null;
    return { loss: meanLoss, accuracy };
  } finally {
    tf.dispose([lossSum, correctSum]);
  }
}

/** Mean loss and accuracy of the network in inference mode on a set, in chunks of `chunk` rows. */
export function evaluate(net: Network, set: DeviceSet, config: ExperimentConfig, chunk: number): { loss: number; accuracy: number | null } {
  const n = set.x.shape[0];
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < n; start += chunk) {
    const rows = Math.min(chunk, n - start);
    const values = tf.tidy(() => {
      const x = tf.slice(set.x, [start, 0], [rows, set.x.shape[1]]);
      const y = tf.slice(set.y, [start, 0], [rows, set.y.shape[1]]);
      const { logits } = net.forward(x, { training: false });
      const l = tf.mul(batchLoss(logits, y, config.training.loss, config.model.output), rows);
      const c = set.labels ? correctCount(logits, tf.slice(set.labels, [start], [rows])) : tf.scalar(0);
      return tf.stack([l, c]);
    });
    const [l, c] = values.dataSync();
    values.dispose();
    lossSum += l;
    correct += c;
  }
  return { loss: lossSum / n, accuracy: set.labels ? correct / n : null };
}

/** The DFT view of a 1-D regression fit: the training grid sorted by x and the target's DFT. */
interface SpectrumPlan {
  order: Int32Array;
  target: Dft;
  targetAmplitude: number[];
  peaks: number[];
}

function planSpectrum(config: ExperimentConfig, dataset: Dataset): SpectrumPlan | null {
  const settings = spectrumSettings(config.analysis);
  if (!settings.enabled || dataset.inputDim !== 1 || dataset.outputDim !== 1 || dataset.labels !== null || dataset.n < 4) return null;
  const order = Int32Array.from({ length: dataset.n }, (_, i) => i).sort((a, b) => dataset.x[a] - dataset.x[b]);
  const target = dft(Array.from(order, (i) => dataset.y[i]));
  const targetAmplitude = amplitudes(target);
  return { order, target, targetAmplitude, peaks: spectrumPeaks(targetAmplitude, settings.peakFraction, settings.maxPeaks) };
}

function outputSpectrum(net: Network, data: RunTensors, plan: SpectrumPlan, epoch: number): OutputSpectrum {
  const { logits, hidden } = runInChunks(net, data.x, [], 4096);
  const values = logits.dataSync();
  tf.dispose([logits, ...hidden.values()]);
  const output = dft(Array.from(plan.order, (i) => values[i]));
  return {
    epoch,
    targetAmplitude: plan.targetAmplitude,
    outputAmplitude: amplitudes(output),
    peaks: plan.peaks,
    peakErrors: relativeErrors(plan.target, output, plan.peaks),
  };
}

/** The name of the batch-order random stream, in checkpoints. */
const batchOrderStream = 'batch-order';

/** The state at the end of `epoch`: network, optimiser, random streams (see ./checkpoint.ts). */
function takeCheckpoint(net: Network, opt: tf.Optimizer, orderRng: Rng, epoch: number, loss: number | null): TrainingCheckpoint {
  const model = packTensors(net.getState());
  const optState = getOptimiserState(opt);
  const optimiser = packTensors(optState.tensors);
  return {
    manifest: {
      format: checkpointFormat,
      epoch,
      loss,
      backend: tf.getBackend(),
      model: { kind: net.kind, tensors: model.layout },
      optimiser: { kind: optState.kind, iterations: optState.iterations, tensors: optimiser.layout },
      rng: { [batchOrderStream]: orderRng.state() },
    },
    model: model.blob,
    optimiser: optimiser.blob,
  };
}

/** Puts a network and a new optimiser in the state of a checkpoint; throws naming what does not
 *  fit the run's config. */
function restoreCheckpoint(c: TrainingCheckpoint, net: Network, opt: tf.Optimizer, config: ExperimentConfig): void {
  const { manifest } = c;
  if (manifest.model.kind !== net.kind) throw new Error(`the checkpoint is of a ${manifest.model.kind}, but the run trains a ${net.kind}`);
  if (manifest.epoch > config.training.stop.maxEpochs) {
    throw new Error(`the checkpoint is at epoch ${manifest.epoch}, after the run's last epoch (${config.training.stop.maxEpochs})`);
  }
  if (manifest.rng[batchOrderStream] === undefined) throw new Error(`the checkpoint lacks the state of the ${batchOrderStream} random stream`);
  net.setState(unpackTensors(c.model, manifest.model.tensors, 'network state'));
  setOptimiserState(opt, { kind: manifest.optimiser.kind, iterations: manifest.optimiser.iterations, tensors: unpackTensors(c.optimiser, manifest.optimiser.tensors, 'optimiser state') }, net.variables);
}

/** How a run starts. */
export interface TrainOptions {
  /** Continue from this checkpoint (taken by an earlier start of the same run) instead of the
   *  seed's initial state: training resumes at the epoch after it. */
  resume?: TrainingCheckpoint | null;
}

/** Trains and analyses one run to the end (completed, cancelled or diverged). */
export function trainAndAnalyse(config: ExperimentConfig, dataset: Dataset, hooks: TrainHooks, options: TrainOptions = {}): EngineOutcome {
  const { analysis, training } = config;
  if (analysis.samples > dataset.n) {
    throw new Error(`analysis.samples (${analysis.samples}) is larger than the training data (${dataset.n} samples)`);
  }
  const resume = options.resume ?? null;
  const analysisIdx = sampleIndices(dataset.n, analysis.samples, createRng(deriveSeed(config.seed, 'analysis-subset')));
  const orderSeed = deriveSeed(config.seed, batchOrderStream);
  const orderRng = createRng(orderSeed, resume?.manifest.rng[batchOrderStream]);
  const net = createNetwork(config.model, dataset, config.seed);
  const opt = createOptimiser(training.optimiser, learningRateAt(training.schedule, 1));
  let data: RunTensors;
  try {
    if (resume) restoreCheckpoint(resume, net, opt, config);
    data = uploadData(dataset, analysisIdx);
  } catch (e) {
    disposeOptimiser(opt);
    net.dispose();
    throw e;
  }
  const layers = analysedLayers(config);
  const spectrumPlan = planSpectrum(config, dataset);
  const evalChunk = Math.max(training.batchSize, 256);

  const analyse = (epoch: number) => {
    const t0 = performance.now();
    const frequencies = analyseSnapshot(net, data.analysisX, data.analysisY, analysis, layers, epoch);
    const spectrum = spectrumPlan ? outputSpectrum(net, data, spectrumPlan, epoch) : null;
    return { frequencies, spectrum, analysisSeconds: (performance.now() - t0) / 1000 };
  };
  const none = { frequencies: [], analysisSeconds: 0 };

  try {
    const firstEpoch = resume ? resume.manifest.epoch + 1 : 1;
    if (resume) {
      const { epoch, loss, backend } = resume.manifest;
      hooks.emit({ type: 'log', message: `resuming from the checkpoint at the end of epoch ${epoch}` });
      if (backend !== tf.getBackend()) {
        hooks.emit({ type: 'log', message: `the checkpoint was computed on the ${backend} backend and training goes on with ${tf.getBackend()}: the numbers will not be identical to an uninterrupted run` });
      }
      // The run had already met its loss-below rule at the checkpoint (it stopped before its end was stored).
      if (training.stop.lossBelow !== null && loss !== null && loss < training.stop.lossBelow) {
        return { status: 'completed', message: `training loss ${loss.toPrecision(3)} < ${training.stop.lossBelow} at epoch ${epoch}` };
      }
    } else if (isScheduledAnalysisEpoch(analysis.epochs, 0)) {
      hooks.emit({ type: 'epoch', epoch: 0, metrics: null, ...analyse(0) }, takeCheckpoint(net, opt, orderRng, 0, null));
    }
    for (let epoch = firstEpoch; epoch <= training.stop.maxEpochs; epoch++) {
      const learningRate = learningRateAt(training.schedule, epoch);
      setLearningRate(opt, learningRate);
      const t0 = performance.now();
      const result = trainEpoch(net, opt, data, config, orderRng, epoch, hooks);
      if (!result) return { status: 'cancelled', message: `cancelled during epoch ${epoch}` };
      const metrics: EpochMetrics = { epoch, ...result, learningRate, seconds: (performance.now() - t0) / 1000 };
      if (data.validation) {
        const v = evaluate(net, data.validation, config, evalChunk);
        metrics.validationLoss = v.loss;
        metrics.validationAccuracy = v.accuracy;
      }

      if (!Number.isFinite(metrics.loss)) {
        hooks.emit({ type: 'epoch', epoch, metrics, ...none });
        return { status: 'diverged', epoch, message: `training loss became ${metrics.loss} in epoch ${epoch}` };
      }
      const reachedLoss = training.stop.lossBelow !== null && metrics.loss < training.stop.lossBelow;
      const last = reachedLoss || epoch === training.stop.maxEpochs;
      const due = isScheduledAnalysisEpoch(analysis.epochs, epoch) || (last && analysis.epochs.final);
      if (due) hooks.emit({ type: 'epoch', epoch, metrics, ...analyse(epoch) }, takeCheckpoint(net, opt, orderRng, epoch, metrics.loss));
      else hooks.emit({ type: 'epoch', epoch, metrics, ...none });
      if (reachedLoss) {
        return { status: 'completed', message: `training loss ${metrics.loss.toPrecision(3)} < ${training.stop.lossBelow} at epoch ${epoch}` };
      }
      if (hooks.cancelled()) return { status: 'cancelled', message: `cancelled after epoch ${epoch}` };
    }
    return { status: 'completed', message: `reached the epoch limit (${training.stop.maxEpochs})` };
  } finally {
    disposeOptimiser(opt);
    net.dispose();
    disposeData(data);
  }
}
