// Node tests never start Electron: the first real `require('electron')` outside an Electron
// process tries to download its binary. Any module that imports 'electron' gets this stand-in.
import { vi } from 'vitest';

vi.mock('electron', () => ({
  app: {
    getPath: (name: string) => `/tmp/frequency-lab-test-${name}`,
    getVersion: () => '0.0.0-test',
    isPackaged: false,
  },
  ipcMain: { handle: vi.fn(), removeHandler: vi.fn() },
  contextBridge: { exposeInMainWorld: vi.fn() },
  ipcRenderer: { invoke: vi.fn(), on: vi.fn(), removeListener: vi.fn() },
  BrowserWindow: vi.fn(),
  dialog: { showSaveDialog: vi.fn(), showMessageBox: vi.fn() },
}));
