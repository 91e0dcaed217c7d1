// The setup form's model: a draft experiment config edited in place, read and written by dotted
// paths ('training.schedule[0].rate'), the text of number and list inputs, validation messages
// per field from parseConfig, and the starting values of each data / model / optimiser kind.
// Pure functions (no DOM): the Svelte components only bind them to inputs.
import {
  analysedLayers,
  dataSchema,
  modelSchema,
  optimiserSchema,
  parseConfig,
  validateConfig,
  type ConfigIssue,
  type ExperimentConfig,
  type ExperimentConfigInput,
} from '../../shared/config';
import { presets, type PresetName } from '../../shared/presets';
import type { RunRecord } from '../../shared/results';

/** A config being edited: the shape of ExperimentConfig, but any field may hold what the user
 *  typed (a string where a number is expected) until it validates. */
export type Draft = Record<string, unknown>;

type Key = string | number;

/** 'training.schedule[0].rate' → ['training', 'schedule', 0, 'rate']. */
export function pathKeys(path: string): Key[] {
  const keys: Key[] = [];
  for (const part of path.split('.')) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) throw new Error(`not a config path: ${path}`);
    if (m[1]) keys.push(m[1]);
    for (const index of m[2].matchAll(/\[(\d+)\]/g)) keys.push(Number(index[1]));
  }
  return keys;
}

/** The value at a dotted path, or undefined when any step is missing. */
export function getAt(root: unknown, path: string): unknown {
  let node: unknown = root;
  for (const key of pathKeys(path)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<Key, unknown>)[key];
  }
  return node;
}

/** Sets the value at a dotted path, creating objects on the way; undefined deletes the field
 *  (an optional field left out takes its default). */
export function setAt(root: Draft, path: string, value: unknown): void {
  const keys = pathKeys(path);
  let node = root as Record<Key, unknown>;
  keys.slice(0, -1).forEach((key, i) => {
    const next = node[key];
    if (next === null || typeof next !== 'object') node[key] = typeof keys[i + 1] === 'number' ? [] : {};
    node = node[key] as Record<Key, unknown>;
  });
  const last = keys[keys.length - 1];
  if (value === undefined && !Array.isArray(node)) delete node[last];
  else node[last] = value;
}

/** Whether `issuePath` is `path` itself or lies inside it ('model.hidden[2]' inside 'model.hidden'). */
export function isWithin(issuePath: string, path: string): boolean {
  return issuePath === path || issuePath.startsWith(`${path}.`) || issuePath.startsWith(`${path}[`);
}

/** The messages to show at the field `path`: its own issues ('exact'), or also those of its
 *  entries ('subtree': a list field shows 'entry 3: must be a number' for 'model.hidden[2]'). */
export function messagesAt(issues: readonly ConfigIssue[], path: string, mode: 'exact' | 'subtree' = 'subtree'): string[] {
  const out: string[] = [];
  for (const issue of issues) {
    if (issue.path === path) out.push(friendlyMessage(issue.message));
    else if (mode === 'subtree' && isWithin(issue.path, path)) {
      const rest = issue.path.slice(path.length);
      const entry = /^\[(\d+)\](.*)$/.exec(rest);
      const where = entry ? `entry ${Number(entry[1]) + 1}${entry[2] ? ` ${entry[2].replace(/^\./, '')}` : ''}` : rest.replace(/^\./, '');
      out.push(`${where}: ${friendlyMessage(issue.message)}`);
    }
  }
  return out;
}

