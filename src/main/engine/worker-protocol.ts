// Messages between the main thread and an engine worker thread.
import type { AnalysisConfig, DataConfig, ExperimentConfig } from '../../shared/config';
import type { EngineEvent, EngineOutcome } from '../../shared/results';
import type { DataFrequency } from './data-frequency';

/** What a worker is started with: a training run, or the analysis of a data set's own target. */
export type WorkerInput = (
  | { job: 'train'; config: ExperimentConfig }
  | { job: 'analyse-data'; data: DataConfig; analysis: AnalysisConfig; seed: number; backend: ExperimentConfig['backend'] }
) & {
  /** Folder that relative data paths are resolved against. */
  baseDir: string;
  /** Int32Array[1] over this buffer: set to 1 to cancel. */
  cancelBuffer: SharedArrayBuffer;
};

/** What a worker posts: engine events, then exactly one `done`. */
export type WorkerMessage =
  | { type: 'event'; event: EngineEvent }
  | { type: 'data-frequency'; result: DataFrequency }
  | { type: 'done'; outcome: EngineOutcome };
