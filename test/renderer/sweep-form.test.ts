// The sweep part of the setup form (lib/sweep-form.ts): the settings offered, the values as
// typed, the number of runs, the messages per value (the same checks as main's validator), the
// request it sends; and the group filter and column of the run history, and the group mode route.
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/shared/config';
import { presets } from '../../src/shared/presets';
import type { GroupRecord, RunRecord } from '../../src/shared/results';
import { validateLabRequest } from '../../src/main/ipc-validate';
import {
  customSetting,
  emptySweepForm,
  parseSweepValues,
  suggestedValues,
  sweepChoices,
  sweepCountText,
  sweepPath,
  sweepState,
  type SweepForm,
} from '../../src/renderer/lib/sweep-form';
import { filterRuns, groupCell, groupLabel, matchesGroup, parseGroupFilter, sortRuns } from '../../src/renderer/lib/runs-table';
import { parseRoute } from '../../src/renderer/lib/route';
import { makeRunDetail } from '../fixtures/run-detail';

const config = validateConfig(presets['fit-1d-depth']);
const form = (overrides: Partial<SweepForm>): SweepForm => ({ ...emptySweepForm(), enabled: true, ...overrides });

describe('sweep form: settings and values', () => {
  it('offers depth, the hidden widths, seed, the first learning rate, batch size and any dotted path', () => {
    expect(sweepChoices.map((c) => c.id)).toEqual(['depth', 'model.hidden', 'model.stages', 'seed', 'training.schedule.0.rate', 'training.batchSize', customSetting]);
    expect(sweepPath({ setting: 'seed', customPath: 'ignored' })).toBe('seed');
    expect(sweepPath({ setting: customSetting, customPath: ' training.schedule[0].rate ' })).toBe('training.schedule.0.rate');
    expect(sweepPath({ setting: customSetting, customPath: 'model.activation' })).toBe('model.activation');
  });

  it('reads values separated by commas, lists of widths separated by ";", or a JSON list', () => {
    expect(parseSweepValues('1, 2 3;4', 'integers')).toEqual({ ok: true, values: [1, 2, 3, 4] });
    expect(parseSweepValues('0.01, 1e-3', 'numbers')).toEqual({ ok: true, values: [0.01, 0.001] });
    expect(parseSweepValues('1, two', 'integers')).toEqual({ ok: true, values: [1, 'two'] });
    expect(parseSweepValues('32, 32; 64 64\n[128]', 'lists')).toEqual({ ok: true, values: [[32, 32], [64, 64], [128]] });
    expect(parseSweepValues('[[32, 32], [64]]', 'lists')).toEqual({ ok: true, values: [[32, 32], [64]] });
    expect(parseSweepValues('tanh, relu, true, null, [1, 3]', 'any')).toEqual({ ok: true, values: ['tanh', 'relu', true, null, [1, 3]] });
    expect(parseSweepValues('[1, 2', 'numbers')).toMatchObject({ ok: false, message: expect.stringContaining('not valid JSON') });
    expect(parseSweepValues('{"a": 1, "b": "x, y"}; [2]', 'any')).toEqual({ ok: true, values: [{ a: 1, b: 'x, y' }, [2]] });
    expect(parseSweepValues('  ', 'integers')).toMatchObject({ ok: false });
  });

  it('suggests values from the config being edited', () => {
    expect(suggestedValues('depth', config)).toBe('2, 3, 4');
    expect(suggestedValues('model.hidden', config)).toBe('25, 25, 25; 50, 50, 50; 100, 100, 100');
    expect(suggestedValues('seed', config)).toBe('1, 2, 3');
    expect(suggestedValues('training.schedule.0.rate', config)).toBe('0.01, 0.001, 1e-4');
    expect(suggestedValues('training.batchSize', config)).toBe('16, 32, 64');
    expect(suggestedValues(customSetting, config)).toBe('');
  });
});

