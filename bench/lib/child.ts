// Runs one measurement in a child process and reads back its result: the child prints progress
// on stderr and its result as one JSON line on stdout, prefixed by RESULT_PREFIX. Every timing
// and the peak memory (VmHWM, the resident-set high-water mark) are taken inside the child, so
// start-up (tsx, Python imports) and the parent's own memory never count.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const RESULT_PREFIX = 'BENCH-RESULT ';
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface ChildResult<T> {
  ok: boolean;
  result: T | null;
  /** Why it failed: the exit code or signal and the last lines of stderr. */
  error: string | null;
  wallSeconds: number;
}

export interface ChildOptions {
  env?: Record<string, string>;
  /** Kill the child after this many seconds (default: none). */
  timeoutSeconds?: number;
  /** Show the child's stderr (progress) indented on our stderr. */
  echo?: boolean;
}

export function runChild<T>(command: string, args: string[], opts: ChildOptions = {}): Promise<ChildResult<T>> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: repoRoot,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer =
      opts.timeoutSeconds !== undefined
        ? setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, opts.timeoutSeconds * 1000)
        : null;
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      stderr += s;
      if (opts.echo) process.stderr.write(s.replace(/^(?=.)/gm, '      '));
    });
    child.on('error', (e) => {
      if (timer) clearTimeout(timer);
      resolve({ ok: false, result: null, error: `could not start ${command}: ${e.message}`, wallSeconds: 0 });
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      const wallSeconds = (performance.now() - t0) / 1000;
      const line = stdout
        .split('\n')
        .reverse()
        .find((l) => l.startsWith(RESULT_PREFIX));
      if (code === 0 && line) {
        try {
          resolve({ ok: true, result: JSON.parse(line.slice(RESULT_PREFIX.length)) as T, error: null, wallSeconds });
          return;
        } catch (e) {
          resolve({ ok: false, result: null, error: `unreadable result: ${(e as Error).message}`, wallSeconds });
          return;
        }
      }
      const tail = stderr.trim().split('\n').slice(-6).join('\n');
      const why = timedOut ? `timed out after ${opts.timeoutSeconds} s` : signal ? `killed by ${signal}` : `exit code ${code}`;
      resolve({ ok: false, result: null, error: `${why}${tail ? `\n${tail}` : ''}`, wallSeconds });
    });
  });
}

/** A TypeScript child of this bench, run by Node through tsx. */
export function tsChild(script: string): { command: string; args: string[] } {
  return { command: process.execPath, args: ['--import', 'tsx', path.join(repoRoot, 'bench', 'children', script)] };
}
