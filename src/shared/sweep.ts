// Sweeps: one experiment run once per value of one setting, named by a dotted config path
// (e.g. "model.hidden", "seed", "training.schedule.0.rate"), plus the shorthand "depth": the
// number of hidden layers of an mlp, each as wide as its first hidden layer.
import { experimentConfigSchema, parseConfig, validateConfig, type ExperimentConfig, type ExperimentConfigInput } from './config';

/** One setting and the values it takes. */
export interface SweepSpec {
  path: string;
  values: unknown[];
}

const forbidden = new Set(['__proto__', 'constructor', 'prototype']);

/** The parts of a dotted path; numeric parts index arrays (e.g. "training.schedule.0.rate"). */
export function pathParts(path: string): string[] {
  const parts = path.split('.');
  if (!path || parts.some((p) => p === '' || forbidden.has(p))) throw new Error(`"${path}" is not a valid config path (dotted field names, e.g. model.hidden)`);
  return parts;
}

/** A deep copy of `input` with the value at `path` set (objects are created on the way). */
export function withValueAt(input: unknown, path: string, value: unknown): Record<string, unknown> {
  const copy = structuredClone(input) as Record<string, unknown>;
  const parts = pathParts(path);
  let node: Record<string, unknown> = copy;
  for (const key of parts.slice(0, -1)) {
    const child = node[key];
    if (typeof child !== 'object' || child === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]] = structuredClone(value);
  return copy;
}

