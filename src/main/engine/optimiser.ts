// Optimisers from the config, and the learning-rate changes of a piecewise schedule.
import * as tf from '@tensorflow/tfjs-core';
import type { TrainingConfig } from '../../shared/config';

/** A tfjs optimiser for the config, starting at `learningRate`. */
export function createOptimiser(cfg: TrainingConfig['optimiser'], learningRate: number): tf.Optimizer {
  switch (cfg.kind) {
    case 'adam':
      return tf.train.adam(learningRate, cfg.beta1, cfg.beta2, cfg.epsilon);
    case 'sgd':
      return cfg.momentum > 0 ? tf.train.momentum(learningRate, cfg.momentum) : tf.train.sgd(learningRate);
  }
}

/** Changes the learning rate of an optimiser in place (Adam reads it at each step; SGD and
 *  momentum keep it as a scalar tensor that setLearningRate replaces). */
export function setLearningRate(opt: tf.Optimizer, learningRate: number): void {
  const sgd = opt as unknown as { setLearningRate?: (lr: number) => void };
  if (typeof sgd.setLearningRate === 'function') {
    sgd.setLearningRate(learningRate);
  } else {
    (opt as unknown as { learningRate: number }).learningRate = learningRate;
  }
}
