// The app's training loop (trainAndAnalyse) run to completion with each epoch's wall time, CPU
// time and loss recorded: the timed part of the training and ResNet children.
import type { Dataset } from '../../src/main/engine/data/dataset';
import { trainAndAnalyse } from '../../src/main/engine/train';
import type { ExperimentConfig } from '../../src/shared/config';

export interface TimedEpochs {
  seconds: number[];
  cpuSeconds: number[];
  losses: number[];
}

/** Trains `config` on `dataset`; `describe` turns an epoch's number, seconds and loss into its progress line. Throws unless it completes. */
export function timedEpochs(config: ExperimentConfig, dataset: Dataset, describe: (epoch: number, seconds: number, loss: number) => string): TimedEpochs {
  const timed: TimedEpochs = { seconds: [], cpuSeconds: [], losses: [] };
  let cpuMark = process.cpuUsage();
  const outcome = trainAndAnalyse(config, dataset, {
    emit: (e) => {
      if (e.type === 'epoch' && e.metrics) {
        const cpu = process.cpuUsage(cpuMark);
        cpuMark = process.cpuUsage();
        timed.cpuSeconds.push((cpu.user + cpu.system) / 1e6);
        timed.seconds.push(e.metrics.seconds);
        timed.losses.push(e.metrics.loss);
        process.stderr.write(`${describe(e.epoch, e.metrics.seconds, e.metrics.loss)}\n`);
      }
    },
    cancelled: () => false,
  });
  if (outcome.status !== 'completed') throw new Error(`training did not complete: ${outcome.status} ${outcome.message}`);
  return timed;
}
