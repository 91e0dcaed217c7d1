// The experiment config (src/shared/config.ts) and the named presets (src/shared/presets.ts):
// the paper preset against method.md section 4.1, defaults, one message per offending field, and
// the small helpers every part of the app uses to read a config.
import { describe, it, expect } from 'vitest';
import {
  ConfigError,
  deltaGridK,
  isScheduledAnalysisEpoch,
  learningRateAt,
  parseConfig,
  resolveLayerIndex,
  validateConfig,
  type AnalysisConfig,
  type ConfigIssue,
  type ExperimentConfig,
  type TrainingConfig,
} from '../../src/shared/config';
import { presetNames, presets } from '../../src/shared/presets';

/** A small valid config with every defaulted field left out. */
function minimalInput(): Record<string, any> {
  return {
    seed: 3,
    data: { kind: 'idx', dir: 'some/folder', trainSize: 100 },
    model: { kind: 'mlp', hidden: [8, 4] },
    training: {
      optimiser: { kind: 'adam' },
      schedule: [{ fromEpoch: 1, rate: 0.01 }],
      batchSize: 10,
      stop: { maxEpochs: 5 },
    },
    analysis: {
      layers: [1, 2],
      epochs: {},
      samples: 50,
      deltaGrid: { kind: 'log-k', kMin: 1, kMax: 10, count: 3 },
    },
  };
}

/** The issues of `minimalInput()` after `change`; fails the test if the config is accepted. */
function issuesAfter(change: (c: Record<string, any>) => void): ConfigIssue[] {
  const input = minimalInput();
  change(input);
  const r = parseConfig(input);
  if (r.ok) throw new Error('expected the config to be rejected');
  return r.issues;
}

/** Sorted issue paths, so tests do not depend on the order the validator visits fields in. */
function pathsOf(issues: ConfigIssue[]): string[] {
  return issues.map((i) => i.path).sort();
}

function acceptedAfter(change: (c: Record<string, any>) => void): ExperimentConfig {
  const input = minimalInput();
  change(input);
  const r = parseConfig(input);
  if (!r.ok) throw new Error(`expected the config to be accepted: ${JSON.stringify(r.issues)}`);
  return r.config;
}

describe('presets', () => {
  it('every preset validates', () => {
    expect(presetNames.length).toBeGreaterThanOrEqual(2);
    expect(presetNames).toContain('mnist-fc');
    expect(presetNames).toContain('mnist-fc-quick');
    for (const name of presetNames) {
      const r = parseConfig(presets[name]);
      expect(r.ok ? [] : r.issues, name).toEqual([]);
    }
  });

  it('mnist-fc has exactly the settings of method.md section 4.1', () => {
    const c = validateConfig(presets['mnist-fc']);
    // 784-500-500-500-500-500-10: MNIST images in, ten classes out, five hidden layers of 500.
    expect(c.data.kind).toBe('idx');
    expect(c.data.kind === 'idx' && c.data.files).toBe('train'); // the 60000-image training files
    expect(c.data.trainSize).toBe(30000);
    expect(c.model.hidden).toEqual([500, 500, 500, 500, 500]);
    expect(c.model.activation).toBe('tanh');
    expect(c.model.output).toBe('linear'); // no activation on the output
    expect(c.training.loss).toBe('mse');
    expect(c.training.optimiser.kind).toBe('adam');
    expect(c.training.schedule).toEqual([{ fromEpoch: 1, rate: 1e-5 }]);
    expect(c.training.batchSize).toBe(256);
    expect(c.training.stop.lossBelow).toBe(1e-2);
    expect(c.analysis.layers).toEqual([1, 2, 3, 4, 5]);
    expect(c.analysis.samples).toBe(5000);
    // The paper shows epochs 0, 200, 400, 600, 800; the run must be allowed to reach them.
    expect(c.training.stop.maxEpochs).toBeGreaterThanOrEqual(800);
    for (const e of [0, 200, 400, 600, 800]) expect(isScheduledAnalysisEpoch(c.analysis.epochs, e), `epoch ${e}`).toBe(true);
    for (const e of [1, 100, 199, 201, 399]) expect(isScheduledAnalysisEpoch(c.analysis.epochs, e), `epoch ${e}`).toBe(false);
  });

  it('the presets are data: validating one does not change it', () => {
    const before = JSON.stringify(presets['mnist-fc']);
    validateConfig(presets['mnist-fc']);
    expect(JSON.stringify(presets['mnist-fc'])).toBe(before);
  });
});

