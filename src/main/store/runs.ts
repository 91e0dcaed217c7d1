// The runs of the lab in SQLite: create, follow through their lifecycle, save each epoch's
// results atomically (with the run's training checkpoint at analysed epochs), prepare a stopped
// run for resuming, list, read back, annotate and delete. Works on a database opened by
// `openDatabase` (schema of ./migrations).
import os from 'node:os';
import type Database from 'better-sqlite3';
import { validateConfig, type ExperimentConfigInput, type NormalisationConfig } from '../../shared/config';
import {
  runStatuses,
  type EngineOutcome,
  type EpochMetrics,
  type GroupRecord,
  type OutputSpectrum,
  type LayerFrequency,
  type RunDetail,
  type RunEnvironment,
  type RunRecord,
  type RunStatus,
} from '../../shared/results';
import { checkManifest, type TrainingCheckpoint } from '../engine/checkpoint';
import { StoreError } from './database';

/** Which runs `listRuns` returns. */
export interface RunFilter {
  /** Only runs in this status (or any of these statuses). */
  status?: RunStatus | readonly RunStatus[];
  /** Case-insensitive (ASCII) substring of the name, a tag or the notes. */
  search?: string;
  /** At most this many runs (the newest). */
  limit?: number;
  /** Only the runs of this sweep group. */
  groupId?: number;
}

/** Who this store writes as, and its clock; the defaults suit the app. */
export interface RunStoreOptions {
  /** Owner recorded on queued runs (default: this process). */
  ownerPid?: number;
  /** Host recorded with every owner pid (default: os.hostname()). */
  ownerHost?: string;
  /** Clock for the timestamps (default: the system clock). */
  now?: () => Date;
}

/** Tells whether the process that owns a run still lives. */
export type OwnerIsAlive = (pid: number, host: string) => boolean;

interface RunRow {
  id: number;
  name: string;
  status: string;
  config: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  environment: string | null;
  last_epoch: number | null;
  final_loss: number | null;
  final_loss_is_nan: number;
  message: string | null;
  tags: string;
  notes: string;
  group_id: number | null;
  epochs_to_threshold: number | null;
  checkpoint_epoch: number | null;
}

interface CheckpointRow {
  epoch: number;
  manifest: string;
  model: Buffer;
  optimiser: Buffer;
}

interface EpochRow {
  epoch: number;
  loss: number | null;
  accuracy: number | null;
  learning_rate: number;
  seconds: number;
  validation_loss: number | null;
  validation_accuracy: number | null;
}

interface SpectrumRow {
  epoch: number;
  target_amplitude: Buffer;
  output_amplitude: Buffer;
  peaks: Buffer;
  peak_errors: Buffer;
}

interface GroupRow {
  id: number;
  name: string;
  created_at: string;
  vary_path: string;
  vary_values: string;
  base_config: string;
  run_ids: string;
}

interface FrequencyRow {
  epoch: number;
  layer: number;
  configured_layer: number;
  normalisation: string;
  scale: number | null;
  k: Buffer;
  lfr: Buffer;
  rdf_k: Buffer;
  rdf: Buffer;
  peak_k: number | null;
}

interface ActiveRunRow {
  id: number;
  status: 'queued' | 'running';
  owner_pid: number | null;
  owner_host: string | null;
  last_epoch: number | null;
  max_epochs: number | null;
}

// SQLite stores NaN as NULL: a final_loss of NULL after metrics were saved means NaN.
const runColumns = `
  id, name, status, config, created_at, started_at, finished_at, environment, last_epoch, final_loss,
  (final_loss IS NULL AND EXISTS (SELECT 1 FROM epochs WHERE epochs.run_id = runs.id)) AS final_loss_is_nan,
  message, tags, notes, group_id, epochs_to_threshold,
  (SELECT epoch FROM checkpoints WHERE checkpoints.run_id = runs.id) AS checkpoint_epoch`;

/** The statuses a run can be resumed from (when it has a checkpoint). */
export const resumableStatuses: readonly RunStatus[] = ['interrupted', 'failed', 'cancelled'];

