// Validation of every IPC payload before it reaches the lab service. The renderer is treated as
// untrusted: each request must be a plain object with exactly the documented fields, of the
// documented types and sizes. A validator either returns a fresh request object built only from
// checked fields, or the list of problems, each naming its field.
import type { LabApi, LabMethod, RunFilter, SaveFileRequest, SweepRequest } from '../shared/api';
import type { LabIssue } from '../shared/bridge';
import { parseConfig, type ExperimentConfig } from '../shared/config';
import { runStatuses, type RunStatus } from '../shared/results';
import { jsonValueProblem, sweepIssues, sweepLimits } from '../shared/sweep';

/** Size limits of the free-text fields. */
export const limits = {
  name: 200,
  search: 200,
  notes: 20_000,
  tags: 50,
  tag: 64,
  listLimit: 100_000,
  /** Characters of a sweep's setting (a dotted config path). */
  varyPath: 200,
  /** Characters of a saved file's name (no folders). */
  fileName: 200,
  /** Characters of a saved file's content (base64 of a PNG, or CSV/SVG text): 64 MiB. */
  fileData: 64 * 1024 * 1024,
} as const;

/** The kinds of file the page may save, by extension, and the encoding each travels in. */
export const savableFiles = {
  png: { encoding: 'base64', filter: 'PNG image' },
  svg: { encoding: 'utf8', filter: 'SVG image' },
  csv: { encoding: 'utf8', filter: 'CSV table' },
} as const;
export type SavableExtension = keyof typeof savableFiles;

/** The checked request of a LabApi method, or what is wrong with the payload. */
export type Checked<T> = { ok: true; value: T } | { ok: false; issues: LabIssue[] };

type Request<M extends LabMethod> = Parameters<LabApi[M]>[0];

/** A short description of a value for a message: its type, and the value itself when small. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  switch (typeof value) {
    case 'string': {
      const shown = value.length > 40 ? `${JSON.stringify(value.slice(0, 40))}… (${value.length} characters)` : JSON.stringify(value);
      return `the text ${shown}`;
    }
    case 'number':
    case 'bigint':
    case 'boolean':
      return `${typeof value} ${String(value)}`;
    default:
      return `a value of type ${typeof value}`;
  }
}

/** Reads the fields of one request object, collecting issues instead of throwing. */
class Fields {
  readonly issues: LabIssue[] = [];
  private readonly object: Record<string, unknown>;

