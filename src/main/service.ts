// The lab service: starts, queues, cancels and resumes runs (each in its own worker thread), writes
// what they report to the store as it arrives, and answers queries. Every door calls this.
import { EventEmitter } from 'node:events';
import os from 'node:os';
import type { LabApi, LabSweepApi, RunEventMessage, RunFilter, SweepRequest } from '../shared/api';
import { ConfigError, validateConfig, type ExperimentConfig, type ExperimentConfigInput } from '../shared/config';
import type { EngineEvent, EngineOutcome, GroupDetail, GroupRecord, RunDetail, RunRecord } from '../shared/results';
import { sweepConfigs, sweepValueText } from '../shared/sweep';
import { checkDataPaths, withAbsoluteDataPaths } from './engine/data/preflight';
import type { TrainingCheckpoint } from './engine/checkpoint';
import { startRunWorker, type RunningWorker } from './engine/run-worker';
import type { RunStore } from './store/runs';

export interface LabServiceOptions {
  /** Folder that relative data paths in configs are resolved against. */
  baseDir: string;
}

interface QueuedRun {
  runId: number;
  config: ExperimentConfig;
  /** Resumed: the worker starts from the run's stored checkpoint. */
  resume?: boolean;
}

/** Whether a process id on this host is alive (for runs left 'running' by a dead process). */
export function processAlive(pid: number, host: string): boolean {
  if (host !== os.hostname()) return true; // cannot tell for another machine: leave its runs alone
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class LabService implements LabApi, LabSweepApi {
  readonly events = new EventEmitter<{ run: [RunEventMessage] }>();
  private readonly queue: QueuedRun[] = [];
  private current: { runId: number; worker: RunningWorker } | null = null;
  private readonly finished = new Map<number, Promise<EngineOutcome>>();
  private readonly waiters = new Map<number, (o: EngineOutcome) => void>();
  /** Runs stopped because their results could not be written (disk full, read-only file). */
  private readonly storageErrors = new Map<number, string>();

  constructor(
    private readonly store: RunStore,
    private readonly options: LabServiceOptions,
  ) {
    // Runs that a previous process left running have lost their worker: mark them interrupted.
    store.markInterruptedRuns(processAlive);
  }

  async startRun(request: { config: ExperimentConfigInput; name?: string }): Promise<{ runId: number }> {
    // Data paths are stored absolute, and a missing folder or file is refused before a run is stored.
    const config = withAbsoluteDataPaths(validateConfig(request.config), this.options.baseDir);
    checkDataPaths(config);
    const runId = this.store.createRun(config, request.name ?? config.name);
    this.enqueue(runId, config);
    return { runId };
  }

  async startSweep(request: SweepRequest): Promise<{ groupId: number; runIds: number[] }> {
    const base = withAbsoluteDataPaths(validateConfig(request.config, 'sweep config'), this.options.baseDir);
    checkDataPaths(base);
    const swept = sweepConfigs(request.config, request.vary);
    const spec = swept.spec;
    const configs = swept.configs.map((c) => withAbsoluteDataPaths(c, this.options.baseDir));
    const baseName = request.name?.trim() || base.name.trim() || 'sweep';
    const { groupId, runIds } = this.store.createGroup(
      { name: baseName, varyPath: spec.path, values: spec.values, baseConfig: base },
      configs.map((config, i) => ({ config, name: `${baseName}: ${spec.path} = ${sweepValueText(spec.values[i])}` })),
    );
    runIds.forEach((runId, i) => this.enqueue(runId, configs[i]));
    return { groupId, runIds };
  }

  /**
   * Resumes an interrupted, failed or cancelled run from its checkpoint (the last analysed epoch
   * it stored): the results of later epochs are deleted and the run is queued again in one
   * transaction, and it starts, as the same run, when the queue reaches it. With the same
   * backend it then computes exactly the numbers the uninterrupted run would have.
   */
  async resumeRun({ runId }: { runId: number }): Promise<{ runId: number; fromEpoch: number }> {
    if (this.current?.runId === runId || this.queue.some((q) => q.runId === runId)) {
      throw new Error(`cannot resume run ${runId}: it is ${this.current?.runId === runId ? 'running' : 'queued'}`);
    }
    const record = this.store.getRecord(runId);
    if (!record) throw new Error(`run ${runId} does not exist`);
    // Runs stored before data paths were stored absolute resolve them as they did then.
    const config = withAbsoluteDataPaths(record.config, this.options.baseDir);
    const { epoch } = this.store.prepareResume(runId, () => {
      try {
        checkDataPaths(config);
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        throw new Error(`cannot resume run ${runId}: its data is missing: ${e.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
      }
    });
    this.enqueue(runId, config, true);
    return { runId, fromEpoch: epoch };
  }

  async listGroups(_request: Record<string, never> = {}): Promise<GroupRecord[]> {
    return this.store.listGroups();
  }

  async getGroup({ groupId }: { groupId: number }): Promise<GroupDetail> {
    const group = this.store.getGroup(groupId);
    if (!group) throw new Error(`group ${groupId} does not exist`);
    const runs = group.runIds.map((id) => this.store.getRun(id)).filter((r): r is RunDetail => r !== null);
    return { ...group, runs };
  }

  private enqueue(runId: number, config: ExperimentConfig, resume = false): void {
    this.finished.set(runId, new Promise((resolve) => this.waiters.set(runId, resolve)));
    this.queue.push({ runId, config, ...(resume ? { resume } : {}) });
    this.emit({ runId, kind: 'queued' });
    this.pump();
  }

  /** Resolves when the run has ended (completed, cancelled, diverged or failed). */
  whenFinished(runId: number): Promise<EngineOutcome> {
    const p = this.finished.get(runId);
    if (!p) throw new Error(`run ${runId} was not started by this service`);
    return p;
  }

  async cancelRun({ runId }: { runId: number }): Promise<void> {
    if (this.current?.runId === runId) {
      this.current.worker.cancel();
      return;
    }
    const i = this.queue.findIndex((q) => q.runId === runId);
    if (i >= 0) {
      this.queue.splice(i, 1);
      this.finish(runId, { status: 'cancelled', message: 'cancelled before it started' });
      return;
    }
    if (!this.store.getRun(runId)) throw new Error(`run ${runId} does not exist`);
    // a run that has already ended: nothing to cancel
  }

  /** Cancels the running run and every queued one; resolves when all are stored. */
  async shutdown(): Promise<void> {
    for (const q of this.queue.splice(0)) this.finish(q.runId, { status: 'cancelled', message: 'the app was closed before it started' });
    if (this.current) {
      const { runId, worker } = this.current;
      worker.cancel();
      await this.whenFinished(runId);
    }
  }

  async listRuns(filter: RunFilter): Promise<RunRecord[]> {
    return this.store.listRuns(filter);
  }

  async getRun({ runId }: { runId: number }): Promise<RunDetail> {
    const run = this.store.getRun(runId);
    if (!run) throw new Error(`run ${runId} does not exist`);
    return run;
  }

  async renameRun({ runId, name }: { runId: number; name: string }): Promise<void> {
    this.store.rename(runId, name);
  }

  async setRunTags({ runId, tags }: { runId: number; tags: string[] }): Promise<void> {
    this.store.setTags(runId, tags);
  }

  async setRunNotes({ runId, notes }: { runId: number; notes: string }): Promise<void> {
    this.store.setNotes(runId, notes);
  }

  async deleteRun({ runId }: { runId: number }): Promise<void> {
    if (this.current?.runId === runId || this.queue.some((q) => q.runId === runId)) {
      throw new Error(`run ${runId} is queued or running: cancel it before deleting it`);
    }
    this.store.deleteRun(runId);
  }

  private emit(message: RunEventMessage): void {
    this.events.emit('run', message);
  }

  /** Starts the next queued run when none is running. */
  private pump(): void {
    if (this.current) return;
    const next = this.queue.shift();
    if (!next) return;
    const { runId, config } = next;
    let checkpoint: TrainingCheckpoint | null = null;
    if (next.resume) {
      try {
        checkpoint = this.store.getCheckpoint(runId);
        if (!checkpoint) throw new Error('its checkpoint is gone');
      } catch (e) {
        this.finish(runId, { status: 'failed', message: `could not resume: ${(e as Error).message}` });
        this.pump();
        return;
      }
    }
    const worker = startRunWorker(config, this.options.baseDir, (event, cp) => this.onEngineEvent(runId, event, cp), checkpoint);
    this.current = { runId, worker };
    void worker.done.then((outcome) => {
      this.current = null;
      this.finish(runId, outcome);
      this.pump();
    });
  }

  private onEngineEvent(runId: number, event: EngineEvent, checkpoint?: TrainingCheckpoint): void {
    try {
      if (event.type === 'started') this.store.markStarted(runId, event.environment, process.pid);
      // The checkpoint is stored with its epoch's results, in the same transaction; it is not
      // part of the event, so it never reaches the listeners (windows, pages).
      if (event.type === 'epoch') this.store.saveEpoch(runId, event.metrics, event.frequencies, event.spectrum ?? null, checkpoint ?? null);
    } catch (e) {
      // Storage failed (disk full, read-only file): stop the run; what is stored stays intact
      // (each epoch is one transaction, so the failed one left nothing half-written).
      const message = `could not store the results of ${event.type === 'epoch' ? `epoch ${event.epoch}` : 'the run start'}: ${(e as Error).message}`;
      if (!this.storageErrors.has(runId)) this.storageErrors.set(runId, message);
      this.current?.worker.cancel();
      this.emit({ runId, kind: 'engine', event: { type: 'log', message } });
      return;
    }
    this.emit({ runId, kind: 'engine', event });
  }

  private finish(runId: number, outcome: EngineOutcome): void {
    const storageError = this.storageErrors.get(runId);
    if (storageError) {
      this.storageErrors.delete(runId);
      outcome = { status: 'failed', message: `${storageError}; the run was stopped and every epoch stored before is kept` };
    }
    try {
      this.store.finishRun(runId, outcome);
    } catch (e) {
      outcome = { status: 'failed', message: `${outcome.message}; and its end could not be stored: ${(e as Error).message}` };
    }
    this.emit({ runId, kind: 'finished', outcome });
    this.waiters.get(runId)?.(outcome);
    this.waiters.delete(runId);
  }
}
