// Builds the app (electron-vite) into a temporary folder once before the end-to-end tests, so
// that they drive the current renderer source, not whatever out/ last held, and never write into
// the out/ folder others may be using. The tests get the renderer folder through inject().
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The freshly built renderer (index.html, assets/). */
    rendererDir: string;
  }
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export default function setup(project: TestProject): () => void {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'freqlab-e2e-build-'));
  const started = Date.now();
  const result = spawnSync(path.join(repoRoot, 'node_modules/.bin/electron-vite'), ['build', '--outDir', outDir, '--logLevel', 'error'], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    fs.rmSync(outDir, { recursive: true, force: true });
    throw new Error(`electron-vite build failed before the end-to-end tests:\n${result.stdout}\n${result.stderr}`);
  }
  console.log(`e2e: built the app into ${outDir} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  project.provide('rendererDir', path.join(outDir, 'renderer'));
  return () => fs.rmSync(outDir, { recursive: true, force: true });
}
