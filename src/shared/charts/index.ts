// echarts option builders: pure functions of stored results, shared by the renderer and the PNG export.
export { rdfByLayerOption, analysedEpochs, layersAtEpoch, frequencySubtitle } from './rdf-by-layer';
export type { RdfByLayerOptions } from './rdf-by-layer';
export { lfrRdfOption } from './lfr-rdf';
export type { LfrRdfCurve, LfrRdfOptions } from './lfr-rdf';
export { lossOption } from './loss';
export {
  chartPalette,
  layerName,
  runName,
  runLabel,
  formatNumber,
  normalisationText,
  deltaGridText,
  epochText,
} from './labels';
export { peakByEpochOption } from './peak-by-epoch';
export type { PeakByEpochOptions } from './peak-by-epoch';
