// Preload of the app's window (sandboxed, context-isolated): exposes `window.lab`, exactly the
// LabApi plus onEvent and saveFile (the native save dialog of exports), and nothing else: no
// ipcRenderer, no generic invoke, no Node. Each method sends its one request object on
// `lab:<method>` and unwraps main's `{ ok, value | error }` answer, throwing Error(message) on
// failure (the message names the offending fields).
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { LabApi, LabMethod, RunEventMessage, SaveFileRequest, SaveFileResult } from '../shared/api';
import { labChannel, labEventChannel, saveFileChannel, type LabBridge, type LabCallResult, type LabEventListener } from '../shared/bridge';

async function call<M extends LabMethod>(method: M, request: Parameters<LabApi[M]>[0]): Promise<Awaited<ReturnType<LabApi[M]>>> {
  const result = (await ipcRenderer.invoke(labChannel(method), request)) as LabCallResult<Awaited<ReturnType<LabApi[M]>>>;
  if (!result || typeof result !== 'object' || typeof result.ok !== 'boolean') {
    throw new Error(`lab.${method}: main sent no answer`);
  }
  if (!result.ok) throw new Error(result.error?.message || `lab.${method} failed`);
  return result.value;
}

/** The native save dialog of exports (desktop only): main asks for the path and writes there. */
async function saveFile(request: SaveFileRequest): Promise<SaveFileResult> {
  const result = (await ipcRenderer.invoke(saveFileChannel, request)) as LabCallResult<SaveFileResult>;
  if (!result || typeof result !== 'object' || typeof result.ok !== 'boolean') throw new Error('lab.saveFile: main sent no answer');
  if (!result.ok) throw new Error(result.error?.message || 'lab.saveFile failed');
  return result.value;
}

const api: LabBridge = {
  startRun: (request) => call('startRun', request),
  cancelRun: (request) => call('cancelRun', request),
  resumeRun: (request) => call('resumeRun', request),
  listRuns: (request) => call('listRuns', request),
  getRun: (request) => call('getRun', request),
  renameRun: (request) => call('renameRun', request),
  setRunTags: (request) => call('setRunTags', request),
  setRunNotes: (request) => call('setRunNotes', request),
  deleteRun: (request) => call('deleteRun', request),
  startSweep: (request) => call('startSweep', request),
  listGroups: (request) => call('listGroups', request),
  getGroup: (request) => call('getGroup', request),
  saveFile,
  onEvent(listener: LabEventListener): () => void {
    if (typeof listener !== 'function') throw new TypeError('lab.onEvent needs a function');
    // The IPC event (with its sender) stays here: the page receives only the message.
    const handler = (_event: IpcRendererEvent, message: RunEventMessage) => listener(message);
    ipcRenderer.on(labEventChannel, handler);
    return () => {
      ipcRenderer.removeListener(labEventChannel, handler);
    };
  },
};

contextBridge.exposeInMainWorld('lab', api);
