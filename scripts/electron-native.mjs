// Helpers for the second, Electron-ABI build of better-sqlite3 (see docs/desktop.md, "Native
// modules"). node_modules/better-sqlite3 keeps the Node build that the tests and the command line
// use; the Electron build is compiled from a copy of the same sources into
//   build/native/electron-<electron version>-<platform>-<arch>/better_sqlite3.node
// with node-gyp against Electron's headers. Used by scripts/rebuild-electron.mjs (the command and
// the postinstall step), scripts/after-pack.mjs (electron-builder) and scripts/check-package.mjs.
// Plain Node ESM with no dependencies at load time: it must run in a postinstall, before or
// without the dev dependencies.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const bindingFileName = 'better_sqlite3.node';
/** Electron's header tarballs (node-v<version>-headers.tar.gz and SHASUMS256.txt under v<version>/). */
export const defaultHeadersUrl = 'https://www.electronjs.org/headers';
/** Where the packaged app keeps the addon, relative to its resources folder (see
 *  src/main/store/native-binding.ts, packagedBindingPath). */
export const packagedBindingPath = `native/${bindingFileName}`;

/** The development build's folder, relative to the project (src/main/store/native-binding.ts
 *  developmentBindingPath must agree: a test checks it). */
export function electronBindingDir(electronVersion, platform, arch) {
  return `build/native/electron-${electronVersion}-${platform}-${arch}`;
}

export function electronBindingPath(electronVersion, platform, arch) {
  return `${electronBindingDir(electronVersion, platform, arch)}/${bindingFileName}`;
}

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** The installed electron package: its version and ABI (NODE_MODULE_VERSION), or null when it is
 *  not installed (e.g. `npm install --omit=dev`). */
export function installedElectron(root = projectRoot) {
  const dir = path.join(root, 'node_modules', 'electron');
  let version;
  try {
    version = readJson(path.join(dir, 'package.json')).version;
  } catch {
    return null;
  }
  return { version, abi: electronAbi(version, dir, root), binaryInstalled: electronBinaryInstalled(dir) };
}

/** Electron's NODE_MODULE_VERSION: the electron package ships it in abi_version (recent
 *  versions); otherwise node-abi (a dependency of electron-builder) is asked; else null. */
export function electronAbi(version, electronDir, root = projectRoot) {
  try {
    const text = fs.readFileSync(path.join(electronDir, 'abi_version'), 'utf8').trim();
    if (/^\d+$/.test(text)) return Number(text);
  } catch {
    // older electron packages have no abi_version
  }
  try {
    const nodeAbi = createRequire(path.join(root, 'package.json'))('node-abi');
    return Number(nodeAbi.getAbi(version, 'electron'));
  } catch {
    return null;
  }
}

/** Whether electron's own binary was downloaded (Electron 45 downloads it on first use). */
function electronBinaryInstalled(electronDir) {
  try {
    const exe = fs.readFileSync(path.join(electronDir, 'path.txt'), 'utf8');
    return fs.existsSync(path.join(electronDir, 'dist', exe));
  } catch {
    return false;
  }
}

/** The installed better-sqlite3: its folder and version, or null. */
export function installedBetterSqlite(root = projectRoot) {
  const dir = path.join(root, 'node_modules', 'better-sqlite3');
  try {
    return { dir, version: readJson(path.join(dir, 'package.json')).version };
  } catch {
    return null;
  }
}

/** The NODE_MODULE_VERSION a compiled addon was built for, from the registration symbol that
 *  NODE_MODULE_INIT exports (node_register_module_v<abi>); null when there is none. */
export function addonAbi(file) {
  const text = fs.readFileSync(file).toString('latin1');
  const m = /node_register_module_v(\d+)/.exec(text);
  return m ? Number(m[1]) : null;
}

/** node-gyp's cache of Electron headers (the convention of Electron's docs and @electron/rebuild). */
export function defaultDevDir() {
  return process.env.ELECTRON_GYP_DIR || path.join(os.homedir(), '.electron-gyp');
}

/** Whether node-gyp already has the headers of this Electron version in `devdir` (then the build
 *  works offline). */
