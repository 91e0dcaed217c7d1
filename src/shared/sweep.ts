// Sweeps: one experiment run once per value of one setting, named by a dotted config path
// (e.g. "model.hidden", "seed", "training.schedule.0.rate"), plus the shorthand "depth": the
// number of hidden layers of an mlp, each as wide as its first hidden layer.
import { validateConfig, type ExperimentConfig, type ExperimentConfigInput } from './config';

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
