// The Electron IPC door of the lab: one `ipcMain.handle` per LabApi method on `lab:<method>`,
// every payload validated before it reaches the service, every answer wrapped in
// `{ ok: true, value }` or `{ ok: false, error }` (nothing is thrown across IPC), and the
// service's run events pushed to the window on `lab:event`.
import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import type { EventEmitter } from 'node:events';
import type { LabApi, RunEventMessage } from '../shared/api';
import { isLabMethod, labChannel, labEventChannel, labMethods, type LabCallError, type LabCallResult } from '../shared/bridge';
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

/** What registerLabIpc needs: the service and its event emitter. */
export interface IpcService extends LabApi {
  readonly events: Pick<EventEmitter<{ run: [RunEventMessage] }>, 'on' | 'off'>;
}

/** Where registerLabIpc answers and pushes. */
export interface IpcOptions {
  /** The window's web contents that receive run events (null while there is no window). */
  target: () => WebContents | null;
  /** Whether a frame URL is one of the app's own pages: calls from any other frame are refused. */
  isAppUrl: (url: string) => boolean;
}

/** Registers the `lab:<method>` handlers and the event push; returns a function that removes them. */
export function registerLabIpc(service: IpcService, options: IpcOptions): () => void {
  for (const method of labMethods) {
    ipcMain.handle(labChannel(method), (event: IpcMainInvokeEvent, payload: unknown) => {
      const url = event.senderFrame?.url ?? '';
      if (!options.isAppUrl(url)) {
        const refused: LabCallResult = { ok: false, error: { message: `lab calls are only answered for the app's own pages, not ${url || 'an unknown frame'}` } };
        return refused;
      }
      return handleLabCall(service, method, payload);
    });
  }
  const forward = createEventForwarder((message) => {
    const contents = options.target();
    if (contents && !contents.isDestroyed()) contents.send(labEventChannel, message);
  });
  service.events.on('run', forward);
  return () => {
    for (const method of labMethods) ipcMain.removeHandler(labChannel(method));
    service.events.off('run', forward);
  };
}
