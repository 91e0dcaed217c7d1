// Progress of runs as their events arrive: the last batch, the last finished epoch and its
// metrics, the backend, how the run ended; and the numbers the live screen shows (elapsed time,
// ETA, the queue). Pure functions of events, records and a clock.
import type { RunEventMessage } from '../../shared/api';
import type { EpochMetrics, RunRecord, RunStatus } from '../../shared/results';

/** What the events of one run have said so far. */
export interface RunProgress {
  runId: number;
  /** Set by 'queued', 'started' ('running') and 'finished' (the outcome). */
  status: RunStatus | null;
  backend: string | null;
  backendDetail: string | null;
  /** Local clock (ms) when 'started' arrived. */
  startedAtMs: number | null;
  /** The last finished epoch (0: the initial analysis). */
  epoch: number | null;
  /** The last batch progress report. */
  batch: { epoch: number; batch: number; batches: number } | null;
  /** Metrics of the last finished training epoch. */
  metrics: EpochMetrics | null;
  trainSize: number | null;
  message: string | null;
  /** The last few log lines (newest last). */
  log: string[];
}

export function emptyProgress(runId: number): RunProgress {
  return { runId, status: null, backend: null, backendDetail: null, startedAtMs: null, epoch: null, batch: null, metrics: null, trainSize: null, message: null, log: [] };
}

/** The progress map after one event (a new map; the old one is not changed). */
export function applyRunEvent(map: ReadonlyMap<number, RunProgress>, message: RunEventMessage, nowMs: number): Map<number, RunProgress> {
  const next = new Map(map);
  const p: RunProgress = { ...(map.get(message.runId) ?? emptyProgress(message.runId)) };
  if (message.kind === 'queued') p.status = 'queued';
  else if (message.kind === 'finished') {
    p.status = message.outcome.status;
    p.message = message.outcome.message || null;
    p.batch = null;
  } else {
    const e = message.event;
    switch (e.type) {
      case 'started':
        p.status = 'running';
        p.backend = e.environment.backend;
        p.backendDetail = e.environment.backendDetail;
        p.startedAtMs = nowMs;
        p.trainSize = e.trainSize;
        break;
      case 'batch':
        p.status = 'running';
        p.batch = { epoch: e.epoch, batch: e.batch, batches: e.batches };
        break;
      case 'epoch':
        p.epoch = e.epoch;
        if (e.metrics) p.metrics = e.metrics;
        if (p.batch && p.batch.epoch <= e.epoch) p.batch = null;
        break;
      case 'log':
        p.log = [...p.log, e.message].slice(-5);
        break;
    }
  }
  next.set(message.runId, p);
  return next;
}

/** The status to show: the latest of the event stream and the stored record. */
export function liveStatus(record: Pick<RunRecord, 'status'> | null, progress: RunProgress | null): RunStatus | null {
  const ended = (s: RunStatus | null | undefined) => !!s && s !== 'queued' && s !== 'running';
  if (ended(progress?.status)) return progress!.status;
  if (ended(record?.status)) return record!.status;
  return progress?.status ?? record?.status ?? null;
}

/** Seconds since the run started (its stored start, else when 'started' arrived), or null. */
export function elapsedSeconds(record: Pick<RunRecord, 'startedAt' | 'finishedAt'> | null, progress: RunProgress | null, nowMs: number): number | null {
  const stored = record?.startedAt ? Date.parse(record.startedAt) : Number.NaN;
  const start = Number.isFinite(stored) ? stored : progress?.startedAtMs ?? null;
  if (start === null) return null;
  const finished = record?.finishedAt ? Date.parse(record.finishedAt) : Number.NaN;
  const end = Number.isFinite(finished) ? finished : nowMs;
  return Math.max(0, (end - start) / 1000);
}

/** Epochs done so far, counting the running epoch's finished batches as a fraction. */
export function epochsDone(lastEpoch: number | null, progress: RunProgress | null): number {
  const last = Math.max(lastEpoch ?? 0, progress?.epoch ?? 0);
  const b = progress?.batch;
  if (b && b.epoch === last + 1 && b.batches > 0) return last + Math.min(1, b.batch / b.batches);
  return last;
}

/** Seconds left if the run goes on to maxEpochs at its pace so far (an upper bound when it may
 *  stop early on its loss); null until one epoch's worth of progress is known. */
export function etaSeconds(elapsed: number | null, done: number, maxEpochs: number): number | null {
  if (elapsed === null || !(done > 0) || maxEpochs <= done) return done >= maxEpochs && done > 0 ? 0 : null;
  return (elapsed / done) * (maxEpochs - done);
}

/** A duration in words: '42 s', '3 min 05 s', '2 h 07 min'. */
export function durationText(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${String(m % 60).padStart(2, '0')} min`;
}

/** The runs waiting in the queue, in the order they will start (oldest first). */
export function queuedRuns(runs: readonly RunRecord[]): RunRecord[] {
  return runs.filter((r) => r.status === 'queued').sort((a, b) => a.id - b.id);
}

/** The run the live screen shows: the one asked for, else the running one, else the next queued,
 *  else the most recently created. */
export function liveRunId(runs: readonly RunRecord[], focus: number | null): number | null {
  if (focus !== null && runs.some((r) => r.id === focus)) return focus;
  const running = runs.find((r) => r.status === 'running');
  if (running) return running.id;
  const next = queuedRuns(runs)[0];
  if (next) return next.id;
  if (focus !== null) return focus;
  return runs.reduce<number | null>((best, r) => (best === null || r.id > best ? r.id : best), null);
}
