// Every preset through the setup form's state, the way a user would enter it: start from another
// preset, pick the kinds (each pick brings that kind's starting values, as the selects do), then
// type every field's text as the form shows it for the preset. The config the form then starts
// must equal the validated preset. The fields are those of the form's components (checked against
// their sources below), so a config value the form cannot show or enter fails here.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { optimiserSchema, validateConfig, type ExperimentConfigInput } from '../../src/shared/config';
import { presetNames, presets, type PresetName } from '../../src/shared/presets';
import { suggestedValues, sweepState } from '../../src/renderer/lib/sweep-form';
import {
  checkDraft,
  dataDefaults,
  deltaGridDefaults,
  draftFromPreset,
  genericFields,
  getAt,
  kindSchema,
  listFromText,
  listText,
  modelDefaults,
  normalisationDefaults,
  numberFromText,
  numberText,
  optimiserDefaults,
  setAt,
  targetDefaults,
  type Draft,
  type EmptyMeaning,
} from '../../src/renderer/lib/config-form';

type FieldSpec =
  | { path: string; input: 'number' | 'list'; empty: EmptyMeaning }
  | { path: string; input: 'text' | 'select' }
  | { path: string; input: 'check'; fallback: boolean };

const num = (path: string, empty: EmptyMeaning = 'required'): FieldSpec => ({ path, input: 'number', empty });
const list = (path: string, empty: EmptyMeaning = 'required'): FieldSpec => ({ path, input: 'list', empty });
const text = (path: string): FieldSpec => ({ path, input: 'text' });
const select = (path: string): FieldSpec => ({ path, input: 'select' });
const check = (path: string, fallback = false): FieldSpec => ({ path, input: 'check', fallback });

/** The fields of components/setup, as their sources declare them (kind selects apart). */
const common: FieldSpec[] = [
  text('name'),
  num('seed'),
  select('backend'),
  select('training.loss'),
  num('training.batchSize'),
  num('training.stop.maxEpochs'),
  num('training.stop.lossBelow', 'null'),
  num('training.threshold', 'omit'),
  list('analysis.layers', 'omit'),
  num('analysis.samples'),
  num('analysis.epochs.every', 'null'),
  list('analysis.epochs.at'),
  check('analysis.epochs.final', true),
  num('analysis.blockRows', 'omit'),
  check('analysis.spectrum.enabled', true),
  num('analysis.spectrum.peakFraction', 'omit'),
  num('analysis.spectrum.maxPeaks', 'omit'),
];
const byKind: Record<string, FieldSpec[]> = {
  'data.idx': [text('data.dir'), select('data.files'), num('data.trainSize')],
  'data.synthetic': [num('data.trainSize'), list('data.interval')],
  'data.cifar10': [text('data.dir'), select('data.files'), num('data.trainSize'), num('data.validationSize')],
  'data.arrays': [
    text('data.inputs'),
    text('data.targets'),
    select('data.task'),
    check('data.header'),
    num('data.trainSize', 'null'),
    num('data.validationSize'),
    list('data.imageShape', 'null'),
  ],
  'data.target.sin': [num('data.target.m')],
  'data.target.cos-sum': [list('data.target.frequencies')],
  'model.mlp': [list('model.hidden'), select('model.activation'), select('model.output'), select('model.init')],
  'model.resnet': [
    list('model.widths'),
    list('model.blocks'),
    num('model.stages', 'null'),
    list('model.hidden'),
    select('model.activation'),
    select('model.output'),
    select('model.init'),
    num('model.batchNorm.momentum'),
    num('model.batchNorm.epsilon'),
  ],
  'analysis.deltaGrid.log-k': [num('analysis.deltaGrid.kMin'), num('analysis.deltaGrid.kMax'), num('analysis.deltaGrid.count')],
  'analysis.deltaGrid.list': [list('analysis.deltaGrid.deltas')],
  'analysis.normalisation.mean-distance': [num('analysis.normalisation.d0')],
};
const cifarDownload: FieldSpec[] = [text('data.download.url'), text('data.download.sha256')];

const setupDir = path.resolve(__dirname, '../../src/renderer/components/setup');
function declaredPaths(file: string): string[] {
  const source = fs.readFileSync(path.join(setupDir, file), 'utf8');
  return [...source.matchAll(/<\w+Field\s+path="([^"]+)"/g)].map((m) => m[1]).filter((p) => !p.endsWith('.kind') && !p.includes('{'));
}

