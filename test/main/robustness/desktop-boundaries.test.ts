// The desktop app's boundaries, tested on the real entry (src/main/index.ts) with a stand-in
// Electron that records what main asks of it: the window the renderer lives in has no Node
// (sandbox, context isolation, no node integration anywhere), the session lets nothing out, the
// only IPC channels are lab:<LabApi method> and lab:saveFile (handle only, never fire-and-forget),
// each refusing calls from any frame that is not the app's page, and the preload hands the page
// only the LabApi methods, onEvent and saveFile.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { labMethods, type LabCallResult } from '../../../src/shared/bridge';
import { mainWindowOptions } from '../../../src/main/window';

/** What main did with Electron, recorded by the stand-in below. */
const electron = vi.hoisted(() => {
  const appHandlers = new Map<string, ((...args: any[]) => unknown)[]>();
  const record = {
    windows: [] as { options: any; handlers: Map<string, (...args: any[]) => unknown>; loaded: string[] }[],
    appHandlers,
    handled: new Map<string, (event: unknown, payload: unknown) => unknown>(),
    removed: [] as string[],
    onChannels: [] as string[],
    sandboxEnabled: false,
    quit: 0,
    exit: [] as number[],
    errorBoxes: [] as string[],
    session: {
      permissionRequest: null as null | ((contents: unknown, permission: string, callback: (granted: boolean) => void) => void),
      permissionCheck: null as null | ((...args: unknown[]) => boolean),
      beforeRequest: null as null | ((details: { url: string }, callback: (r: { cancel: boolean }) => void) => void),
      headersReceived: null as null | ((details: { url: string; responseHeaders?: Record<string, string[]> }, callback: (r: unknown) => void) => void),
    },
    exposed: [] as [string, unknown][],
    invoked: [] as [string, unknown][],
    saveDialog: vi.fn(),
  };
  return record;
});

vi.mock('electron', () => {
  class BrowserWindow {
    static fromWebContents = () => null;
    readonly handlers = new Map<string, (...args: any[]) => unknown>();
    readonly webContents = { send: () => {}, isDestroyed: () => false };
    private readonly entry: { options: any; handlers: Map<string, (...args: any[]) => unknown>; loaded: string[] };
    constructor(options: unknown) {
      this.entry = { options, handlers: this.handlers, loaded: [] };
      electron.windows.push(this.entry);
    }
    once(event: string, fn: (...args: any[]) => unknown) {
      this.handlers.set(`once:${event}`, fn);
    }
    on(event: string, fn: (...args: any[]) => unknown) {
      this.handlers.set(event, fn);
    }
    loadURL(url: string) {
      this.entry.loaded.push(url);
      return Promise.resolve();
    }
    isDestroyed() {
      return false;
    }
    setTitle() {}
    show() {}
  }
  const on = (event: string, fn: (...args: any[]) => unknown) => {
    const list = electron.appHandlers.get(event) ?? [];
    list.push(fn);
    electron.appHandlers.set(event, list);
  };
  return {
    app: {
      isPackaged: false,
      getPath: (name: string) => `/tmp/frequency-lab-test-${name}`,
      getVersion: () => '0.0.0-test',
      requestSingleInstanceLock: () => true,
      enableSandbox: () => {
        electron.sandboxEnabled = true;
      },
      on,
      whenReady: () => Promise.resolve(),
      quit: () => {
        electron.quit++;
      },
      exit: (code: number) => {
        electron.exit.push(code);
      },
    },
    BrowserWindow,
    dialog: {
      showSaveDialog: electron.saveDialog,
      showMessageBox: vi.fn(async () => ({ response: 0 })),
      showErrorBox: (title: string, message: string) => electron.errorBoxes.push(`${title}: ${message}`),
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (fn: never) => (electron.session.permissionRequest = fn),
        setPermissionCheckHandler: (fn: never) => (electron.session.permissionCheck = fn),
        webRequest: {
          onBeforeRequest: (fn: never) => (electron.session.beforeRequest = fn),
          onHeadersReceived: (fn: never) => (electron.session.headersReceived = fn),
        },
      },
    },
    ipcMain: {
      handle: (channel: string, fn: (event: unknown, payload: unknown) => unknown) => {
        if (electron.handled.has(channel)) throw new Error(`a second handler for ${channel}`);
        electron.handled.set(channel, fn);
      },
      removeHandler: (channel: string) => {
        electron.removed.push(channel);
        electron.handled.delete(channel);
      },
      on: (channel: string) => electron.onChannels.push(channel),
      once: (channel: string) => electron.onChannels.push(channel),
      addListener: (channel: string) => electron.onChannels.push(channel),
    },
    contextBridge: {
      exposeInMainWorld: (key: string, value: unknown) => electron.exposed.push([key, value]),
    },
    ipcRenderer: {
      invoke: async (channel: string, payload: unknown) => {
        electron.invoked.push([channel, payload]);
        return { ok: true, value: null };
      },
      on: () => {},
      removeListener: () => {},
    },
  };
});

