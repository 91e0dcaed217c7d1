// The renderer's pure helpers: run list text, chart states of a run, and live refresh rules.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RunEventMessage } from '../../src/shared/api';
import { dataSetText, dateText, lossText, modelText } from '../../src/renderer/lib/format';
import { progressText, refreshFor, throttle } from '../../src/renderer/lib/live';
import { lossChart, rdfChart } from '../../src/renderer/lib/run-charts';
import { validateConfig } from '../../src/shared/config';
import { presets } from '../../src/shared/presets';
import { fixtureConfig, makeRunDetail } from '../fixtures/run-detail';

describe('run list text', () => {
  it('describes the data set and the model in a few words', () => {
    expect(dataSetText(fixtureConfig)).toBe('mnist (t10k, 5000)');
    expect(modelText(fixtureConfig)).toBe('MLP 500×5 tanh');
    const sine = validateConfig({
      ...presets['mnist-fc-quick'],
      data: { kind: 'synthetic', target: { kind: 'cos-sum', frequencies: [3, 5] }, trainSize: 2000 },
      model: { kind: 'mlp', hidden: [64, 32], activation: 'relu' },
      analysis: { ...presets['mnist-fc-quick'].analysis, layers: [1, 2] },
    });
    expect(dataSetText(sine)).toBe('cos(3x) + cos(5x), 2000 points');
    expect(modelText(sine)).toBe('MLP 64-32 relu');
  });

  it('formats losses and dates', () => {
    expect(lossText(null)).toBe('—');
    expect(lossText(Number.NaN)).toBe('NaN');
    expect(lossText(0.041234567)).toBe('0.04123');
    expect(dateText('2025-03-04T05:06:00.000Z')).toMatch(/^2025-03-0[45] \d\d:06$/);
    expect(dateText('not a date')).toBe('not a date');
  });
});

describe('run charts', () => {
  it('draws the RDF per layer at the last analysed epoch, and the loss', () => {
    const run = makeRunDetail();
    const rdf = rdfChart(run);
    expect('option' in rdf && rdf.caption).toBe('RDF per layer at epoch 2 (analysed epochs: 0, 2)');
    const series = 'option' in rdf ? (rdf.option.series as { name: string }[]) : [];
    expect(series.map((s) => s.name)).toEqual(['layer 1', 'layer 5']);
    expect('option' in lossChart(run)).toBe(true);
  });

  it('says what is missing for a run without results', () => {
    const run = makeRunDetail({ status: 'queued', metrics: [], frequencies: [] });
    expect(rdfChart(run)).toEqual({ empty: 'No frequency analysis stored yet.' });
    expect(lossChart(run)).toEqual({ empty: 'No training epoch finished yet.' });
  });
});

describe('live updates', () => {
  afterEach(() => vi.useRealTimers());

  it('reloads the list on lifecycle events and the selected run on its stored epochs', () => {
    const epoch: RunEventMessage = { runId: 2, kind: 'engine', event: { type: 'epoch', epoch: 1, metrics: null, frequencies: [], analysisSeconds: 0 } };
    expect(refreshFor(epoch, 2)).toEqual({ list: true, detail: true });
    expect(refreshFor(epoch, 3)).toEqual({ list: true, detail: false });
    expect(refreshFor({ runId: 2, kind: 'engine', event: { type: 'batch', epoch: 1, batch: 2, batches: 9 } }, 2)).toEqual({ list: false, detail: false });
    expect(refreshFor({ runId: 2, kind: 'finished', outcome: { status: 'completed', message: '' } }, 2)).toEqual({ list: true, detail: true });
    expect(progressText({ runId: 2, kind: 'engine', event: { type: 'batch', epoch: 1, batch: 2, batches: 9 } })).toBe('epoch 1: batch 2 of 9');
  });

  it('throttles reloads to one now and one trailing call', () => {
    vi.useFakeTimers();
    const fn = vi.fn();
    const t = throttle(fn, 500);
    t();
    t();
    t();
    expect(fn).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(500);
    expect(fn).toHaveBeenCalledTimes(2);
    vi.advanceTimersByTime(2000);
    expect(fn).toHaveBeenCalledTimes(2);
  });
});