export function headersCached(devdir, electronVersion) {
  const dir = path.join(devdir, electronVersion);
  return fs.existsSync(path.join(dir, 'installVersion')) && fs.existsSync(path.join(dir, 'include', 'node', 'node.h'));
}

/** Whether Electron's headers can be downloaded now: asks for the version's SHASUMS256.txt (a few
 *  hundred bytes) with a short timeout. Never throws. */
export async function headersReachable(distUrl, electronVersion, timeoutMs = 6000) {
  const url = `${distUrl.replace(/\/+$/, '')}/v${electronVersion}/SHASUMS256.txt`;
  try {
    const res = await fetch(url, { method: 'HEAD', redirect: 'follow', signal: AbortSignal.timeout(timeoutMs) });
    return res.ok ? { ok: true, url } : { ok: false, url, reason: `HTTP ${res.status}` };
  } catch (err) {
    const cause = err?.cause?.code || err?.cause?.message || err?.name || String(err);
    return { ok: false, url, reason: String(cause) };
  }
}

/** The build's record (build-info.json beside the addon), or null. */
export function readBuildInfo(dir) {
  try {
    return readJson(path.join(dir, 'build-info.json'));
  } catch {
    return null;
  }
}

/**
 * Where the Electron build stands: `ok` (exists, built from the installed better-sqlite3, right
 * ABI), `missing`, `stale` (another better-sqlite3 version) or `wrong-abi`.
 */
export function bindingStatus({ root = projectRoot, electron, betterSqlite, platform = process.platform, arch = process.arch }) {
  const dir = path.join(root, electronBindingDir(electron.version, platform, arch));
  const file = path.join(dir, bindingFileName);
  if (!fs.existsSync(file)) return { state: 'missing', file };
  const info = readBuildInfo(dir);
  if (betterSqlite && info?.betterSqlite3 !== betterSqlite.version) {
    return { state: 'stale', file, detail: `built from better-sqlite3 ${info?.betterSqlite3 ?? '(unknown)'}, installed ${betterSqlite.version}` };
  }
  const abi = addonAbi(file);
  if (electron.abi != null && abi !== electron.abi) {
    return { state: 'wrong-abi', file, detail: `built for NODE_MODULE_VERSION ${abi}, Electron ${electron.version} needs ${electron.abi}` };
  }
  return { state: 'ok', file, abi };
}

