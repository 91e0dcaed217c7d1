// Smoke test of the built main process without Electron (which cannot start on a machine
// without its binary or a display): runs out/main/index.js under Node with 'electron' replaced
// by ./fake-electron.mjs, on a temporary database, then checks the window's security settings,
// the IPC door, the request filter and CSP header, and the quit flow while a run is training
// (asked, refused, then accepted: the run is stored as cancelled with its finished epochs).
// Usage: npm run build && node test/smoke/main-bundle.mjs
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { register } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const fakeUrl = pathToFileURL(path.join(here, 'fake-electron.mjs')).href;
const mainBundle = path.join(root, 'out/main/index.js');
if (!fs.existsSync(mainBundle)) throw new Error('out/main/index.js is missing: run npm run build first');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'freqlab-smoke-'));
process.env.FREQLAB_DB = path.join(tmp, 'runs.db');
process.env.FREQLAB_BASE_DIR = tmp;
delete process.env.ELECTRON_RENDERER_URL;

register(
  `data:text/javascript,${encodeURIComponent(`
    export async function resolve(specifier, context, next) {
      if (specifier === 'electron') return { url: ${JSON.stringify(fakeUrl)}, shortCircuit: true };
      return next(specifier, context);
    }`)}`,
);
const { control } = await import(fakeUrl);
await import(pathToFileURL(mainBundle).href);

const until = async (what, test, ms = 60_000) => {
  const end = Date.now() + ms;
  while (!test()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};
const step = (text) => console.log(`ok - ${text}`);

await until('the window', () => control.windows.length === 1);
const win = control.windows[0];
assert.equal(control.errorBoxes.length, 0, JSON.stringify(control.errorBoxes));
assert.equal(control.sandboxEnabled, true);
const prefs = win.options.webPreferences;
assert.equal(prefs.contextIsolation, true);
assert.equal(prefs.sandbox, true);
assert.equal(prefs.nodeIntegration, false);
assert.equal(prefs.webSecurity, true);
assert.ok(fs.existsSync(prefs.preload), `preload ${prefs.preload} exists`);
const entry = pathToFileURL(path.join(root, 'out/renderer/index.html')).href;
assert.equal(win.loaded, entry);
assert.ok(fs.existsSync(fileURLToPath(entry)));
step('window: sandboxed, context-isolated, no Node, loads out/renderer/index.html with out/preload/index.cjs');

assert.deepEqual(win.webContents.windowOpenHandler({ url: 'https://example.com' }), { action: 'deny' });
const nav = { url: 'https://example.com/', defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } };
win.webContents.emit('will-navigate', nav);
assert.equal(nav.defaultPrevented, true);
const inApp = { url: entry, defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } };
win.webContents.emit('will-navigate', inApp);
assert.equal(inApp.defaultPrevented, false);
step('window.open denied; navigation away from the app blocked');

const filtered = (url) => new Promise((resolve) => control.beforeRequest({ url }, resolve));
assert.deepEqual(await filtered('https://cdn.example.com/x.js'), { cancel: true });
assert.deepEqual(await filtered(entry), { cancel: false });
const headers = await new Promise((resolve) =>
  control.headersReceived({ url: entry, responseHeaders: { 'content-security-policy': ['default-src *'] } }, resolve),
);
assert.deepEqual(Object.keys(headers.responseHeaders), ['Content-Security-Policy']);
assert.match(headers.responseHeaders['Content-Security-Policy'][0], /^default-src 'self'; script-src 'self';/);
const granted = await new Promise((resolve) => control.permissionRequest({}, 'media', resolve));
assert.equal(granted, false);
step('remote requests cancelled; CSP header replaces any other on app pages; permissions refused');

const methods = ['startRun', 'cancelRun', 'resumeRun', 'listRuns', 'getRun', 'renameRun', 'setRunTags', 'setRunNotes', 'deleteRun', 'startSweep', 'listGroups', 'getGroup'];
// lab:saveFile is the desktop-only native save dialog of exports (not a LabApi method).
assert.deepEqual([...control.handlers.keys()].sort(), [...methods.map((m) => `lab:${m}`), 'lab:saveFile'].sort());
const call = (method, payload, url = entry) => control.handlers.get(`lab:${method}`)({ senderFrame: { url } }, payload);
assert.deepEqual(await call('listRuns', {}), { ok: true, value: [] });
assert.equal((await call('listRuns', {}, 'https://example.com/')).ok, false);
const bad = await call('getRun', { runId: '1' });
assert.equal(bad.ok, false);
assert.match(bad.error.message, /runId/);
step('IPC: lab:<method> for each LabApi method; answers only the app; validates payloads');

const config = {
  name: 'smoke',
  seed: 3,
  data: { kind: 'synthetic', target: { kind: 'sin', m: 2 }, trainSize: 256 },
  model: { kind: 'mlp', hidden: [16, 16], activation: 'tanh' },
  training: { optimiser: { kind: 'adam' }, schedule: [{ fromEpoch: 1, rate: 1e-3 }], batchSize: 8, stop: { maxEpochs: 100000 } },
  analysis: { layers: [1, 2], epochs: { at: [0] }, samples: 64, deltaGrid: { kind: 'log-k', kMin: 0.1, kMax: 100, count: 8 } },
  backend: 'cpu',
};
const started = await call('startRun', { config });
assert.equal(started.ok, true, JSON.stringify(started));
const { runId } = started.value;
await until('two finished epochs', () =>
  control.sent.some((s) => s.channel === 'lab:event' && s.message.kind === 'engine' && s.message.event.type === 'epoch' && s.message.event.epoch >= 2),
);
step(`run ${runId} started through IPC; its events reach the window on lab:event`);

control.dialogAnswer = 1; // keep running
win.close();
await until('the question', () => control.dialogs.length === 1);
await new Promise((r) => setTimeout(r, 200));
assert.equal(win.destroyed, false);
assert.equal(control.quitted, false);
assert.match(control.dialogs[0].detail, new RegExp(`Run ${runId} is training`));
assert.equal((await call('getRun', { runId })).value.status, 'running');
step('closing while training asks; "Keep running" keeps the window and the run');

control.dialogAnswer = 0; // stop and quit
win.close();
await until('quit', () => control.quitted, 60_000);
assert.equal(control.dialogs.length, 2);
assert.equal(win.destroyed, true);
const db = new Database(process.env.FREQLAB_DB, { readonly: true });
const run = db.prepare('SELECT status, last_epoch, message FROM runs WHERE id = ?').get(runId);
const epochs = db.prepare('SELECT COUNT(*) AS n FROM epochs WHERE run_id = ?').get(runId).n;
db.close();
assert.equal(run.status, 'cancelled');
assert.ok(run.last_epoch >= 2 && epochs >= 2, JSON.stringify({ run, epochs }));
step(`"Stop and quit" stores run ${runId} as cancelled with ${epochs} finished epochs, then quits`);

fs.rmSync(tmp, { recursive: true, force: true });
console.log('main bundle smoke test passed');
process.exit(0);
