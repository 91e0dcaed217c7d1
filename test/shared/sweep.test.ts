import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/shared/config';
import { presets } from '../../src/shared/presets';
import { resolveSweep, sweepConfigs, sweepValueText, valueAt, withValueAt } from '../../src/shared/sweep';

describe('sweeps', () => {
  it('sets a value at a dotted path in a copy, through arrays, and reads it back', () => {
    const base = { a: { b: [{ c: 1 }, { c: 2 }] } };
    const changed = withValueAt(base, 'a.b.1.c', 7);
    expect(valueAt(changed, 'a.b.1.c')).toBe(7);
    expect(base.a.b[1].c).toBe(2);
    expect(valueAt(withValueAt({}, 'x.y', [1]), 'x.y')).toEqual([1]);
    expect(() => withValueAt({}, 'a..b', 1)).toThrow(/not a valid config path/);
    expect(() => withValueAt({}, '__proto__.x', 1)).toThrow(/not a valid config path/);
  });

  it('expands the depth shorthand to equal-width hidden layers of the first width', () => {
    expect(resolveSweep(presets['fit-1d-depth'], { path: 'depth', values: [3, 5] })).toEqual({
      path: 'model.hidden',
      values: [
        [50, 50, 50],
        [50, 50, 50, 50, 50],
      ],
    });
    expect(() => resolveSweep(presets['fit-1d-depth'], { path: 'depth', values: [0] })).toThrow(/depth values\[0\] must be a whole number >= 1/);
    expect(() => resolveSweep(presets['cifar10-resnet18-quick'], { path: 'depth', values: [2] })).toThrow(/needs an mlp/);
    expect(() => resolveSweep(presets['fit-1d-depth'], { path: 'seed', values: [] })).toThrow(/non-empty list/);
  });

  it('validates one config per value and names the value that is wrong', () => {
    const { configs } = sweepConfigs(presets['fit-1d-depth'], { path: 'seed', values: [1, 2] });
    expect(configs.map((c) => c.seed)).toEqual([1, 2]);
    try {
      sweepConfigs(presets['fit-1d-depth'], { path: 'training.batchSize', values: [8, -1] });
      throw new Error('expected a ConfigError');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as Error).message).toMatch(/config for training\.batchSize = -1 \(value 2 of the sweep\)/);
      expect((e as Error).message).toMatch(/training\.batchSize: /);
    }
  });

  it('shows equal widths as layers × width', () => {
    expect([sweepValueText([100, 100, 100]), sweepValueText([3, 4]), sweepValueText([5]), sweepValueText(0.001), sweepValueText('x')]).toEqual(['3×100', '[3,4]', '[5]', '0.001', 'x']);
  });
});