  constructor(payload: unknown, allowed: readonly string[], what: string) {
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
      this.issues.push({ path: '(request)', message: `${what} must be an object, not ${describeValue(payload)}` });
      this.object = {};
      return;
    }
    const proto = Object.getPrototypeOf(payload);
    if (proto !== Object.prototype && proto !== null) {
      this.issues.push({ path: '(request)', message: `${what} must be a plain object` });
      this.object = {};
      return;
    }
    this.object = payload as Record<string, unknown>;
    for (const key of Object.keys(this.object)) {
      if (!allowed.includes(key)) this.issues.push({ path: key, message: `unknown field (expected ${allowed.length ? allowed.join(', ') : 'no fields'})` });
    }
  }

  private has(key: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.object, key) && this.object[key] !== undefined;
  }

  private problem(key: string, message: string): undefined {
    this.issues.push({ path: key, message });
    return undefined;
  }

  /** A positive whole number that identifies a run. */
  runId(key = 'runId'): number {
    if (!this.has(key)) return this.problem(key, 'is required: the id of a run (a positive whole number)') ?? 0;
    const v = this.object[key];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) {
      return this.problem(key, `must be a positive whole number, not ${describeValue(v)}`) ?? 0;
    }
    return v;
  }

  /** A positive whole number that identifies something else than a run (e.g. a sweep group). */
  id(key: string, what: string): number {
    if (!this.has(key)) return this.problem(key, `is required: the id of ${what} (a positive whole number)`) ?? 0;
    const v = this.object[key];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) {
      return this.problem(key, `must be a positive whole number, not ${describeValue(v)}`) ?? 0;
    }
    return v;
  }

  /** A string of at most `max` characters; `nonBlank` also rejects empty or all-blank text. */
  text(key: string, opts: { max: number; required: boolean; nonBlank?: boolean }): string | undefined {
    if (!this.has(key)) return opts.required ? this.problem(key, 'is required (text)') : undefined;
    const v = this.object[key];
    if (typeof v !== 'string') return this.problem(key, `must be text, not ${describeValue(v)}`);
    if (v.length > opts.max) return this.problem(key, `must be at most ${opts.max} characters long (it has ${v.length})`);
    if (opts.nonBlank && v.trim() === '') return this.problem(key, 'must not be empty');
    return v;
  }

  /** An array of at most `maxItems` strings of at most `maxLength` characters each. */
  textList(key: string, maxItems: number, maxLength: number): string[] {
    if (!this.has(key)) return this.problem(key, 'is required (a list of text)') ?? [];
    const v = this.object[key];
    if (!Array.isArray(v)) return this.problem(key, `must be a list of text, not ${describeValue(v)}`) ?? [];
    if (v.length > maxItems) return this.problem(key, `must have at most ${maxItems} entries (it has ${v.length})`) ?? [];
    const out: string[] = [];
    v.forEach((item: unknown, i) => {
      if (typeof item !== 'string') this.problem(`${key}[${i}]`, `must be text, not ${describeValue(item)}`);
      else if (item.length > maxLength) this.problem(`${key}[${i}]`, `must be at most ${maxLength} characters long (it has ${item.length})`);
      else out.push(item);
    });
    return out;
  }

  /** A whole number in [min, max], or undefined when absent. */
  optionalInteger(key: string, min: number, max: number): number | undefined {
    if (!this.has(key)) return undefined;
    const v = this.object[key];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
      return this.problem(key, `must be a whole number from ${min} to ${max}, not ${describeValue(v)}`);
    }
    return v;
  }

  /** One of `values`, or undefined when absent. */
  optionalChoice<T extends string>(key: string, values: readonly T[]): T | undefined {
    if (!this.has(key)) return undefined;
    const v = this.object[key];
    if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
      return this.problem(key, `must be one of ${values.join(', ')}, not ${describeValue(v)}`);
    }
    return v as T;
  }

  /** The raw value of a required field whose content another validator checks. */
  raw(key: string, what: string): unknown {
    if (!this.has(key)) return this.problem(key, `is required (${what})`);
    return this.object[key];
  }

  done<T>(value: T): Checked<T> {
    return this.issues.length ? { ok: false, issues: this.issues } : { ok: true, value };
  }
}

