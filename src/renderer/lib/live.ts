// Keeping the screen current from the run events main pushes: what to reload for an event,
// a progress line for the selected run, and a throttle so a fast run does not flood getRun.
import type { RunEventMessage } from '../../shared/api';

/** Whether an event changes the run list and/or the selected run's stored results. */
export function refreshFor(message: RunEventMessage, selectedRunId: number | null): { list: boolean; detail: boolean } {
  const selected = message.runId === selectedRunId;
  if (message.kind === 'queued' || message.kind === 'finished') return { list: true, detail: selected };
  switch (message.event.type) {
    case 'started':
    case 'epoch':
      return { list: true, detail: selected };
    default:
      return { list: false, detail: false };
  }
}

/** A one-line progress report of a running run, or null for events that say nothing new. */
export function progressText(message: RunEventMessage): string | null {
  if (message.kind === 'queued') return 'queued';
  if (message.kind === 'finished') return null;
  const e = message.event;
  switch (e.type) {
    case 'started':
      return `started on ${e.environment.backendDetail || e.environment.backend}`;
    case 'batch':
      return `epoch ${e.epoch}: batch ${e.batch} of ${e.batches}`;
    case 'epoch':
      return e.epoch === 0 ? 'initial analysis stored' : `epoch ${e.epoch} stored`;
    case 'log':
      return e.message;
  }
}

/** Calls `fn` at most once per `ms`: the first call runs at once, later ones are merged into one trailing call. */
export function throttle(fn: () => void, ms: number): () => void {
  let last = -Infinity;
  let timer: ReturnType<typeof setTimeout> | null = null;
  return () => {
    if (timer) return;
    const wait = last + ms - Date.now();
    if (wait <= 0) {
      last = Date.now();
      fn();
      return;
    }
    timer = setTimeout(() => {
      timer = null;
      last = Date.now();
      fn();
    }, wait);
  };
}