const sql = {
  insertRun: `INSERT INTO runs (name, status, config, created_at, owner_pid, owner_host, group_id)
              VALUES (@name, 'queued', @config, @createdAt, @ownerPid, @ownerHost, @groupId)`,
  insertGroup: `INSERT INTO groups (name, created_at, vary_path, vary_values, base_config)
                VALUES (@name, @createdAt, @varyPath, @varyValues, @baseConfig)`,
  groupColumns: `SELECT g.id, g.name, g.created_at, g.vary_path, g.vary_values, g.base_config,
                        (SELECT json_group_array(id) FROM (SELECT id FROM runs WHERE group_id = g.id ORDER BY id)) AS run_ids
                 FROM groups g WHERE (@id IS NULL OR g.id = @id) ORDER BY g.created_at DESC, g.id DESC`,
  insertSpectrum: `INSERT INTO spectra (run_id, epoch, target_amplitude, output_amplitude, peaks, peak_errors)
                   VALUES (@id, @epoch, @targetAmplitude, @outputAmplitude, @peaks, @peakErrors)`,
  spectra: `SELECT epoch, target_amplitude, output_amplitude, peaks, peak_errors FROM spectra WHERE run_id = ? ORDER BY epoch`,
  setName: `UPDATE runs SET name = @name WHERE id = @id`,
  // A resumed run keeps the time it first started.
  start: `UPDATE runs SET status = 'running', started_at = COALESCE(started_at, @now), environment = @environment,
                          owner_pid = @ownerPid, owner_host = @ownerHost
          WHERE id = @id AND status = 'queued'`,
  // SET expressions see the old row: final_loss follows the newest epoch that has metrics.
  // epochs_to_threshold: the first epoch whose loss is below training.threshold (or, when that is
  // absent or null, training.stop.lossBelow). A NaN loss binds as NULL and never counts.
  advance: `UPDATE runs SET
              epochs_to_threshold = CASE
                WHEN epochs_to_threshold IS NULL AND @hasMetrics
                     AND @loss < COALESCE(json_extract(config, '$.training.threshold'), json_extract(config, '$.training.stop.lossBelow'))
                THEN @epoch ELSE epochs_to_threshold END,
              final_loss = CASE WHEN @hasMetrics AND @epoch >= COALESCE(last_epoch, -1) THEN @loss ELSE final_loss END,
              last_epoch = MAX(COALESCE(last_epoch, -1), @epoch)
            WHERE id = @id AND status = 'running'`,
  insertEpoch: `INSERT INTO epochs (run_id, epoch, loss, accuracy, learning_rate, seconds, validation_loss, validation_accuracy)
                VALUES (@id, @epoch, @loss, @accuracy, @learningRate, @seconds, @validationLoss, @validationAccuracy)`,
  insertFrequency: `INSERT INTO frequencies (run_id, epoch, layer, configured_layer, normalisation, scale, k, lfr, rdf_k, rdf, peak_k)
                    VALUES (@id, @epoch, @layer, @configuredLayer, @normalisation, @scale, @k, @lfr, @rdfK, @rdf, @peakK)`,
  finish: `UPDATE runs SET status = @status, message = @message, finished_at = @now
           WHERE id = @id AND status IN ('queued', 'running')`,
  upsertCheckpoint: `INSERT INTO checkpoints (run_id, epoch, created_at, manifest, model, optimiser)
                     VALUES (@id, @epoch, @createdAt, @manifest, @model, @optimiser)
                     ON CONFLICT (run_id) DO UPDATE SET epoch = excluded.epoch, created_at = excluded.created_at,
                       manifest = excluded.manifest, model = excluded.model, optimiser = excluded.optimiser`,
  checkpoint: `SELECT epoch, manifest, model, optimiser FROM checkpoints WHERE run_id = ?`,
  checkpointEpoch: `SELECT epoch FROM checkpoints WHERE run_id = ?`,
  deleteCheckpoint: `DELETE FROM checkpoints WHERE run_id = ?`,
  // Resuming: the results after the checkpoint's epoch go; the run is queued again, owned by
  // this process, its progress as it was at the checkpoint.
  deleteEpochsAfter: `DELETE FROM epochs WHERE run_id = @id AND epoch > @epoch`,
  deleteFrequenciesAfter: `DELETE FROM frequencies WHERE run_id = @id AND epoch > @epoch`,
  deleteSpectraAfter: `DELETE FROM spectra WHERE run_id = @id AND epoch > @epoch`,
  requeue: `UPDATE runs SET status = 'queued', message = NULL, finished_at = NULL,
              owner_pid = @ownerPid, owner_host = @ownerHost,
              last_epoch = @epoch,
              final_loss = (SELECT loss FROM epochs WHERE run_id = @id AND epoch = @epoch),
              epochs_to_threshold = CASE WHEN epochs_to_threshold > @epoch THEN NULL ELSE epochs_to_threshold END
            WHERE id = @id AND status IN ('interrupted', 'failed', 'cancelled')`,
  activeRuns: `SELECT id, status, owner_pid, owner_host, last_epoch,
                      json_extract(config, '$.training.stop.maxEpochs') AS max_epochs
               FROM runs WHERE status IN ('queued', 'running') ORDER BY id`,
  interrupt: `UPDATE runs SET status = 'interrupted', message = @message WHERE id = @id AND status = @status`,
  list: `SELECT ${runColumns} FROM runs
         WHERE (@statuses IS NULL OR status IN (SELECT value FROM json_each(@statuses)))
           AND (@groupId IS NULL OR group_id = @groupId)
           AND (@pattern IS NULL
                OR name LIKE @pattern ESCAPE '\\'
                OR notes LIKE @pattern ESCAPE '\\'
                OR EXISTS (SELECT 1 FROM json_each(runs.tags) WHERE value LIKE @pattern ESCAPE '\\'))
         ORDER BY created_at DESC, id DESC
         LIMIT @limit`,
  get: `SELECT ${runColumns} FROM runs WHERE id = ?`,
  metrics: `SELECT epoch, loss, accuracy, learning_rate, seconds, validation_loss, validation_accuracy FROM epochs WHERE run_id = ? ORDER BY epoch`,
  frequencies: `SELECT epoch, layer, configured_layer, normalisation, scale, k, lfr, rdf_k, rdf, peak_k
                FROM frequencies WHERE run_id = ? ORDER BY epoch, layer`,
  status: `SELECT status FROM runs WHERE id = ?`,
  rename: `UPDATE runs SET name = ? WHERE id = ?`,
  setTags: `UPDATE runs SET tags = ? WHERE id = ?`,
  setNotes: `UPDATE runs SET notes = ? WHERE id = ?`,
  delete: `DELETE FROM runs WHERE id = ? AND status NOT IN ('queued', 'running')`,
} as const;

