// The lab service contract: every call a door (Electron IPC, HTTP/WebSocket, command line) can
// make, with its request and result types, and the events the service pushes.
import type { ExperimentConfigInput } from './config';
import type { EngineEvent, EngineOutcome, GroupDetail, GroupRecord, RunDetail, RunRecord, RunStatus } from './results';

/** Filters for listing runs. */
export interface RunFilter {
  status?: RunStatus;
  /** Matched against name, tags and notes. */
  search?: string;
  limit?: number;
  /** Only the runs of this sweep group. */
  groupId?: number;
}

/** Something that happened to a run, pushed to every listener. */
export type RunEventMessage =
  | { runId: number; kind: 'queued' }
  | { runId: number; kind: 'engine'; event: EngineEvent }
  | { runId: number; kind: 'finished'; outcome: EngineOutcome };

/** The lab service, as every door exposes it (sweeps included: see LabSweepApi). */
export interface LabApi extends LabSweepApi {
  /** Validates the config, stores the run as queued and starts it when the queue reaches it. */
  startRun(request: { config: ExperimentConfigInput; name?: string }): Promise<{ runId: number }>;
  /** Stops a queued or running run; it is stored as cancelled with its finished epochs. */
  cancelRun(request: { runId: number }): Promise<void>;
  /** Continues an interrupted, failed or cancelled run from its checkpoint (RunRecord
   *  checkpointEpoch): later epochs' results are deleted, the run is queued again and trains on
   *  as the same run. Fails, naming the run and the reason, for any other run. */
  resumeRun(request: { runId: number }): Promise<{ runId: number; fromEpoch: number }>;
  listRuns(request: RunFilter): Promise<RunRecord[]>;
  getRun(request: { runId: number }): Promise<RunDetail>;
  renameRun(request: { runId: number; name: string }): Promise<void>;
  setRunTags(request: { runId: number; tags: string[] }): Promise<void>;
  setRunNotes(request: { runId: number; notes: string }): Promise<void>;
  deleteRun(request: { runId: number }): Promise<void>;
}

export type LabMethod = keyof LabApi;

/** A file the page asks the desktop door to save: a plain file name to suggest in the native save
 *  dialog (no folders), and the content, as UTF-8 text (CSV, SVG) or base64 (PNG). */
export interface SaveFileRequest {
  fileName: string;
  data: string;
  encoding: 'utf8' | 'base64';
}

/** Where the file went: saved to the path the user chose, or not saved (the dialog was cancelled). */
export type SaveFileResult = { saved: true; path: string } | { saved: false; path: null };

/** Calls only a desktop door offers (Electron's native dialogs); not part of LabApi, so the
 *  HTTP/WebSocket door does not serve them and the page falls back to a browser download. */
export interface LabDesktopApi {
  /** Shows a native save dialog suggesting `fileName` and writes the content only to the chosen path. */
  saveFile(request: SaveFileRequest): Promise<SaveFileResult>;
}

/** A sweep: the config, the one setting that varies (dotted path, or "depth") and its values. */
export interface SweepRequest {
  config: ExperimentConfigInput;
  vary: { path: string; values: unknown[] };
  name?: string;
}

/**
 * Sweeps (groups of runs): part of LabApi, so every door serves them (bridge.ts labMethods,
 * ipc-validate.ts validators, the preload and the browser door's WebSocket client).
 */
export interface LabSweepApi {
  /** Validates one config per value, stores the group and its runs, and queues them in order. */
  startSweep(request: SweepRequest): Promise<{ groupId: number; runIds: number[] }>;
  /** Sweep groups, newest first. */
  listGroups(request: Record<string, never>): Promise<GroupRecord[]>;
  /** A group with all its runs and their results. */
  getGroup(request: { groupId: number }): Promise<GroupDetail>;
}
