// The sweep part of the setup form: which setting varies (a few common ones, or any dotted
// config path), the values as typed, and what the sweep will queue: the number of runs, the
// problems of the setting and of each value (the same checks as main's validator, from
// src/shared/sweep.ts), and the request to send when there are none. Pure functions (no DOM).
import type { SweepRequest } from '../../shared/api';
import { formatNumber } from '../../shared/charts/labels';
import type { ExperimentConfig } from '../../shared/config';
import { depthSetting, sweepIssues, sweepLimits, valueAt, type SweepIssue } from '../../shared/sweep';
import { friendlyMessage } from './config-form';

/** How the values of a setting are typed. */
export type SweepValuesKind = 'integers' | 'numbers' | 'lists' | 'any';

/** One setting offered in the form. */
export interface SweepChoice {
  /** The select's value: the dotted path, or 'custom' for a path typed by hand. */
  id: string;
  label: string;
  values: SweepValuesKind;
  hint: string;
}

/** The custom choice's id. */
export const customSetting = 'custom';

/** The settings offered, in menu order. */
export const sweepChoices: readonly SweepChoice[] = [
  { id: depthSetting, label: 'depth: hidden layers (each as wide as the first)', values: 'integers', hint: 'whole numbers, e.g. 2, 3, 4' },
  { id: 'model.hidden', label: 'model.hidden: the hidden widths', values: 'lists', hint: 'one list of widths per run, separated by ";", e.g. 32, 32; 64, 64' },
  { id: 'model.stages', label: 'model.stages: residual stages a resnet keeps (Resnet18-v keeps 5 − v)', values: 'integers', hint: 'whole numbers, e.g. 4, 3, 2, 1 (Resnet18-1 to -4)' },
  { id: 'seed', label: 'seed (mean ± std over seeds)', values: 'integers', hint: 'whole numbers, e.g. 1, 2, 3' },
  { id: 'training.schedule.0.rate', label: 'learning rate (first schedule step)', values: 'numbers', hint: 'numbers, e.g. 0.01, 0.001, 0.0001' },
  { id: 'training.batchSize', label: 'batch size', values: 'integers', hint: 'whole numbers, e.g. 16, 32, 64' },
  { id: customSetting, label: 'another setting (dotted path)…', values: 'any', hint: 'separated by commas; numbers, true/false, text, or a JSON list such as [[1], [3, 5]]' },
];

/** What the user chose and typed. */
export interface SweepForm {
  enabled: boolean;
  /** A sweepChoices id. */
  setting: string;
  /** The dotted path when setting is 'custom'. */
  customPath: string;
  valuesText: string;
}

export function emptySweepForm(): SweepForm {
  return { enabled: false, setting: 'seed', customPath: '', valuesText: '1, 2, 3' };
}

/** The choice of an id (the custom one for an unknown id). */
export function sweepChoice(id: string): SweepChoice {
  return sweepChoices.find((c) => c.id === id) ?? sweepChoices[sweepChoices.length - 1];
}

/** The dotted path the sweep varies; a custom path typed the form's way
 *  ('training.schedule[0].rate') becomes the sweep's ('training.schedule.0.rate'). */
export function sweepPath(form: Pick<SweepForm, 'setting' | 'customPath'>): string {
  if (form.setting !== customSetting && sweepChoices.some((c) => c.id === form.setting)) return form.setting;
  return form.customPath.trim().replace(/\[(\d+)\]/g, '.$1').replace(/^\./, '');
}

/** One typed entry as a value: a number when it is one, else JSON (true, null, "text", [1]),
 *  else the text itself (so that validation names it). */
function entryValue(text: string, kind: SweepValuesKind): unknown {
  const t = text.trim();
  const n = Number(t);
  if (t !== '' && Number.isFinite(n)) return n;
  if (kind === 'any') {
    try {
      return JSON.parse(t) as unknown;
    } catch {
      return t;
    }
  }
  return t;
}

/**
 * The values typed: a JSON list ('[1, 2]', '[[32, 32], [64]]'), or entries separated by commas
 * (lists of widths: lists separated by ';' or new lines, widths by commas or spaces).
 */
export function parseSweepValues(text: string, kind: SweepValuesKind): { ok: true; values: unknown[] } | { ok: false; message: string } {
  const t = text.trim();
  if (t === '') return { ok: false, message: 'type the values, separated by commas' };
  if (t.startsWith('[') && (kind !== 'lists' || t.startsWith('[['))) {
    try {
      const parsed = JSON.parse(t) as unknown;
      if (!Array.isArray(parsed)) return { ok: false, message: 'must be a JSON list' };
      return { ok: true, values: parsed };
    } catch (e) {
      // Not one JSON list: maybe several values separated by commas, lists among them ('[1], [3]').
      const entries = kind === 'any' ? splitTopLevel(t).map((s) => s.trim()) : [];
      if (entries.length < 2 || entries.some((s) => s === '')) return { ok: false, message: `not valid JSON: ${(e as Error).message}` };
      return { ok: true, values: entries.map((s) => entryValue(s, kind)) };
    }
  }
  if (kind === 'lists') {
    const lists = t
      .split(/[;\n|]+/)
      .map((s) => s.trim().replace(/^\[|\]$/g, ''))
      .filter((s) => s !== '');
    return { ok: true, values: lists.map((list) => list.split(/[\s,]+/).filter(Boolean).map((w) => entryValue(w, 'integers'))) };
  }
  const entries = kind === 'any' ? splitTopLevel(t) : t.split(/[\s,;]+/);
  return {
    ok: true,
    values: entries
      .map((s) => s.trim())
      .filter((s) => s !== '')
      .map((s) => entryValue(s, kind)),
  };
}

