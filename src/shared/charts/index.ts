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
export { toCsv, csvNumber, csvString } from './csv';
export type { CsvCell } from './csv';
export {
  runDepth,
  resolveLayerChoice,
  storedLayers,
  nearestEpoch,
  unionEpochs,
  findFrequency,
  settingsLines,
  figureStem,
  curveName,
} from './common';
export type { AxisScales, ChartFigure } from './common';
export { rdfLayersFigure, rdfLayersCurves, rdfCurvesCsv, rdfCurvesOption, layerChoiceText } from './rdf-layers';
export type { RdfLayersSelection, RdfCurve } from './rdf-layers';
export { rdfEpochsFigure, rdfEpochsCurves, rdfHeatmapOption, rampColor } from './rdf-epochs';
export type { RdfEpochsSelection } from './rdf-epochs';
export { peaksFigure, peakLines, peaksCsv, peaksOption } from './peaks';
export type { PeaksSelection, PeakLine } from './peaks';
export { trainingFigure, trainingOption, trainingCsv } from './training';
export type { TrainingSelection } from './training';
export { depthFigure, depthOption, depthCsv, depthPoints, epochsToLoss, defaultLossTarget, meanByDepth } from './depth';
export type { DepthSelection, DepthPoint } from './depth';
export { compareFigure, compareChartKinds } from './compare';
export type { CompareChartKind, CompareSelections } from './compare';
export {
  sweepChartKinds,
  sweepBandFigure,
  sweepThresholdFigure,
  sweepBandCsv,
  sweepThresholdCsv,
  groupBands,
  groupBandMetrics,
  groupThresholdPoints,
  bandMetrics,
  bandMetricName,
  sweptValueText,
  sweptSettingText,
  variesSeed,
  meanBandOption,
  meanStdByEpoch,
  thresholdOption,
} from './sweep';
export type { SweepChartKind, SweepBandSelection, BandMetric, Band, BandPoint, ThresholdPoint } from './sweep';
