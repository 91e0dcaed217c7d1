import { describe, expect, it } from 'vitest';
import { deltaGridText, formatNumber, layerName, normalisationText, runLabel } from '../../../src/shared/charts';

describe('chart labels', () => {
  it('formats numbers compactly', () => {
    expect([0.1, 1000, 1e-5, 2.5e6, 0, 0.123456].map(formatNumber)).toEqual(['0.1', '1000', '1e-5', '2.5e6', '0', '0.1235']);
  });
  it('names layers, runs, normalisations and grids', () => {
    expect([0, 1, 5].map(layerName)).toEqual(['input', 'layer 1', 'layer 5']);
    expect(runLabel({ id: 3, name: '' })).toBe('run 3');
    expect(normalisationText({ kind: 'mean-distance', d0: 2 })).toBe('normalisation: mean pairwise sq. distance = 2');
    expect(deltaGridText({ kind: 'list', deltas: [0.5, 0.01, 2] })).toBe('δ grid: 3 listed points, 1/δ = 0.5 … 100');
  });
});