type Statements = { [K in keyof typeof sql]: Database.Statement };

/** A sweep group to store: its name, the setting that varies and its values, the shared config. */
export interface NewGroup {
  name: string;
  varyPath: string;
  values: readonly unknown[];
  baseConfig: ExperimentConfigInput;
}

/** The lab's runs and their results, stored in an open run database. */
export class RunStore {
  private readonly statements: Statements;
  private readonly ownerPid: number;
  private readonly ownerHost: string;
  private readonly now: () => Date;
  private readonly createTx: (config: string, name: string, groupId: number | null) => number;
  private readonly createGroupTx: (group: NewGroup, runs: readonly { config: string; name: string }[]) => { groupId: number; runIds: number[] };
  private readonly saveEpochTx: (
    id: number,
    epoch: number,
    metrics: EpochMetrics | null,
    frequencies: readonly LayerFrequency[],
    spectrum: OutputSpectrum | null,
    checkpoint: TrainingCheckpoint | null,
  ) => void;
  private readonly finishTx: (id: number, outcome: EngineOutcome) => number;
  private readonly resumeTx: (id: number, check: (() => void) | undefined) => { epoch: number; deletedEpochs: number };
  private readonly interruptTx: (isAlive: OwnerIsAlive) => number[];
  private readonly readRunTx: (id: number) => RunDetail | null;

