// The browser door's wire protocol: the JSON messages that travel over its WebSocket between the
// page (src/renderer/lib/api-client.ts) and the serve door (src/main/server.ts). No Node, no DOM.
//
//   page -> server   { type: 'call', id, method, payload }        one LabApi call
//   server -> page   { type: 'result', id, result }               its LabCallResult envelope
//                    { type: 'event', message }                    a RunEventMessage, to every page
//                    { type: 'hello', protocol, methods }          first message of a connection
//
// JSON has no NaN or Infinity (a diverged run's loss is NaN): they travel as {"$number": "NaN"}
// and are turned back into numbers on arrival, so the page sees what the desktop IPC (structured
// clone) would give it.
import type { RunEventMessage } from './api';
import type { LabCallResult } from './bridge';

/** Bumped when the messages change incompatibly. */
export const labWireProtocol = 1;

/** The WebSocket path of the serve door. */
export const labWirePath = '/api';

/** The query parameter (page URL, WebSocket URL) and fragment key that carry the access token. */
export const labTokenParam = 'token';

export interface LabWireCall {
  type: 'call';
  /** Chosen by the page; the result carries it back. */
  id: number;
  method: string;
  payload: unknown;
}

export type LabWireServerMessage =
  | { type: 'hello'; protocol: number; methods: string[] }
  | { type: 'result'; id: number | null; result: LabCallResult }
  | { type: 'event'; message: RunEventMessage };

const numberKey = '$number';

function replacer(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return { [numberKey]: String(value) };
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === numberKey) {
      const text = (value as Record<string, unknown>)[numberKey];
      if (text === 'NaN') return NaN;
      if (text === 'Infinity') return Infinity;
      if (text === '-Infinity') return -Infinity;
    }
  }
  return value;
}

/** JSON text of a wire message, with non-finite numbers kept. */
export function encodeWire(message: unknown): string {
  return JSON.stringify(message, replacer);
}

/** Parses a wire message (throws SyntaxError on bad JSON), restoring non-finite numbers. */
export function decodeWire(text: string): unknown {
  return JSON.parse(text, reviver);
}

/** The access token in a page location: `?token=...` or `#token=...`, else null. */
export function tokenFromLocation(location: { search: string; hash: string }): string | null {
  const fromSearch = new URLSearchParams(location.search).get(labTokenParam);
  if (fromSearch) return fromSearch;
  const hash = location.hash.startsWith('#') ? location.hash.slice(1) : location.hash;
  const fromHash = new URLSearchParams(hash).get(labTokenParam);
  return fromHash || null;
}
