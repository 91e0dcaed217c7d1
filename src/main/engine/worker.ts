// Worker-thread entry: chooses the backend, loads the data, then trains and analyses one run (or
// analyses a data set's own target), posting every event to the main thread. Nothing here
// touches the database or any window.
import { parentPort, workerData } from 'node:worker_threads';
import type { EngineOutcome } from '../../shared/results';
import { initBackend } from './backend';
import { analyseDataFrequency } from './data-frequency';
import { loadDataset } from './data/dataset';
import { describeEnvironment } from './environment';
import { injectedFault, triggerFault } from './faults';
import { trainAndAnalyse } from './train';
import type { WorkerInput, WorkerMessage } from './worker-protocol';

const input = workerData as WorkerInput;
const cancelFlag = new Int32Array(input.cancelBuffer);
const post = (message: WorkerMessage, transfer: ArrayBuffer[] = []) => parentPort!.postMessage(message, transfer);

async function run(): Promise<EngineOutcome> {
  if (input.job === 'analyse-data') {
    const active = await initBackend(input.backend);
    const result = await analyseDataFrequency(input.data, input.analysis, input.seed, input.baseDir, active);
    post({ type: 'data-frequency', result });
    return { status: 'completed', message: `analysed ${result.samples} samples in ${result.seconds.toFixed(1)} s` };
  }
  const { config } = input;
  const active = await initBackend(config.backend);
  const dataset = await loadDataset(config.data, config.seed, input.baseDir, (message) => post({ type: 'event', event: { type: 'log', message } }));
  post({
    type: 'event',
    event: { type: 'started', environment: describeEnvironment(active), analysisSamples: config.analysis.samples, trainSize: dataset.n },
  });
  const fault = injectedFault();
  return trainAndAnalyse(
    config,
    dataset,
    {
      emit: (event, checkpoint) => {
        if (checkpoint) {
          // The blobs are this worker's own copies: hand them over instead of cloning megabytes.
          post({ type: 'event', event, checkpoint }, [checkpoint.model.buffer as ArrayBuffer, checkpoint.optimiser.buffer as ArrayBuffer]);
        } else {
          post({ type: 'event', event });
        }
        if (event.type === 'epoch') triggerFault(fault, event.epoch);
      },
      cancelled: () => Atomics.load(cancelFlag, 0) === 1,
    },
    { resume: input.resume ?? null },
  );
}

run().then(
  (outcome) => post({ type: 'done', outcome }),
  (e: unknown) => post({ type: 'done', outcome: { status: 'failed', message: e instanceof Error ? e.message : String(e) } }),
);
