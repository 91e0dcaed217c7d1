// The renderer's other pure helpers: the run table (sort, filter, search, tags), progress from
// run events (status, ETA, queue), routes, config differences, compare choices, exports and saving.
import { describe, expect, it, vi } from 'vitest';
import type { RunEventMessage } from '../../src/shared/api';
import { validateConfig } from '../../src/shared/config';
import type { RunRecord } from '../../src/shared/results';
import { layerChoices, runChoices, validChoice, validEpoch } from '../../src/renderer/lib/compare-options';
import { configDifferences, valuesAt } from '../../src/renderer/lib/differences';
import { csvExport, exportFileName, pngExport, pngPixelRatio, renderSvg, svgExport } from '../../src/renderer/lib/export';
import {
  applyRunEvent,
  durationText,
  elapsedSeconds,
  emptyProgress,
  epochsDone,
  etaSeconds,
  liveRunId,
  liveStatus,
  queuedRuns,
  type RunProgress,
} from '../../src/renderer/lib/progress';
import { navOf, parseRoute, saveRoute, loadRoute } from '../../src/renderer/lib/route';
import { filterRuns, matchesSearch, nextOrder, parseTags, settingsText, sortRuns } from '../../src/renderer/lib/runs-table';
import { base64Bytes, saveExport, type ExportFile } from '../../src/renderer/lib/save';
import { trainingFigure } from '../../src/shared/charts';
import { fixtureConfig, layerFrequency, makeRunDetail } from '../fixtures/run-detail';

function record(overrides: Partial<RunRecord>): RunRecord {
  const { metrics, frequencies, ...rest } = makeRunDetail();
  void metrics;
  void frequencies;
  return { ...rest, ...overrides };
}

describe('run table', () => {
  const runs = [
    record({ id: 1, name: 'baseline', status: 'completed', finalLoss: 0.02, createdAt: '2025-01-01T00:00:00Z', tags: ['mnist'] }),
    record({ id: 2, name: 'Deeper', status: 'failed', finalLoss: Number.NaN, createdAt: '2025-01-03T00:00:00Z', notes: 'out of memory' }),
    record({ id: 3, name: 'alpha', status: 'queued', finalLoss: null, lastEpoch: null, createdAt: '2025-01-02T00:00:00Z' }),
    record({ id: 4, name: 'best', status: 'completed', finalLoss: 0.005, createdAt: '2025-01-04T00:00:00Z' }),
  ];
  const ids = (list: RunRecord[]) => list.map((r) => r.id);

  it('sorts by a column either way; runs without a loss come last', () => {
    expect(ids(sortRuns(runs, { column: 'name', descending: false }))).toEqual([3, 1, 4, 2]);
    expect(ids(sortRuns(runs, { column: 'loss', descending: false }))).toEqual([4, 1, 3, 2]);
    expect(ids(sortRuns(runs, { column: 'loss', descending: true })).slice(0, 2)).toEqual([1, 4]);
    expect(ids(sortRuns(runs, { column: 'date', descending: true }))).toEqual([4, 2, 3, 1]);
    expect(ids(sortRuns(runs, { column: 'id', descending: true }))).toEqual([4, 3, 2, 1]);
  });

  it('flips the same column and starts a new one in its natural order', () => {
    expect(nextOrder({ column: 'name', descending: false }, 'name')).toEqual({ column: 'name', descending: true });
    expect(nextOrder({ column: 'name', descending: false }, 'date')).toEqual({ column: 'date', descending: true });
    expect(nextOrder({ column: 'date', descending: true }, 'loss')).toEqual({ column: 'loss', descending: false });
  });

  it('filters by status and searches every word in name, tags, notes, data set and model', () => {
    expect(ids(filterRuns(runs, 'completed', ''))).toEqual([1, 4]);
    expect(ids(filterRuns(runs, '', 'memory'))).toEqual([2]);
    expect(ids(filterRuns(runs, '', 'MNIST baseline'))).toEqual([1]);
    expect(ids(filterRuns(runs, '', 'mlp 500×5'))).toEqual([1, 2, 3, 4]);
    expect(matchesSearch(runs[0], '#1')).toBe(true);
    expect(ids(filterRuns(runs, 'failed', 'baseline'))).toEqual([]);
  });

  it('cleans typed tags and describes the key settings', () => {
    expect(parseTags(' a, b ,, a,c ')).toEqual(['a', 'b', 'c']);
    expect(settingsText(fixtureConfig)).toBe('adam 1e-4 · batch 128 · ≤2 epochs · stop < 0.01 · mse');
  });
});