/** The value at a dotted path of a config (undefined when absent). */
export function valueAt(config: unknown, path: string): unknown {
  let node: unknown = config;
  for (const key of pathParts(path)) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** The sweep in config paths: the "depth" shorthand becomes model.hidden lists. */
export function resolveSweep(base: ExperimentConfigInput, spec: SweepSpec): SweepSpec {
  if (!Array.isArray(spec.values) || spec.values.length === 0) throw new Error('a sweep needs a non-empty list of values');
  if (spec.path !== 'depth') return spec;
  const model = (base as { model?: { kind?: string; hidden?: unknown } }).model;
  if (model?.kind !== 'mlp' || !Array.isArray(model.hidden) || typeof model.hidden[0] !== 'number') {
    throw new Error('the "depth" shorthand needs an mlp with at least one hidden layer (its width is used for every layer)');
  }
  const width = model.hidden[0];
  return {
    path: 'model.hidden',
    values: spec.values.map((d, i) => {
      if (!Number.isInteger(d) || (d as number) < 1) throw new Error(`depth values[${i}] must be a whole number >= 1, not ${JSON.stringify(d)}`);
      return Array.from({ length: d as number }, () => width);
    }),
  };
}

/** A short text for a swept value: numbers as they are, lists of two or more equal widths as "3×100", other values as JSON. */
export function sweepValueText(value: unknown): string {
  if (Array.isArray(value) && value.length > 1 && value.every((v) => v === value[0]) && typeof value[0] === 'number') {
    return `${value.length}×${value[0]}`;
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** One validated config per value (throws a ConfigError naming the value that is wrong). */
export function sweepConfigs(base: ExperimentConfigInput, spec: SweepSpec): { spec: SweepSpec; configs: ExperimentConfig[] } {
  const resolved = resolveSweep(base, spec);
  const configs = resolved.values.map((value, i) =>
    validateConfig(withValueAt(base, resolved.path, value), `config for ${resolved.path} = ${JSON.stringify(value)} (value ${i + 1} of the sweep)`),
  );
  return { spec: resolved, configs };
}

// ---------------------------------------------------------------------------------------------
// Checking a sweep before it is stored: the setting names one of the config's settings (or is
// "depth"), and every value gives a valid config. Shared by the desktop door's validator
// (src/main/ipc-validate.ts) and the setup form, so both say the same thing.
// ---------------------------------------------------------------------------------------------

/** Limits of a sweep request. */
export const sweepLimits = {
  /** Values (runs) of one sweep. */
  values: 50,
  /** Largest "depth" value (hidden layers). */
  depth: 1000,
  /** Nesting of one value (a list of lists is 2). */
  valueDepth: 8,
  /** Characters of the values as JSON, all together. */
  valuesJson: 1_000_000,
} as const;

/** The shorthand for the number of hidden layers of an mlp. */
export const depthSetting = 'depth';

/** One problem of a sweep: where (e.g. `vary.path`, `vary.values[2]`) and what is wrong. */
export interface SweepIssue {
  path: string;
  message: string;
}

interface SchemaNode {
  _zod?: {
    def?: {
      type?: string;
      innerType?: SchemaNode;
      in?: SchemaNode;
      getter?: () => SchemaNode;
      shape?: Record<string, SchemaNode>;
      element?: SchemaNode;
      items?: SchemaNode[];
      options?: SchemaNode[];
      discriminator?: string;
      values?: unknown[];
    };
  };
}

/** The schema under optional / nullable / default wrappers. */
function unwrapSchema(node: SchemaNode | undefined): SchemaNode | undefined {
  for (let i = 0; i < 16 && node?._zod?.def; i++) {
    const def = node._zod.def;
    if (def.innerType && ['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional'].includes(def.type ?? '')) node = def.innerType;
    else if (def.type === 'pipe' && def.in) node = def.in;
    else if (def.type === 'lazy' && def.getter) node = def.getter();
    else return node;
  }
  return node;
}

/** The member of a discriminated union that `value` is (by its kind), or undefined. */
function unionMember(def: NonNullable<NonNullable<SchemaNode['_zod']>['def']>, value: unknown): SchemaNode | undefined {
  const key = def.discriminator;
  if (!key || typeof value !== 'object' || value === null) return undefined;
  const kind = (value as Record<string, unknown>)[key];
  return def.options?.find((o) => unwrapSchema(unwrapSchema(o)?._zod?.def?.shape?.[key])?._zod?.def?.values?.includes(kind));
}

/**
 * Why `path` cannot be swept for the (valid) config `base`, or null when it can: "depth" with an
 * mlp, or a dotted path of the config's own settings (for its data, model and optimiser kinds);
 * array entries by index, e.g. `training.schedule.0.rate`, only where the list has that entry.
 */
export function sweepPathProblem(base: ExperimentConfig, path: string): string | null {
  if (path === depthSetting) {
    const model = base.model as { kind: string; hidden?: unknown };
    return model.kind === 'mlp' && Array.isArray(model.hidden) && typeof model.hidden[0] === 'number'
      ? null
      : 'the "depth" shorthand needs an mlp with at least one hidden layer (its width is used for every layer)';
  }
  let parts: string[];
  try {
    parts = pathParts(path);
  } catch (e) {
    return (e as Error).message;
  }
  let schema: SchemaNode | undefined = experimentConfigSchema as unknown as SchemaNode;
  let value: unknown = base;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    const where = parts.slice(0, i).join('.') || 'the config';
    const node = unwrapSchema(schema);
    let def = node?._zod?.def;
    if (def?.type === 'union') {
      const member = unwrapSchema(unionMember(def, value));
      def = member?._zod?.def;
    }
    if (def?.type === 'object') {
      const shape = def.shape ?? {};
      if (!Object.prototype.hasOwnProperty.call(shape, part)) {
        const known = Object.keys(shape).join(', ');
        return `${where} has no setting "${part}" (it has ${known})`;
      }
      schema = shape[part];
    } else if (def?.type === 'array' || def?.type === 'tuple') {
      const index = /^\d+$/.test(part) ? Number(part) : -1;
      const length = Array.isArray(value) ? value.length : 0;
      if (index < 0) return `${where} is a list: the next part of the path must be an entry number (0 to ${Math.max(0, length - 1)}), not "${part}"`;
      if (index >= length) return `${where} has ${length} ${length === 1 ? 'entry' : 'entries'} (0 to ${length - 1}): there is no entry ${index}`;
      schema = def.type === 'array' ? def.element : def.items?.[index];
    } else {
      return `${where} is a single value: "${parts.slice(i).join('.')}" is not a setting in it`;
    }
    value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[part] : undefined;
  }
  return null;
}

/** Why `value` is not plain JSON data (null, true/false, finite numbers, text, lists, plain
 *  objects, at most sweepLimits.valueDepth deep), or null when it is. */
export function jsonValueProblem(value: unknown, depth = 0): string | null {
  if (depth > sweepLimits.valueDepth) return `is nested more than ${sweepLimits.valueDepth} levels deep`;
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return null;
  if (typeof value === 'number') return Number.isFinite(value) ? null : `must be a finite number, not ${value}`;
  if (Array.isArray(value)) {
    for (const item of value) {
      const p = jsonValueProblem(item, depth + 1);
      if (p) return p;
    }
    return null;
  }
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return 'must be plain JSON data (an object, not a class instance)';
    for (const [key, item] of Object.entries(value)) {
      if (forbidden.has(key)) return `must not have a field named ${key}`;
      const p = jsonValueProblem(item, depth + 1);
      if (p) return p;
    }
    return null;
  }
  return `must be JSON data, not a value of type ${typeof value}`;
}

/** A swept value for a message: its JSON, shortened. */
function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/**
 * The problems of sweeping `path` over `values` from the valid config `base` (already checked:
 * `values` is a list of JSON values): the path (`vary.path`), the number of values
 * (`vary.values`), and, per value, each field of the config it gives that is invalid, as
 * `vary.values[i]` with the message `config.<field>: <what> (with <path> = <value>)`.
 * An empty list means the sweep can be stored.
 */
export function sweepIssues(base: ExperimentConfig, path: string, values: readonly unknown[], maxIssues = 100): SweepIssue[] {
  const pathProblem = sweepPathProblem(base, path);
  if (pathProblem) return [{ path: 'vary.path', message: pathProblem }];
  if (values.length === 0) return [{ path: 'vary.values', message: 'must list at least one value' }];
  if (values.length > sweepLimits.values) return [{ path: 'vary.values', message: `must have at most ${sweepLimits.values} values (it has ${values.length})` }];
  const issues: SweepIssue[] = [];
  let more = 0;
  const add = (issue: SweepIssue) => {
    if (issues.length < maxIssues) issues.push(issue);
    else more++;
  };
  values.forEach((value, i) => {
    const at = `vary.values[${i}]`;
    let setting = path;
    let set = value;
    if (path === depthSetting) {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > sweepLimits.depth) {
        add({ path: at, message: `a depth must be a whole number from 1 to ${sweepLimits.depth}, not ${shown(value)}` });
        return;
      }
      const width = (base.model as { hidden: number[] }).hidden[0];
      setting = 'model.hidden';
      set = Array.from({ length: value }, () => width);
    }
    const parsed = parseConfig(withValueAt(base, setting, set));
    if (parsed.ok) return;
    for (const issue of parsed.issues) {
      add({ path: at, message: `${issue.path ? `config.${issue.path}` : 'config'}: ${issue.message} (with ${path} = ${shown(value)})` });
    }
  });
  if (more) issues.push({ path: 'vary.values', message: `and ${more} more problems` });
  return issues;
}
