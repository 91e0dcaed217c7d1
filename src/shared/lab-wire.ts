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

/** The number a `{"$number": "NaN"}` stand-in was made from, or `value` itself. */
function restoreNumber(value: Record<string, unknown>): unknown {
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0] === numberKey) {
    const text = value[numberKey];
    if (text === 'NaN') return NaN;
    if (text === 'Infinity') return Infinity;
    if (text === '-Infinity') return -Infinity;
  }
  return value;
}

/** Puts the numbers back in place of their stand-ins, innermost first (what a JSON.parse
 *  reviver would do, without a call for every value: a run's results are tens of thousands of
 *  numbers, and a reviver made parsing them about four times slower). */
function restoreNumbers(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (typeof item === 'object' && item !== null) {
        const restored = restoreNumbers(item);
        if (restored !== item) value[i] = restored;
      }
    }
    return value;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const item = record[key];
    if (typeof item === 'object' && item !== null) {
      const restored = restoreNumbers(item);
      if (restored !== item) record[key] = restored;
    }
  }
  return restoreNumber(record);
}

/** Whether JSON.stringify would meet a non-finite number in `value` (or an object with its own
 *  toJSON, whose output is not looked into here). */
function needsReplacer(value: unknown): boolean {
  if (typeof value === 'number') return !Number.isFinite(value);
  if (typeof value !== 'object' || value === null) return false;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (typeof item === 'number' ? !Number.isFinite(item) : typeof item === 'object' && item !== null && needsReplacer(item)) return true;
    }
    return false;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) if (needsReplacer(record[key])) return true;
  return false;
}

/** JSON text of a wire message, with non-finite numbers kept. (Without any, plain
 *  JSON.stringify gives the same text: a replacer, called for every value, made a run's
 *  results about 1.6 times slower to encode.) */
export function encodeWire(message: unknown): string {
  return needsReplacer(message) ? JSON.stringify(message, replacer) : JSON.stringify(message);
}

/** Parses a wire message (throws SyntaxError on bad JSON), restoring non-finite numbers. */
export function decodeWire(text: string): unknown {
  const value: unknown = JSON.parse(text);
  // A stand-in's key is in the text as "$number", or spelt with \u escapes: without either,
  // there is nothing to restore (the common case: no diverged run among the results).
  return text.includes(`"${numberKey}"`) || text.includes('\\u') ? restoreNumbers(value) : value;
}

/** The access token in a page location: `?token=...` or `#token=...`, else null. */
export function tokenFromLocation(location: { search: string; hash: string }): string | null {
  const fromSearch = new URLSearchParams(location.search).get(labTokenParam);
  if (fromSearch) return fromSearch;
  const hash = location.hash.startsWith('#') ? location.hash.slice(1) : location.hash;
  const fromHash = new URLSearchParams(hash).get(labTokenParam);
  return fromHash || null;
}
