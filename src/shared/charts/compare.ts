// The five compare charts by name, so that any door (the renderer, main's PNG export, the
// command line) can draw the same figure from stored runs and one selection object.
import type { RunDetail } from '../results';
import type { ChartFigure } from './common';
import { depthFigure, type DepthSelection } from './depth';
import { peaksFigure, type PeaksSelection } from './peaks';
import { rdfEpochsFigure, type RdfEpochsSelection } from './rdf-epochs';
import { rdfLayersFigure, type RdfLayersSelection } from './rdf-layers';
import { trainingFigure, type TrainingSelection } from './training';

/** The compare charts, in screen order; also the `chart-<kind>` / `export-*-<kind>` names. */
export const compareChartKinds = ['rdf-layers', 'rdf-epochs', 'peaks', 'loss', 'depth'] as const;
export type CompareChartKind = (typeof compareChartKinds)[number];

/** The selection each compare chart takes. */
export interface CompareSelections {
  'rdf-layers': RdfLayersSelection;
  'rdf-epochs': RdfEpochsSelection;
  peaks: PeaksSelection;
  loss: TrainingSelection;
  depth: DepthSelection;
}

/** One compare chart of `runs` as a figure (option, CSV, file stem, caption, notes). */
export function compareFigure<K extends CompareChartKind>(kind: K, runs: readonly RunDetail[], selection: CompareSelections[K]): ChartFigure {
  switch (kind) {
    case 'rdf-layers':
      return rdfLayersFigure(runs, selection as RdfLayersSelection);
    case 'rdf-epochs':
      return rdfEpochsFigure(runs, selection as RdfEpochsSelection);
    case 'peaks':
      return peaksFigure(runs, selection as PeaksSelection);
    case 'loss':
      return trainingFigure(runs, selection as TrainingSelection);
    case 'depth':
      return depthFigure(runs, selection as DepthSelection);
    default:
      throw new Error(`unknown compare chart ${String(kind)} (known: ${compareChartKinds.join(', ')})`);
  }
}
