import { describe, expect, it } from 'vitest';
import type { LineSeriesOption, XAXisComponentOption, YAXisComponentOption } from 'echarts';
import { analysedEpochs, rdfByLayerOption } from '../../../src/shared/charts';
import { layerFrequency, makeRunDetail } from '../../fixtures/run-detail';

type Title = { text: string; subtext: string };
const seriesOf = (o: ReturnType<typeof rdfByLayerOption>) => o.series as LineSeriesOption[];
const xAxisOf = (o: ReturnType<typeof rdfByLayerOption>) => o.xAxis as XAXisComponentOption;
const yAxisOf = (o: ReturnType<typeof rdfByLayerOption>) => o.yAxis as YAXisComponentOption;
const titleOf = (o: ReturnType<typeof rdfByLayerOption>) => o.title as Title;

describe('rdfByLayerOption', () => {
  const run = makeRunDetail();

  it('draws one series per analysed layer at the epoch, input side first', () => {
    const o = rdfByLayerOption(run, 2);
    expect(seriesOf(o).map((s) => s.name)).toEqual(['layer 1', 'layer 5']);
    expect(seriesOf(o).every((s) => s.type === 'line')).toBe(true);
    expect((o.legend as { data: string[] }).data).toEqual(['layer 1', 'layer 5']);
  });

  it('plots exactly the stored (rdfK, rdf) pairs of each layer', () => {
    for (const epoch of [0, 2]) {
      const o = rdfByLayerOption(run, epoch);
      const stored = run.frequencies.filter((f) => f.epoch === epoch).sort((a, b) => a.layer - b.layer);
      seriesOf(o).forEach((s, i) => {
        expect(s.data).toEqual(stored[i].rdfK.map((k, j) => [k, stored[i].rdf[j]]));
        expect(s.data).toHaveLength(4);
      });
    }
  });

  it('names the input layer "input" and keeps a layer colour fixed across epochs', () => {
    const r = makeRunDetail();
    r.frequencies.push(layerFrequency(2, 0, 0, 50));
    const o = rdfByLayerOption(r, 2);
    expect(seriesOf(o).map((s) => s.name)).toEqual(['input', 'layer 1', 'layer 5']);
    const colourAt = (epoch: number, name: string) =>
      seriesOf(rdfByLayerOption(r, epoch)).find((s) => s.name === name)?.color;
    expect(colourAt(0, 'layer 5')).toBe(colourAt(2, 'layer 5'));
  });

  it('labels the axes: 1/δ on a log x axis by default, RDF on y', () => {
    const o = rdfByLayerOption(run, 2);
    expect(xAxisOf(o)).toMatchObject({ name: '1/δ', type: 'log' });
    expect(yAxisOf(o)).toMatchObject({ name: 'RDF (dLFR/d(1/δ))', type: 'value' });
    expect(xAxisOf(rdfByLayerOption(run, 2, { logX: false })).type).toBe('value');
  });

  it('titles the run and epoch; the subtitle names the normalisation and the delta grid', () => {
    const t = titleOf(rdfByLayerOption(run, 2));
    expect(t.text).toContain(run.name);
    expect(t.text).toContain('epoch 2');
    expect(t.subtext).toContain('normalisation: mean pairwise sq. distance = 1');
    expect(t.subtext).toMatch(/5 log-spaced points, 1\/δ = 0\.1 … 1000/);
    expect(titleOf(rdfByLayerOption(run, 0)).text).toContain('epoch 0 (initialisation)');
    expect(titleOf(rdfByLayerOption(run, 2, { title: 'Figure 3' })).text).toBe('Figure 3');
  });

  it('takes the normalisation from the stored results', () => {
    const r = makeRunDetail();
    r.frequencies = r.frequencies.map((f) => ({ ...f, normalisation: { kind: 'unit-norm' as const } }));
    expect(titleOf(rdfByLayerOption(r, 2)).subtext).toContain('normalisation: unit L2 norm per sample');
    r.frequencies = r.frequencies.map((f) => ({ ...f, normalisation: { kind: 'none' as const } }));
    expect(titleOf(rdfByLayerOption(r, 2)).subtext).toContain('normalisation: none');
  });

  it('turns animation off and is plain JSON (safe to send over IPC)', () => {
    const o = rdfByLayerOption(run, 2);
    expect(o.animation).toBe(false);
    expect(JSON.parse(JSON.stringify(o))).toEqual(o);
  });

  it('lists the analysed epochs and rejects an epoch without analysis', () => {
    expect(analysedEpochs(run)).toEqual([0, 2]);
    expect(() => rdfByLayerOption(run, 1)).toThrow(/no frequency analysis at epoch 1 \(analysed: 0, 2\)/);
  });
});