const validators: { [M in LabMethod]: (payload: unknown) => Checked<Request<M>> } = {
  startRun(payload) {
    const f = new Fields(payload, ['config', 'name'], 'the request');
    const name = f.text('name', { max: limits.name, required: false });
    const input = f.raw('config', 'an experiment config');
    let config: ExperimentConfig | undefined;
    if (input !== undefined) {
      // The config's own schema: one issue per offending field, reported under config.*.
      const parsed = parseConfig(input);
      if (parsed.ok) config = parsed.config;
      else for (const issue of parsed.issues) f.issues.push({ path: issue.path ? `config.${issue.path}` : 'config', message: issue.message });
    }
    if (!config) return { ok: false, issues: f.issues };
    return f.done(name === undefined ? { config } : { config, name });
  },
  cancelRun: (payload) => runIdOnly(payload),
  resumeRun: (payload) => runIdOnly(payload),
  getRun: (payload) => runIdOnly(payload),
  deleteRun: (payload) => runIdOnly(payload),
  listRuns(payload) {
    // An absent filter lists every run.
    const f = new Fields(payload ?? {}, ['status', 'search', 'limit', 'groupId'], 'the run filter');
    const filter: RunFilter = {};
    const status = f.optionalChoice<RunStatus>('status', runStatuses);
    const search = f.text('search', { max: limits.search, required: false });
    const limit = f.optionalInteger('limit', 1, limits.listLimit);
    const groupId = f.optionalInteger('groupId', 1, Number.MAX_SAFE_INTEGER);
    if (status !== undefined) filter.status = status;
    if (search !== undefined) filter.search = search;
    if (limit !== undefined) filter.limit = limit;
    if (groupId !== undefined) filter.groupId = groupId;
    return f.done(filter);
  },
  renameRun(payload) {
    const f = new Fields(payload, ['runId', 'name'], 'the request');
    const runId = f.runId();
    const name = f.text('name', { max: limits.name, required: true, nonBlank: true }) ?? '';
    return f.done({ runId, name });
  },
  setRunTags(payload) {
    const f = new Fields(payload, ['runId', 'tags'], 'the request');
    const runId = f.runId();
    const tags = f.textList('tags', limits.tags, limits.tag);
    return f.done({ runId, tags });
  },
  startSweep: (payload) => validateSweep(payload),
  listGroups(payload) {
    // No fields: an absent request lists every group.
    const f = new Fields(payload ?? {}, [], 'the request');
    return f.done({});
  },
  getGroup(payload) {
    const f = new Fields(payload, ['groupId'], 'the request');
    const groupId = f.id('groupId', 'a sweep group');
    return f.done({ groupId });
  },
  setRunNotes(payload) {
    const f = new Fields(payload, ['runId', 'notes'], 'the request');
    const runId = f.runId();
    const notes = f.text('notes', { max: limits.notes, required: true }) ?? '';
    return f.done({ runId, notes });
  },
};

/**
 * A sweep: a valid base config (issues under config.*), the setting to vary (`vary.path`: a
 * dotted path of the config's settings, or "depth") and its values (`vary.values`: 1 to
 * sweepLimits.values JSON values), each giving a valid config (issues under `vary.values[i]`,
 * naming the field of the config that it makes invalid). The checked request holds the parsed
 * base config and copies of the values.
 */
function validateSweep(payload: unknown): Checked<SweepRequest> {
  const f = new Fields(payload, ['config', 'vary', 'name'], 'the request');
  const name = f.text('name', { max: limits.name, required: false });
  const input = f.raw('config', 'an experiment config');
  const varyInput = f.raw('vary', 'the setting to vary and its values: { path, values }');
  let config: ExperimentConfig | undefined;
  if (input !== undefined) {
    const parsed = parseConfig(input);
    if (parsed.ok) config = parsed.config;
    else for (const issue of parsed.issues) f.issues.push({ path: issue.path ? `config.${issue.path}` : 'config', message: issue.message });
  }
  let vary: { path: string; values: unknown[] } | undefined;
  if (varyInput !== undefined) {
    const v = new Fields(varyInput, ['path', 'values'], 'vary');
    // Not an object: that one message, not also "path is required" and "values is required".
    const isObject = !v.issues.some((i) => i.path === '(request)');
    const path = isObject ? v.text('path', { max: limits.varyPath, required: true, nonBlank: true }) : undefined;
    const values = isObject ? v.raw('values', 'a list of values') : undefined;
    let copies: unknown[] | undefined;
    if (values !== undefined) {
      if (!Array.isArray(values)) v.issues.push({ path: 'values', message: `must be a list of values, not ${describeValue(values)}` });
      else if (values.length === 0) v.issues.push({ path: 'values', message: 'must list at least one value' });
      else if (values.length > sweepLimits.values) v.issues.push({ path: 'values', message: `must have at most ${sweepLimits.values} values (it has ${values.length})` });
      else {
        values.forEach((value: unknown, i) => {
          const problem = jsonValueProblem(value);
          if (problem) v.issues.push({ path: `values[${i}]`, message: problem });
        });
        if (!v.issues.some((i) => i.path.startsWith('values'))) {
          const size = JSON.stringify(values).length;
          if (size > sweepLimits.valuesJson) v.issues.push({ path: 'values', message: `must be at most ${sweepLimits.valuesJson} characters as JSON (they have ${size})` });
          else copies = JSON.parse(JSON.stringify(values)) as unknown[];
        }
      }
    }
    for (const issue of v.issues) f.issues.push({ path: issue.path === '(request)' ? 'vary' : `vary.${issue.path}`, message: issue.message });
    if (path !== undefined && copies !== undefined) vary = { path, values: copies };
  }
  // Each value's config is checked only when the base config and the shape of vary are valid.
  if (config && vary && f.issues.length === 0) f.issues.push(...sweepIssues(config, vary.path, vary.values));
  if (!config || !vary) return { ok: false, issues: f.issues };
  return f.done(name === undefined ? { config, vary } : { config, vary, name });
}

