// The desktop door of the lab: what the preload script exposes to the renderer as `window.lab`,
// the IPC channel names, and the envelope every IPC answer travels in. Shared by main (which
// answers), preload (which calls) and renderer (which uses the typed bridge); no Node, no DOM.
import type { LabApi, LabDesktopApi, LabMethod, RunEventMessage } from './api';

/** Every LabApi method, in the order of the interface. Checked below to be complete. */
export const labMethods = [
  'startRun',
  'cancelRun',
  'resumeRun',
  'listRuns',
  'getRun',
  'renameRun',
  'setRunTags',
  'setRunNotes',
  'deleteRun',
  'startSweep',
  'listGroups',
  'getGroup',
] as const satisfies readonly LabMethod[];

// A LabApi method missing from labMethods makes this line fail to compile.
type MissingLabMethods = Exclude<LabMethod, (typeof labMethods)[number]>;
const everyMethodListed: [MissingLabMethods] extends [never] ? true : MissingLabMethods = true;
void everyMethodListed;

/** Whether `name` is a LabApi method (and not, say, 'constructor' or '__proto__'). */
export function isLabMethod(name: unknown): name is LabMethod {
  return typeof name === 'string' && (labMethods as readonly string[]).includes(name);
}

/** The IPC channel of one LabApi method: `lab:<method>` (ipcMain.handle / ipcRenderer.invoke). */
export function labChannel<M extends LabMethod>(method: M): `lab:${M}` {
  return `lab:${method}`;
}

/** The channel on which main pushes every RunEventMessage to the window. */
export const labEventChannel = 'lab:event';

/** One problem with a request: the dotted path of the field and what is wrong with it. */
export interface LabIssue {
  path: string;
  message: string;
}

/** Why a call failed: a message naming the field(s), and the field issues when there are some. */
export interface LabCallError {
  message: string;
  issues?: LabIssue[];
}

/** The envelope of every IPC answer: main never throws across IPC. */
export type LabCallResult<T = unknown> = { ok: true; value: T } | { ok: false; error: LabCallError };

/** Receives every run event main pushes. */
export type LabEventListener = (message: RunEventMessage) => void;

/** The desktop-only calls (not LabApi methods), each on its own `lab:<name>` channel. */
export const desktopMethods = ['saveFile'] as const satisfies readonly (keyof LabDesktopApi)[];

/** The IPC channel of the native save dialog call. */
export const saveFileChannel = 'lab:saveFile';

/** `window.lab`: the LabApi, plus a subscription to run events that returns its unsubscribe.
 *  `saveFile` is a capability: the desktop preload offers it, a browser door does not (the page
 *  then downloads the file instead). */
export type LabBridge = LabApi & {
  onEvent(listener: LabEventListener): () => void;
  saveFile?: LabDesktopApi['saveFile'];
};
