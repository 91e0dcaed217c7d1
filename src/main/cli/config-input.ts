// Builds an experiment config from the command line: a preset or a JSON file, then overrides of
// single fields (`--set training.batchSize=128`), validated as a whole.
import { readFileSync } from 'node:fs';
import { validateConfig, type ExperimentConfig } from '../../shared/config';
import { presetNames, presets, type PresetName } from '../../shared/presets';

/** A deep copy of a preset as plain JSON. */
export function presetInput(name: string): Record<string, unknown> {
  if (!(presetNames as string[]).includes(name)) {
    throw new Error(`unknown preset "${name}": choose one of ${presetNames.join(', ')}`);
  }
  return structuredClone(presets[name as PresetName]) as Record<string, unknown>;
}

/** The JSON object in a config file, with errors that name the file. */
export function configFileInput(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read config file ${file}: ${(e as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Error(`config file ${file} is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`config file ${file} must hold a JSON object`);
  }
  return value as Record<string, unknown>;
}

/** Parses the value of an override: JSON where it parses (numbers, arrays, objects, true), else a string. */
export function parseOverrideValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Sets `path` (dotted, e.g. `training.stop.maxEpochs`) in a plain object, creating objects on the way. */
export function applyOverride(target: Record<string, unknown>, assignment: string): void {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new Error(`override "${assignment}" must look like field.path=value`);
  const path = assignment.slice(0, eq).split('.');
  if (path.some((p) => p === '' || p === '__proto__' || p === 'constructor' || p === 'prototype')) {
    throw new Error(`override "${assignment}" has an invalid field path`);
  }
  let node: Record<string, unknown> = target;
  for (const key of path.slice(0, -1)) {
    const child = node[key];
    if (typeof child !== 'object' || child === null || Array.isArray(child)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]] = parseOverrideValue(assignment.slice(eq + 1));
}

/** The validated config from a preset or file plus overrides. */
export function buildConfig(opts: { preset?: string; configFile?: string; overrides: string[] }): ExperimentConfig {
  if (opts.preset && opts.configFile) throw new Error('give either --preset or --config, not both');
  if (!opts.preset && !opts.configFile) throw new Error('give --preset NAME or --config FILE');
  const input = opts.preset ? presetInput(opts.preset) : configFileInput(opts.configFile!);
  for (const o of opts.overrides) applyOverride(input, o);
  const base = opts.preset ? `preset ${opts.preset}` : `config file ${opts.configFile}`;
  return validateConfig(input, opts.overrides.length ? `config (${base} with overrides ${opts.overrides.join(' ')})` : base);
}