  constructor(db: Database.Database, options: RunStoreOptions = {}) {
    this.ownerPid = options.ownerPid ?? process.pid;
    this.ownerHost = options.ownerHost ?? os.hostname();
    this.now = options.now ?? (() => new Date());
    this.statements = Object.fromEntries(
      Object.entries(sql).map(([key, text]) => [key, db.prepare(text)]),
    ) as Statements;
    this.createTx = db.transaction((config: string, name: string, groupId: number | null) => this.insertRun(config, name, groupId));
    this.createGroupTx = db.transaction((group: NewGroup, runs: readonly { config: string; name: string }[]) => {
      const { lastInsertRowid } = this.statements.insertGroup.run({
        name: group.name,
        createdAt: this.timestamp(),
        varyPath: group.varyPath,
        varyValues: JSON.stringify(group.values),
        baseConfig: JSON.stringify(group.baseConfig),
      });
      const groupId = Number(lastInsertRowid);
      return { groupId, runIds: runs.map((r) => this.insertRun(r.config, r.name, groupId)) };
    });
    this.saveEpochTx = db.transaction(
      (id: number, epoch: number, metrics: EpochMetrics | null, frequencies: readonly LayerFrequency[], spectrum: OutputSpectrum | null, checkpoint: TrainingCheckpoint | null) => {
        this.writeEpoch(id, epoch, metrics, frequencies, spectrum);
        if (checkpoint) this.writeCheckpoint(id, checkpoint);
      },
    );
    this.finishTx = db.transaction((id: number, outcome: EngineOutcome) => {
      const { changes } = this.statements.finish.run({ id, status: outcome.status, message: outcome.message || null, now: this.timestamp() });
      // A completed or diverged run is never resumed: its checkpoint would only take room.
      if (changes > 0 && (outcome.status === 'completed' || outcome.status === 'diverged')) this.statements.deleteCheckpoint.run(id);
      return changes;
    });
    this.resumeTx = db.transaction((id: number, check: (() => void) | undefined) => this.requeueFromCheckpoint(id, check)).immediate;
    this.interruptTx = db.transaction((isAlive: OwnerIsAlive) => this.interruptOrphans(isAlive)).immediate;
    // One read transaction: the run and its results come from the same snapshot.
    this.readRunTx = db.transaction((id: number) => this.readRun(id));
  }

  /** Stores a new run of `config` (validated, defaults filled) as 'queued' and returns its id. */
  createRun(config: ExperimentConfigInput, name?: string): number {
    const valid = validateConfig(config, 'run config');
    return this.createTx(JSON.stringify(valid), name?.trim() || valid.name.trim(), null);
  }

  /**
   * Stores a sweep: the group and one queued run per config, in one transaction, in the order
   * given (which is the order of `group.values`). Returns the group's id and the runs' ids.
   */
  createGroup(group: NewGroup, runs: readonly { config: ExperimentConfigInput; name?: string }[]): { groupId: number; runIds: number[] } {
    if (runs.length === 0) throw new StoreError('a group needs at least one run');
    const valid = runs.map((r, i) => {
      const config = validateConfig(r.config, `config of run ${i + 1} of the group`);
      return { config: JSON.stringify(config), name: r.name?.trim() || config.name.trim() };
    });
    return this.createGroupTx({ ...group, baseConfig: validateConfig(group.baseConfig, 'base config of the group') }, valid);
  }

  /** Sweep groups, newest first, with their runs' ids. */
  listGroups(): GroupRecord[] {
    return (this.statements.groupColumns.all({ id: null }) as GroupRow[]).map(toGroupRecord);
  }

  /** One sweep group, or null if there is none with that id. */
  getGroup(id: number): GroupRecord | null {
    const row = this.statements.groupColumns.get({ id }) as GroupRow | undefined;
    return row ? toGroupRecord(row) : null;
  }

  /** Marks a queued run 'running', owned by process `ownerPid` on this host. */
  markStarted(id: number, environment: RunEnvironment, ownerPid: number): void {
    const { changes } = this.statements.start.run({
      id,
      now: this.timestamp(),
      environment: JSON.stringify(environment),
      ownerPid,
      ownerHost: this.ownerHost,
    });
    if (changes === 0) throw this.cannot(id, 'start', ['queued']);
  }

