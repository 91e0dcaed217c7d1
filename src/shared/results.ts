// What a run produces and what the store keeps: shared by engine, store, exports and renderer.
import type { ExperimentConfig, NormalisationConfig } from './config';

export const runStatuses = ['queued', 'running', 'completed', 'cancelled', 'failed', 'interrupted', 'diverged'] as const;
export type RunStatus = (typeof runStatuses)[number];

/** Where and with what a run was computed. */
export interface RunEnvironment {
  appVersion: string;
  tfjsVersion: string;
  /** The tfjs backend the run used: tensorflow-gpu, tensorflow, wasm or cpu. */
  backend: string;
  /** Human-readable backend detail, e.g. the GPU name or "wasm (SIMD, 1 thread)". */
  backendDetail: string;
  nodeVersion: string;
  platform: string;
  cpu: string;
  cpuCount: number;
  memoryBytes: number;
  gpu: string | null;
}

/** A stored run, without its per-epoch results. */
export interface RunRecord {
  id: number;
  name: string;
  status: RunStatus;
  config: ExperimentConfig;
  /** ISO-8601 timestamps. */
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  environment: RunEnvironment | null;
  /** Last finished epoch (0 when only the initial analysis is stored), null before that. */
  lastEpoch: number | null;
  /** Mean training loss of the last finished epoch. */
  finalLoss: number | null;
  /** Why the run ended when it did not complete (error message, divergence, cancel). */
  message: string | null;
  tags: string[];
  notes: string;
  /** The sweep group the run belongs to; absent or null for a single run. */
  groupId?: number | null;
  /** First epoch whose mean training loss fell below the threshold (config lossThreshold);
   *  null when it has not (yet); absent where not recorded. */
  epochsToThreshold?: number | null;
  /** The epoch of the run's training checkpoint (its latest analysed epoch), from which an
   *  interrupted, failed or cancelled run can be resumed; absent when it has none (a completed
   *  or diverged run's checkpoint is dropped). */
  checkpointEpoch?: number | null;
}

/** Metrics of one finished training epoch (epoch >= 1). */
export interface EpochMetrics {
  epoch: number;
  /** Mean training loss over the epoch's batches. */
  loss: number;
  /** Training accuracy over the epoch (classification), null for regression. */
  accuracy: number | null;
  learningRate: number;
  /** Wall-clock seconds of the epoch's training (analysis excluded). */
  seconds: number;
  /** Mean loss on the validation set after the epoch (inference mode); absent or null without one. */
  validationLoss?: number | null;
  /** Accuracy on the validation set after the epoch (classification with a validation set). */
  validationAccuracy?: number | null;
}

/** The frequency-principle view of a 1-D fit at one epoch (shared/spectrum.ts): amplitudes of
 *  the DFT of target and output on the training grid (sorted by x) at frequency indices
 *  k = 0..floor(n/2), the target's peak indices and the output's relative error there. */
export interface OutputSpectrum {
  epoch: number;
  targetAmplitude: number[];
  outputAmplitude: number[];
  /** Frequency indices k (cycles over the grid) of the target's peaks, ascending. */
  peaks: number[];
  /** |H_k - Y_k| / |Y_k| at each peak. */
  peakErrors: number[];
}

/** The frequency content of one layer's effective target function at one epoch. */
export interface LayerFrequency {
  epoch: number;
  /** Hidden-layer index from the input side (0 = the input itself). */
  layer: number;
  /** The index as configured (may count from the output, e.g. -1). */
  configuredLayer: number;
  /** The normalisation used and the factor applied to the layer's outputs. */
  normalisation: NormalisationConfig;
  scale: number;
  /** k = 1/delta, ascending. */
  k: number[];
  /** LFR at each k. */
  lfr: number[];
  /** RDF = dLFR/dk at the midpoints of consecutive k. */
  rdfK: number[];
  rdf: number[];
  /** The midpoint k at which the RDF is largest. */
  peakK: number;
}

/** Everything a worker reports while it runs. */
export type EngineEvent =
  | { type: 'started'; environment: RunEnvironment; analysisSamples: number; trainSize: number }
  | { type: 'batch'; epoch: number; batch: number; batches: number }
  /** One epoch ended (epoch 0: the initial analysis, no metrics). Stored as one transaction. */
  | {
      type: 'epoch';
      epoch: number;
      metrics: EpochMetrics | null;
      frequencies: LayerFrequency[];
      analysisSeconds: number;
      /** For 1-D regression data at analysed epochs: the DFT view of the fit. */
      spectrum?: OutputSpectrum | null;
    }
  | { type: 'log'; message: string };

/** The way a run ended, as the engine reports it. */
export type EngineOutcome =
  | { status: 'completed'; message: string }
  | { status: 'cancelled'; message: string }
  | { status: 'diverged'; message: string; epoch: number }
  | { status: 'failed'; message: string };

/** A run with all its results. */
export interface RunDetail extends RunRecord {
  metrics: EpochMetrics[];
  frequencies: LayerFrequency[];
  /** DFT views by epoch (1-D regression runs); absent where not stored. */
  spectra?: OutputSpectrum[];
}

/** A sweep: one experiment run once per value of one setting. */
export interface GroupRecord {
  id: number;
  name: string;
  createdAt: string;
  /** The dotted config path that varies, e.g. "model.hidden" or "seed". */
  varyPath: string;
  /** The values it takes, in run order. */
  values: unknown[];
  /** The config the runs share (before the swept value is set). */
  baseConfig: ExperimentConfig;
  /** The group's runs, in the order of `values`. */
  runIds: number[];
}

/** A group with its runs and their results. */
export interface GroupDetail extends GroupRecord {
  runs: RunDetail[];
}
