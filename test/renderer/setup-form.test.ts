// The setup form's model: dotted paths, the text of number and list inputs, messages per field,
// starting values per kind, drafts from presets and runs, and fields of kinds read from a schema.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { dataSchema, modelSchema, optimiserSchema, parseConfig } from '../../src/shared/config';
import {
  checkDraft,
  dataDefaults,
  dataKinds,
  draftFromPreset,
  draftFromRun,
  friendlyMessage,
  genericFields,
  getAt,
  kindSchema,
  listFromText,
  listText,
  messagesAt,
  modelDefaults,
  modelKinds,
  numberFromText,
  optimiserDefaults,
  pathKeys,
  schemaDefaults,
  setAt,
  textMatches,
  unionKinds,
  type Draft,
} from '../../src/renderer/lib/config-form';
import { makeRunDetail } from '../fixtures/run-detail';

describe('dotted paths', () => {
  it('splits names and indices', () => {
    expect(pathKeys('training.schedule[0].rate')).toEqual(['training', 'schedule', 0, 'rate']);
    expect(pathKeys('model.hidden[12]')).toEqual(['model', 'hidden', 12]);
    expect(pathKeys('seed')).toEqual(['seed']);
  });

  it('reads and writes a draft, creating what is missing and deleting on undefined', () => {
    const d: Draft = { training: { schedule: [{ fromEpoch: 1, rate: 0.1 }] } };
    expect(getAt(d, 'training.schedule[0].rate')).toBe(0.1);
    expect(getAt(d, 'training.nothing.deeper')).toBeUndefined();
    setAt(d, 'training.schedule[1].rate', 0.01);
    expect(getAt(d, 'training.schedule[1]')).toEqual({ rate: 0.01 });
    setAt(d, 'analysis.spectrum.peakFraction', 0.2);
    expect(d.analysis).toEqual({ spectrum: { peakFraction: 0.2 } });
    setAt(d, 'analysis.spectrum.peakFraction', undefined);
    expect(d.analysis).toEqual({ spectrum: {} });
  });
});

describe('input text', () => {
  it('turns number text into numbers, keeps what is not a number, and reads empty by meaning', () => {
    expect(numberFromText('1e-5')).toBe(1e-5);
    expect(numberFromText(' 42 ')).toBe(42);
    expect(numberFromText('1e-')).toBe('1e-');
    expect(numberFromText('')).toBe('');
    expect(numberFromText('', 'null')).toBeNull();
    expect(numberFromText('  ', 'omit')).toBeUndefined();
  });

  it('turns list text into lists, entries that are not numbers kept as text', () => {
    expect(listFromText('500, 500,500  500')).toEqual([500, 500, 500, 500]);
    expect(listFromText('500, x')).toEqual([500, 'x']);
    expect(listFromText('', 'omit')).toBeUndefined();
    expect(listFromText('', 'null')).toBeNull();
    expect(listFromText('')).toEqual([]);
    expect(listText([1, 2.5])).toBe('1, 2.5');
    expect(listText(null)).toBe('');
  });

  it('knows when the typed text already says the draft value (no redraw while typing)', () => {
    expect(textMatches('1e-5', 0.00001, 'number', 'required')).toBe(true);
    expect(textMatches('1e-', '1e-', 'number', 'required')).toBe(true);
    expect(textMatches('2', 3, 'number', 'required')).toBe(false);
    expect(textMatches('', null, 'number', 'null')).toBe(true);
    expect(textMatches('', undefined, 'list', 'omit')).toBe(true);
    expect(textMatches('1,2', [1, 2], 'list', 'required')).toBe(true);
  });
});

describe('messages at the fields', () => {
  const issues = [
    { path: 'model.hidden[1]', message: 'Invalid input: expected number, received string' },
    { path: 'model.hidden', message: 'needs at least one hidden layer' },
    { path: 'training.schedule[0].fromEpoch', message: 'the first step must start at epoch 1' },
    { path: 'data.trainSize', message: 'Too small: expected number to be >0' },
  ];

  it('shows a field its own messages and, for lists, those of its entries', () => {
    expect(messagesAt(issues, 'model.hidden')).toEqual(['entry 2: must be a number', 'needs at least one hidden layer']);
    expect(messagesAt(issues, 'model.hidden', 'exact')).toEqual(['needs at least one hidden layer']);
    expect(messagesAt(issues, 'training.schedule', 'exact')).toEqual([]);
    expect(messagesAt(issues, 'training.schedule')).toEqual(['entry 1 fromEpoch: the first step must start at epoch 1']);
    expect(messagesAt(issues, 'training.schedule[0].fromEpoch')).toEqual(['the first step must start at epoch 1']);
    expect(messagesAt(issues, 'data.trainSize')).toEqual(['must be more than 0']);
    expect(messagesAt(issues, 'data.train')).toEqual([]); // a prefix of a name is not a parent
  });

  it('says zod messages in plain words', () => {
    expect(friendlyMessage('Invalid input: expected int, received number')).toBe('must be a whole number');
    expect(friendlyMessage('Too small: expected number to be >=2')).toBe('must be at least 2');
    expect(friendlyMessage('Too big: expected number to be <1')).toBe('must be less than 1');
    expect(friendlyMessage('Invalid input: expected number, received undefined')).toBe('required: a number');
    expect(friendlyMessage('Invalid option: expected one of "tanh"|"relu"')).toBe('must be one of tanh, relu');
    expect(friendlyMessage("Invalid discriminator value. Expected 'idx' | 'synthetic'")).toBe('must be one of idx, synthetic');
    expect(friendlyMessage('the first step must start at epoch 1')).toBe('the first step must start at epoch 1');
  });
});