describe('sweep form: what it will queue', () => {
  it('counts the runs and builds the request the validator accepts', () => {
    const state = sweepState(form({ setting: 'seed', valuesText: '1, 2' }), config);
    expect(state.count).toBe(2);
    expect(state.issues).toEqual([]);
    expect(state.request).toEqual({ config, vary: { path: 'seed', values: [1, 2] } });
    expect(validateLabRequest('startSweep', state.request)).toMatchObject({ ok: true, value: { vary: { path: 'seed', values: [1, 2] } } });
    expect(sweepCountText(state.count)).toBe('Will queue 2 runs, one after another, stored as one group.');
    expect(sweepCountText(1)).toMatch(/^Will queue 1 run,/);
    expect(sweepCountText(0)).toBe('No values yet.');
    const depth = sweepState(form({ setting: 'depth', valuesText: '2, 3, 4' }), config);
    expect(depth.request?.vary).toEqual({ path: 'depth', values: [2, 3, 4] });
    const rates = sweepState(form({ setting: 'training.schedule.0.rate', valuesText: '0.01, 0.001' }), config);
    expect(rates.request?.vary).toEqual({ path: 'training.schedule.0.rate', values: [0.01, 0.001] });
  });

  it('names each value that makes the config invalid, in plain words', () => {
    const state = sweepState(form({ setting: 'seed', valuesText: '1, -1, x' }), config);
    expect(state.count).toBe(3);
    expect(state.request).toBeNull();
    expect(state.issues.map((i) => i.path)).toEqual(['vary.values[1]', 'vary.values[2]']);
    expect(state.messages).toEqual(['value 2 (-1): seed: must be at least 0', 'value 3 (x): seed: must be a number']);
    const batch = sweepState(form({ setting: 'training.batchSize', valuesText: '32, 0' }), config);
    expect(batch.messages).toEqual(['value 2 (0): training.batchSize: must be more than 0']);
    const depth = sweepState(form({ setting: 'depth', valuesText: '3, 0' }), config);
    expect(depth.messages).toEqual(['value 2 (0): a depth must be a whole number from 1 to 1000, not 0']);
  });

  it('says what is wrong with the setting, the list, or the settings above', () => {
    expect(sweepState(form({ setting: customSetting, customPath: '' }), config).messages).toEqual(['setting: type the dotted path of a setting, e.g. model.activation']);
    expect(sweepState(form({ setting: customSetting, customPath: 'model.colour', valuesText: 'red' }), config).messages).toEqual([
      'setting: model has no setting "colour" (it has kind, hidden, activation, output, init)',
    ]);
    const custom = sweepState(form({ setting: customSetting, customPath: 'model.activation', valuesText: 'tanh, relu' }), config);
    expect(custom.request?.vary).toEqual({ path: 'model.activation', values: ['tanh', 'relu'] });
    expect(sweepState(form({ setting: 'seed', valuesText: '' }), config).messages).toEqual(['values: type the values, separated by commas']);
    const many = sweepState(form({ setting: 'seed', valuesText: Array.from({ length: 51 }, (_, i) => i).join(',') }), config);
    expect(many.count).toBe(51);
    expect(many.messages).toEqual(['values: must have at most 50 values (it has 51)']);
    expect(sweepCountText(51)).toBe('51 runs: at most 50 per sweep.');
    const noConfig = sweepState(form({ setting: 'seed', valuesText: '1, 2' }), null);
    expect(noConfig.count).toBe(2);
    expect(noConfig.request).toBeNull();
    expect(noConfig.messages).toEqual(['fix the settings above first: the sweep starts from them']);
    const resnet = sweepState(form({ setting: 'depth', valuesText: '1, 2' }), validateConfig(presets['cifar10-resnet18-quick']));
    expect(resnet.messages[0]).toMatch(/^setting: the "depth" shorthand needs an mlp/);
  });
});

describe('run history: the group column and filter', () => {
  const record = (id: number, groupId: number | null, seed: number): RunRecord => {
    const { metrics, frequencies, ...rest } = makeRunDetail({ id, groupId, config: { ...makeRunDetail().config, seed } });
    void metrics;
    void frequencies;
    return rest;
  };
  const runs = [record(1, null, 1), record(2, 5, 1), record(3, 5, 2), record(4, 6, 9)];
  const groups: GroupRecord[] = [
    { id: 6, name: 'other', createdAt: '', varyPath: 'model.hidden', values: [[8]], baseConfig: runs[0].config, runIds: [4] },
    { id: 5, name: 'seeds', createdAt: '', varyPath: 'seed', values: [1, 2], baseConfig: runs[0].config, runIds: [2, 3] },
  ];

  it('filters by group: any, single runs only, or one group', () => {
    const ids = (list: RunRecord[]) => list.map((r) => r.id);
    expect(ids(filterRuns(runs, '', '', ''))).toEqual([1, 2, 3, 4]);
    expect(ids(filterRuns(runs, '', ''))).toEqual([1, 2, 3, 4]);
    expect(ids(filterRuns(runs, '', '', 'none'))).toEqual([1]);
    expect(ids(filterRuns(runs, '', '', 5))).toEqual([2, 3]);
    expect(ids(filterRuns(runs, 'failed', '', 5))).toEqual([]);
    expect(matchesGroup({ groupId: undefined }, 'none')).toBe(true);
    expect(parseGroupFilter('5')).toBe(5);
    expect(parseGroupFilter('none')).toBe('none');
    expect(parseGroupFilter('')).toBe('');
    expect(parseGroupFilter('x')).toBe('');
    // Sorting by group: by group id, single runs last either way.
    expect(ids(sortRuns(runs, { column: 'group', descending: false }))).toEqual([3, 2, 4, 1]);
    expect(ids(sortRuns(runs, { column: 'group', descending: true }))).toEqual([4, 3, 2, 1]);
  });

  it('shows the group and the run\'s swept value', () => {
    expect(groupCell(runs[0], groups)).toBeNull();
    expect(groupCell(runs[2], groups)).toEqual({ id: 5, name: 'seeds', value: 'seed = 2' });
    expect(groupCell(record(7, 99, 1), groups)).toEqual({ id: 99, name: 'group 99', value: '' });
    expect(groupLabel(groups[1])).toBe('#5 seeds (seed, 2 runs)');
  });

  it('keeps the group of the compare screen in the route', () => {
    expect(parseRoute(JSON.stringify({ screen: 'compare', runIds: [2, 3], groupId: 5 }))).toEqual({ screen: 'compare', runIds: [2, 3], groupId: 5 });
    expect(parseRoute(JSON.stringify({ screen: 'compare', runIds: [2], groupId: -1 }))).toEqual({ screen: 'compare', runIds: [2] });
  });
});