describe('defaults', () => {
  it('fills every field that has a documented default', () => {
    const c = validateConfig(minimalInput());
    expect(c.version).toBe(1);
    expect(c.name).toBe('');
    expect(c.backend).toBe('auto');
    expect(c.data).toEqual({ kind: 'idx', dir: 'some/folder', files: 'train', trainSize: 100 });
    expect(c.model).toEqual({ kind: 'mlp', hidden: [8, 4], activation: 'tanh', output: 'linear', init: 'glorot-uniform' });
    expect(c.training.loss).toBe('mse');
    expect(c.training.optimiser).toEqual({ kind: 'adam', beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });
    expect(c.training.stop).toEqual({ maxEpochs: 5, lossBelow: null });
    expect(c.analysis.epochs).toEqual({ every: null, at: [0], final: true });
    expect(c.analysis.normalisation).toEqual({ kind: 'mean-distance', d0: 1 }); // method.md 2: D0 is the default
    expect(c.analysis.blockRows).toBe(256);
  });

  it('fills defaults inside the variants of a union', () => {
    const c = acceptedAfter((i) => {
      i.data = { kind: 'synthetic', target: { kind: 'sin', m: 2 }, trainSize: 64 };
      i.training.optimiser = { kind: 'sgd' };
      i.analysis.normalisation = { kind: 'mean-distance' };
    });
    expect(c.data).toEqual({ kind: 'synthetic', target: { kind: 'sin', m: 2 }, trainSize: 64, interval: [-1, 1] });
    expect(c.training.optimiser).toEqual({ kind: 'sgd', momentum: 0.9 });
    expect(c.analysis.normalisation).toEqual({ kind: 'mean-distance', d0: 1 });
  });

  it('keeps the values that are given', () => {
    const c = acceptedAfter((i) => {
      i.model.activation = 'relu';
      i.model.init = 'he-normal';
      i.backend = 'cpu';
      i.analysis.epochs = { every: 2, at: [0, 3], final: false };
    });
    expect(c.model.activation).toBe('relu');
    expect(c.model.init).toBe('he-normal');
    expect(c.backend).toBe('cpu');
    expect(c.analysis.epochs).toEqual({ every: 2, at: [0, 3], final: false });
  });
});

