// The charts of one run: RDF per layer at the last analysed epoch, and the training loss; or,
// when a run has no such results yet, the reason in words.
import type { EChartsOption } from 'echarts';
import { analysedEpochs, lossOption, rdfByLayerOption } from '../../shared/charts';
import type { RunDetail } from '../../shared/results';

export type ChartState = { option: EChartsOption; caption: string } | { empty: string };

/** The RDF-per-layer chart at the run's last analysed epoch. */
export function rdfChart(run: RunDetail): ChartState {
  const epochs = analysedEpochs(run);
  const epoch = epochs[epochs.length - 1];
  if (epoch === undefined) return { empty: 'No frequency analysis stored yet.' };
  const others = epochs.length > 1 ? ` (analysed epochs: ${epochs.join(', ')})` : '';
  return { option: rdfByLayerOption(run, epoch), caption: `RDF per layer at epoch ${epoch}${others}` };
}

/** The training loss (and accuracy, for classification) against epoch. */
export function lossChart(run: RunDetail): ChartState {
  if (run.metrics.length === 0) return { empty: 'No training epoch finished yet.' };
  return { option: lossOption([run]), caption: `Training loss over ${run.metrics.length} epochs` };
}
