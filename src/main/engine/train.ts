// The training loop: epochs of mini-batch training with a piecewise learning-rate schedule, the
// stopping rules, and the frequency analysis at the scheduled epochs. Backend-agnostic: the
// caller has chosen the tfjs backend; events go out through `hooks`.
import * as tf from '@tensorflow/tfjs-core';
import { isScheduledAnalysisEpoch, learningRateAt, type ExperimentConfig } from '../../shared/config';
import type { EngineEvent, EngineOutcome, EpochMetrics } from '../../shared/results';
import type { Dataset } from './data/dataset';
import { subsetDataset } from './data/dataset';
import { batchLoss, correctCount } from './loss';
import { createMlp, disposeMlp, forward, type Mlp } from './models/mlp';
import { createOptimiser, setLearningRate } from './optimiser';
import { createRng, deriveSeed, sampleIndices, shuffleInPlace, type Rng } from './random';
import { analyseSnapshot } from './snapshot';

export interface TrainHooks {
  emit(event: EngineEvent): void;
  /** Polled between batches; true stops the run cleanly after the current batch. */
  cancelled(): boolean;
}

/** The tensors a run keeps for its whole life. */
interface RunTensors {
  x: tf.Tensor2D;
  y: tf.Tensor2D;
  labels: tf.Tensor1D | null;
  analysisX: tf.Tensor2D;
  analysisY: tf.Tensor2D;
}

function uploadData(dataset: Dataset, analysisIdx: Int32Array): RunTensors {
  const analysis = subsetDataset(dataset, analysisIdx);
  return {
    x: tf.tensor2d(dataset.x, [dataset.n, dataset.inputDim]),
    y: tf.tensor2d(dataset.y, [dataset.n, dataset.outputDim]),
    labels: dataset.labels ? tf.tensor1d(Int32Array.from(dataset.labels), 'int32') : null,
    analysisX: tf.tensor2d(analysis.x, [analysis.n, analysis.inputDim]),
    analysisY: tf.tensor2d(analysis.y, [analysis.n, analysis.outputDim]),
  };
}

const progressIntervalMs = 1000;

/** One pass over the training data in a seeded random order. Returns null when cancelled. */
function trainEpoch(
  net: Mlp,
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
          const { logits } = forward(net, xb);
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

/** Trains and analyses one run to the end (completed, cancelled or diverged). */
export function trainAndAnalyse(config: ExperimentConfig, dataset: Dataset, hooks: TrainHooks): EngineOutcome {
  const { analysis, training } = config;
  const analysisIdx = sampleIndices(dataset.n, analysis.samples, createRng(deriveSeed(config.seed, 'analysis-subset')));
  const orderRng = createRng(deriveSeed(config.seed, 'batch-order'));
  const data = uploadData(dataset, analysisIdx);
  const net = createMlp(dataset.inputDim, dataset.outputDim, config.model, config.seed);
  const opt = createOptimiser(training.optimiser, learningRateAt(training.schedule, 1));

  const analyse = (epoch: number) => {
    const t0 = performance.now();
    const frequencies = analyseSnapshot(net, data.analysisX, data.analysisY, analysis, epoch);
    return { frequencies, analysisSeconds: (performance.now() - t0) / 1000 };
  };

  try {
    if (isScheduledAnalysisEpoch(analysis.epochs, 0)) {
      hooks.emit({ type: 'epoch', epoch: 0, metrics: null, ...analyse(0) });
    }
    for (let epoch = 1; epoch <= training.stop.maxEpochs; epoch++) {
      const learningRate = learningRateAt(training.schedule, epoch);
      setLearningRate(opt, learningRate);
      const t0 = performance.now();
      const result = trainEpoch(net, opt, data, config, orderRng, epoch, hooks);
      if (!result) return { status: 'cancelled', message: `cancelled during epoch ${epoch}` };
      const metrics: EpochMetrics = { epoch, ...result, learningRate, seconds: (performance.now() - t0) / 1000 };

      if (!Number.isFinite(metrics.loss)) {
        hooks.emit({ type: 'epoch', epoch, metrics, frequencies: [], analysisSeconds: 0 });
        return { status: 'diverged', epoch, message: `training loss became ${metrics.loss} in epoch ${epoch}` };
      }
      const reachedLoss = training.stop.lossBelow !== null && metrics.loss < training.stop.lossBelow;
      const last = reachedLoss || epoch === training.stop.maxEpochs;
      const due = isScheduledAnalysisEpoch(analysis.epochs, epoch) || (last && analysis.epochs.final);
      hooks.emit({ type: 'epoch', epoch, metrics, ...(due ? analyse(epoch) : { frequencies: [], analysisSeconds: 0 }) });
      if (reachedLoss) {
        return { status: 'completed', message: `training loss ${metrics.loss.toPrecision(3)} < ${training.stop.lossBelow} at epoch ${epoch}` };
      }
      if (hooks.cancelled()) return { status: 'cancelled', message: `cancelled after epoch ${epoch}` };
    }
    return { status: 'completed', message: `reached the epoch limit (${training.stop.maxEpochs})` };
  } finally {
    opt.dispose();
    disposeMlp(net);
    tf.dispose(Object.values(data));
  }
}
