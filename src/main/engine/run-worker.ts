// Main-thread side of the engine: starts a worker thread for a job, forwards its messages,
// cancels it, and turns a crash of the worker into a `failed` outcome.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { AnalysisConfig, DataConfig, ExperimentConfig } from '../../shared/config';
import type { EngineEvent, EngineOutcome } from '../../shared/results';
import type { TrainingCheckpoint } from './checkpoint';
import type { DataFrequency } from './data-frequency';
import type { WorkerInput, WorkerMessage } from './worker-protocol';

/** A job executing in its own worker thread. */
export interface RunningWorker {
  /** Resolves with the outcome; never rejects. */
  done: Promise<EngineOutcome>;
  /** Asks the job to stop after the current batch. */
  cancel(): void;
}

/** The worker script: the built `worker.js` beside this bundle or, from source (development,
 *  tests, the command line), a small bootstrap that loads `worker.ts` through tsx. */
function workerEntry(): { script: URL | string; eval: boolean } {
  const built = new URL('./worker.js', import.meta.url);
  if (existsSync(fileURLToPath(built))) return { script: built, eval: false };
  const source = new URL('./worker.ts', import.meta.url);
  const tsxPackage = createRequire(import.meta.url).resolve('tsx/package.json');
  const tsxApi = pathToFileURL(path.join(path.dirname(tsxPackage), 'dist/esm/api/index.mjs')).href;
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then(({ tsImport }) => tsImport(${JSON.stringify(fileURLToPath(source))}, ${JSON.stringify(source.href)}))`;
  return { script: bootstrap, eval: true };
}

type JobInput = WorkerInput extends infer T ? (T extends unknown ? Omit<T, 'cancelBuffer'> : never) : never;

function startWorker(job: JobInput, onMessage: (m: Exclude<WorkerMessage, { type: 'done' }>) => void): RunningWorker {
  const cancelBuffer = new SharedArrayBuffer(4);
  const entry = workerEntry();
  const worker = new Worker(entry.script, { eval: entry.eval, workerData: { ...job, cancelBuffer } satisfies WorkerInput });
  let outcome: EngineOutcome | null = null;
  const done = new Promise<EngineOutcome>((resolve) => {
    worker.on('message', (m: WorkerMessage) => {
      if (m.type !== 'done') return onMessage(m);
      outcome = m.outcome;
      void worker.terminate(); // the job is over; do not wait for the worker's event loop
    });
    worker.on('error', (e) => {
      outcome ??= { status: 'failed', message: `worker crashed: ${e.message.split('\n')[0]}` };
    });
    worker.on('exit', (code) => {
      resolve(outcome ?? { status: 'failed', message: `worker exited with code ${code} before the job ended` });
    });
  });
  return { done, cancel: () => Atomics.store(new Int32Array(cancelBuffer), 0, 1) };
}

/** Starts a training run in a new worker thread; `resume`: from this checkpoint of the run.
 *  An analysed epoch's event comes with the checkpoint taken at its end. */
export function startRunWorker(
  config: ExperimentConfig,
  baseDir: string,
  onEvent: (e: EngineEvent, checkpoint?: TrainingCheckpoint) => void,
  resume: TrainingCheckpoint | null = null,
): RunningWorker {
  return startWorker({ job: 'train', config, baseDir, resume }, (m) => {
    if (m.type === 'event') onEvent(m.event, m.checkpoint);
  });
}

/** Analyses a data set's own target in a worker thread. */
export async function analyseDataInWorker(
  job: { data: DataConfig; analysis: AnalysisConfig; seed: number; backend: ExperimentConfig['backend'] },
  baseDir: string,
): Promise<DataFrequency> {
  let result: DataFrequency | null = null;
  const w = startWorker({ job: 'analyse-data', ...job, baseDir }, (m) => {
    if (m.type === 'data-frequency') result = m.result;
  });
  const outcome = await w.done;
  if (!result || outcome.status !== 'completed') throw new Error(outcome.message);
  return result;
}
