// Main can draw the same compare figures the renderer shows: every kind renders through the
// command line's SVG export (echarts server-side rendering, no DOM) with its title and series.
import { describe, expect, it } from 'vitest';
import { compareChartKinds, compareFigure, type CompareSelections } from '../../../src/shared/charts';
import { renderChartSvg } from '../../../src/main/export/png';
import { layerFrequency, makeRunDetail } from '../../fixtures/run-detail';

describe('compare figures rendered in main', () => {
  const a = makeRunDetail();
  const b = makeRunDetail({ id: 8, name: 'second', frequencies: [layerFrequency(0, 1, 1, 25), layerFrequency(2, 1, 1, 5)] });
  const selections: CompareSelections = {
    'rdf-layers': { mode: 'runs', layer: 1, epoch: 2 },
    'rdf-epochs': { style: 'heatmap', layer: 1 },
    peaks: { logY: true },
    loss: {},
    depth: { lossTarget: 0.05 },
  };

  for (const kind of compareChartKinds) {
    it(`draws ${kind} to SVG`, () => {
      const figure = compareFigure(kind, [a, b], selections[kind]);
      const svg = renderChartSvg(figure.option, { width: 900, height: 440 });
      expect(svg).toMatch(/^<svg/);
      const title = (figure.option.title as { text: string }).text;
      expect(svg).toContain(title.replace(/&/g, '&amp;').replace(/"/g, '&quot;').slice(0, 20));
      expect(svg).toContain('<path');
    });
  }
});