  /**
   * Saves one epoch of a running run in one transaction: its metrics (if any), its frequency
   * curves, the run's progress and, when given (analysed epochs), the training checkpoint taken
   * at the epoch's end, which replaces the run's previous one.
   */
  saveEpoch(
    id: number,
    metrics: EpochMetrics | null,
    frequencies: readonly LayerFrequency[],
    spectrum: OutputSpectrum | null = null,
    checkpoint: TrainingCheckpoint | null = null,
  ): void {
    const epoch = metrics?.epoch ?? frequencies[0]?.epoch ?? spectrum?.epoch;
    if (epoch === undefined) throw new StoreError(`run ${id}: an epoch needs metrics, frequencies or a spectrum to save`);
    if (!Number.isInteger(epoch) || epoch < 0) throw new StoreError(`run ${id}: epoch ${epoch} is not a whole number >= 0`);
    for (const f of frequencies) {
      if (f.epoch !== epoch) {
        throw new StoreError(`run ${id}: layer ${f.layer}'s frequencies are for epoch ${f.epoch}, not epoch ${epoch}`);
      }
      if (f.k.length !== f.lfr.length || f.rdfK.length !== f.rdf.length) {
        throw new StoreError(
          `run ${id}: layer ${f.layer} at epoch ${epoch} has ${f.k.length} k for ${f.lfr.length} LFR values ` +
            `and ${f.rdfK.length} RDF k for ${f.rdf.length} RDF values`,
        );
      }
    }
    if (spectrum) {
      if (spectrum.epoch !== epoch) throw new StoreError(`run ${id}: the spectrum is for epoch ${spectrum.epoch}, not epoch ${epoch}`);
      if (spectrum.targetAmplitude.length !== spectrum.outputAmplitude.length || spectrum.peaks.length !== spectrum.peakErrors.length) {
        throw new StoreError(`run ${id}: the spectrum at epoch ${epoch} has arrays of mismatched lengths`);
      }
    }
    if (checkpoint && checkpoint.manifest.epoch !== epoch) {
      throw new StoreError(`run ${id}: the checkpoint is of epoch ${checkpoint.manifest.epoch}, not epoch ${epoch}`);
    }
    this.saveEpochTx(id, epoch, metrics, frequencies, spectrum, checkpoint);
  }

  /** The run's training checkpoint (its latest), or null when it has none. */
  getCheckpoint(id: number): TrainingCheckpoint | null {
    const row = this.statements.checkpoint.get(id) as CheckpointRow | undefined;
    if (!row) return null;
    let manifest;
    try {
      manifest = checkManifest(JSON.parse(row.manifest), `the checkpoint of run ${id}`);
    } catch (e) {
      throw new StoreError(e instanceof SyntaxError ? `the checkpoint of run ${id}: its manifest is not JSON` : (e as Error).message, { cause: e });
    }
    if (manifest.epoch !== row.epoch) throw new StoreError(`the checkpoint of run ${id}: its manifest is of epoch ${manifest.epoch}, the row of epoch ${row.epoch}`);
    return { manifest, model: row.model, optimiser: row.optimiser };
  }

  /**
   * Prepares a stopped run for resuming from its checkpoint, in one transaction: it must be
   * interrupted, failed or cancelled and have a checkpoint; every result stored for an epoch
   * after the checkpoint's is deleted; the run becomes queued again (owned by this process), with
   * its progress (last epoch, final loss, epochs to threshold) as it was at the checkpoint.
   * `check`, when given, runs once the run is known to be resumable and before anything changes
   * (e.g. that its data is still there); what it throws leaves the run as it was.
   * Returns the checkpoint's epoch and how many epochs' metrics were deleted.
   */
  prepareResume(id: number, check?: () => void): { epoch: number; deletedEpochs: number } {
    return this.resumeTx(id, check);
  }

  /** Records how a queued or running run ended: status, message and finish time. */
  finishRun(id: number, outcome: EngineOutcome): void {
    const finalStatuses: readonly RunStatus[] = ['completed', 'cancelled', 'diverged', 'failed'];
    if (!finalStatuses.includes(outcome.status)) {
      throw new StoreError(`run ${id}: "${String(outcome.status)}" is not a way a run ends`);
    }
    if (this.finishTx(id, outcome) === 0) throw this.cannot(id, 'finish', ['queued', 'running']);
  }

  /**
   * Marks 'interrupted' every running or queued run whose owner process is gone (or unknown),
   * and returns their ids. A queued run with a dead owner will never start: the queue lived in
   * that process. finishedAt stays null: when the owner stopped is not known.
   */
  markInterruptedRuns(isAlive: OwnerIsAlive): number[] {
    return this.interruptTx(isAlive);
  }