const repo = path.resolve(__dirname, '../../..');
const rendererDir = path.join(repo, 'src/renderer');
const appPage = pathToFileURL(path.join(rendererDir, 'index.html')).href;
const allChannels = [...labMethods.map((m) => `lab:${m}`), 'lab:saveFile'].sort();

let dir: string;
const savedEnv = { ...process.env };
const signalListeners = { SIGINT: process.listeners('SIGINT'), SIGTERM: process.listeners('SIGTERM') };

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'freqlab-desktop-'));
  process.env.FREQLAB_DB = path.join(dir, 'runs.db');
  process.env.FREQLAB_BASE_DIR = dir;
  delete process.env.ELECTRON_RENDERER_URL;
  await import('../../../src/main/index');
  // app.whenReady() resolved: start() ran on the next turn.
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(electron.errorBoxes).toEqual([]);
});

afterAll(async () => {
  // Quit as the user would (closing the window), so that the database is closed.
  const close = electron.windows[0]?.handlers.get('close');
  if (close) {
    close({ preventDefault: () => {} });
    await vi.waitFor(() => expect(electron.quit).toBeGreaterThan(0));
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    for (const l of process.listeners(signal)) if (!signalListeners[signal].includes(l)) process.off(signal, l);
  }
  process.env = savedEnv;
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Calls a registered IPC handler as if `frameUrl` had sent it. */
async function invoke(channel: string, frameUrl: string | null, payload: unknown): Promise<LabCallResult> {
  const handler = electron.handled.get(channel);
  if (!handler) throw new Error(`no handler on ${channel}`);
  return (await handler({ senderFrame: frameUrl === null ? null : { url: frameUrl }, sender: null }, payload)) as LabCallResult;
}

describe('the window the renderer lives in', () => {
  it('is built from mainWindowOptions: no Node in the page, its workers or its frames; sandboxed and isolated', () => {
    const options = mainWindowOptions('/app/out/preload/index.cjs');
    const prefs = options.webPreferences!;
    expect(prefs.contextIsolation).toBe(true);
    expect(prefs.sandbox).toBe(true);
    expect(prefs.nodeIntegration).toBe(false);
    expect(prefs.nodeIntegrationInWorker).toBe(false);
    expect(prefs.nodeIntegrationInSubFrames).toBe(false);
    expect(prefs.webSecurity).toBe(true);
    expect(prefs.allowRunningInsecureContent).toBe(false);
    expect(prefs.webviewTag).toBe(false);
    expect(prefs.experimentalFeatures).toBe(false);
    expect(prefs.preload).toBe('/app/out/preload/index.cjs');
    // Nothing that reopens a door: extra command-line switches, Blink features, a partition
    // shared with something else, or a second preload.
    for (const key of ['additionalArguments', 'enableBlinkFeatures', 'partition', 'session', 'preloadURL', 'devTools', 'enableWebSQL', 'plugins']) {
      expect(prefs, key).not.toHaveProperty(key);
    }
    expect(JSON.stringify(options)).not.toMatch(/"nodeIntegration[A-Za-z]*":true/);
  });

  it('is what src/main/index.ts opens: one window, with the built preload, loading the built page', () => {
    expect(electron.windows).toHaveLength(1);
    const [win] = electron.windows;
    const preload = path.join(repo, 'src/preload/index.cjs');
    expect(win.options).toEqual(mainWindowOptions(preload));
    expect(path.isAbsolute(win.options.webPreferences.preload)).toBe(true);
    expect(win.loaded).toEqual([appPage]);
  });

  it('runs in Chromium\'s sandbox for every renderer (app.enableSandbox)', () => {
    expect(electron.sandboxEnabled).toBe(true);
  });

  it('opens no new window, navigates nowhere else and attaches no <webview>', () => {
    const [created] = electron.appHandlers.get('web-contents-created') ?? [];
    expect(created).toBeTypeOf('function');
    const handlers = new Map<string, (...args: any[]) => unknown>();
    let openHandler: ((details: { url: string }) => { action: string }) | null = null;
    created({}, { setWindowOpenHandler: (fn: never) => (openHandler = fn), on: (event: string, fn: never) => handlers.set(event, fn) });
    for (const url of [appPage, 'https://example.com/', 'file:///etc/passwd']) expect(openHandler!({ url })).toEqual({ action: 'deny' });
    const navigate = (event: string, url: string) => {
      const e = { url, prevented: false, preventDefault() {
        this.prevented = true;
      } };
      handlers.get(event)!(e);
      return e.prevented;
    };
    for (const event of ['will-navigate', 'will-redirect']) {
      expect(navigate(event, 'https://example.com/'), event).toBe(true);
      expect(navigate(event, 'file:///etc/passwd'), event).toBe(true);
      expect(navigate(event, pathToFileURL(path.join(repo, 'src/main/index.ts')).href), event).toBe(true);
      expect(navigate(event, appPage), event).toBe(false);
    }
    expect(navigate('will-attach-webview', appPage)).toBe(true);
  });

  it('grants no permission and lets no request leave the app; app responses carry the CSP', () => {
    const { permissionRequest, permissionCheck, beforeRequest, headersReceived } = electron.session;
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'fileSystem', 'openExternal']) {
      let granted: boolean | null = null;
      permissionRequest!({}, permission, (g) => (granted = g));
      expect(granted, permission).toBe(false);
      expect(permissionCheck!({}, permission, appPage, {})).toBe(false);
    }
    const cancelled = (url: string) => {
      let answer: { cancel: boolean } | null = null;
      beforeRequest!({ url }, (r) => (answer = r));
      return answer!.cancel;
    };
    expect(cancelled(appPage)).toBe(false);
    expect(cancelled(pathToFileURL(path.join(rendererDir, 'assets/app.js')).href)).toBe(false);
    for (const url of ['https://example.com/x.js', 'http://127.0.0.1:8765/api', 'ws://127.0.0.1:1/', 'file:///etc/passwd', pathToFileURL(path.join(repo, 'package.json')).href]) {
      expect(cancelled(url), url).toBe(true);
    }
    let headers: any = null;
    headersReceived!({ url: appPage, responseHeaders: { 'content-security-policy': ["default-src *"] } }, (r) => (headers = r));
    expect(Object.keys(headers.responseHeaders)).toEqual(['Content-Security-Policy']);
    expect(headers.responseHeaders['Content-Security-Policy'][0]).toMatch(/^default-src 'self'; script-src 'self'/);
  });
});