describe('the field table of this test is the form', () => {
  it('lists exactly the fields the components declare', () => {
    const sections = ['BasicsSection.svelte', 'TrainingSection.svelte', 'AnalysisSection.svelte'].flatMap(declaredPaths);
    const sectionSpecs = [...common, ...byKind['analysis.deltaGrid.log-k'], ...byKind['analysis.deltaGrid.list'], ...byKind['analysis.normalisation.mean-distance']];
    expect(sections.sort()).toEqual(sectionSpecs.map((f) => f.path).sort());
    const kinds: [string, string[]][] = [
      ['kinds/IdxData.svelte', ['data.idx']],
      ['kinds/SyntheticData.svelte', ['data.synthetic', 'data.target.sin', 'data.target.cos-sum']],
      ['kinds/Cifar10Data.svelte', ['data.cifar10']],
      ['kinds/ArraysData.svelte', ['data.arrays']],
      ['kinds/MlpModel.svelte', ['model.mlp']],
      ['kinds/ResnetModel.svelte', ['model.resnet']],
    ];
    for (const [file, keys] of kinds) {
      const specs = keys.flatMap((k) => byKind[k]).concat(file.includes('Cifar10') ? cifarDownload : []);
      expect(declaredPaths(file).sort(), file).toEqual(specs.map((f) => f.path).sort());
    }
    // The empty meanings match too: each component's `empty=` for the paths that set one.
    const files: [string, FieldSpec[]][] = [
      ['TrainingSection.svelte', common],
      ['AnalysisSection.svelte', [...common, ...byKind['analysis.deltaGrid.log-k'], ...byKind['analysis.deltaGrid.list'], ...byKind['analysis.normalisation.mean-distance']]],
      ...kinds.map(([file, keys]): [string, FieldSpec[]] => [file, keys.flatMap((k) => byKind[k])]),
    ];
    for (const [file, specs] of files) {
      const source = fs.readFileSync(path.join(setupDir, file), 'utf8');
      for (const m of source.matchAll(/<(Number|List)Field\s+path="([^"]+)"([^>]*)\/>/g)) {
        if (m[2].includes('{')) continue;
        const empty = (/empty="(\w+)"/.exec(m[3])?.[1] ?? 'required') as EmptyMeaning;
        const spec = specs.find((f) => f.path === m[2]);
        expect(spec?.input, `${file}: ${m[2]}`).toBe(m[1] === 'Number' ? 'number' : 'list');
        expect((spec as { empty: EmptyMeaning }).empty, `${file}: ${m[2]}`).toBe(empty);
      }
    }
  });
});

/** What the user sees in a field of `shown` and types into the form draft `form`. */
function enter(form: Draft, shown: Draft, field: FieldSpec): void {
  const value = getAt(shown, field.path);
  switch (field.input) {
    case 'number': {
      const typed = typeof value === 'string' ? value : numberText(value);
      const v = numberFromText(typed, field.empty);
      if (v !== undefined || getAt(form, field.path) !== undefined) setAt(form, field.path, v);
      break;
    }
    case 'list': {
      const v = listFromText(listText(value), field.empty);
      if (v !== undefined || getAt(form, field.path) !== undefined) setAt(form, field.path, v);
      break;
    }
    case 'text':
    case 'select':
      setAt(form, field.path, value);
      break;
    case 'check': {
      // A checkbox writes only when clicked: when what it shows differs from what is wanted.
      const wanted = typeof value === 'boolean' ? value : field.fallback;
      const showing = typeof getAt(form, field.path) === 'boolean' ? getAt(form, field.path) : field.fallback;
      if (wanted !== showing) setAt(form, field.path, wanted);
      break;
    }
  }
}

/** A kind select: a different kind replaces the section with that kind's starting values. */
function pick(form: Draft, shown: Draft, at: string, defaults: (kind: string, previous?: Draft) => Draft): string {
  const kind = String(getAt(shown, `${at}.kind`));
  if (getAt(form, `${at}.kind`) !== kind) setAt(form, at, defaults(kind, getAt(form, at) as Draft));
  return kind;
}