  /** Runs without their results, newest first. */
  listRuns(filter: RunFilter = {}): RunRecord[] {
    const statuses = filter.status === undefined ? null : typeof filter.status === 'string' ? [filter.status] : filter.status;
    for (const s of statuses ?? []) {
      if (!runStatuses.includes(s)) throw new StoreError(`unknown run status "${String(s)}"`);
    }
    const limit = filter.limit ?? -1;
    if (filter.limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
      throw new StoreError(`the run list limit must be a whole number >= 1, not ${filter.limit}`);
    }
    const search = filter.search?.trim();
    const rows = this.statements.list.all({
      statuses: statuses === null ? null : JSON.stringify(statuses),
      pattern: search ? `%${escapeLike(search)}%` : null,
      limit,
      groupId: filter.groupId ?? null,
    }) as RunRow[];
    return rows.map(toRunRecord);
  }

  /** A run without its results (cheap whatever its size); null if there is none. */
  getRecord(id: number): RunRecord | null {
    const row = this.statements.get.get(id) as RunRow | undefined;
    return row ? toRunRecord(row) : null;
  }

  /** A run with its metrics (by epoch) and frequency curves (by epoch, then layer); null if there is none. */
  getRun(id: number): RunDetail | null {
    return this.readRunTx(id);
  }

  /** Renames a run (surrounding blanks are dropped; the name must not be empty). */
  rename(id: number, name: string): void {
    const trimmed = name.trim();
    if (!trimmed) throw new StoreError(`run ${id}: a name must not be empty`);
    this.requireChange(id, this.statements.rename.run(trimmed, id).changes);
  }

  /** Replaces a run's tags (trimmed, blanks and repeats dropped, order kept). */
  setTags(id: number, tags: readonly string[]): void {
    const clean = [...new Set(tags.map((t) => t.trim()).filter((t) => t.length > 0))];
    this.requireChange(id, this.statements.setTags.run(JSON.stringify(clean), id).changes);
  }

  /** Replaces a run's notes. */
  setNotes(id: number, notes: string): void {
    this.requireChange(id, this.statements.setNotes.run(notes, id).changes);
  }

  /** Deletes a run that is not queued or running, with all its results. */
  deleteRun(id: number): void {
    const { changes } = this.statements.delete.run(id);
    if (changes === 0) throw this.cannot(id, 'delete', ['completed', 'cancelled', 'failed', 'interrupted', 'diverged']);
  }

  private insertRun(config: string, name: string, groupId: number | null): number {
    const { lastInsertRowid } = this.statements.insertRun.run({
      name,
      config,
      createdAt: this.timestamp(),
      ownerPid: this.ownerPid,
      ownerHost: this.ownerHost,
      groupId,
    });
    const id = Number(lastInsertRowid);
    if (!name) this.statements.setName.run({ id, name: `Run ${id}` });
    return id;
  }

  private writeEpoch(
    id: number,
    epoch: number,
    metrics: EpochMetrics | null,
    frequencies: readonly LayerFrequency[],
    spectrum: OutputSpectrum | null,
  ): void {
    const { changes } = this.statements.advance.run({
      id,
      epoch,
      hasMetrics: metrics ? 1 : 0,
      loss: metrics?.loss ?? null,
    });
    if (changes === 0) throw this.cannot(id, `save epoch ${epoch} of`, ['running']);
    if (metrics) {
      insertOnce(() => this.statements.insertEpoch.run({
        id,
        epoch,
        loss: metrics.loss,
        accuracy: metrics.accuracy,
        learningRate: metrics.learningRate,
        seconds: metrics.seconds,
        validationLoss: metrics.validationLoss ?? null,
        validationAccuracy: metrics.validationAccuracy ?? null,
      }), `run ${id} already has metrics for epoch ${epoch}`);
    }
    if (spectrum) {
      insertOnce(() => this.statements.insertSpectrum.run({
        id,
        epoch,
        targetAmplitude: floatsToBlob(spectrum.targetAmplitude),
        outputAmplitude: floatsToBlob(spectrum.outputAmplitude),
        peaks: floatsToBlob(spectrum.peaks),
        peakErrors: floatsToBlob(spectrum.peakErrors),
      }), `run ${id} already has a spectrum at epoch ${epoch}`);
    }
    for (const f of frequencies) {
      insertOnce(() => this.statements.insertFrequency.run({
        id,
        epoch,
        layer: f.layer,
        configuredLayer: f.configuredLayer,
        normalisation: JSON.stringify(f.normalisation),
        scale: f.scale,
        k: floatsToBlob(f.k),
        lfr: floatsToBlob(f.lfr),
        rdfK: floatsToBlob(f.rdfK),
        rdf: floatsToBlob(f.rdf),
        peakK: f.peakK,
      }), `run ${id} already has frequencies for layer ${f.layer} at epoch ${epoch}`);
    }
  }

