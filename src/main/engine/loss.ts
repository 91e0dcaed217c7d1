// Training losses on a batch.
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig, TrainingConfig } from '../../shared/config';

/** The network's prediction from its final pre-activation (softmax when configured). */
export function outputOf(logits: tf.Tensor2D, output: ModelConfig['output']): tf.Tensor2D {
  return output === 'softmax' ? tf.softmax(logits) : logits;
}

/** Scalar loss of a batch. mse: mean_{i,c} (yhat_ic - y_ic)^2 (PyTorch MSELoss, mean over all
 *  elements); cross-entropy: mean_i -sum_c y_ic log softmax(z_i)_c. */
export function batchLoss(
  logits: tf.Tensor2D,
  targets: tf.Tensor2D,
  loss: TrainingConfig['loss'],
  output: ModelConfig['output'],
): tf.Scalar {
  if (loss === 'cross-entropy') return tf.losses.softmaxCrossEntropy(targets, logits) as tf.Scalar;
  return tf.mean(tf.squaredDifference(outputOf(logits, output), targets));
}

/** Number of samples whose largest output is at their label (as a scalar tensor). */
export function correctCount(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'float32'));
}
