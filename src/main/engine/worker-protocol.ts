// Messages between the main thread and an engine worker thread.
import type { AnalysisConfig, DataConfig, ExperimentConfig } from '../../shared/config';
import type { EngineEvent, EngineOutcome } from '../../shared/results';
import type { TrainingCheckpoint } from './checkpoint';
import type { DataFrequency } from './data-frequency';

/** What a worker is started with: a training run, or the analysis of a data set's own target. */
export type WorkerInput = (
  /** `resume`: continue from this checkpoint of the same run instead of starting afresh. */
  | { job: 'train'; config: ExperimentConfig; resume?: TrainingCheckpoint | null }
  | { job: 'analyse-data'; data: DataConfig; analysis: AnalysisConfig; seed: number; backend: ExperimentConfig['backend'] }
) & {
  /** Folder that relative data paths are resolved against. */
  baseDir: string;
  /** Int32Array[1] over this buffer: set to 1 to cancel. */
  cancelBuffer: SharedArrayBuffer;
};

/** What a worker posts: engine events (an analysed epoch's with its checkpoint, whose buffers
 *  are transferred, not copied), then exactly one `done`. */
export type WorkerMessage =
  | { type: 'event'; event: EngineEvent; checkpoint?: TrainingCheckpoint }
  | { type: 'data-frequency'; result: DataFrequency }
  | { type: 'done'; outcome: EngineOutcome };