/** node-gyp's entry script: the pinned dev dependency, else the one bundled with npm. */
export function nodeGypScript(root = projectRoot) {
  try {
    return createRequire(path.join(root, 'package.json')).resolve('node-gyp/bin/node-gyp.js');
  } catch {
    // not installed as a dependency
  }
  if (process.env.npm_config_node_gyp && fs.existsSync(process.env.npm_config_node_gyp)) return process.env.npm_config_node_gyp;
  if (process.env.npm_execpath) {
    const bundled = path.resolve(path.dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
    if (fs.existsSync(bundled)) return bundled;
  }
  return null;
}

/** npm passes its config to scripts as npm_config_* variables, and node-gyp reads them: a
 *  machine-wide `nodedir` (set on this kind of machine so that Node builds use local headers) or
 *  `target` would silently build against the wrong headers. These are dropped for the child. */
const nodeGypConfigKeys = new Set(['nodedir', 'target', 'runtime', 'disturl', 'dist_url', 'arch', 'target_arch', 'devdir', 'build_from_source', 'target_platform']);

export function cleanBuildEnv(env = process.env) {
  const out = {};
  for (const [key, value] of Object.entries(env)) {
    const m = /^npm_config_(.+)$/i.exec(key);
    if (m && nodeGypConfigKeys.has(m[1].toLowerCase().replace(/-/g, '_'))) continue;
    out[key] = value;
  }
  return out;
}

function run(cmd, args, { cwd, env, logFile }) {
  return new Promise((resolve, reject) => {
    const log = logFile ? fs.openSync(logFile, 'w') : null;
    const child = spawn(cmd, args, { cwd, env, stdio: log === null ? 'inherit' : ['ignore', log, log] });
    child.on('error', (err) => {
      if (log !== null) fs.closeSync(log);
      reject(err);
    });
    child.on('exit', (code, signal) => {
      if (log !== null) fs.closeSync(log);
      if (code === 0) resolve();
      else reject(new Error(`node-gyp ${signal ? `was killed by ${signal}` : `exited with code ${code}`}`));
    });
  });
}

/** Makes sure build/native/ never shows up in git (a self-ignoring .gitignore). */
function ensureIgnored(root) {
  const dir = path.join(root, 'build', 'native');
  fs.mkdirSync(dir, { recursive: true });
  const ignore = path.join(dir, '.gitignore');
  if (!fs.existsSync(ignore)) fs.writeFileSync(ignore, '# Electron builds of native addons (npm run rebuild:electron): generated, not committed.\n*\n');
}

/**
 * Compiles better-sqlite3 for a target from a copy of its sources (node_modules is left alone)
 * and installs the addon as <outDir>/better_sqlite3.node with a build-info.json.
 * - target: the headers version (the Electron version); distUrl/devdir: where node-gyp downloads
 *   and caches the headers; nodedir: a folder of already unpacked headers instead (offline).
 * - expectAbi: the NODE_MODULE_VERSION the result must register, checked before installing it.
 * - logFile: node-gyp's output goes there instead of the terminal.
 */
export async function buildAddon({
  root = projectRoot,
  target,
  arch = process.arch,
  platform = process.platform,
  distUrl = defaultHeadersUrl,
  devdir = defaultDevDir(),
  nodedir,
  expectAbi,
  outDir,
  logFile,
  runtime = 'electron',
}) {
  const sqlite = installedBetterSqlite(root);
  if (!sqlite) throw new Error('better-sqlite3 is not installed: run npm install first');
  const gyp = nodeGypScript(root);
  if (!gyp) throw new Error('node-gyp was not found (it is a dev dependency: run npm install)');
  ensureIgnored(root);
  const work = path.join(root, 'build', 'native', '.work', `better-sqlite3-${runtime}-${target}-${platform}-${arch}`);
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(work), { recursive: true });
  // The package's sources without its Node build (build/) or anything installed inside it.
  fs.cpSync(sqlite.dir, work, {
    recursive: true,
    filter: (src) => {
      const rel = path.relative(sqlite.dir, src).split(path.sep);
      return rel[0] !== 'build' && rel[0] !== 'node_modules';
    },
  });
  if (logFile) fs.mkdirSync(path.dirname(logFile), { recursive: true });

  const args = [gyp, 'rebuild', '--release', `--target=${target}`, `--arch=${arch}`, `--devdir=${devdir}`, '--jobs=max'];
  if (nodedir) args.push(`--nodedir=${path.resolve(nodedir)}`);
  else args.push(`--dist-url=${distUrl}`);
  try {
    await run(process.execPath, args, { cwd: work, env: cleanBuildEnv(), logFile });
  } catch (err) {
    if (!process.env.FREQLAB_KEEP_NATIVE_WORK) fs.rmSync(work, { recursive: true, force: true });
    throw err;
  }

  const built = path.join(work, 'build', 'Release', bindingFileName);
  if (!fs.existsSync(built)) throw new Error(`node-gyp finished but ${built} is missing`);
  const abi = addonAbi(built);
  if (expectAbi != null && abi !== expectAbi) {
    throw new Error(
      `the addon node-gyp built registers NODE_MODULE_VERSION ${abi}, but ${runtime} ${target} needs ${expectAbi} ` +
        '(wrong headers? check npm_config_nodedir / --nodedir)',
    );
  }
  fs.mkdirSync(outDir, { recursive: true });
  const dest = path.join(outDir, bindingFileName);
  fs.copyFileSync(built, `${dest}.partial`);
  fs.renameSync(`${dest}.partial`, dest);
  const info = {
    runtime,
    target,
    abi,
    platform,
    arch,
    betterSqlite3: sqlite.version,
    headers: nodedir ? path.resolve(nodedir) : distUrl,
    builtAt: new Date().toISOString(),
  };
  fs.writeFileSync(path.join(outDir, 'build-info.json'), `${JSON.stringify(info, null, 2)}\n`);
  fs.rmSync(work, { recursive: true, force: true });
  try {
    fs.rmdirSync(path.dirname(work)); // .work/, when no other build is in progress
  } catch {
    // not empty
  }
  return { file: dest, abi, info };
}
