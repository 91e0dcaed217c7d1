// What the benchmark ran on: the machine, its load, and the versions of both sides. Also finds
// out whether the PyTorch reference can run, and says what to install when it cannot (the bench
// itself installs nothing).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot, runChild } from './child';

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryBytes: number;
  os: string;
  node: string;
}

export function machineInfo(): MachineInfo {
  let cpu = os.cpus()[0]?.model?.trim() ?? 'unknown';
  try {
    const flags = readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:\s*(.*)$/m)?.[1].split(' ') ?? [];
    const simd = ['avx512f', 'avx2', 'fma'].filter((f) => flags.includes(f));
    if (simd.length) cpu += ` (${simd.join(', ')})`;
  } catch {
    // no /proc
  }
  return {
    cpu,
    cores: os.availableParallelism(),
    memoryBytes: os.totalmem(),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.versions.node,
  };
}

/** 1, 5 and 15 minute load averages, e.g. "0.12 0.40 0.61". */
export function loadAverage(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

function readJson(file: string): Record<string, unknown> | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** Versions of the npm packages that matter here. */
export function packageVersions(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'better-sqlite3', 'tsx']) {
    const pkg = readJson(path.join(repoRoot, 'node_modules', name, 'package.json'));
    out[name] = typeof pkg?.version === 'string' ? pkg.version : 'not installed';
  }
  return out;
}

function debianVersion(pkg: string): string | null {
  try {
    const v = execFileSync('dpkg-query', ['-W', '-f=${Status}|${Version}', pkg], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const [status, version] = v.split('|');
    return status.includes('install ok installed') ? version : null;
  } catch {
    return null;
  }
}

export interface ReferenceInfo {
  available: boolean;
  python: string;
  /** What is missing and how to get it, when not available. */
  missing: string[];
  torch?: string;
  numpy?: string;
  blas?: string;
  debian: Record<string, string | null>;
}

/** Whether /usr/bin/python3 can import torch, and the versions of the reference side. */
export async function referenceInfo(python: string): Promise<ReferenceInfo> {
  const debian = {
    'python3-torch': debianVersion('python3-torch'),
    'libopenblas0-pthread': debianVersion('libopenblas0-pthread'),
  };
  const missing: string[] = [];
  const install = 'apt-get install python3-torch libopenblas0-pthread';
  if (!existsSync(python)) {
    missing.push(`${python} does not exist (${install})`);
    return { available: false, python, missing, debian };
  }
  const probe = await runChild<{ torch: string; numpy: string; blas: string }>(python, [path.join(repoRoot, 'bench', 'reference', 'versions.py')], {
    timeoutSeconds: 120,
  });
  if (!probe.ok || !probe.result) {
    missing.push(`${python} cannot import torch and numpy (${install}): ${probe.error?.split('\n').pop() ?? ''}`.trim());
    return { available: false, python, missing, debian };
  }
  if (!debian['libopenblas0-pthread']) {
    missing.push('libopenblas0-pthread is not installed: torch falls back to another BLAS (apt-get install libopenblas0-pthread)');
  }
  return { available: true, python, missing, torch: probe.result.torch, numpy: probe.result.numpy, blas: probe.result.blas, debian };
}
