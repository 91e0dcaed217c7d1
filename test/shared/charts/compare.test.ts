// The compare charts: each figure's option (series, points, legend names, axes, subtitle) and
// its CSV are checked against the stored results they are built from.
import { describe, expect, it } from 'vitest';
import type {
  HeatmapSeriesOption,
  LineSeriesOption,
  ScatterSeriesOption,
  XAXisComponentOption,
  YAXisComponentOption,
} from 'echarts';
import {
  compareChartKinds,
  compareFigure,
  defaultLossTarget,
  depthFigure,
  epochsToLoss,
  nearestEpoch,
  peaksFigure,
  rampColor,
  rdfEpochsFigure,
  rdfLayersFigure,
  resolveLayerChoice,
  toCsv,
  trainingFigure,
  unionEpochs,
} from '../../../src/shared/charts';
import { validateConfig } from '../../../src/shared/config';
import type { RunDetail } from '../../../src/shared/results';
import { fixtureConfig, layerFrequency, makeRunDetail } from '../../fixtures/run-detail';

type Title = { text: string; subtext: string };
const series = (o: { series?: unknown }) => o.series as LineSeriesOption[];
const title = (o: { title?: unknown }) => o.title as Title;
const csvRows = (csv: string) => csv.trimEnd().split('\n');

/** Run 7 (5 hidden layers, layers 1 and 5 analysed at epochs 0 and 2) and a deeper run 8 (7
 *  hidden layers, layers 1 and 7 analysed at epochs 0 and 3, loss halved, with validation). */
function twoRuns(): [RunDetail, RunDetail] {
  const a = makeRunDetail();
  const deeper = validateConfig({ ...fixtureConfig, model: { ...fixtureConfig.model, hidden: [500, 500, 500, 500, 500, 500, 500] } });
  const b = makeRunDetail({
    id: 8,
    name: 'deeper',
    config: deeper,
    frequencies: [layerFrequency(0, 1, 1, 40), layerFrequency(0, 7, -1, 25), layerFrequency(3, 1, 1, 10), layerFrequency(3, 7, -1, 2)],
  });
  b.metrics = [1, 2, 3].map((epoch) => ({ epoch, loss: 0.08 / 2 ** epoch, accuracy: 0.5 + 0.1 * epoch, learningRate: 1e-4, seconds: 1, validationLoss: 0.12 / 2 ** epoch, validationAccuracy: 0.5 }));
  return [a, b];
}

