// A stand-in for the 'electron' module, enough to run the built main bundle (out/main/index.js)
// under plain Node: app lifecycle, BrowserWindow, ipcMain, dialog, session. It records what main
// does so that main-bundle.mjs can check it. Not a test of Electron itself.
import { EventEmitter } from 'node:events';

export const control = {
  handlers: new Map(),
  windows: [],
  sent: [],
  dialogs: [],
  errorBoxes: [],
  dialogAnswer: 1,
  quitCalls: 0,
  exitCodes: [],
  quitted: false,
  beforeRequest: null,
  headersReceived: null,
  permissionRequest: null,
  sandboxEnabled: false,
};

function preventable() {
  return {
    defaultPrevented: false,
    preventDefault() {
      this.defaultPrevented = true;
    },
  };
}

class FakeApp extends EventEmitter {
  isPackaged = false;
  requestSingleInstanceLock() {
    return true;
  }
  enableSandbox() {
    control.sandboxEnabled = true;
  }
  whenReady() {
    return Promise.resolve();
  }
  getPath(name) {
    return `/tmp/fake-electron-${name}`;
  }
  quit() {
    control.quitCalls++;
    const event = preventable();
    this.emit('before-quit', event);
    if (event.defaultPrevented) return;
    for (const win of [...control.windows]) {
      if (!win.destroyed) win.close();
    }
    if (control.windows.some((w) => !w.destroyed)) return; // a window refused to close
    const willQuit = preventable();
    this.emit('will-quit', willQuit);
    if (!willQuit.defaultPrevented) control.quitted = true;
  }
  exit(code) {
    control.exitCodes.push(code);
    control.quitted = true;
  }
}

export const app = new FakeApp();

class FakeWebContents extends EventEmitter {
  windowOpenHandler = null;
  constructor(win) {
    super();
    this.win = win;
  }
  send(channel, message) {
    control.sent.push({ channel, message });
  }
  isDestroyed() {
    return this.win.destroyed;
  }
  setWindowOpenHandler(handler) {
    this.windowOpenHandler = handler;
  }
}

export class BrowserWindow extends EventEmitter {
  constructor(options) {
    super();
    this.options = options;
    this.destroyed = false;
    this.title = options.title;
    this.loaded = null;
    this.webContents = new FakeWebContents(this);
    control.windows.push(this);
    app.emit('web-contents-created', {}, this.webContents);
  }
  loadURL(url) {
    this.loaded = url;
    setTimeout(() => this.emit('ready-to-show'), 0);
    return Promise.resolve();
  }
  show() {
    this.shown = true;
  }
  focus() {}
  restore() {}
  isMinimized() {
    return false;
  }
  isDestroyed() {
    return this.destroyed;
  }
  setTitle(title) {
    this.title = title;
  }
  close() {
    const event = preventable();
    this.emit('close', event);
    if (event.defaultPrevented) return;
    this.destroyed = true;
    this.emit('closed');
    if (control.windows.every((w) => w.destroyed)) app.emit('window-all-closed');
  }
}

export const ipcMain = {
  handle(channel, fn) {
    if (control.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    control.handlers.set(channel, fn);
  },
  removeHandler(channel) {
    control.handlers.delete(channel);
  },
};

export const dialog = {
  async showMessageBox(...args) {
    control.dialogs.push(args[args.length - 1]);
    return { response: control.dialogAnswer, checkboxChecked: false };
  },
  showErrorBox(title, content) {
    control.errorBoxes.push({ title, content });
  },
};

export const session = {
  defaultSession: {
    setPermissionRequestHandler(fn) {
      control.permissionRequest = fn;
    },
    setPermissionCheckHandler() {},
    webRequest: {
      onBeforeRequest(fn) {
        control.beforeRequest = fn;
      },
      onHeadersReceived(fn) {
        control.headersReceived = fn;
      },
    },
  },
};

export default { app, BrowserWindow, ipcMain, dialog, session };