/** zod's wording in plain words ('Too small: expected number to be >0' → 'must be more than 0'). */
export function friendlyMessage(message: string): string {
  const rules: [RegExp, (m: RegExpExecArray) => string][] = [
    [/expected (?:number|int), received string/, () => 'must be a number'],
    [/expected (?:number|int), received (?:undefined|null)/, () => 'required: a number'],
    [/expected string, received (?:undefined|null)/, () => 'required'],
    [/expected boolean, received/, () => 'must be yes or no'],
    [/expected array, received/, () => 'must be a list, separated by commas'],
    [/expected int, received number/, () => 'must be a whole number'],
    [/^Too small: expected number to be >=(.+)$/, (m) => `must be at least ${m[1]}`],
    [/^Too small: expected number to be >(.+)$/, (m) => `must be more than ${m[1]}`],
    [/^Too big: expected number to be <=(.+)$/, (m) => `must be at most ${m[1]}`],
    [/^Too big: expected number to be <(.+)$/, (m) => `must be less than ${m[1]}`],
    [/^Too small: expected array to have >=(\d+) items?$/, (m) => `needs at least ${m[1]} ${m[1] === '1' ? 'entry' : 'entries'}`],
    [/^Too big: expected array to have <=(\d+) items?$/, (m) => `at most ${m[1]} entries`],
    [/^Too big: expected string to have <=(\d+) characters$/, (m) => `at most ${m[1]} characters`],
    [/^Too small: expected string to have >=1 characters$/, () => 'required'],
    [/^Invalid option: expected one of (.+)$/, (m) => `must be one of ${m[1].replace(/"/g, '').split('|').join(', ')}`],
    [/^Invalid discriminator value\. Expected (.+)$/, (m) => `must be one of ${m[1].replace(/'/g, '').split(' | ').join(', ')}`],
    [/^Invalid input$/, () => 'not a valid value'],
  ];
  for (const [re, say] of rules) {
    const m = re.exec(message);
    if (m) return say(m);
  }
  return message;
}

// ---------------------------------------------------------------------------------------------
// Text of inputs
// ---------------------------------------------------------------------------------------------

/** What an empty number or list input means: null (a nullable field: 'none'), a left-out
 *  optional field (its default), or nothing valid (a required field). */
export type EmptyMeaning = 'null' | 'omit' | 'required';

/** A number input's text as a draft value: the number, or the text itself when it is not one
 *  (so that validation names the field), or null / undefined for an empty nullable / optional field. */
export function numberFromText(text: string, empty: EmptyMeaning = 'required'): number | string | null | undefined {
  const t = text.trim();
  if (t === '') return empty === 'null' ? null : empty === 'omit' ? undefined : '';
  const n = Number(t);
  return Number.isFinite(n) ? n : text;
}

/** A draft value as a number input's text. */
export function numberText(value: unknown): string {
  if (value === null || value === undefined) return '';
  return String(value);
}

/** A comma (or space) separated list of numbers as a draft value; entries that are not numbers
 *  stay as text so that validation names them. */
export function listFromText(text: string, empty: EmptyMeaning = 'required'): (number | string)[] | null | undefined {
  const t = text.trim();
  if (t === '') return empty === 'null' ? null : empty === 'omit' ? undefined : [];
  return t
    .split(/[\s,;]+/)
    .filter((s) => s !== '')
    .map((s) => {
      const n = Number(s);
      return Number.isFinite(n) ? n : s;
    });
}

/** A draft list as text: '500, 500, 500'. */
export function listText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (!Array.isArray(value)) return String(value);
  return value.map(String).join(', ');
}

/** Whether the text of an input already says `value` (then a redraw must not replace what the
 *  user is typing, e.g. '1e-' on the way to '1e-5'). */
export function textMatches(text: string, value: unknown, kind: 'number' | 'list', empty: EmptyMeaning): boolean {
  const parsed = kind === 'number' ? numberFromText(text, empty) : listFromText(text, empty);
  return JSON.stringify(parsed) === JSON.stringify(value ?? (empty === 'null' ? null : undefined));
}

// ---------------------------------------------------------------------------------------------
// Kinds (discriminated unions) and their starting values
// ---------------------------------------------------------------------------------------------

/** The `kind` values of a discriminated union schema, in schema order. */
export function unionKinds(schema: unknown): string[] {
  const options = (schema as { options?: unknown[] }).options ?? [];
  const kinds: string[] = [];
  for (const option of options) {
    const kind = (option as { shape?: { kind?: { value?: unknown } } }).shape?.kind?.value;
    if (typeof kind === 'string') kinds.push(kind);
  }
  return kinds;
}

/** The member schema of a union for one kind, or undefined. */
export function kindSchema(schema: unknown, kind: string): unknown {
  const options = (schema as { options?: unknown[] }).options ?? [];
  return options.find((o) => (o as { shape?: { kind?: { value?: unknown } } }).shape?.kind?.value === kind);
}

