// The preload exposes `window.lab`: exactly the LabApi methods plus onEvent, each sending its
// request on lab:<method> and unwrapping main's answer. 'electron' is the stand-in of test/setup.
import { contextBridge, ipcRenderer } from 'electron';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunEventMessage } from '../../src/shared/api';
import { labMethods, type LabBridge } from '../../src/shared/bridge';

let exposed: Record<string, unknown>;
let lab: LabBridge;

beforeAll(async () => {
  await import('../../src/preload/index');
  const calls = vi.mocked(contextBridge.exposeInMainWorld).mock.calls;
  expect(calls).toHaveLength(1);
  const [key, api] = calls[0];
  expect(key).toBe('lab');
  exposed = api as Record<string, unknown>;
  lab = api as LabBridge;
});

beforeEach(() => {
  vi.mocked(ipcRenderer.invoke).mockReset();
  vi.mocked(ipcRenderer.on).mockClear();
  vi.mocked(ipcRenderer.removeListener).mockClear();
});

describe('preload', () => {
  it('exposes exactly the LabApi methods and onEvent, all functions', () => {
    expect(Object.keys(exposed).sort()).toEqual([...labMethods, 'onEvent', 'saveFile'].sort());
    for (const value of Object.values(exposed)) expect(typeof value).toBe('function');
    // Nothing that would hand the page raw IPC.
    for (const name of ['ipcRenderer', 'invoke', 'send', 'on', 'require', 'process']) expect(exposed).not.toHaveProperty(name);
  });

  it('sends each request on lab:<method> and returns the unwrapped value', async () => {
    for (const method of labMethods) {
      vi.mocked(ipcRenderer.invoke).mockResolvedValueOnce({ ok: true, value: `answer of ${method}` });
      const request = { runId: 3, marker: method };
      const fn = exposed[method] as (r: unknown) => Promise<unknown>;
      await expect(fn(request)).resolves.toBe(`answer of ${method}`);
      expect(ipcRenderer.invoke).toHaveBeenLastCalledWith(`lab:${method}`, request);
    }
    expect(ipcRenderer.invoke).toHaveBeenCalledTimes(labMethods.length);
  });

  it('throws Error(message) when main answers ok: false', async () => {
    vi.mocked(ipcRenderer.invoke).mockResolvedValueOnce({
      ok: false,
      error: { message: 'invalid getRun request: runId: must be a positive whole number, not number -1', issues: [{ path: 'runId', message: '...' }] },
    });
    const failure = lab.getRun({ runId: -1 });
    await expect(failure).rejects.toBeInstanceOf(Error);
    await expect(failure).rejects.toThrow('invalid getRun request: runId: must be a positive whole number');
  });

  it('sends saveFile on lab:saveFile and unwraps the answer', async () => {
    vi.mocked(ipcRenderer.invoke).mockResolvedValueOnce({ ok: true, value: { saved: true, path: '/tmp/a.csv' } });
    const request = { fileName: 'a.csv', data: 'x\n', encoding: 'utf8' as const };
    await expect(lab.saveFile!(request)).resolves.toEqual({ saved: true, path: '/tmp/a.csv' });
    expect(ipcRenderer.invoke).toHaveBeenLastCalledWith('lab:saveFile', request);
    vi.mocked(ipcRenderer.invoke).mockResolvedValueOnce({ ok: false, error: { message: 'invalid saveFile request: fileName: must be a file name' } });
    await expect(lab.saveFile!(request)).rejects.toThrow('invalid saveFile request: fileName');
  });

  it('throws when main sends no envelope', async () => {
    vi.mocked(ipcRenderer.invoke).mockResolvedValueOnce(undefined);
    await expect(lab.listRuns({})).rejects.toThrow('lab.listRuns: main sent no answer');
  });

  it('subscribes to lab:event, passes only the message, and unsubscribes', () => {
    const listener = vi.fn();
    const off = lab.onEvent(listener);
    expect(ipcRenderer.on).toHaveBeenCalledTimes(1);
    const [channel, handler] = vi.mocked(ipcRenderer.on).mock.calls[0];
    expect(channel).toBe('lab:event');
    const message: RunEventMessage = { runId: 2, kind: 'queued' };
    (handler as (event: unknown, m: RunEventMessage) => void)({ sender: 'ipc internals' }, message);
    expect(listener).toHaveBeenCalledWith(message);
    expect(listener.mock.calls[0]).toHaveLength(1);
    off();
    expect(ipcRenderer.removeListener).toHaveBeenCalledWith('lab:event', handler);
  });

  it('refuses a listener that is not a function', () => {
    expect(() => lab.onEvent('nope' as never)).toThrow(TypeError);
    expect(ipcRenderer.on).not.toHaveBeenCalled();
  });
});

describe('preload: sweeps', () => {
  it('exposes startSweep, listGroups and getGroup, each on its own lab:<method> channel', async () => {
    for (const method of ['startSweep', 'listGroups', 'getGroup'] as const) expect(typeof exposed[method]).toBe('function');
    const request = { config: { seed: 1 } as never, vary: { path: 'seed', values: [1, 2] } };
    vi.mocked(ipcRenderer.invoke).mockResolvedValueOnce({ ok: true, value: { groupId: 4, runIds: [7, 8] } });
    await expect(lab.startSweep(request)).resolves.toEqual({ groupId: 4, runIds: [7, 8] });
    expect(ipcRenderer.invoke).toHaveBeenLastCalledWith('lab:startSweep', request);
    vi.mocked(ipcRenderer.invoke).mockResolvedValueOnce({ ok: true, value: [] });
    await expect(lab.listGroups({})).resolves.toEqual([]);
    expect(ipcRenderer.invoke).toHaveBeenLastCalledWith('lab:listGroups', {});
    vi.mocked(ipcRenderer.invoke).mockResolvedValueOnce({ ok: false, error: { message: 'group 9 does not exist' } });
    await expect(lab.getGroup({ groupId: 9 })).rejects.toThrow('group 9 does not exist');
    expect(ipcRenderer.invoke).toHaveBeenLastCalledWith('lab:getGroup', { groupId: 9 });
    vi.mocked(ipcRenderer.invoke).mockResolvedValueOnce({
      ok: false,
      error: { message: 'invalid startSweep request: vary.values[1]: config.seed: Too small', issues: [{ path: 'vary.values[1]', message: 'config.seed: Too small' }] },
    });
    await expect(lab.startSweep(request)).rejects.toThrow('invalid startSweep request: vary.values[1]: config.seed');
  });
});