describe('progress from run events', () => {
  const started: RunEventMessage = {
    runId: 5,
    kind: 'engine',
    event: { type: 'started', environment: { backend: 'wasm', backendDetail: 'wasm (SIMD)' } as never, analysisSamples: 100, trainSize: 1000 },
  };
  const batch = (epoch: number, b: number): RunEventMessage => ({ runId: 5, kind: 'engine', event: { type: 'batch', epoch, batch: b, batches: 10 } });
  const epoch = (e: number): RunEventMessage => ({
    runId: 5,
    kind: 'engine',
    event: { type: 'epoch', epoch: e, metrics: { epoch: e, loss: 0.1 / e, accuracy: 0.9, learningRate: 1e-3, seconds: 2 }, frequencies: [], analysisSeconds: 0 },
  });

  it('collects status, backend, batch, epoch and metrics, without changing the old map', () => {
    let map = new Map<number, RunProgress>();
    const first = applyRunEvent(map, { runId: 5, kind: 'queued' }, 0);
    expect(first.get(5)?.status).toBe('queued');
    expect(map.size).toBe(0);
    map = applyRunEvent(first, started, 1000);
    map = applyRunEvent(map, batch(1, 5), 2000);
    expect(map.get(5)).toMatchObject({ status: 'running', backend: 'wasm', backendDetail: 'wasm (SIMD)', startedAtMs: 1000, batch: { epoch: 1, batch: 5 } });
    map = applyRunEvent(map, epoch(1), 3000);
    expect(map.get(5)).toMatchObject({ epoch: 1, batch: null, metrics: { loss: 0.1 } });
    map = applyRunEvent(map, { runId: 5, kind: 'engine', event: { type: 'log', message: 'hello' } }, 3000);
    map = applyRunEvent(map, { runId: 5, kind: 'finished', outcome: { status: 'completed', message: 'done' } }, 4000);
    expect(map.get(5)).toMatchObject({ status: 'completed', message: 'done', log: ['hello'] });
  });

  it('shows the latest status: an ended stream or record wins over a stale running', () => {
    const p = { ...emptyProgress(1), status: 'completed' as const };
    expect(liveStatus({ status: 'running' }, p)).toBe('completed');
    expect(liveStatus({ status: 'cancelled' }, { ...emptyProgress(1), status: 'running' })).toBe('cancelled');
    expect(liveStatus({ status: 'queued' }, { ...emptyProgress(1), status: 'running' })).toBe('running');
    expect(liveStatus(null, null)).toBeNull();
  });

  it('computes elapsed time, epochs done with the running batch, and the ETA', () => {
    expect(elapsedSeconds({ startedAt: '2025-01-01T00:00:00Z', finishedAt: null }, null, Date.parse('2025-01-01T00:01:40Z'))).toBe(100);
    expect(elapsedSeconds({ startedAt: '2025-01-01T00:00:00Z', finishedAt: '2025-01-01T00:00:30Z' }, null, 1e15)).toBe(30);
    expect(elapsedSeconds(null, { ...emptyProgress(1), startedAtMs: 1000 }, 6000)).toBe(5);
    expect(elapsedSeconds(null, null, 0)).toBeNull();
    expect(epochsDone(4, { ...emptyProgress(1), batch: { epoch: 5, batch: 5, batches: 10 } })).toBe(4.5);
    expect(epochsDone(4, { ...emptyProgress(1), batch: { epoch: 9, batch: 5, batches: 10 } })).toBe(4);
    expect(etaSeconds(100, 4, 10)).toBe(150);
    expect(etaSeconds(100, 0, 10)).toBeNull();
    expect(etaSeconds(100, 10, 10)).toBe(0);
    expect(durationText(42.4)).toBe('42 s');
    expect(durationText(185)).toBe('3 min 05 s');
    expect(durationText(7620)).toBe('2 h 07 min');
    expect(durationText(null)).toBe('—');
  });

  it('picks the run to show live and orders the queue', () => {
    const runs = [record({ id: 1, status: 'completed' }), record({ id: 3, status: 'queued' }), record({ id: 2, status: 'queued' }), record({ id: 4, status: 'running' })];
    expect(queuedRuns(runs).map((r) => r.id)).toEqual([2, 3]);
    expect(liveRunId(runs, 3)).toBe(3);
    expect(liveRunId(runs, null)).toBe(4);
    expect(liveRunId(runs.filter((r) => r.status !== 'running'), null)).toBe(2);
    expect(liveRunId([record({ id: 1, status: 'completed' }), record({ id: 7, status: 'failed' })], null)).toBe(7);
    expect(liveRunId([], null)).toBeNull();
  });
});