export const dataKinds = (): string[] => unionKinds(dataSchema);
export const modelKinds = (): string[] => unionKinds(modelSchema);
export const optimiserKinds = (): string[] => unionKinds(optimiserSchema);

/** Display names of the known kinds; others show their own name. */
export const kindLabels: Record<string, string> = {
  idx: 'IDX files (MNIST, Fashion-MNIST)',
  synthetic: '1-D synthetic function',
  cifar10: 'CIFAR-10 (binary)',
  arrays: 'Your arrays (CSV / NPY)',
  mlp: 'Fully connected (MLP)',
  resnet: 'ResNet + fully connected head',
  adam: 'Adam',
  sgd: 'SGD with momentum',
  'log-k': 'log-spaced in 1/δ',
  list: 'explicit δ values',
  'mean-distance': 'mean pairwise sq. distance = d0',
  none: 'none',
  'unit-norm': 'unit L2 norm per sample',
};

export function kindLabel(kind: string): string {
  return kindLabels[kind] ?? kind;
}

/** The fields of `schema` filled with their defaults ('kind' set), for a kind the form knows
 *  nothing about: required fields are left out, so validation asks for them by name. */
export function schemaDefaults(schema: unknown, kind: string): Draft {
  if (!schema || typeof schema !== 'object') return { kind };
  const s = schema as { safeParse?: (v: unknown) => { success: boolean; data?: unknown }; shape?: Record<string, { safeParse?: (v: unknown) => { success: boolean; data?: unknown } }> };
  const whole = s.safeParse?.({ kind });
  if (whole?.success && whole.data && typeof whole.data === 'object') return { ...(whole.data as Draft) };
  const out: Draft = { kind };
  for (const [key, field] of Object.entries(s.shape ?? {})) {
    if (key === 'kind') continue;
    const r = field.safeParse?.(undefined);
    if (r?.success && r.data !== undefined) out[key] = r.data;
  }
  return out;
}

/** Starting values of a data kind; `previous` lends its training size where it fits. */
export function dataDefaults(kind: string, previous?: Draft): Draft {
  const prevSize = typeof previous?.trainSize === 'number' && Number.isInteger(previous.trainSize) && previous.trainSize >= 2 ? previous.trainSize : null;
  switch (kind) {
    case 'idx':
      return { kind, dir: 'data/mnist', files: 't10k', trainSize: prevSize !== null && prevSize <= 10000 ? prevSize : 5000 };
    case 'synthetic':
      return { kind, target: { kind: 'sin', m: 1 }, trainSize: prevSize ?? 1000, interval: [-1, 1] };
    case 'cifar10':
      return { kind, dir: 'data/cifar10', files: 'train', trainSize: 40000, validationSize: 10000, download: null };
    case 'arrays':
      return { kind, inputs: '', targets: '', task: 'regression', header: false, trainSize: null, validationSize: 0, imageShape: null };
    default:
      return schemaDefaults(kindSchema(dataSchema, kind), kind);
  }
}

/** Starting values of a model kind. */
export function modelDefaults(kind: string): Draft {
  switch (kind) {
    case 'mlp':
      return { kind, hidden: [64, 64, 64], activation: 'tanh', output: 'linear', init: 'glorot-uniform' };
    default:
      return schemaDefaults(kindSchema(modelSchema, kind), kind);
  }
}

/** Starting values of an optimiser kind. */
export function optimiserDefaults(kind: string): Draft {
  return schemaDefaults(kindSchema(optimiserSchema, kind), kind);
}

/** Starting values of the target of 1-D synthetic data. */
export function targetDefaults(kind: string): Draft {
  return kind === 'cos-sum' ? { kind, frequencies: [3, 5] } : { kind: 'sin', m: 1 };
}

/** Starting values of a delta grid kind. */
export function deltaGridDefaults(kind: string): Draft {
  return kind === 'list' ? { kind, deltas: [10, 1, 0.1, 0.01, 0.001] } : { kind: 'log-k', kMin: 0.1, kMax: 1000, count: 100 };
}

