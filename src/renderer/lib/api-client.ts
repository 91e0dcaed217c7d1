// The lab bridge for the page, whatever opened it: in the desktop app, `window.lab` from the
// preload; in a browser (`npm run serve`, src/main/server.ts), a client that makes the same calls
// over the serve door's WebSocket, with the access token of the page's address (`?token=` or
// `#token=`). Both behave alike: each method resolves with the service's answer or throws
// Error(message) naming the offending fields, and onEvent receives every run event.
/// <reference path="../global.d.ts" />
import type { RunEventMessage } from '../../shared/api';
import { labMethods, type LabBridge, type LabCallError, type LabCallResult, type LabEventListener } from '../../shared/bridge';
import { decodeWire, encodeWire, labTokenParam, labWirePath, tokenFromLocation, type LabWireCall } from '../../shared/lab-wire';

/** The part of the browser's WebSocket the client uses (a stand-in can be passed in tests). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'close' | 'error' | 'message', listener: (event: { data?: unknown; code?: number }) => void): void;
}

export interface WsLabClientOptions {
  /** ws://host:port/api?token=... */
  url: string;
  /** Creates the socket (default: the browser's WebSocket). */
  connect?: (url: string) => WebSocketLike;
  /** Delays before reconnecting, in ms, for the 1st, 2nd... attempt (the last one repeats). */
  retryDelaysMs?: readonly number[];
}

/** An Error from a failed call, with the field issues when the server gave them. */
export class LabCallFailure extends Error {
  readonly issues: LabCallError['issues'];
  constructor(method: string, error: LabCallError | undefined) {
    super(error?.message || `lab.${method} failed`);
    this.name = 'LabCallFailure';
    this.issues = error?.issues;
  }
}

/** The browser door's client: a LabBridge over a WebSocket, plus close(). */
export type WsLabClient = LabBridge & {
  /** Closes the connection for good; calls made afterwards fail. */
  close(): void;
};

const OPEN = 1;

/**
 * A LabBridge that talks to the serve door. The socket opens on the first call (or onEvent);
 * calls wait for it. If it drops, calls in flight fail ("connection lost": the server may or may
 * not have done them), and it reconnects while anyone listens to events or calls again.
 */
export function createWsLabClient(options: WsLabClientOptions): WsLabClient {
  const connect = options.connect ?? ((url: string) => new WebSocket(url) as unknown as WebSocketLike);
  const retryDelays = options.retryDelaysMs ?? [500, 1000, 2000, 5000];
  const pending = new Map<number, { method: string; resolve: (value: unknown) => void; reject: (err: Error) => void }>();
  const listeners = new Set<LabEventListener>();
  let socket: WebSocketLike | null = null;
  let opening: Promise<WebSocketLike> | null = null;
  let nextId = 1;
  let failures = 0;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let closedForGood = false;

  const where = options.url.replace(/([?&]token=)[^&#]*/, '$1…');
  const unreachable = () =>
    new Error(
      `cannot reach the Frequency Lab server at ${where}: is npm run serve still running? ` +
        '(a restarted server has a new access token: open the address it printed)',
    );

  function open(): Promise<WebSocketLike> {
    if (closedForGood) return Promise.reject(new Error('the lab connection was closed'));
    if (socket && socket.readyState === OPEN) return Promise.resolve(socket);
    if (opening) return opening;
    opening = new Promise<WebSocketLike>((resolve, reject) => {
      let ws: WebSocketLike;
      try {
        ws = connect(options.url);
      } catch (err) {
        opening = null;
        reject(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      let wasOpen = false;
      ws.addEventListener('open', () => {
        wasOpen = true;
        failures = 0;
        socket = ws;
        opening = null;
        resolve(ws);
      });
      ws.addEventListener('message', (event) => receive(event.data));
      ws.addEventListener('close', () => {
        if (socket === ws) socket = null;
        if (!wasOpen) {
          opening = null;
          reject(unreachable());
        } else {
          const lost = new Error('lost the connection to the Frequency Lab server before it answered (npm run serve stopped?)');
          for (const [id, p] of pending) {
            pending.delete(id);
            p.reject(lost);
          }
        }
        scheduleReconnect();
      });
      // 'error' is always followed by 'close', which does the work.
      ws.addEventListener('error', () => {});
    });
    return opening;
  }

  function scheduleReconnect(): void {
    if (closedForGood || listeners.size === 0 || retryTimer) return;
    const delay = retryDelays[Math.min(failures, retryDelays.length - 1)];
    failures++;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      open().catch(() => {
        /* the close handler schedules the next attempt */
      });
    }, delay);
  }

  function receive(data: unknown): void {
    if (typeof data !== 'string') return;
    let message: unknown;
    try {
      message = decodeWire(data);
    } catch {
      return;
    }
    if (typeof message !== 'object' || message === null) return;
    const m = message as { type?: unknown; id?: unknown; result?: LabCallResult; message?: RunEventMessage };
    if (m.type === 'event' && m.message) {
      for (const listener of [...listeners]) {
        try {
          listener(m.message);
        } catch (err) {
          console.error('a lab event listener failed:', err);
        }
      }
    } else if (m.type === 'result' && typeof m.id === 'number') {
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      const result = m.result;
      if (!result || typeof result !== 'object' || typeof result.ok !== 'boolean') p.reject(new Error(`lab.${p.method}: the server sent no answer`));
      else if (result.ok) p.resolve(result.value);
      else p.reject(new LabCallFailure(p.method, result.error));
    }
  }

  async function call(method: string, request: unknown): Promise<unknown> {
    const ws = await open();
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { method, resolve, reject });
      const message: LabWireCall = { type: 'call', id, method, payload: request };
      try {
        ws.send(encodeWire(message));
      } catch (err) {
        pending.delete(id);
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  const client = {
    onEvent(listener: LabEventListener): () => void {
      if (typeof listener !== 'function') throw new TypeError('lab.onEvent needs a function');
      listeners.add(listener);
      // Events flow only over an open socket: open it now, and keep it open while anyone listens.
      open().catch(() => scheduleReconnect());
      return () => {
        listeners.delete(listener);
      };
    },
    close(): void {
      closedForGood = true;
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = null;
      listeners.clear();
      socket?.close(1000, 'closed by the page');
      socket = null;
    },
  } as Record<string, unknown>;
  // One method per LabApi method (labMethods is checked to list them all).
  for (const method of labMethods) client[method] = (request: unknown) => call(method, request);
  return client as unknown as WsLabClient;
}

/** The serve door's WebSocket address for a page at `location`, with its token. */
export function labSocketUrl(location: { protocol: string; host: string; search: string; hash: string }): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const token = tokenFromLocation(location);
  const query = token ? `?${labTokenParam}=${encodeURIComponent(token)}` : '';
  return `${scheme}//${location.host}${labWirePath}${query}`;
}

let browserClient: WsLabClient | null = null;

/**
 * The lab bridge of this page: `window.lab` when the desktop app's preload exposed it, else
 * (in a browser opened on `npm run serve`) the WebSocket client, created once.
 */
export function getLabBridge(): LabBridge {
  if (window.lab) return window.lab;
  if (location.protocol !== 'http:' && location.protocol !== 'https:') {
    throw new Error('window.lab is missing: this page must be opened by Frequency Lab (desktop app) or served by npm run serve');
  }
  browserClient ??= createWsLabClient({ url: labSocketUrl(location) });
  return browserClient;
}
