// The Electron IPC door of the lab: one `ipcMain.handle` per LabApi method on `lab:<method>`
// (and `lab:saveFile`, the native save dialog of exports), every payload validated before it reaches the service, every answer wrapped in
// `{ ok: true, value }` or `{ ok: false, error }` (nothing is thrown across IPC), and the
// service's run events pushed to the window on `lab:event`.
import { BrowserWindow, dialog, ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import type { EventEmitter } from 'node:events';
import { writeFile } from 'node:fs/promises';
import type { LabApi, RunEventMessage, SaveFileResult } from '../shared/api';
import { labChannel, labEventChannel, labMethods, saveFileChannel, type LabCallResult } from '../shared/bridge';
import { fileExtension, issuesMessage, savableFiles, validateSaveFileRequest, type SavableExtension } from './ipc-validate';
import { callError, createEventForwarder, handleLabCall } from './lab-call';

// The call handling lives in lab-call.ts (shared with the browser door, which has no Electron).
export { callError, createEventForwarder, handleLabCall, type EventForwarderOptions } from './lab-call';

/** What saving a file needs: a save dialog that returns the chosen path (null: cancelled), and
 *  a way to write the bytes there. `sender` is the page that asked (the dialog's parent window). */
export interface SaveFileDeps {
  choosePath(options: { defaultPath: string; filters: { name: string; extensions: string[] }[] }, sender: WebContents | null): Promise<string | null>;
  writeFile(path: string, data: Buffer): Promise<void>;
}

/** Electron's native save dialog, parented to the asking window, and the file system. */
export const electronSaveFileDeps: SaveFileDeps = {
  async choosePath(options, sender) {
    const fromContents = (BrowserWindow as { fromWebContents?: (c: WebContents) => BrowserWindow | null }).fromWebContents;
    const win = sender && typeof fromContents === 'function' ? fromContents(sender) : null;
    const dialogOptions: Electron.SaveDialogOptions = { ...options, properties: ['createDirectory', 'showOverwriteConfirmation'] };
    const answer = win ? await dialog.showSaveDialog(win, dialogOptions) : await dialog.showSaveDialog(dialogOptions);
    return answer.canceled || !answer.filePath ? null : answer.filePath;
  },
  writeFile: (path, data) => writeFile(path, data),
};

/**
 * Validates a saveFile payload, asks for a path with the save dialog (suggesting the file name,
 * filtered to its kind) and writes the content there, and only there. Never throws: a bad payload
 * or a failed write comes back as `{ ok: false, error }`; a cancelled dialog as `{ saved: false }`.
 */
export async function handleSaveFile(payload: unknown, deps: SaveFileDeps, sender: WebContents | null = null): Promise<LabCallResult<SaveFileResult>> {
  try {
    const checked = validateSaveFileRequest(payload);
    if (!checked.ok) return { ok: false, error: { message: issuesMessage('saveFile', checked.issues), issues: checked.issues } };
    const { fileName, data, encoding } = checked.value;
    const ext = fileExtension(fileName) as SavableExtension;
    const chosen = await deps.choosePath({ defaultPath: fileName, filters: [{ name: savableFiles[ext].filter, extensions: [ext] }] }, sender);
    if (chosen === null) return { ok: true, value: { saved: false, path: null } };
    await deps.writeFile(chosen, Buffer.from(data, encoding === 'base64' ? 'base64' : 'utf8'));
    return { ok: true, value: { saved: true, path: chosen } };
  } catch (err) {
    return { ok: false, error: callError(err) };
  }
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
  /** How lab:saveFile asks for a path and writes (default: Electron's save dialog and the disk). */
  saveFile?: SaveFileDeps;
}

/** Registers the `lab:<method>` handlers and the event push; returns a function that removes them. */
export function registerLabIpc(service: IpcService, options: IpcOptions): () => void {
  /** The refusal of a call from a frame that is not one of the app's own pages, else null. */
  const refusal = (event: IpcMainInvokeEvent): LabCallResult | null => {
    const url = event.senderFrame?.url ?? '';
    if (options.isAppUrl(url)) return null;
    return { ok: false, error: { message: `lab calls are only answered for the app's own pages, not ${url || 'an unknown frame'}` } };
  };
  for (const method of labMethods) {
    ipcMain.handle(labChannel(method), (event: IpcMainInvokeEvent, payload: unknown) => refusal(event) ?? handleLabCall(service, method, payload));
  }
  const saveDeps = options.saveFile ?? electronSaveFileDeps;
  ipcMain.handle(saveFileChannel, (event: IpcMainInvokeEvent, payload: unknown) => refusal(event) ?? handleSaveFile(payload, saveDeps, event.sender ?? null));
  const forward = createEventForwarder((message) => {
    const contents = options.target();
    if (contents && !contents.isDestroyed()) contents.send(labEventChannel, message);
  });
  service.events.on('run', forward);
  return () => {
    for (const method of labMethods) ipcMain.removeHandler(labChannel(method));
    ipcMain.removeHandler(saveFileChannel);
    service.events.off('run', forward);
  };
}
