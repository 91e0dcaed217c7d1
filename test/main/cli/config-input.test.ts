// Building a config on the command line (src/main/cli/config-input.ts): presets and files, field
// overrides, and errors that name the file or the field.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  applyOverride,
  buildConfig,
  configFileInput,
  parseOverrideValue,
  presetInput,
} from '../../../src/main/cli/config-input';
import { ConfigError } from '../../../src/shared/config';
import { presets } from '../../../src/shared/presets';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'frequency-lab-config-input-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function writeFile(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** The message of the error `f` throws; fails the test if it does not throw. */
function errorOf(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

/** A small valid config written out in full, as a user would put it in a file. */
const smallConfig = {
  seed: 4,
  data: { kind: 'synthetic', target: { kind: 'cos-sum', frequencies: [3, 5] }, trainSize: 64 },
  model: { kind: 'mlp', hidden: [16, 16, 16] },
  training: {
    optimiser: { kind: 'adam' },
    schedule: [{ fromEpoch: 1, rate: 1e-3 }],
    batchSize: 16,
    stop: { maxEpochs: 10 },
  },
  analysis: { layers: [1, -1], epochs: {}, samples: 32, deltaGrid: { kind: 'log-k', kMin: 1, kMax: 100, count: 4 } },
};

describe('parseOverrideValue', () => {
  it('reads JSON values', () => {
    expect(parseOverrideValue('128')).toBe(128);
    expect(parseOverrideValue('-2.5')).toBe(-2.5);
    expect(parseOverrideValue('1e-3')).toBe(0.001);
    expect(parseOverrideValue('true')).toBe(true);
    expect(parseOverrideValue('null')).toBe(null);
    expect(parseOverrideValue('[500,500,500]')).toEqual([500, 500, 500]);
    expect(parseOverrideValue('{"kind":"sgd","momentum":0.5}')).toEqual({ kind: 'sgd', momentum: 0.5 });
    expect(parseOverrideValue('"42"')).toBe('42');
  });

  it('keeps anything else as a string', () => {
    expect(parseOverrideValue('relu')).toBe('relu');
    expect(parseOverrideValue('data/mnist')).toBe('data/mnist');
    expect(parseOverrideValue('my run, 2nd try')).toBe('my run, 2nd try');
    expect(parseOverrideValue('')).toBe('');
  });
});

describe('applyOverride', () => {
  it('sets numbers, strings, arrays and objects at a dotted path', () => {
    const target: Record<string, any> = { training: { batchSize: 256, stop: { maxEpochs: 10 } }, model: { hidden: [1] } };
    applyOverride(target, 'training.batchSize=128');
    applyOverride(target, 'training.stop.maxEpochs=7');
    applyOverride(target, 'model.activation=relu');
    applyOverride(target, 'model.hidden=[32,16]');
    applyOverride(target, 'training.optimiser={"kind":"sgd","momentum":0}');
    expect(target).toEqual({
      training: { batchSize: 128, stop: { maxEpochs: 7 }, optimiser: { kind: 'sgd', momentum: 0 } },
      model: { hidden: [32, 16], activation: 'relu' },
    });
  });

  it('creates the objects on the way', () => {
    const target: Record<string, any> = {};
    applyOverride(target, 'analysis.normalisation.kind=none');
    applyOverride(target, 'analysis.normalisation.extra.deep=1');
    expect(target).toEqual({ analysis: { normalisation: { kind: 'none', extra: { deep: 1 } } } });
  });

  it('replaces a non-object on the way by an object', () => {
    const target: Record<string, any> = { a: 5, b: [1, 2], c: null };
    applyOverride(target, 'a.x=1');
    applyOverride(target, 'b.y=2');
    applyOverride(target, 'c.z=3');
    expect(target).toEqual({ a: { x: 1 }, b: { y: 2 }, c: { z: 3 } });
  });

  it('splits at the first "=" only', () => {
    const target: Record<string, any> = {};
    applyOverride(target, 'name=a=b');
    expect(target).toEqual({ name: 'a=b' });
  });

  it('rejects assignments without a field path', () => {
    for (const bad of ['batchSize', '=3', '']) {
      expect(() => applyOverride({}, bad), bad).toThrow(/field\.path=value/);
    }
  });

  it('rejects empty path segments', () => {
    for (const bad of ['training..batchSize=3', '.seed=1', 'seed.=1']) {
      const target: Record<string, any> = {};
      expect(() => applyOverride(target, bad), bad).toThrow(/invalid field path/);
      expect(target).toEqual({});
    }
  });

  it('rejects __proto__, constructor and prototype segments and pollutes nothing', () => {
    for (const bad of ['__proto__.polluted=1', 'model.__proto__.polluted=1', 'constructor.prototype.polluted=1', 'a.prototype=1']) {
      const target: Record<string, any> = { model: {} };
      expect(() => applyOverride(target, bad), bad).toThrow(/invalid field path/);
      expect(target).toEqual({ model: {} });
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('presetInput', () => {
  it('is a deep copy: overriding it leaves the preset alone', () => {
    const input = presetInput('mnist-fc') as Record<string, any>;
    expect(input).toEqual(presets['mnist-fc']);
    applyOverride(input, 'model.hidden=[3]');
    applyOverride(input, 'training.stop.maxEpochs=1');
    expect(presets['mnist-fc'].model.hidden).toEqual([500, 500, 500, 500, 500]);
    expect(presets['mnist-fc'].training.stop.maxEpochs).not.toBe(1);
  });

  it('names the choices for an unknown preset', () => {
    const e = errorOf(() => presetInput('mnist-cnn'));
    expect(e.message).toContain('mnist-cnn');
    expect(e.message).toContain('mnist-fc');
    expect(e.message).toContain('mnist-fc-quick');
  });
});

describe('configFileInput', () => {
  it('reads the JSON object in the file', () => {
    const file = writeFile('ok.json', JSON.stringify(smallConfig));
    expect(configFileInput(file)).toEqual(smallConfig);
  });

  it('a missing file: the error names it', () => {
    const file = path.join(dir, 'does-not-exist.json');
    const e = errorOf(() => configFileInput(file));
    expect(e.message).toContain(file);
    expect(e.message).toMatch(/cannot read/);
  });

  it('invalid JSON: the error names the file', () => {
    const file = writeFile('broken.json', '{ "seed": 1, ');
    const e = errorOf(() => configFileInput(file));
    expect(e.message).toContain(file);
    expect(e.message).toMatch(/not valid JSON/);
  });

  it('JSON that is not an object: the error names the file', () => {
    for (const [name, text] of [
      ['array.json', '[1, 2]'],
      ['number.json', '42'],
      ['null.json', 'null'],
      ['string.json', '"config"'],
    ]) {
      const file = writeFile(name, text);
      const e = errorOf(() => configFileInput(file));
      expect(e.message, name).toContain(file);
      expect(e.message, name).toMatch(/must hold a JSON object/);
    }
  });
});

describe('buildConfig', () => {
  it('a preset with overrides, validated and with defaults filled', () => {
    const c = buildConfig({ preset: 'mnist-fc', overrides: ['training.batchSize=64', 'model.hidden=[100,100]', 'analysis.layers=[1,-1]'] });
    expect(c.training.batchSize).toBe(64);
    expect(c.model.hidden).toEqual([100, 100]);
    expect(c.analysis.layers).toEqual([1, -1]);
    expect(c.model.init).toBe('glorot-uniform'); // default filled
    expect(c.data.trainSize).toBe(30000); // untouched preset value
  });

  it('a config file with overrides', () => {
    const file = writeFile('build.json', JSON.stringify(smallConfig));
    const c = buildConfig({ configFile: file, overrides: ['seed=9', 'backend=cpu'] });
    expect(c.seed).toBe(9);
    expect(c.backend).toBe('cpu');
    expect(c.model.hidden).toEqual([16, 16, 16]);
  });

  it('validation errors name the field and the preset', () => {
    const e = errorOf(() => buildConfig({ preset: 'mnist-fc', overrides: ['training.batchSize=0', 'model.activation=gelu'] }));
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.message).toContain('training.batchSize');
    expect(e.message).toContain('model.activation');
    expect(e.message).toContain('mnist-fc');
    expect((e as ConfigError).issues.map((i) => i.path).sort()).toEqual(['model.activation', 'training.batchSize']);
  });

  it('an unknown field from an override is named', () => {
    const e = errorOf(() => buildConfig({ preset: 'mnist-fc', overrides: ['training.batchsize=64'] }));
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).issues.map((i) => i.path)).toEqual(['training.batchsize']);
  });

  it('validation errors of a file name the file and the field', () => {
    const file = writeFile('invalid.json', JSON.stringify({ ...smallConfig, seed: -1 }));
    const e = errorOf(() => buildConfig({ configFile: file, overrides: [] }));
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.message).toContain(file);
    expect(e.message).toContain('seed');
  });

  it('needs exactly one of preset and config file', () => {
    const file = writeFile('either.json', JSON.stringify(smallConfig));
    expect(() => buildConfig({ preset: 'mnist-fc', configFile: file, overrides: [] })).toThrow(/either/);
    expect(() => buildConfig({ overrides: [] })).toThrow(/--preset|--config/);
  });
});