describe('routes', () => {
  it('reads stored routes and falls back to the run history', () => {
    expect(parseRoute('{"screen":"compare","runIds":[3,"x",5,-1]}')).toEqual({ screen: 'compare', runIds: [3, 5] });
    expect(parseRoute('{"screen":"run","runId":4}')).toEqual({ screen: 'run', runId: 4 });
    expect(parseRoute('{"screen":"run","runId":"4"}')).toEqual({ screen: 'runs' });
    expect(parseRoute('not json')).toEqual({ screen: 'runs' });
    expect(parseRoute(null)).toEqual({ screen: 'runs' });
    expect(navOf({ screen: 'run', runId: 1 })).toBe('runs');
  });

  it('keeps the route in session storage, and survives storage that throws', () => {
    const store = new Map<string, string>();
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
    saveRoute({ screen: 'live' }, storage);
    expect(loadRoute(storage)).toEqual({ screen: 'live' });
    const broken = { getItem: () => { throw new Error('denied'); }, setItem: () => { throw new Error('denied'); } };
    expect(() => saveRoute({ screen: 'live' }, broken)).not.toThrow();
    expect(loadRoute(broken)).toEqual({ screen: 'runs' });
  });
});

describe('compare helpers', () => {
  it('lists the config paths the runs differ in', () => {
    const a = fixtureConfig;
    const b = validateConfig({ ...a, name: 'other', seed: 2, model: { ...a.model, hidden: [500, 500] }, analysis: { ...a.analysis, layers: [1, 2] } });
    expect(configDifferences([a, b])).toEqual(['analysis.layers', 'model.hidden', 'seed']);
    expect(configDifferences([a])).toEqual([]);
    expect(valuesAt([a, b], 'model.hidden')).toEqual(['[500,500,500,500,500]', '[500,500]']);
    expect(valuesAt([a], 'model.nothing')).toEqual(['—']);
  });

  it('offers layers counted from the output first, then from the input, and valid choices', () => {
    const a = makeRunDetail();
    expect(layerChoices([a])).toEqual([
      { value: -1, label: 'the last hidden layer' },
      { value: 1, label: 'layer 1' },
      { value: 5, label: 'layer 5' },
    ]);
    expect(runChoices([a])).toEqual([{ value: 7, label: `#7 ${a.name}` }]);
    expect(validChoice([{ value: 1, label: '' }], 9, 0)).toBe(1);
    expect(validChoice([], 9, -1)).toBe(-1);
    expect(validEpoch([0, 5, 10], 5)).toBe(5);
    expect(validEpoch([0, 5, 10], 7)).toBe(10);
    expect(validEpoch([], null)).toBe(0);
    void layerFrequency;
  });
});

