// Electron entry of Frequency Lab: one instance, one hardened window, the run database and the
// lab service, the IPC door; on quit, a run in progress is stopped (after asking) so that it is
// stored as cancelled with its finished epochs. Everything else lives in the service.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, session, type MessageBoxOptions, type Session, type WebContents } from 'electron';
import type Database from 'better-sqlite3';
import { appUrlPolicy, type AppUrlPolicy } from './app-url';
import { contentSecurityPolicy } from './csp';
import { registerLabIpc } from './ipc';
import { RunActivity } from './run-activity';
import { LabService } from './service';
import { defaultDatabasePath, openDatabase, userDataDir } from './store/database';
import { RunStore } from './store/runs';
import { mainWindowOptions } from './window';

const here = path.dirname(fileURLToPath(import.meta.url));
/** How long quitting waits for a cancelled run to store its end before it gives up; the run is
 *  then marked interrupted (with its finished epochs) at the next start. */
const shutdownTimeoutMs = 30_000;

const devServerUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined;
const policy: AppUrlPolicy = appUrlPolicy({ rendererDir: path.join(here, '../renderer'), devServerUrl });
const csp = contentSecurityPolicy(devServerUrl ? 'development' : 'production');

interface Lab {
  db: Database.Database;
  service: LabService;
  activity: RunActivity;
  disposeIpc: () => void;
}

let lab: Lab | null = null;
let mainWindow: BrowserWindow | null = null;
/** Set once the runs are stopped and the database closed: closing and quitting go ahead. */
let stopped = false;
/** The quit in progress (asking, or stopping the runs), so that it is not started twice. */
let quitting: Promise<void> | null = null;

if (!app.requestSingleInstanceLock()) {
  // Another instance owns the window and the queue: it is focused by its 'second-instance'.
  app.quit();
} else {
  app.enableSandbox();
  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });
  app.on('web-contents-created', (_event, contents) => hardenContents(contents));
  app.on('before-quit', (event) => {
    if (stopped) return;
    event.preventDefault();
    void requestQuit();
  });
  // Windows close only once the runs are stopped (see createWindow): then the app quits.
  app.on('window-all-closed', () => app.quit());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => void stopLab().finally(() => app.exit(0)));
  }
  app.whenReady().then(start, (err: unknown) => fail('Frequency Lab could not start', err));
}

function start(): void {
  hardenSession(session.defaultSession);
  const file = defaultDatabasePath();
  let db: Database.Database;
  try {
    db = openDatabase(file);
  } catch (err) {
    fail(`Frequency Lab could not open its run database (${file})`, err);
    return;
  }
  // Relative data paths in configs (the presets use data/mnist): the working folder in
  // development, the per-user data folder in the installed app, or $FREQLAB_BASE_DIR.
  const baseDir = process.env.FREQLAB_BASE_DIR || (app.isPackaged ? userDataDir() : process.cwd());
  const service = new LabService(new RunStore(db), { baseDir });
  const activity = new RunActivity(service.events);
  const disposeIpc = registerLabIpc(service, {
    target: () => (mainWindow && !mainWindow.isDestroyed() ? mainWindow.webContents : null),
    isAppUrl: policy.isAppUrl,
  });
  lab = { db, service, activity, disposeIpc };
  createWindow();
  app.on('activate', () => {
    if (!mainWindow && !quitting) createWindow();
  });
}

function createWindow(): void {
  const win = new BrowserWindow(mainWindowOptions(path.join(here, '../preload/index.cjs')));
  mainWindow = win;
  win.once('ready-to-show', () => win.show());
  win.on('close', (event) => {
    if (stopped) return;
    // Nothing is closed before the runs are stopped (after asking, when one is active).
    event.preventDefault();
    void requestQuit();
  });
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null;
  });
  void win.loadURL(policy.entryUrl);
}

/** Quits, first asking when a run is queued or training; answering "keep running" cancels the quit. */
function requestQuit(): Promise<void> {
  quitting ??= (async () => {
    try {
      if (lab?.activity.busy && !(await confirmStop(lab.activity))) return;
      mainWindow?.setTitle('Frequency Lab — stopping…');
      await stopLab();
      stopped = true;
      app.quit();
    } finally {
      quitting = null;
    }
  })();
  return quitting;
}

async function confirmStop(activity: RunActivity): Promise<boolean> {
  const options: MessageBoxOptions = {
    type: 'warning',
    title: 'A run is in progress',
    message: 'Stop the run and quit Frequency Lab?',
    detail: `${activity.describe()}\n\nIf you quit now, the run is stored as cancelled with the epochs it has finished; queued runs are cancelled.`,
    buttons: ['Stop and quit', 'Keep running'],
    defaultId: 1,
    cancelId: 1,
    noLink: true,
  };
  const { response } = mainWindow && !mainWindow.isDestroyed()
    ? await dialog.showMessageBox(mainWindow, options)
    : await dialog.showMessageBox(options);
  return response === 0;
}

/** Cancels every run (waiting, up to a limit, until each is stored) and closes the database. */
async function stopLab(): Promise<void> {
  const current = lab;
  if (!current) return;
  lab = null;
  current.disposeIpc();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), shutdownTimeoutMs);
  });
  try {
    const result = await Promise.race([current.service.shutdown().then(() => 'done' as const), timeout]);
    if (result === 'timeout') {
      console.error(`the running run did not stop within ${shutdownTimeoutMs / 1000} s; it will be marked interrupted at the next start`);
    }
  } catch (err) {
    console.error('stopping the runs failed:', err);
  } finally {
    clearTimeout(timer);
    current.activity.dispose();
    try {
      current.db.close();
    } catch (err) {
      console.error('closing the run database failed:', err);
    }
  }
}

/** Only the app's own pages: no new windows, no navigation elsewhere, no <webview>. */
function hardenContents(contents: WebContents): void {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-navigate', (event) => {
    if (!policy.isAppUrl(event.url)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => {
    if (!policy.isAppUrl(event.url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

/** No permissions, no requests outside the app, and the CSP header on the app's responses. */
function hardenSession(ses: Session): void {
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.webRequest.onBeforeRequest((details, callback) => {
    const allowed = policy.isAppUrl(details.url) || /^(devtools|data|blob):/.test(details.url);
    if (!allowed) console.warn(`blocked a request outside the app: ${details.url}`);
    callback({ cancel: !allowed });
  });
  ses.webRequest.onHeadersReceived((details, callback) => {
    if (!policy.isAppUrl(details.url)) return callback({});
    const headers = Object.fromEntries(
      Object.entries(details.responseHeaders ?? {}).filter(([name]) => name.toLowerCase() !== 'content-security-policy'),
    );
    callback({ responseHeaders: { ...headers, 'Content-Security-Policy': [csp] } });
  });
}

function fail(what: string, err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  console.error(`${what}: ${message}`);
  dialog.showErrorBox(what, message);
  app.exit(1);
}
