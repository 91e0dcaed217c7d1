// The options of the app's one window, as a pure function (tested without Electron): the
// renderer is an untrusted web page. It gets no Node (no require, process, module), runs in
// Chromium's sandbox, is isolated from the preload's world, and reaches main only through the
// preload's `window.lab` (src/preload/index.ts).
import type { BrowserWindowConstructorOptions } from 'electron';

/** The BrowserWindow options of the main window, with `preload` the built preload script. */
export function mainWindowOptions(preload: string): BrowserWindowConstructorOptions {
  return {
    width: 1280,
    height: 820,
    minWidth: 800,
    minHeight: 560,
    show: false,
    title: 'Frequency Lab',
    backgroundColor: '#ffffff',
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      // No experimental web platform features, no 'enableBlinkFeatures' escape hatch.
      experimentalFeatures: false,
    },
  };
}