/** Splits at commas, semicolons and line breaks that are outside brackets, braces and quotes
 *  ('tanh, [1, 3], {"a": 1, "b": 2}' is three entries). */
function splitTopLevel(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '\\') i++;
      else if (ch === '"') quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === '[' || ch === '{') depth++;
    else if ((ch === ']' || ch === '}') && depth > 0) depth--;
    else if (depth === 0 && (ch === ',' || ch === ';' || ch === '\n')) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out;
}

/** A number with a few significant digits, as a value to type. */
function typed(x: number): string {
  return formatNumber(Number(x.toPrecision(4)));
}

/** Starting values when a setting is picked, from the config being edited ('' when there is no good guess). */
export function suggestedValues(setting: string, config: ExperimentConfig | null): string {
  const at = (path: string) => {
    try {
      return config ? valueAt(config, path) : undefined;
    } catch {
      return undefined;
    }
  };
  switch (setting) {
    case depthSetting: {
      const hidden = at('model.hidden');
      const d = Array.isArray(hidden) ? hidden.length : 3;
      return [Math.max(1, d - 1), Math.max(2, d), Math.max(3, d + 1)].filter((v, i, all) => all.indexOf(v) === i).join(', ');
    }
    case 'model.hidden': {
      const hidden = at('model.hidden');
      const widths = Array.isArray(hidden) && hidden.every((w) => typeof w === 'number') ? (hidden as number[]) : [32, 32];
      return [widths.map((w) => Math.max(1, Math.round(w / 2))), widths, widths.map((w) => w * 2)].map((l) => l.join(', ')).join('; ');
    }
    case 'model.stages': {
      const widths = at('model.widths');
      const n = Array.isArray(widths) && widths.length > 0 ? widths.length : 4;
      return Array.from({ length: n }, (_, i) => n - i).join(', ');
    }
    case 'seed':
      return '1, 2, 3';
    case 'training.schedule.0.rate': {
      const rate = at('training.schedule.0.rate');
      const r = typeof rate === 'number' && rate > 0 ? rate : 1e-3;
      return [r * 10, r, r / 10].map(typed).join(', ');
    }
    case 'training.batchSize': {
      const size = at('training.batchSize');
      const b = typeof size === 'number' && size > 0 ? size : 32;
      return [Math.max(1, Math.round(b / 2)), b, b * 2].filter((v, i, all) => all.indexOf(v) === i).join(', ');
    }
    default:
      return '';
  }
}

/** What the form will do. */
export interface SweepState {
  /** The dotted path (or 'depth'). */
  path: string;
  /** The values as parsed (empty when they cannot be read). */
  values: unknown[];
  /** How many runs the sweep queues. */
  count: number;
  /** Every problem: of the setting (`vary.path`), the list (`vary.values`), each value (`vary.values[i]`), or the settings above (`config`). */
  issues: SweepIssue[];
  /** The problems in words, one line each ('value 2 (-1): seed: must be at least 0'). */
  messages: string[];
  /** The request to send, when there is no problem. */
  request: SweepRequest | null;
}

/** A swept value for a message. */
function shownValue(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return text.length > 30 ? `${text.slice(0, 30)}…` : text;
}

/** One issue in words. */
export function sweepMessage(issue: SweepIssue, values: readonly unknown[]): string {
  const entry = /^vary\.values\[(\d+)\]$/.exec(issue.path);
  if (entry) {
    const i = Number(entry[1]);
    // "config.<field>: <message> (with <path> = <value>)" from sweepIssues: the field and the message.
    const m = /^config\.?([^:]*): (.*) \(with .*\)$/s.exec(issue.message);
    const what = m ? `${m[1] || 'config'}: ${friendlyMessage(m[2])}` : friendlyMessage(issue.message);
    return `value ${i + 1} (${shownValue(values[i])}): ${what}`;
  }
  if (issue.path === 'vary.path') return `setting: ${issue.message}`;
  if (issue.path === 'vary.values') return `values: ${issue.message}`;
  return issue.message;
}

/**
 * The sweep the form describes, for the config being edited (null while the settings above are
 * invalid): the path, the values, how many runs, the problems, and the request when there are none.
 */
export function sweepState(form: SweepForm, config: ExperimentConfig | null, name?: string): SweepState {
  const path = sweepPath(form);
  const parsed = parseSweepValues(form.valuesText, sweepChoice(form.setting).values);
  const values = parsed.ok ? parsed.values : [];
  let issues: SweepIssue[];
  if (form.setting === customSetting && path === '') issues = [{ path: 'vary.path', message: 'type the dotted path of a setting, e.g. model.activation' }];
  else if (!parsed.ok) issues = [{ path: 'vary.values', message: parsed.message }];
  else if (!config) issues = [{ path: 'config', message: 'fix the settings above first: the sweep starts from them' }];
  else issues = sweepIssues(config, path, values, 20);
  const messages = issues.map((i) => sweepMessage(i, values));
  const request: SweepRequest | null = issues.length === 0 && config ? { config, vary: { path, values }, ...(name ? { name } : {}) } : null;
  return { path, values, count: values.length, issues, messages, request };
}

/** "Will queue 3 runs" (and the limit when there are too many). */
export function sweepCountText(count: number): string {
  if (count === 0) return 'No values yet.';
  const runs = `${count} run${count === 1 ? '' : 's'}`;
  return count > sweepLimits.values ? `${runs}: at most ${sweepLimits.values} per sweep.` : `Will queue ${runs}, one after another, stored as one group.`;
}