describe('helpers', () => {
  it('finds the nearest analysed epoch (the earlier on a tie) and the union of epochs', () => {
    expect(nearestEpoch([0, 2, 10], 9)).toBe(10);
    expect(nearestEpoch([0, 2], 1)).toBe(0);
    expect(nearestEpoch([], 1)).toBeNull();
    expect(unionEpochs(twoRuns())).toEqual([0, 2, 3]);
  });

  it('resolves layers counted from the output against each run’s depth', () => {
    const [a, b] = twoRuns();
    expect(resolveLayerChoice(a, -1)).toBe(5);
    expect(resolveLayerChoice(b, -1)).toBe(7);
    expect(resolveLayerChoice(b, 2)).toBe(2);
    expect(resolveLayerChoice(a, -9)).toBeNull();
  });

  it('writes CSV with quoting, exact numbers and empty cells for null', () => {
    expect(toCsv(['a', 'b'], [['x,y', 0.1 + 0.2], [null, Number.NaN], ['say "hi"', Infinity]])).toBe(
      'a,b\n"x,y",0.30000000000000004\n,NaN\n"say ""hi""",Inf\n',
    );
  });

  it('colours epochs along a sequential ramp', () => {
    expect(rampColor(0)).toBe('#440154');
    expect(rampColor(1)).toBe('#bddf26');
    expect(rampColor(0.5)).toMatch(/^#[0-9a-f]{6}$/);
  });
});

describe('rdf-layers: RDF against 1/δ at one epoch', () => {
  it('overlays every analysed layer of one run, named by run, layer and epoch', () => {
    const [a, b] = twoRuns();
    const f = rdfLayersFigure([a, b], { mode: 'layers', runId: 8, epoch: 3 });
    const s = series(f.option);
    expect(s.map((x) => x.name)).toEqual(['#8 · layer 1 · epoch 3', '#8 · layer 7 · epoch 3']);
    const stored = b.frequencies.filter((x) => x.epoch === 3);
    s.forEach((x, i) => expect(x.data).toEqual(stored[i].rdfK.map((k, j) => [k, stored[i].rdf[j]])));
    expect((f.option.legend as { data: string[] }).data).toEqual(s.map((x) => x.name));
    expect(title(f.option).text).toBe('RDF per layer — #8 deeper, epoch 3');
    expect(title(f.option).subtext).toBe('normalisation: mean pairwise sq. distance = 1\nδ grid: 5 log-spaced points, 1/δ = 0.1 … 1000');
    expect(f.notes).toEqual([]);
    const rows = csvRows(f.csv);
    expect(rows[0]).toBe('run_id,run,layer,epoch,k,value');
    expect(rows).toHaveLength(1 + 2 * 4);
    expect(rows[1]).toBe(`8,deeper,1,3,${stored[0].rdfK[0]},${stored[0].rdf[0]}`);
  });

  it('overlays one layer across runs; each run shows its analysed epoch nearest to the one asked', () => {
    const [a, b] = twoRuns();
    const f = rdfLayersFigure([a, b], { mode: 'runs', layer: -1, epoch: 3 });
    expect(series(f.option).map((x) => x.name)).toEqual([`#7 MNIST, fully connected… · layer 5 · epoch 2`, '#8 deeper · layer 7 · epoch 3']);
    expect(f.notes).toEqual([`#7 ${a.name} was not analysed at epoch 3: epoch 2 is shown.`]);
    expect(series(f.option)[0].color).not.toBe(series(f.option)[1].color);
    expect(title(f.option).text).toBe('RDF of the last hidden layer across runs — epoch 3');
    expect(csvRows(f.csv).slice(1).map((r) => r.split(',').slice(-4, -2).join(','))).toEqual([...Array(4).fill('5,2'), ...Array(4).fill('7,3')]);
    const missing = rdfLayersFigure([a, b], { mode: 'runs', layer: 7, epoch: 0 });
    expect(series(missing.option)).toHaveLength(1);
    expect(missing.notes[0]).toMatch(/^#7 .* has no results for layer 7/);
  });

  it('switches axes between log and linear and leaves gaps where a log axis cannot show a value', () => {
    const [a] = twoRuns();
    a.frequencies[2].rdf[1] = -0.001;
    const lin = rdfLayersFigure([a], { mode: 'layers', epoch: 2, logX: false });
    expect((lin.option.xAxis as XAXisComponentOption).type).toBe('value');
    expect((lin.option.yAxis as YAXisComponentOption).type).toBe('value');
    const log = rdfLayersFigure([a], { mode: 'layers', epoch: 2, logY: true });
    expect((log.option.xAxis as XAXisComponentOption).type).toBe('log');
    expect((log.option.yAxis as YAXisComponentOption).type).toBe('log');
    expect((series(log.option)[0].data as number[][])[1][1]).toBeNull();
    expect(csvRows(log.csv)[2].endsWith(',-0.001')).toBe(true); // the CSV keeps the stored value
  });

  it('names the delta grids per run when the runs differ', () => {
    const [a, b] = twoRuns();
    b.config = validateConfig({ ...b.config, analysis: { ...b.config.analysis, deltaGrid: { kind: 'log-k', kMin: 1, kMax: 100, count: 20 } } });
    const sub = title(rdfLayersFigure([a, b], { mode: 'runs', epoch: 0 }).option).subtext.split('\n');
    expect(sub).toEqual([
      'normalisation: mean pairwise sq. distance = 1',
      'δ grid: 5 log-spaced points, 1/δ = 0.1 … 1000 (#7)',
      'δ grid: 20 log-spaced points, 1/δ = 1 … 100 (#8)',
    ]);
  });
});

describe('rdf-epochs: one layer across epochs', () => {
  it('draws one curve per analysed epoch, early to late', () => {
    const [a, b] = twoRuns();
    const f = rdfEpochsFigure([a, b], { runId: 8, layer: 1, style: 'curves' });
    expect(series(f.option).map((x) => x.name)).toEqual(['#8 · layer 1 · epoch 0', '#8 · layer 1 · epoch 3']);
    expect(series(f.option).map((x) => x.color)).toEqual([rampColor(0), rampColor(1)]);
    expect(title(f.option).text).toBe('RDF of layer 1 across epochs — #8 deeper');
    expect(csvRows(f.csv)).toHaveLength(1 + 2 * 4);
    expect(f.fileStem).toBe('rdf-epochs_run-8_layer-1');
  });

  it('draws a heat map of epoch × 1/δ with every stored value', () => {
    const [a] = twoRuns();
    const f = rdfEpochsFigure([a], { layer: -1, style: 'heatmap' });
    const [heat] = f.option.series as HeatmapSeriesOption[];
    expect(heat.type).toBe('heatmap');
    const l5 = a.frequencies.filter((x) => x.layer === 5);
    expect(heat.data).toEqual(l5.flatMap((r, y) => r.rdf.map((v, x) => [x, y, v])));
    expect((f.option.yAxis as { data: string[] }).data).toEqual(['0', '2']);
    expect((f.option.xAxis as { data: string[] }).data).toHaveLength(4);
    const vm = f.option.visualMap as { min: number; max: number };
    const values = l5.flatMap((r) => r.rdf);
    expect(vm.min).toBe(Math.min(...values));
    expect(vm.max).toBe(Math.max(...values));
    expect(f.fileStem).toBe('rdf-heatmap_run-7_layer--1');
  });
});

describe('peaks: RDF peak position against epoch', () => {
  it('draws one line per layer and run: colour by layer, line style by run', () => {
    const [a, b] = twoRuns();
    const f = peaksFigure([a, b]);
    const s = series(f.option);
    expect(s.map((x) => x.name)).toEqual([
      '#7 MNIST, fully connected… · layer 1',
      '#7 MNIST, fully connected… · layer 5',
      '#8 deeper · layer 1',
      '#8 deeper · layer 7',
    ]);
    expect(s[0].color).toBe(s[2].color);
    expect((s[0].lineStyle as { type: string }).type).not.toBe((s[2].lineStyle as { type: string }).type);
    expect(s[3].data).toEqual(b.frequencies.filter((x) => x.layer === 7).map((x) => [x.epoch, x.peakK]));
    expect((f.option.yAxis as YAXisComponentOption).name).toBe('RDF peak at 1/δ');
    const rows = csvRows(f.csv);
    expect(rows[0]).toBe('run_id,run,layer,epoch,peak_k');
    expect(rows).toHaveLength(1 + 8);
    expect(title(peaksFigure([a]).option).text).toContain('#7');
    expect(series(peaksFigure([a]).option).map((x) => x.name)).toEqual(['layer 1', 'layer 5']);
  });

  it('leaves epoch 0 out on a log epoch axis', () => {
    const [a] = twoRuns();
    const f = peaksFigure([a], { logX: true });
    expect((series(f.option)[0].data as (number | null)[][])[0][0]).toBeNull();
  });
});

describe('loss: training curves overlaid', () => {
  it('draws loss and accuracy per run, validation dashed, one colour per run', () => {
    const [a, b] = twoRuns();
    const f = trainingFigure([a, b]);
    const s = series(f.option);
    expect(s.map((x) => x.name)).toEqual([`#7 ${a.name}`, `#7 ${a.name}`, '#8 deeper', '#8 deeper', '#8 deeper (validation)', '#8 deeper (validation)']);
    expect(s[0].data).toEqual(a.metrics.map((m) => [m.epoch, m.loss]));
    expect(s[1].data).toEqual(a.metrics.map((m) => [m.epoch, m.accuracy]));
    expect(s[4].data).toEqual(b.metrics.map((m) => [m.epoch, m.validationLoss]));
    expect((s[4].lineStyle as { type: string }).type).toBe('dashed');
    expect(s[2].color).toBe(s[4].color);
    const [loss] = f.option.yAxis as YAXisComponentOption[];
    expect(loss).toMatchObject({ type: 'log', name: 'training loss (mse)' });
    expect(((trainingFigure([a], { logY: false }).option.yAxis as YAXisComponentOption[])[0]).type).toBe('value');
    const rows = csvRows(f.csv);
    expect(rows[0]).toBe('run_id,run,epoch,loss,accuracy,validation_loss,validation_accuracy');
    expect(rows).toHaveLength(1 + 2 + 3);
    expect(rows[1].endsWith(',0.61,,')).toBe(true);
  });
});

describe('depth: epochs to a training loss against depth', () => {
  it('finds the first epoch below the target for each run, and a target every run reached', () => {
    const [a, b] = twoRuns();
    expect(epochsToLoss(a.metrics, 0.05)).toBe(2);
    expect(epochsToLoss(b.metrics, 0.05)).toBe(1);
    expect(epochsToLoss(a.metrics, 0.01)).toBeNull();
    expect(defaultLossTarget([a, b])).toBe(0.01); // both share stop.lossBelow
    b.config = validateConfig({ ...b.config, training: { ...b.config.training, stop: { maxEpochs: 3, lossBelow: null } } });
    const t = defaultLossTarget([a, b])!;
    expect(t).toBeGreaterThan(a.metrics[1].loss);
    expect(epochsToLoss(a.metrics, t)).toBe(2);
  });

  it('plots one point per run at (depth, epochs) and the mean per depth', () => {
    const [a, b] = twoRuns();
    const f = depthFigure([a, b], { lossTarget: 0.05 });
    const s = f.option.series as (ScatterSeriesOption | LineSeriesOption)[];
    expect(s.map((x) => x.name)).toEqual([`#7 ${a.name}`, '#8 deeper', 'mean per depth']);
    expect(s[0].data).toEqual([[5, 2]]);
    expect(s[1].data).toEqual([[7, 1]]);
    expect(s[2].data).toEqual([
      [5, 2],
      [7, 1],
    ]);
    expect(f.notes).toEqual([]);
    expect(csvRows(f.csv)).toEqual(['run_id,run,depth,loss_target,epochs', `7,"${a.name.replace(/"/g, '""')}",5,0.05,2`, '8,deeper,7,0.05,1']);
  });

  it('says which runs did not reach the target and when the runs do not differ in depth', () => {
    const [a] = twoRuns();
    const f = depthFigure([a, makeRunDetail({ id: 9, name: 'same depth' })], { lossTarget: 0.01 });
    expect(f.notes[0]).toMatch(/do not differ in depth \(all have 5 layers\)/);
    expect(f.notes.slice(1)).toHaveLength(2);
    expect(csvRows(f.csv)[1].endsWith(',5,0.01,')).toBe(true);
  });
});

describe('compareFigure', () => {
  it('draws every kind by name', () => {
    const runs = twoRuns();
    const selections = {
      'rdf-layers': { mode: 'layers' as const, epoch: 0 },
      'rdf-epochs': { style: 'curves' as const },
      peaks: {},
      loss: {},
      depth: { lossTarget: 0.05 },
    };
    for (const kind of compareChartKinds) {
      const f = compareFigure(kind, runs, selections[kind]);
      expect(f.option.backgroundColor).toBe('#ffffff');
      expect(f.option.animation).toBe(false);
      expect(f.csv.split('\n').length).toBeGreaterThan(2);
      expect(f.fileStem).toMatch(/^[A-Za-z0-9._-]+$/);
    }
    expect(() => compareFigure('pie' as never, runs, {} as never)).toThrow(/unknown compare chart/);
  });
});