/** Starting values of a normalisation kind. */
export function normalisationDefaults(kind: string): Draft {
  return kind === 'mean-distance' ? { kind, d0: 1 } : { kind };
}

// ---------------------------------------------------------------------------------------------
// Drafts
// ---------------------------------------------------------------------------------------------

/** A plain deep copy (configs are JSON). */
export function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** A draft from a preset, every default filled in so that every field shows its value. */
export function draftFromPreset(name: PresetName): Draft {
  return clone(validateConfig(presets[name] as ExperimentConfigInput)) as unknown as Draft;
}

/** A draft from an earlier run's stored config ("clone and edit"), named after it. */
export function draftFromRun(run: Pick<RunRecord, 'id' | 'name' | 'config'>): Draft {
  const draft = clone(run.config) as unknown as Draft;
  const base = (run.name || run.config.name || `run ${run.id}`).replace(/ \(copy( \d+)?\)$/, '');
  draft.name = `${base} (copy)`.slice(0, 200);
  return draft;
}

/** The draft checked by the config schema: the config to start, or the issues per field. */
export function checkDraft(draft: Draft): { ok: true; config: ExperimentConfig } | { ok: false; issues: ConfigIssue[] } {
  return parseConfig(clone(draft));
}

/** The layers the run will analyse, in words, for the hint under the layers field. */
export function analysedLayersHint(config: ExperimentConfig): string {
  try {
    return `default: ${analysedLayers(config).join(', ')}`;
  } catch {
    return '';
  }
}

/** A label from a field name: 'trainSize' → 'train size'. */
export function fieldLabel(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
}

// ---------------------------------------------------------------------------------------------
// Fields of a kind the form has no component for: read from the schema
// ---------------------------------------------------------------------------------------------

/** How a generic field is edited. */
export type GenericField =
  | { key: string; input: 'number'; empty: EmptyMeaning }
  | { key: string; input: 'text' }
  | { key: string; input: 'boolean' }
  | { key: string; input: 'choice'; options: string[] }
  | { key: string; input: 'number-list'; empty: EmptyMeaning }
  | { key: string; input: 'json' };

interface ZodLike {
  _zod?: { def?: { type?: string; innerType?: ZodLike; element?: ZodLike; entries?: Record<string, string>; items?: ZodLike[]; values?: unknown[] } };
}

/** The inputs of a union member's fields (not 'kind'), read from its schema. */
export function genericFields(schema: unknown): GenericField[] {
  if (!schema || typeof schema !== 'object') return [];
  const shape = (schema as { shape?: Record<string, ZodLike> }).shape ?? {};
  return Object.entries(shape)
    .filter(([key]) => key !== 'kind')
    .map(([key, field]) => genericField(key, field));
}

function genericField(key: string, field: ZodLike): GenericField {
  let node: ZodLike | undefined = field;
  let empty: EmptyMeaning = 'required';
  for (let i = 0; i < 8 && node?._zod?.def; i++) {
    const def: NonNullable<NonNullable<ZodLike['_zod']>['def']> = node._zod.def;
    if (def.type === 'default' || def.type === 'prefault') {
      if (empty === 'required') empty = 'omit';
      node = def.innerType;
    } else if (def.type === 'optional') {
      if (empty === 'required') empty = 'omit';
      node = def.innerType;
    } else if (def.type === 'nullable') {
      empty = 'null';
      node = def.innerType;
    } else break;
  }
  const type = node?._zod?.def?.type;
  switch (type) {
    case 'number':
    case 'int':
      return { key, input: 'number', empty };
    case 'string':
      return { key, input: 'text' };
    case 'boolean':
      return { key, input: 'boolean' };
    case 'enum':
      return { key, input: 'choice', options: Object.values(node?._zod?.def?.entries ?? {}) };
    case 'array':
    case 'tuple': {
      const listDef: NonNullable<ZodLike['_zod']>['def'] = node?._zod?.def;
      const items = type === 'array' ? [listDef?.element] : (listDef?.items ?? []);
      const numeric = items.every((it) => ['number', 'int'].includes(it?._zod?.def?.type ?? ''));
      return numeric ? { key, input: 'number-list', empty } : { key, input: 'json' };
    }
    default:
      return { key, input: 'json' };
  }
}
