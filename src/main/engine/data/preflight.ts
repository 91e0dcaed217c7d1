// Checks a run's data paths before the run is stored: relative paths become absolute (against
// the folder the lab resolves them in), and a folder or file that does not exist is a clear
// error instead of a stored run that fails at once.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ExperimentConfig } from '../../../shared/config';
import { ConfigError } from '../../../shared/config';

/** The config with every data path made absolute against `baseDir`. */
export function withAbsoluteDataPaths(config: ExperimentConfig, baseDir: string): ExperimentConfig {
  const data = config.data as ExperimentConfig['data'] & { dir?: string; inputs?: string; targets?: string };
  const abs = (p: string) => path.resolve(baseDir, p);
  const resolved = { ...data };
  if (typeof data.dir === 'string') resolved.dir = abs(data.dir);
  if (typeof data.inputs === 'string') resolved.inputs = abs(data.inputs);
  if (typeof data.targets === 'string') resolved.targets = abs(data.targets);
  return { ...config, data: resolved as ExperimentConfig['data'] };
}

/** Throws a ConfigError naming each data path that is missing (a folder that may be created by a
 *  download is not required to exist). */
export function checkDataPaths(config: ExperimentConfig): void {
  const data = config.data as ExperimentConfig['data'] & { dir?: string; inputs?: string; targets?: string; download?: unknown };
  const issues: { path: string; message: string }[] = [];
  const downloads = data.kind === 'cifar10' && Boolean(data.download);
  if (typeof data.dir === 'string' && !downloads) {
    if (!existsSync(data.dir)) issues.push({ path: 'data.dir', message: `folder ${data.dir} does not exist` });
    else if (!statSync(data.dir).isDirectory()) issues.push({ path: 'data.dir', message: `${data.dir} is a file, not a folder` });
  }
  for (const key of ['inputs', 'targets'] as const) {
    const file = data[key];
    if (typeof file === 'string' && !existsSync(file)) issues.push({ path: `data.${key}`, message: `file ${file} does not exist` });
  }
  if (issues.length) throw new ConfigError(issues);
}
