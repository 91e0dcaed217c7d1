// The progress line of `lab run`: epoch, loss, accuracy, speed and ETA, one line per epoch.
import type { ExperimentConfig } from '../../shared/config';
import type { EngineEvent } from '../../shared/results';
import { formatDuration } from './format';

/** Turns engine events into terminal lines (null: nothing to print). */
export function createProgressFormatter(config: ExperimentConfig): (e: EngineEvent) => string | null {
  const maxEpochs = config.training.stop.maxEpochs;
  let started = performance.now();
  let trainedEpochs = 0;
  return (e) => {
    switch (e.type) {
      case 'started':
        started = performance.now(); // a queued run (e.g. in a sweep) starts its clock when it starts
        return `backend: ${e.environment.backend} — ${e.environment.backendDetail}\ntraining on ${e.trainSize} samples, analysing ${e.analysisSamples}`;
      case 'batch':
        return null;
      case 'log':
        return e.message;
      case 'epoch': {
        const peaks = e.frequencies.length
          ? `  RDF peaks ${e.frequencies.map((f) => `${f.layer === 0 ? 'in' : `L${f.layer}`}:${f.peakK.toPrecision(3)}`).join(' ')} (${e.analysisSeconds.toFixed(1)} s)`
          : '';
        if (!e.metrics) return `epoch 0/${maxEpochs}  (before training)${peaks}`;
        trainedEpochs++;
        const elapsed = (performance.now() - started) / 1000;
        const eta = (elapsed / trainedEpochs) * (maxEpochs - e.epoch);
        const acc =
          (e.metrics.accuracy === null ? '' : `  acc ${e.metrics.accuracy.toFixed(4)}`) +
          (e.metrics.validationLoss == null ? '' : `  val. loss ${e.metrics.validationLoss.toPrecision(4)}`) +
          (e.metrics.validationAccuracy == null ? '' : `  val. acc ${e.metrics.validationAccuracy.toFixed(4)}`);
        return (
          `epoch ${e.epoch}/${maxEpochs}  loss ${e.metrics.loss.toPrecision(4)}${acc}  lr ${e.metrics.learningRate}` +
          `  ${e.metrics.seconds.toFixed(1)} s  elapsed ${formatDuration(elapsed)}  ETA ≤${formatDuration(eta)}${peaks}`
        );
      }
    }
  };
}
