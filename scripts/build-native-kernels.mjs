#!/usr/bin/env node
// Builds the native kernels (src/main/engine/native-kernels/kernels.c, a Node-API addon) with
// node-gyp into build/native/freqlab-kernels-<platform>-<arch>/freqlab_kernels.node, where
// src/main/engine/native-kernels.ts looks for it. Node-API is ABI-stable: the one build serves
// Node (tests, command line) and Electron (the desktop app).
//
//   npm run build:kernels            build (fails loudly on a compile error)
//   npm run build:kernels -- --auto  the postinstall mode: prints one line and exits 0 on any failure
//                                    (no compiler, no headers offline): the app then runs the
//                                    wasm kernels. $FREQLAB_SKIP_NATIVE_KERNELS=1 skips it.
//
// Node's headers: node-gyp downloads them unless --nodedir is given; this script passes the
// folder of the running Node's own headers when they are installed (e.g. Debian's nodejs puts them
// in /usr/include/node), or $npm_config_nodedir, so it works offline where they exist.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const prefix = '[build:kernels]';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const source = path.join(root, 'src', 'main', 'engine', 'native-kernels');
export const kernelsOutputPath = (platform, arch) => `build/native/freqlab-kernels-${platform}-${arch}/freqlab_kernels.node`;

function nodeHeadersDir() {
  const fromNpm = process.env.npm_config_nodedir;
  if (fromNpm && fs.existsSync(path.join(fromNpm, 'include', 'node', 'common.gypi'))) return fromNpm;
  const prefixDir = path.resolve(path.dirname(process.execPath), '..');
  if (fs.existsSync(path.join(prefixDir, 'include', 'node', 'common.gypi'))) return prefixDir;
  return null;
}

function main() {
  const auto = process.argv.includes('--auto');
  if (auto && process.env.FREQLAB_SKIP_NATIVE_KERNELS) {
    console.log(`${prefix} skipped ($FREQLAB_SKIP_NATIVE_KERNELS is set); the wasm kernels will run`);
    return 0;
  }
  let gyp;
  try {
    gyp = createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
  } catch {
    const msg = 'node-gyp is not installed (dev dependencies omitted?)';
    console.log(`${prefix} ${auto ? 'skipped' : 'failed'}: ${msg}; the wasm kernels will run`);
    return auto ? 0 : 1;
  }
  const nodedir = nodeHeadersDir();
  const args = [gyp, 'rebuild', '--directory', source, ...(nodedir ? [`--nodedir=${nodedir}`] : [])];
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', stdio: auto ? 'pipe' : 'inherit' });
  const built = path.join(source, 'build', 'Release', 'freqlab_kernels.node');
  if (r.status !== 0 || !fs.existsSync(built)) {
    const tail = auto ? `${r.stderr ?? ''}`.trim().split('\n').filter((l) => /error|ERR!/i.test(l)).slice(0, 2).join(' | ') : '';
    console.log(`${prefix} ${auto ? 'not built' : 'failed'}${tail ? `: ${tail}` : ''}; the wasm kernels will run (retry with \`npm run build:kernels\`)`);
    return auto ? 0 : 1;
  }
  const dest = path.join(root, kernelsOutputPath(process.platform, process.arch));
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  // Copy, then rename over the old file: a process that has the old one loaded keeps its copy
  // (overwriting a loaded shared library in place crashes that process).
  const partial = `${dest}.${process.pid}.partial`;
  fs.copyFileSync(built, partial);
  fs.renameSync(partial, dest);
  fs.rmSync(path.join(source, 'build'), { recursive: true, force: true });
  // A loading check in a fresh process: a build that does not load is reported now, not at the first run.
  const check = spawnSync(process.execPath, ['-e', `console.log(JSON.stringify(require(${JSON.stringify(dest)}).info()))`], { encoding: 'utf8' });
  if (check.status !== 0) {
    console.log(`${prefix} built ${path.relative(root, dest)} but it does not load: ${check.stderr.trim().split('\n')[0]}`);
    return auto ? 0 : 1;
  }
  const info = JSON.parse(check.stdout);
  console.log(`${prefix} built ${path.relative(root, dest)} (${info.isa})`);
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exit(main());