describe('the IPC channels main answers', () => {
  it('are exactly lab:<LabApi method> and lab:saveFile, all request/answer; no one-way channel', () => {
    expect([...electron.handled.keys()].sort()).toEqual(allChannels);
    expect(electron.onChannels).toEqual([]);
  });

  it('answer the app\'s page, and refuse every other frame with a structured error, touching nothing', async () => {
    expect(await invoke('lab:listRuns', appPage, {})).toEqual({ ok: true, value: [] });
    const strangers = [
      'https://example.com/',
      'http://127.0.0.1:8765/?token=x',
      'file:///etc/passwd',
      pathToFileURL(path.join(repo, 'src/main/index.ts')).href,
      `${pathToFileURL(rendererDir).href}/../main/index.ts`,
      `${pathToFileURL(rendererDir).href}-evil/index.html`,
      'devtools://devtools/bundled/inspector.html',
      'about:blank',
      'data:text/html,<script>1</script>',
      '',
      null,
    ];
    const config = { seed: 1, data: { kind: 'synthetic', target: { kind: 'sin', m: 1 }, trainSize: 8 }, model: { kind: 'mlp', hidden: [2] },
      training: { optimiser: { kind: 'adam' }, schedule: [{ fromEpoch: 1, rate: 0.01 }], batchSize: 4, stop: { maxEpochs: 1 } },
      analysis: { epochs: {}, samples: 4, deltaGrid: { kind: 'log-k', kMin: 1, kMax: 10, count: 2 } }, backend: 'cpu' };
    for (const url of strangers) {
      for (const [channel, payload] of [['lab:listRuns', {}], ['lab:startRun', { config }], ['lab:deleteRun', { runId: 1 }], ['lab:saveFile', { fileName: 'a.csv', data: 'x', encoding: 'utf8' }]] as const) {
        const result = await invoke(channel, url, payload);
        expect(result.ok, `${channel} from ${url}`).toBe(false);
        if (!result.ok) {
          expect(result.error.message).toMatch(/lab calls are only answered for the app's own pages/);
          expect(result.error.message.length).toBeLessThan(300);
        }
      }
    }
    expect(electron.saveDialog).not.toHaveBeenCalled();
    expect(await invoke('lab:listRuns', appPage, {})).toEqual({ ok: true, value: [] });
  });

  it('answer a call with a method name or payload that is not the channel\'s with a structured error', async () => {
    // The channel fixes the method: a page cannot name another one in the payload.
    const result = await invoke('lab:getRun', appPage, { method: 'deleteRun', runId: 1 });
    expect(result).toMatchObject({ ok: false, error: { message: expect.stringMatching(/^invalid getRun request: method: unknown field/) } });
    const bad = await invoke('lab:listRuns', appPage, { status: 'running', search: 1 });
    expect(bad).toMatchObject({ ok: false, error: { issues: [{ path: 'search' }] } });
  });
});

describe('the preload (window.lab)', () => {
  let lab: Record<string, unknown>;

  beforeAll(async () => {
    await import('../../../src/preload/index');
    expect(electron.exposed.map(([key]) => key)).toEqual(['lab']);
    lab = electron.exposed[0][1] as Record<string, unknown>;
  });

  it('exposes only the LabApi methods, onEvent and saveFile: no ipcRenderer, no generic invoke, no Node', () => {
    expect(Object.keys(lab).sort()).toEqual([...labMethods, 'onEvent', 'saveFile'].sort());
    expect(Object.getPrototypeOf(lab)).toBe(Object.prototype);
    for (const [name, value] of Object.entries(lab)) {
      expect(typeof value, name).toBe('function');
      // A function's own properties travel with it over the context bridge: none hide a handle.
      expect(Object.getOwnPropertyNames(value).filter((p) => !['length', 'name', 'prototype'].includes(p)), name).toEqual([]);
    }
    for (const name of ['ipcRenderer', 'invoke', 'send', 'sendSync', 'on', 'require', 'process', 'module', 'electron', 'call']) {
      expect(lab, name).not.toHaveProperty(name);
    }
  });

  it('sends each method on its own fixed channel, whatever the page passes', async () => {
    electron.invoked.length = 0;
    const hostile = { channel: 'lab:deleteRun', method: 'deleteRun', __proto__: { runId: 1 } };
    for (const method of labMethods) await (lab[method] as (r: unknown) => Promise<unknown>)(hostile);
    await (lab.saveFile as (r: unknown) => Promise<unknown>)(hostile);
    expect(electron.invoked.map(([channel]) => channel)).toEqual([...labMethods.map((m) => `lab:${m}`), 'lab:saveFile']);
    for (const [channel] of electron.invoked) expect(allChannels).toContain(channel);
  });
});

describe('lab:saveFile, the only call that leads to a path', () => {
  /** Every file under `root`, relative, sorted. */
  function tree(root: string): string[] {
    return (fs.readdirSync(root, { recursive: true }) as string[]).filter((p) => fs.statSync(path.join(root, p)).isFile()).sort();
  }

  it('writes the bytes to the path the native dialog returned, and nowhere else', async () => {
    const target = path.join(dir, 'chosen', 'figure.csv');
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const before = tree(dir);
    electron.saveDialog.mockReset();
    electron.saveDialog.mockResolvedValueOnce({ canceled: false, filePath: target });
    const result = await invoke('lab:saveFile', appPage, { fileName: 'frequency-lab_loss.csv', data: 'epoch,loss\n1,0.5\n', encoding: 'utf8' });
    expect(result).toEqual({ ok: true, value: { saved: true, path: target } });
    // The dialog was offered the bare name (it decides the folder) and the file's kind.
    expect(electron.saveDialog).toHaveBeenCalledTimes(1);
    const options = electron.saveDialog.mock.calls[0].at(-1);
    expect(options).toMatchObject({ defaultPath: 'frequency-lab_loss.csv', filters: [{ name: 'CSV table', extensions: ['csv'] }] });
    expect(fs.readFileSync(target, 'utf8')).toBe('epoch,loss\n1,0.5\n');
    const added = tree(dir).filter((p) => !before.includes(p));
    expect(added).toEqual([path.join('chosen', 'figure.csv')]);
  });

  it('writes nothing when the dialog is cancelled', async () => {
    const before = tree(dir);
    electron.saveDialog.mockReset();
    electron.saveDialog.mockResolvedValueOnce({ canceled: true, filePath: '' });
    expect(await invoke('lab:saveFile', appPage, { fileName: 'x.csv', data: 'a\n', encoding: 'utf8' })).toEqual({ ok: true, value: { saved: false, path: null } });
    expect(tree(dir)).toEqual(before);
  });

  it('refuses a name with a folder, an absolute path, NUL, another control character or a leading dot before any dialog', async () => {
    electron.saveDialog.mockReset();
    const before = tree(dir);
    const names = [
      '../x.csv',
      '../../../../tmp/x.csv',
      'a/../../x.csv',
      'sub/x.csv',
      '/etc/cron.d/x.csv',
      '/tmp/x.csv',
      'C:\\Users\\x.csv',
      '\\\\server\\share\\x.csv',
      '..\\x.csv',
      'x\u0000.csv',
      'x.csv\u0000.png',
      'x\u001b[2J.csv',
      'x\r.csv',
      'x\u007f.csv',
      '.x.csv',
      '..csv',
      '.',
      '..',
      '',
      '   ',
      'x.csv/',
      'x.sh',
      'x.csv.exe',
      'x',
    ];
    for (const fileName of names) {
      const result = await invoke('lab:saveFile', appPage, { fileName, data: 'a\n', encoding: 'utf8' });
      expect(result.ok, JSON.stringify(fileName)).toBe(false);
      if (!result.ok) {
        expect(result.error.message).toMatch(/^invalid saveFile request: fileName: /);
        expect(result.error.issues?.map((i) => i.path)).toEqual(['fileName']);
      }
    }
    // A payload that tries to choose the path itself, or the dialog's options, is refused too.
    for (const extra of [{ path: '/tmp/x.csv' }, { defaultPath: '/tmp/x.csv' }, { filePath: '/tmp/x.csv' }, { filters: [] }]) {
      const result = await invoke('lab:saveFile', appPage, { fileName: 'x.csv', data: 'a\n', encoding: 'utf8', ...extra });
      expect(result).toMatchObject({ ok: false, error: { issues: [{ path: Object.keys(extra)[0], message: expect.stringContaining('unknown field') }] } });
    }
    expect(electron.saveDialog).not.toHaveBeenCalled();
    expect(tree(dir)).toEqual(before);
  });

  it('accepts every name the page makes for an export, whatever the run is called', async () => {
    const { exportFileName } = await import('../../../src/renderer/lib/export');
    const { validateSaveFileRequest } = await import('../../../src/main/ipc-validate');
    const stems = ['../../x', '/etc/passwd', 'C:\\Windows\\x', 'a\u0000b', '.bashrc', '..', '', 'run 3: loss/accuracy', 'é ü ✓', '\u202egnp.exe', 'x'.repeat(500)];
    for (const stem of stems) {
      for (const format of ['png', 'svg', 'csv'] as const) {
        const fileName = exportFileName(stem, format);
        expect(fileName, stem).toMatch(new RegExp(`^frequency-lab_[A-Za-z0-9._-]+\\.${format}$`));
        const data = format === 'png' ? 'iVBORw0KGgoAAAANSUhEUg==' : 'x';
        const checked = validateSaveFileRequest({ fileName, data, encoding: format === 'png' ? 'base64' : 'utf8' });
        expect(checked.ok, `${stem} -> ${fileName}: ${JSON.stringify(!checked.ok && checked.issues)}`).toBe(true);
      }
    }
  });
});