function runIdOnly(payload: unknown): Checked<{ runId: number }> {
  const f = new Fields(payload, ['runId'], 'the request');
  const runId = f.runId();
  return f.done({ runId });
}

/** Checks the payload of a call to `method`; the checked request holds only validated fields. */
export function validateLabRequest<M extends LabMethod>(method: M, payload: unknown): Checked<Request<M>> {
  return (validators[method] as (p: unknown) => Checked<Request<M>>)(payload);
}

/** One line naming every offending field, e.g. `invalid getRun request: runId: must be ...`. */
export function issuesMessage(method: string, issues: readonly LabIssue[]): string {
  const parts = issues.map((i) => (i.path === '(request)' ? i.message : `${i.path}: ${i.message}`));
  return `invalid ${method} request: ${parts.join('; ')}`;
}

/** The extension of a file name, lower case, or '' when it has none. */
export function fileExtension(fileName: string): string {
  const m = /\.([A-Za-z0-9]+)$/.exec(fileName);
  return m ? m[1].toLowerCase() : '';
}

/**
 * Checks a saveFile request: a plain file name (no folder, no control characters, not hidden)
 * ending in .png, .svg or .csv; the content as base64 for PNG (starting with the PNG signature)
 * and as UTF-8 text for SVG and CSV; at most limits.fileData characters.
 */
export function validateSaveFileRequest(payload: unknown): Checked<SaveFileRequest> {
  const f = new Fields(payload, ['fileName', 'data', 'encoding'], 'the request');
  const issues = f.issues;
  const fileName = f.text('fileName', { max: limits.fileName, required: true, nonBlank: true });
  const encoding = f.raw('encoding', 'utf8 or base64');
  const data = f.text('data', { max: limits.fileData, required: true });
  let extension: SavableExtension | undefined;
  if (fileName !== undefined) {
    const ext = fileExtension(fileName);
    if (/[\\/]/.test(fileName)) issues.push({ path: 'fileName', message: 'must be a file name, not a path (no / or \\)' });
    else if (/[\u0000-\u001f\u007f]/.test(fileName)) issues.push({ path: 'fileName', message: 'must not contain control characters' });
    else if (fileName.startsWith('.')) issues.push({ path: 'fileName', message: 'must not start with a dot' });
    else if (!Object.prototype.hasOwnProperty.call(savableFiles, ext)) {
      issues.push({ path: 'fileName', message: `must end in ${Object.keys(savableFiles).map((e) => `.${e}`).join(', ')}` });
    } else extension = ext as SavableExtension;
  }
  if (encoding !== undefined && encoding !== 'utf8' && encoding !== 'base64') {
    issues.push({ path: 'encoding', message: `must be utf8 or base64, not ${describeValue(encoding)}` });
  } else if (extension && encoding !== undefined && encoding !== savableFiles[extension].encoding) {
    issues.push({ path: 'encoding', message: `a .${extension} file travels as ${savableFiles[extension].encoding}` });
  }
  if (data !== undefined && encoding === 'base64' && extension === 'png') {
    if (data.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(data)) issues.push({ path: 'data', message: 'must be base64 text' });
    else if (!data.startsWith('iVBORw0KGgo')) issues.push({ path: 'data', message: 'must be a PNG image (it lacks the PNG signature)' });
  }
  if (issues.length || fileName === undefined || data === undefined) return { ok: false, issues };
  return { ok: true, value: { fileName, data, encoding: encoding as SaveFileRequest['encoding'] } };
}
