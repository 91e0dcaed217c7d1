// What a set of runs differ in: the dotted config paths whose values are not all equal (the
// name is left out), for the compare screen's header ("these runs differ in model.hidden, seed").
import type { ExperimentConfig } from '../../shared/config';

function flatten(value: unknown, prefix: string, out: Map<string, string>): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else out.set(prefix, JSON.stringify(value));
}

/** The config paths (leaves; lists count as one value) that differ between the configs, sorted. */
export function configDifferences(configs: readonly ExperimentConfig[], ignore: readonly string[] = ['name']): string[] {
  if (configs.length < 2) return [];
  const flat = configs.map((c) => {
    const m = new Map<string, string>();
    flatten(c, '', m);
    return m;
  });
  const paths = new Set(flat.flatMap((m) => [...m.keys()]));
  return [...paths]
    .filter((p) => !ignore.some((i) => p === i || p.startsWith(`${i}.`)))
    .filter((p) => new Set(flat.map((m) => m.get(p) ?? 'undefined')).size > 1)
    .sort();
}

/** The value at a path of each config, as short text ('[500,500]', 'tanh'). */
export function valuesAt(configs: readonly ExperimentConfig[], path: string): string[] {
  return configs.map((c) => {
    let node: unknown = c;
    for (const k of path.split('.')) node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[k] : undefined;
    return node === undefined ? '—' : typeof node === 'string' ? node : JSON.stringify(node);
  });
}