/** The form after a user enters preset `name`'s values, starting from preset `from`. */
function enterPreset(name: PresetName, from: PresetName): Draft {
  const form = draftFromPreset(from);
  const shown = draftFromPreset(name);
  const fields: FieldSpec[] = [...common];
  const dataKind = pick(form, shown, 'data', dataDefaults);
  fields.push(...byKind[`data.${dataKind}`]);
  if (dataKind === 'synthetic') fields.push(...byKind[`data.target.${pick(form, shown, 'data.target', targetDefaults)}`]);
  if (dataKind === 'cifar10') {
    // The download checkbox, then its two fields.
    const wanted = getAt(shown, 'data.download');
    if ((wanted === null) !== (getAt(form, 'data.download') === null || getAt(form, 'data.download') === undefined)) {
      setAt(form, 'data.download', wanted === null ? null : { url: 'x', sha256: 'y' });
    }
    if (wanted !== null) fields.push(...cifarDownload);
  }
  fields.push(...byKind[`model.${pick(form, shown, 'model', modelDefaults)}`]);
  const optimiser = pick(form, shown, 'training.optimiser', optimiserDefaults);
  for (const f of genericFields(kindSchema(optimiserSchema, optimiser))) {
    if (f.input === 'number') fields.push(num(`training.optimiser.${f.key}`, f.empty));
    else throw new Error(`optimiser field ${f.key}: ${f.input}`);
  }
  fields.push(...(byKind[`analysis.deltaGrid.${pick(form, shown, 'analysis.deltaGrid', deltaGridDefaults)}`] ?? []));
  fields.push(...(byKind[`analysis.normalisation.${pick(form, shown, 'analysis.normalisation', normalisationDefaults)}`] ?? []));
  // The schedule rows: as many as the preset has (add / remove), then each row's two fields.
  const steps = getAt(shown, 'training.schedule') as unknown[];
  setAt(form, 'training.schedule', ((getAt(form, 'training.schedule') as Draft[]) ?? []).slice(0, steps.length));
  while ((getAt(form, 'training.schedule') as unknown[]).length < steps.length) (getAt(form, 'training.schedule') as Draft[]).push({ fromEpoch: 99, rate: 0.5 });
  steps.forEach((_, i) => fields.push(num(`training.schedule[${i}].fromEpoch`), num(`training.schedule[${i}].rate`)));
  for (const f of fields) enter(form, shown, f);
  return form;
}

describe('every preset through the setup form', () => {
  it('knows the paper’s presets', () => {
    expect(presetNames).toEqual(
      expect.arrayContaining(['cifar10-resnet18-1', 'cifar10-resnet18-2', 'cifar10-resnet18-3', 'cifar10-resnet18-4', 'cifar10-resnet18-quick', 'fit-1d-depth', 'fit-1d-frequency']),
    );
  });

  for (const name of presetNames) {
    it(`${name}: loads without a message and starts the validated preset`, () => {
      const expected = validateConfig(presets[name] as ExperimentConfigInput);
      // Loaded as it is.
      const loaded = checkDraft(draftFromPreset(name));
      expect(loaded.ok ? [] : loaded.issues).toEqual([]);
      if (loaded.ok) expect(loaded.config).toEqual(expected);
      // Entered field by field from every other preset.
      for (const from of presetNames.filter((p) => p !== name)) {
        const r = checkDraft(enterPreset(name, from));
        expect(r.ok ? [] : r.issues, `${name} from ${from}`).toEqual([]);
        if (r.ok) expect(r.config, `${name} from ${from}`).toEqual(expected);
      }
    });
  }
});

describe('sweeping the paper\'s settings from the form', () => {
  it('offers the stages a resnet keeps (Resnet18-1 to -4), with the schema\'s message for too many', () => {
    const config = validateConfig(presets['cifar10-resnet18-quick'] as ExperimentConfigInput);
    expect(suggestedValues('model.stages', config)).toBe('4, 3, 2, 1');
    const ok = sweepState({ enabled: true, setting: 'model.stages', customPath: '', valuesText: '4, 3, 2, 1' }, config);
    expect(ok.messages).toEqual([]);
    expect(ok.request?.vary).toEqual({ path: 'model.stages', values: [4, 3, 2, 1] });
    const bad = sweepState({ enabled: true, setting: 'model.stages', customPath: '', valuesText: '4, 5' }, config);
    expect(bad.request).toBeNull();
    expect(bad.messages.join('\n')).toMatch(/value 2 \(5\): model.stages: cannot keep more stages than widths lists/);
  });

  it('sweeps the depth of the 1-D fit and the frequency of its target', () => {
    const depth = validateConfig(presets['fit-1d-depth'] as ExperimentConfigInput);
    expect(sweepState({ enabled: true, setting: 'depth', customPath: '', valuesText: '3, 4, 5, 6, 7' }, depth).count).toBe(5);
    expect(sweepState({ enabled: true, setting: 'depth', customPath: '', valuesText: '3, 4, 5, 6, 7' }, depth).messages).toEqual([]);
    const frequency = validateConfig(presets['fit-1d-frequency'] as ExperimentConfigInput);
    const s = sweepState({ enabled: true, setting: 'custom', customPath: 'data.target.frequencies', valuesText: '[1], [3], [5], [7]' }, frequency);
    expect(s.messages).toEqual([]);
    expect(s.request?.vary.values).toEqual([[1], [3], [5], [7]]);
  });
});