  private writeCheckpoint(id: number, checkpoint: TrainingCheckpoint): void {
    this.statements.upsertCheckpoint.run({
      id,
      epoch: checkpoint.manifest.epoch,
      createdAt: this.timestamp(),
      manifest: JSON.stringify(checkpoint.manifest),
      model: asBuffer(checkpoint.model),
      optimiser: asBuffer(checkpoint.optimiser),
    });
  }

  private requeueFromCheckpoint(id: number, check: (() => void) | undefined): { epoch: number; deletedEpochs: number } {
    const row = this.statements.status.get(id) as { status: string } | undefined;
    if (!row) throw new StoreError(`run ${id} does not exist`);
    if (!(resumableStatuses as readonly string[]).includes(row.status)) {
      const why = row.status === 'completed' ? 'it has completed' : row.status === 'diverged' ? 'it diverged' : `it is ${row.status}`;
      throw new StoreError(`cannot resume run ${id}: ${why} (only an interrupted, failed or cancelled run can be resumed)`);
    }
    const checkpoint = this.statements.checkpointEpoch.get(id) as { epoch: number } | undefined;
    if (!checkpoint) {
      throw new StoreError(
        `cannot resume run ${id}: it has no checkpoint (one is saved at each analysed epoch, and the run stopped before its first, ` +
          'or was stored by a version of the app without checkpoints)',
      );
    }
    check?.();
    const bounds = { id, epoch: checkpoint.epoch };
    const deletedEpochs = this.statements.deleteEpochsAfter.run(bounds).changes;
    this.statements.deleteFrequenciesAfter.run(bounds);
    this.statements.deleteSpectraAfter.run(bounds);
    this.statements.requeue.run({ ...bounds, ownerPid: this.ownerPid, ownerHost: this.ownerHost });
    return { epoch: checkpoint.epoch, deletedEpochs };
  }

  private readRun(id: number): RunDetail | null {
    const row = this.statements.get.get(id) as RunRow | undefined;
    if (!row) return null;
    const metrics = (this.statements.metrics.all(id) as EpochRow[]).map(toEpochMetrics);
    const frequencies = (this.statements.frequencies.all(id) as FrequencyRow[]).map(toLayerFrequency);
    const spectra = (this.statements.spectra.all(id) as SpectrumRow[]).map(toSpectrum);
    return { ...toRunRecord(row), metrics, frequencies, ...(spectra.length ? { spectra } : {}) };
  }

  private interruptOrphans(isAlive: OwnerIsAlive): number[] {
    const interrupted: number[] = [];
    for (const run of this.statements.activeRuns.all() as ActiveRunRow[]) {
      const alive = run.owner_pid !== null && run.owner_host !== null && isAlive(run.owner_pid, run.owner_host);
      if (alive) continue;
      this.statements.interrupt.run({ id: run.id, status: run.status, message: interruptionMessage(run) });
      interrupted.push(run.id);
    }
    return interrupted;
  }

  private requireChange(id: number, changes: number): void {
    if (changes === 0) throw new StoreError(`run ${id} does not exist`);
  }

  /** The error for an action the run's current status does not allow (or a missing run). */
  private cannot(id: number, action: string, allowed: readonly RunStatus[]): StoreError {
    const row = this.statements.status.get(id) as { status: string } | undefined;
    if (!row) return new StoreError(`run ${id} does not exist`);
    return new StoreError(`cannot ${action} run ${id}: it is ${row.status} (needs ${allowed.join(' or ')})`);
  }

  private timestamp(): string {
    return this.now().toISOString();
  }
}

/** The bytes of a Uint8Array as a Buffer, without copying. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Float64 values as a little-endian BLOB, 8 bytes each. */
function floatsToBlob(values: ArrayLike<number>): Buffer {
  const blob = Buffer.allocUnsafe(values.length * 8);
  for (let i = 0; i < values.length; i++) blob.writeDoubleLE(values[i], i * 8);
  return blob;
}