describe('invalid configs: one message per offending field, with its dotted path', () => {
  it('zero and negative sizes', () => {
    const cases: Array<[string, (c: Record<string, any>) => void]> = [
      ['data.trainSize', (c) => (c.data.trainSize = 0)],
      ['data.trainSize', (c) => (c.data.trainSize = -5)],
      ['model.hidden[1]', (c) => (c.model.hidden = [8, 0])],
      ['model.hidden[0]', (c) => (c.model.hidden = [-4, 8])],
      ['training.batchSize', (c) => (c.training.batchSize = 0)],
      ['training.stop.maxEpochs', (c) => (c.training.stop.maxEpochs = -1)],
      ['analysis.samples', (c) => (c.analysis.samples = 0)],
      ['analysis.blockRows', (c) => (c.analysis.blockRows = 0)],
      ['analysis.deltaGrid.count', (c) => (c.analysis.deltaGrid.count = 1)],
      ['analysis.deltaGrid.kMin', (c) => (c.analysis.deltaGrid.kMin = -1)],
      ['seed', (c) => (c.seed = -1)],
    ];
    for (const [path, change] of cases) {
      expect(pathsOf(issuesAfter(change)), path).toEqual([path]);
    }
  });

  it('a size that breaks two rules of its field still gets one message', () => {
    const issues = issuesAfter((c) => (c.model.hidden = [8, -1.5]));
    expect(pathsOf(issues)).toEqual(['model.hidden[1]']);
  });

  it('several bad sizes: one message each', () => {
    const issues = issuesAfter((c) => {
      c.data.trainSize = 0;
      c.training.batchSize = -1;
      c.model.hidden = [0, 0];
    });
    expect(pathsOf(issues)).toEqual(['data.trainSize', 'model.hidden[0]', 'model.hidden[1]', 'training.batchSize']);
  });

  it('an empty hidden list is one message on model.hidden (not also one per analysed layer)', () => {
    const issues = issuesAfter((c) => (c.model.hidden = []));
    expect(pathsOf(issues)).toEqual(['model.hidden']);
  });

  it('NaN is rejected wherever a number is expected', () => {
    const issues = issuesAfter((c) => {
      c.seed = NaN;
      c.training.batchSize = NaN;
      c.training.schedule[0].rate = NaN;
      c.analysis.deltaGrid.kMax = NaN;
    });
    expect(pathsOf(issues)).toEqual([
      'analysis.deltaGrid.kMax',
      'seed',
      'training.batchSize',
      'training.schedule[0].rate',
    ]);
  });

  it('unknown fields at several depths, one message per unknown key', () => {
    const issues = issuesAfter((c) => {
      c.colour = 'red';
      c.model.dropout = 0.5;
      c.model.bias = true;
      c.training.stop.patience = 3;
      c.training.schedule[0].warmup = 1;
      c.analysis.epochs.last = true;
      c.analysis.deltaGrid.base = 10;
    });
    expect(pathsOf(issues)).toEqual([
      'analysis.deltaGrid.base',
      'analysis.epochs.last',
      'colour',
      'model.bias',
      'model.dropout',
      'training.schedule[0].warmup',
      'training.stop.patience',
    ]);
    for (const i of issues) expect(i.message).toMatch(/unknown/);
  });

  it('wrong types', () => {
    const issues = issuesAfter((c) => {
      c.seed = '3';
      c.name = 7;
      c.model.activation = 'gelu';
      c.training.batchSize = '10';
      c.analysis.epochs.final = 'yes';
      c.backend = 'gpu';
    });
    expect(pathsOf(issues)).toEqual([
      'analysis.epochs.final',
      'backend',
      'model.activation',
      'name',
      'seed',
      'training.batchSize',
    ]);
  });

  it('not an object at all', () => {
    for (const input of [null, [], 'config', 3]) {
      const r = parseConfig(input);
      expect(r.ok).toBe(false);
      expect(r.ok ? [] : r.issues.length).toBe(1);
    }
  });

  it('a delta list with a zero, a negative value or a duplicate', () => {
    const withDeltas = (deltas: number[]) => (c: Record<string, any>) => (c.analysis.deltaGrid = { kind: 'list', deltas });
    expect(pathsOf(issuesAfter(withDeltas([0, 0.1, 1])))).toEqual(['analysis.deltaGrid.deltas[0]']);
    expect(pathsOf(issuesAfter(withDeltas([0.1, 1, -2])))).toEqual(['analysis.deltaGrid.deltas[2]']);
    const dup = issuesAfter(withDeltas([0.5, 0.1, 0.5]));
    expect(pathsOf(dup)).toEqual(['analysis.deltaGrid.deltas']);
    expect(dup[0].message).toMatch(/distinct/);
    expect(acceptedAfter(withDeltas([0.5, 0.1, 2])).analysis.deltaGrid).toEqual({ kind: 'list', deltas: [0.5, 0.1, 2] });
  });

  it('kMin must be below kMax', () => {
    for (const [kMin, kMax] of [
      [10, 10],
      [100, 10],
    ]) {
      const issues = issuesAfter((c) => Object.assign(c.analysis.deltaGrid, { kMin, kMax }));
      expect(issues.length).toBe(1);
      expect(issues[0].path).toMatch(/^analysis\.deltaGrid\.k(Min|Max)$/);
    }
  });

  it('analysis.samples may not exceed data.trainSize', () => {
    const issues = issuesAfter((c) => (c.analysis.samples = 101));
    expect(pathsOf(issues)).toEqual(['analysis.samples']);
    expect(acceptedAfter((c) => (c.analysis.samples = 100)).analysis.samples).toBe(100);
  });

  it('cross-entropy needs a softmax output', () => {
    const issues = issuesAfter((c) => (c.training.loss = 'cross-entropy'));
    expect(issues.length).toBe(1);
    expect(issues[0].path).toMatch(/^(training\.loss|model\.output)$/);
    const ok = acceptedAfter((c) => {
      c.training.loss = 'cross-entropy';
      c.model.output = 'softmax';
    });
    expect([ok.training.loss, ok.model.output]).toEqual(['cross-entropy', 'softmax']);
  });

  it('analysed layers must exist; negative indices within the depth are accepted', () => {
    // depth 2 (hidden [8, 4])
    expect(pathsOf(issuesAfter((c) => (c.analysis.layers = [1, 3])))).toEqual(['analysis.layers[1]']);
    expect(pathsOf(issuesAfter((c) => (c.analysis.layers = [-3, 2, 7])))).toEqual(['analysis.layers[0]', 'analysis.layers[2]']);
    expect(acceptedAfter((c) => (c.analysis.layers = [-1, -2])).analysis.layers).toEqual([-1, -2]);
    expect(acceptedAfter((c) => (c.analysis.layers = [0, 1, 2])).analysis.layers).toEqual([0, 1, 2]);
  });

  it('the schedule must start at epoch 1 and increase', () => {
    const sched = (...steps: Array<[number, number]>) => (c: Record<string, any>) =>
      (c.training.schedule = steps.map(([fromEpoch, rate]) => ({ fromEpoch, rate })));
    expect(pathsOf(issuesAfter(sched([2, 1e-3])))).toEqual(['training.schedule[0].fromEpoch']);
    expect(pathsOf(issuesAfter(sched([1, 1e-3], [41, 1e-4], [41, 1e-5])))).toEqual(['training.schedule[2].fromEpoch']);
    expect(pathsOf(issuesAfter(sched([1, 1e-3], [41, 1e-4], [20, 1e-5])))).toEqual(['training.schedule[2].fromEpoch']);
    expect(pathsOf(issuesAfter((c) => (c.training.schedule = []))).length).toBe(1);
    expect(acceptedAfter(sched([1, 1e-3], [41, 1e-4], [61, 1e-5])).training.schedule.length).toBe(3);
  });
});

