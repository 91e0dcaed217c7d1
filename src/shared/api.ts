// The lab service contract: every call a door (Electron IPC, HTTP/WebSocket, command line) can
// make, with its request and result types, and the events the service pushes.
import type { ExperimentConfigInput } from './config';
import type { EngineEvent, EngineOutcome, RunDetail, RunRecord, RunStatus } from './results';

/** Filters for listing runs. */
export interface RunFilter {
  status?: RunStatus;
  /** Matched against name, tags and notes. */
  search?: string;
  limit?: number;
}

/** Something that happened to a run, pushed to every listener. */
export type RunEventMessage =
  | { runId: number; kind: 'queued' }
  | { runId: number; kind: 'engine'; event: EngineEvent }
  | { runId: number; kind: 'finished'; outcome: EngineOutcome };

/** The lab service, as every door exposes it. */
export interface LabApi {
  /** Validates the config, stores the run as queued and starts it when the queue reaches it. */
  startRun(request: { config: ExperimentConfigInput; name?: string }): Promise<{ runId: number }>;
  /** Stops a queued or running run; it is stored as cancelled with its finished epochs. */
  cancelRun(request: { runId: number }): Promise<void>;
  listRuns(request: RunFilter): Promise<RunRecord[]>;
  getRun(request: { runId: number }): Promise<RunDetail>;
  renameRun(request: { runId: number; name: string }): Promise<void>;
  setRunTags(request: { runId: number; tags: string[] }): Promise<void>;
  setRunNotes(request: { runId: number; notes: string }): Promise<void>;
  deleteRun(request: { runId: number }): Promise<void>;
}

export type LabMethod = keyof LabApi;