describe('exports', () => {
  const figure = trainingFigure([makeRunDetail()]);

  it('names files after the figure, safely', () => {
    expect(exportFileName('loss_run-7', 'png')).toBe('frequency-lab_loss_run-7.png');
    expect(exportFileName('../../etc passwd', 'csv')).toBe('frequency-lab_etc-passwd.csv');
    expect(pngPixelRatio(1)).toBe(2);
    expect(pngPixelRatio(2.5)).toBe(3);
    expect(pngPixelRatio(undefined)).toBe(2);
  });

  it('takes the PNG from the chart as shown, at least 2x, on white', () => {
    const getDataURL = vi.fn(() => 'data:image/png;base64,iVBORw0KGgoAAAA=');
    const chart = { getDataURL, getOption: vi.fn(), getWidth: () => 800, getHeight: () => 400 };
    const file = pngExport(chart as never, figure.fileStem, 2);
    expect(getDataURL).toHaveBeenCalledWith({ type: 'png', pixelRatio: 2, backgroundColor: '#ffffff' });
    expect(file).toEqual({ fileName: 'frequency-lab_loss_run-7.png', data: 'iVBORw0KGgoAAAA=', encoding: 'base64', mime: 'image/png' });
    expect(() => pngExport({ ...chart, getDataURL: () => 'data:image/svg+xml;base64,xx' } as never, 'x')).toThrow(/PNG/);
  });

  it('draws the chart’s current option with the SVG renderer at the chart’s size', () => {
    const svg = renderSvg(figure.option, 640, 360);
    expect(svg).toMatch(/^<svg[^>]*width="640"[^>]*height="360"/);
    expect(svg).toContain('Training loss and accuracy');
    const chart = { getDataURL: vi.fn(), getOption: () => figure.option, getWidth: () => 500, getHeight: () => 300 };
    const file = svgExport(chart as never, figure.fileStem);
    expect(file.fileName).toBe('frequency-lab_loss_run-7.svg');
    expect(file.encoding).toBe('utf8');
    expect(file.data).toMatch(/width="500"/);
  });

  it('saves CSV text as it is', () => {
    expect(csvExport(figure.csv, figure.fileStem)).toEqual({ fileName: 'frequency-lab_loss_run-7.csv', data: figure.csv, encoding: 'utf8', mime: 'text/csv' });
  });
});

describe('saving', () => {
  const file: ExportFile = { fileName: 'a.csv', data: 'x\n', encoding: 'utf8', mime: 'text/csv' };

  it('uses the native save dialog when the bridge offers saveFile', async () => {
    const saveFile = vi.fn(async () => ({ saved: true as const, path: '/home/u/a.csv' }));
    const download = vi.fn();
    expect(await saveExport({ saveFile }, file, download)).toEqual({ saved: true, where: '/home/u/a.csv' });
    expect(saveFile).toHaveBeenCalledWith({ fileName: 'a.csv', data: 'x\n', encoding: 'utf8' });
    expect(download).not.toHaveBeenCalled();
    const cancelled = vi.fn(async () => ({ saved: false as const, path: null }));
    expect(await saveExport({ saveFile: cancelled }, file, download)).toEqual({ saved: false });
  });

  it('downloads in a browser (no saveFile)', async () => {
    const download = vi.fn();
    expect(await saveExport({}, file, download)).toEqual({ saved: true, where: 'downloads (a.csv)' });
    expect(download).toHaveBeenCalledWith(file);
  });

  it('decodes base64 to bytes', () => {
    expect([...base64Bytes(Buffer.from([0, 1, 254, 255]).toString('base64'))]).toEqual([0, 1, 254, 255]);
  });
});