/** The float64 values of a little-endian BLOB. */
function blobToFloats(blob: Buffer): number[] {
  if (blob.length % 8 !== 0) throw new StoreError(`a float array BLOB of ${blob.length} bytes is not a whole number of float64 values`);
  const values = new Array<number>(blob.length / 8);
  for (let i = 0; i < values.length; i++) values[i] = blob.readDoubleLE(i * 8);
  return values;
}

function insertOnce(insert: () => unknown, duplicateMessage: string): void {
  try {
    insert();
  } catch (err) {
    if ((err as { code?: unknown }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
      throw new StoreError(duplicateMessage, { cause: err });
    }
    throw err;
  }
}

function interruptionMessage(run: ActiveRunRow): string {
  if (run.status === 'queued' && run.last_epoch !== null) {
    return `the app stopped before the resumed run restarted; results up to epoch ${run.last_epoch} are kept`;
  }
  if (run.status === 'queued') return 'the app stopped before the run started';
  if (run.last_epoch === null) return 'the app stopped before the first epoch was saved';
  if (run.max_epochs !== null && run.last_epoch >= run.max_epochs) {
    return `the app stopped after the last epoch (${run.last_epoch}) was saved, before the run was finished`;
  }
  return `the app stopped during epoch ${run.last_epoch + 1}; results up to epoch ${run.last_epoch} are kept`;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function toRunRecord(row: RunRow): RunRecord {
  if (!(runStatuses as readonly string[]).includes(row.status)) {
    throw new StoreError(`run ${row.id} has an unknown status "${row.status}"`);
  }
  return {
    id: row.id,
    name: row.name,
    status: row.status as RunStatus,
    config: validateConfig(JSON.parse(row.config), `stored config of run ${row.id}`),
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    environment: row.environment === null ? null : (JSON.parse(row.environment) as RunEnvironment),
    lastEpoch: row.last_epoch,
    finalLoss: row.final_loss_is_nan ? NaN : row.final_loss,
    message: row.message,
    tags: JSON.parse(row.tags) as string[],
    notes: row.notes,
    // Only when set, so that records of plain runs look as they always did.
    ...(row.group_id !== null ? { groupId: row.group_id } : {}),
    ...(row.epochs_to_threshold !== null ? { epochsToThreshold: row.epochs_to_threshold } : {}),
    ...(row.checkpoint_epoch !== null ? { checkpointEpoch: row.checkpoint_epoch } : {}),
  };
}

function toGroupRecord(row: GroupRow): GroupRecord {
  return {
    id: row.id,
    name: row.name,
    createdAt: row.created_at,
    varyPath: row.vary_path,
    values: JSON.parse(row.vary_values) as unknown[],
    baseConfig: validateConfig(JSON.parse(row.base_config), `stored base config of group ${row.id}`),
    runIds: JSON.parse(row.run_ids) as number[],
  };
}

function toSpectrum(row: SpectrumRow): OutputSpectrum {
  return {
    epoch: row.epoch,
    targetAmplitude: blobToFloats(row.target_amplitude),
    outputAmplitude: blobToFloats(row.output_amplitude),
    peaks: blobToFloats(row.peaks),
    peakErrors: blobToFloats(row.peak_errors),
  };
}

function toEpochMetrics(row: EpochRow): EpochMetrics {
  return {
    epoch: row.epoch,
    loss: row.loss ?? NaN,
    accuracy: row.accuracy,
    learningRate: row.learning_rate,
    seconds: row.seconds,
    ...(row.validation_loss !== null ? { validationLoss: row.validation_loss } : {}),
    ...(row.validation_accuracy !== null ? { validationAccuracy: row.validation_accuracy } : {}),
  };
}

function toLayerFrequency(row: FrequencyRow): LayerFrequency {
  return {
    epoch: row.epoch,
    layer: row.layer,
    configuredLayer: row.configured_layer,
    normalisation: JSON.parse(row.normalisation) as NormalisationConfig,
    scale: row.scale ?? NaN,
    k: blobToFloats(row.k),
    lfr: blobToFloats(row.lfr),
    rdfK: blobToFloats(row.rdf_k),
    rdf: blobToFloats(row.rdf),
    peakK: row.peak_k ?? NaN,
  };
}
