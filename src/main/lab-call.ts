// Answering one lab call, for every door (Electron IPC, the browser door's WebSocket): the
// payload is validated (ipc-validate.ts) before the service sees it, and the answer is always an
// envelope `{ ok: true, value }` or `{ ok: false, error }`. Also the thinning of run events
// before they are pushed. No Electron here: the browser door runs under plain Node.
import type { LabApi, RunEventMessage } from '../shared/api';
import { isLabMethod, labMethods, type LabCallError, type LabCallResult } from '../shared/bridge';
import { ConfigError } from '../shared/config';
import { issuesMessage, validateLabRequest } from './ipc-validate';

/** The error envelope for anything a call threw: its message, and a config's field issues. */
export function callError(err: unknown): LabCallError {
  if (err instanceof ConfigError) return { message: err.message, issues: err.issues.map((i) => ({ ...i })) };
  if (err instanceof Error) return { message: err.message || err.name };
  return { message: String(err) };
}

/**
 * Validates `payload` for `method` and calls the service with the checked request. Never throws
 * or rejects: an unknown method, a bad payload or an error of the service becomes
 * `{ ok: false, error: { message, issues? } }`, with a message naming the offending field(s).
 */
export async function handleLabCall(service: LabApi, method: unknown, payload: unknown): Promise<LabCallResult> {
  try {
    if (!isLabMethod(method)) {
      const shown = typeof method === 'string' ? JSON.stringify(method.slice(0, 60)) : typeof method;
      return { ok: false, error: { message: `unknown lab method ${shown} (known: ${labMethods.join(', ')})` } };
    }
    const checked = validateLabRequest(method, payload);
    if (!checked.ok) return { ok: false, error: { message: issuesMessage(method, checked.issues), issues: checked.issues } };
    // The validators return exactly the request type of `method`.
    const call = service[method] as (request: unknown) => Promise<unknown>;
    const value = await call.call(service, checked.value);
    return { ok: true, value };
  } catch (err) {
    return { ok: false, error: callError(err) };
  }
}

/** Options of createEventForwarder. */
export interface EventForwarderOptions {
  /** Least time between two forwarded 'batch' progress events of the same run (default 100 ms). */
  batchIntervalMs?: number;
  /** Clock in milliseconds (tests). */
  now?: () => number;
}

/**
 * A filter in front of `send` that forwards every run event except that 'batch' progress events,
 * which a fast run emits thousands of times a second, pass at most once per interval per run.
 */
export function createEventForwarder(
  send: (message: RunEventMessage) => void,
  options: EventForwarderOptions = {},
): (message: RunEventMessage) => void {
  const interval = options.batchIntervalMs ?? 100;
  const now = options.now ?? Date.now;
  const lastBatch = new Map<number, number>();
  return (message) => {
    if (message.kind === 'engine' && message.event.type === 'batch') {
      const t = now();
      const last = lastBatch.get(message.runId);
      if (last !== undefined && t - last < interval) return;
      lastBatch.set(message.runId, t);
    } else if (message.kind === 'finished') {
      lastBatch.delete(message.runId);
    }
    send(message);
  };
}