describe('ConfigError', () => {
  it('validateConfig throws one naming every offending field', () => {
    const input = minimalInput();
    input.data.trainSize = 0;
    input.model.activation = 'gelu';
    input.analysis.epochs.surprise = 1;
    let error: unknown;
    try {
      validateConfig(input, 'my.json');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const ce = error as ConfigError;
    expect(ce.name).toBe('ConfigError');
    expect(ce.source).toBe('my.json');
    expect(pathsOf(ce.issues)).toEqual(['analysis.epochs.surprise', 'data.trainSize', 'model.activation']);
    expect(ce.message).toContain('my.json');
    for (const field of ['data.trainSize', 'model.activation', 'analysis.epochs.surprise']) expect(ce.message).toContain(field);
  });

  it('puts each issue on its own line and names the root', () => {
    const e = new ConfigError([
      { path: 'a.b', message: 'is wrong' },
      { path: '', message: 'not an object' },
    ]);
    expect(e.message.split('\n')).toEqual(['invalid config:', '  a.b: is wrong', '  (root): not an object']);
  });

  it('validateConfig returns the parsed config when it is valid', () => {
    expect(validateConfig(minimalInput()).seed).toBe(3);
  });
});

describe('deltaGridK', () => {
  it('log-k: kMin to kMax with a constant ratio', () => {
    const k = deltaGridK({ kind: 'log-k', kMin: 0.1, kMax: 1000, count: 5 });
    expect(k.length).toBe(5);
    // 0.1 * 10^j: ratio (1000 / 0.1)^(1/4) = 10
    const expected = [0.1, 1, 10, 100, 1000];
    k.forEach((v, j) => expect(v / expected[j]).toBeCloseTo(1, 12));
  });

  it('log-k with many points: first, last, ratio', () => {
    const kMin = 0.3;
    const kMax = 700;
    const count = 37;
    const k = deltaGridK({ kind: 'log-k', kMin, kMax, count });
    expect(k.length).toBe(count);
    expect(k[0]).toBeCloseTo(kMin, 12);
    expect(k[count - 1] / kMax).toBeCloseTo(1, 12);
    const ratio = Math.pow(kMax / kMin, 1 / (count - 1));
    for (let j = 1; j < count; j++) expect(k[j] / k[j - 1]).toBeCloseTo(ratio, 10);
  });

  it('list: k = 1/delta, ascending', () => {
    const k = deltaGridK({ kind: 'list', deltas: [0.5, 2, 0.1] });
    expect(k.length).toBe(3);
    [0.5, 2, 10].forEach((v, j) => expect(k[j]).toBeCloseTo(v, 12));
  });
});

describe('learningRateAt', () => {
  // The paper's ResNet schedule (method.md 4.2): 1e-3 for epochs 1-40, 1e-4 for 41-60, 1e-5 for 61-80.
  const schedule: TrainingConfig['schedule'] = [
    { fromEpoch: 1, rate: 1e-3 },
    { fromEpoch: 41, rate: 1e-4 },
    { fromEpoch: 61, rate: 1e-5 },
  ];
  it.each([
    [1, 1e-3],
    [40, 1e-3],
    [41, 1e-4],
    [60, 1e-4],
    [61, 1e-5],
    [80, 1e-5],
  ])('epoch %i: %f', (epoch, rate) => {
    expect(learningRateAt(schedule, epoch)).toBe(rate);
  });

  it('a one-step schedule is constant', () => {
    for (const e of [1, 2, 1000]) expect(learningRateAt([{ fromEpoch: 1, rate: 0.25 }], e)).toBe(0.25);
  });
});

describe('isScheduledAnalysisEpoch', () => {
  it('every N epochs plus the listed ones', () => {
    const epochs: AnalysisConfig['epochs'] = { every: 3, at: [0, 4], final: true };
    const scheduled = Array.from({ length: 13 }, (_, e) => e).filter((e) => isScheduledAnalysisEpoch(epochs, e));
    expect(scheduled).toEqual([0, 3, 4, 6, 9, 12]);
  });

  it('only the listed epochs when every is null', () => {
    const epochs: AnalysisConfig['epochs'] = { every: null, at: [0, 2, 7], final: false };
    const scheduled = Array.from({ length: 20 }, (_, e) => e).filter((e) => isScheduledAnalysisEpoch(epochs, e));
    expect(scheduled).toEqual([0, 2, 7]);
  });
});

describe('resolveLayerIndex', () => {
  it('counts negative indices from the output (method.md 2)', () => {
    expect(resolveLayerIndex(-1, 5)).toBe(5);
    expect(resolveLayerIndex(-3, 5)).toBe(3); // the third hidden layer from the output
    expect(resolveLayerIndex(-5, 5)).toBe(1);
  });

  it('keeps non-negative indices', () => {
    expect(resolveLayerIndex(0, 5)).toBe(0);
    expect(resolveLayerIndex(1, 5)).toBe(1);
    expect(resolveLayerIndex(5, 5)).toBe(5);
    expect(resolveLayerIndex(2, 3)).toBe(2);
  });
});

describe('analysis layers named twice', () => {
  it('rejects a layer given by its index and by its index from the output', () => {
    const input = structuredClone(presets['mnist-fc-quick']) as Record<string, any>;
    input.analysis.layers = [3, 1, -3]; // -3 of five hidden layers is layer 3
    const r = parseConfig(input);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues).toEqual([{ path: 'analysis.layers[2]', message: 'layer -3 is layer 3, already listed as 3: each layer once' }]);
  });
  it('accepts distinct layers named either way', () => {
    const input = structuredClone(presets['mnist-fc-quick']) as Record<string, any>;
    input.analysis.layers = [1, -1, 0];
    expect(parseConfig(input).ok).toBe(true);
  });
});