describe('kinds and their starting values', () => {
  it('lists the kinds of the config schema', () => {
    expect(dataKinds()).toEqual(expect.arrayContaining(['idx', 'synthetic']));
    expect(modelKinds()).toContain('mlp');
    expect(unionKinds(optimiserSchema)).toEqual(expect.arrayContaining(['adam', 'sgd']));
    expect(unionKinds({})).toEqual([]);
  });

  it('starts every known kind with values the schema accepts', () => {
    for (const kind of dataKinds()) {
      const data = dataDefaults(kind);
      expect(data.kind).toBe(kind);
      const r = dataSchema.safeParse(data);
      // arrays needs file names, which have no sensible default: validation asks for them by name
      if (kind === 'arrays') expect(r.success).toBe(false);
      else expect(r.success, `${kind}: ${JSON.stringify(r.error?.issues)}`).toBe(true);
    }
    for (const kind of modelKinds()) expect(modelSchema.safeParse(modelDefaults(kind)).success).toBe(true);
    for (const kind of unionKinds(optimiserSchema)) expect(optimiserSchema.safeParse(optimiserDefaults(kind)).success).toBe(true);
  });

  it('keeps a valid training size across a change of data kind, and drops an invalid one', () => {
    expect(dataDefaults('synthetic', { kind: 'idx', trainSize: 3000 }).trainSize).toBe(3000);
    expect(dataDefaults('synthetic', { kind: 'idx', trainSize: 0 }).trainSize).toBe(1000);
    expect(dataDefaults('idx', { kind: 'synthetic', trainSize: 50000 }).trainSize).toBe(5000);
  });

  it('fills the defaults of a kind the form has no component for, from its schema', () => {
    const csv = z.strictObject({ kind: z.literal('csv'), path: z.string().min(1), rows: z.number().int().default(100), header: z.boolean().default(true) });
    expect(schemaDefaults(csv, 'csv')).toEqual({ kind: 'csv', rows: 100, header: true });
    expect(schemaDefaults(undefined, 'mystery')).toEqual({ kind: 'mystery' });
  });

  it('reads the inputs of a kind from its schema', () => {
    const csv = z.strictObject({
      kind: z.literal('csv'),
      path: z.string(),
      rows: z.number().int().positive().nullable().default(null),
      size: z.number().default(3),
      task: z.enum(['a', 'b']).default('a'),
      header: z.boolean(),
      shape: z.tuple([z.number(), z.number()]).nullable(),
      widths: z.array(z.number()).optional(),
      extra: z.strictObject({ x: z.number() }),
    });
    expect(genericFields(csv)).toEqual([
      { key: 'path', input: 'text' },
      { key: 'rows', input: 'number', empty: 'null' },
      { key: 'size', input: 'number', empty: 'omit' },
      { key: 'task', input: 'choice', options: ['a', 'b'] },
      { key: 'header', input: 'boolean' },
      { key: 'shape', input: 'number-list', empty: 'null' },
      { key: 'widths', input: 'number-list', empty: 'omit' },
      { key: 'extra', input: 'json' },
    ]);
    // The real optimisers: every setting is a number with a default.
    expect(genericFields(kindSchema(optimiserSchema, 'adam'))).toEqual([
      { key: 'beta1', input: 'number', empty: 'omit' },
      { key: 'beta2', input: 'number', empty: 'omit' },
      { key: 'epsilon', input: 'number', empty: 'omit' },
    ]);
    expect(genericFields(undefined)).toEqual([]);
  });
});

describe('drafts', () => {
  it('starts from a preset with every default filled in, and validates', () => {
    const d = draftFromPreset('mnist-fc-quick');
    expect(getAt(d, 'analysis.blockRows')).toBe(256);
    expect(getAt(d, 'backend')).toBe('auto');
    expect(checkDraft(d).ok).toBe(true);
  });

  it('clones an earlier run’s config under a new name, without touching the run', () => {
    const run = makeRunDetail();
    const d = draftFromRun(run);
    expect(d.name).toBe(`${run.name} (copy)`);
    setAt(d, 'model.hidden', [10]);
    expect(run.config.model).toMatchObject({ hidden: [500, 500, 500, 500, 500] });
    expect(draftFromRun({ ...run, name: 'x (copy)' }).name).toBe('x (copy)');
  });

  it('reports what the user typed as issues at the right paths', () => {
    const d = draftFromPreset('mnist-fc-quick');
    setAt(d, 'data.trainSize', numberFromText('abc'));
    setAt(d, 'model.hidden', listFromText('500, x'));
    const r = checkDraft(d);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues.map((i) => i.path).sort()).toEqual(['data.trainSize', 'model.hidden[1]']);
    // The same answer as main's validation of the same object.
    expect(parseConfig(JSON.parse(JSON.stringify(d))).ok).toBe(false);
  });
});
