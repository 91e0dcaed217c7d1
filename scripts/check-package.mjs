#!/usr/bin/env node
// Checks a packed app folder (what electron-builder makes before the AppImage and the deb:
// dist/linux-unpacked by default) without starting Electron:
// - resources/native/better_sqlite3.node is there and registers the installed Electron's ABI;
// - app.asar holds the built app (out/main/index.js, worker.js, preload, renderer) and
//   package.json with main = out/main/index.js;
// - every package that the main bundles import at run time is packed (optional tfjs-node/-gpu
//   excepted), and no dev dependency or Node build of better-sqlite3 is;
// - the native addons (*.node) and tfjs' .wasm files are unpacked beside the archive.
// Usage: npm run dist:check [-- path/to/linux-unpacked]
import fs from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import path from 'node:path';
import { addonAbi, installedElectron, packagedBindingPath, projectRoot } from './electron-native.mjs';

const appDir = path.resolve(process.argv[2] ?? path.join(projectRoot, 'dist', 'linux-unpacked'));
const resources = path.join(appDir, 'resources');
const asarFile = path.join(resources, 'app.asar');
const unpackedDir = `${asarFile}.unpacked`;
const optionalPackages = new Set(['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu']);

const problems = [];
const ok = (text) => console.log(`ok - ${text}`);
const fail = (text) => {
  problems.push(text);
  console.log(`not ok - ${text}`);
};

if (!fs.existsSync(asarFile)) {
  console.error(`${asarFile} does not exist: run npm run dist:linux:dir (or dist:linux) first, or pass the app folder`);
  process.exit(1);
}
let asar;
try {
  asar = createRequire(path.join(projectRoot, 'package.json'))('@electron/asar');
} catch {
  console.error('@electron/asar is not installed (it comes with electron-builder, a dev dependency): run npm install');
  process.exit(1);
}
const entries = new Set(asar.listPackage(asarFile, { isPack: false }).map((p) => p.split(path.sep).join('/')));
const has = (p) => entries.has(p);

// The SQLite addon for Electron.
const electron = installedElectron();
const binding = path.join(resources, packagedBindingPath);
if (!fs.existsSync(binding)) fail(`${path.relative(appDir, binding)} is missing (scripts/after-pack.mjs puts it there)`);
else {
  const abi = addonAbi(binding);
  if (electron?.abi != null && abi !== electron.abi) fail(`${path.relative(appDir, binding)} registers ABI ${abi}, Electron ${electron.version} needs ${electron.abi}`);
  else ok(`${path.relative(appDir, binding)} registers NODE_MODULE_VERSION ${abi} (Electron ${electron?.version ?? '?'})`);
}

// The app itself.
for (const file of ['/package.json', '/out/main/index.js', '/out/main/worker.js', '/out/preload/index.cjs', '/out/renderer/index.html']) {
  if (has(file)) ok(`app.asar has ${file}`);
  else fail(`app.asar lacks ${file}`);
}
const packedPackage = JSON.parse(asar.extractFile(asarFile, 'package.json').toString('utf8'));
if (packedPackage.main === './out/main/index.js' || packedPackage.main === 'out/main/index.js') ok(`package.json main is ${packedPackage.main}`);
else fail(`package.json main is ${packedPackage.main}`);
// out/main/*.js are ES modules: Electron loads them as such only under "type": "module".
if (packedPackage.type === 'module') ok('package.json has "type": "module"');
else fail(`package.json type is ${packedPackage.type ?? '(unset)'}, the main bundles are ES modules`);

// Run-time imports of the main bundles.
const bare = new Set();
const outMain = path.join(projectRoot, 'out', 'main');
for (const name of fs.existsSync(outMain) ? fs.readdirSync(outMain).filter((f) => f.endsWith('.js')) : []) {
  const code = fs.readFileSync(path.join(outMain, name), 'utf8');
  for (const m of code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s*)["']([^"'./][^"']*)["']/gm)) bare.add(m[1]);
}
const builtins = new Set(builtinModules);
for (const spec of [...bare].sort()) {
  if (spec === 'electron' || spec.startsWith('node:') || builtins.has(spec.split('/')[0])) continue;
  const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
  if (has(`/node_modules/${pkg}/package.json`)) ok(`packed run-time dependency ${pkg}`);
  else if (optionalPackages.has(pkg)) ok(`optional ${pkg} not packed (not installed here)`);
  else fail(`out/main imports ${spec}, but /node_modules/${pkg} is not in app.asar (is it a devDependency?)`);
}
for (const dev of ['electron', 'electron-builder', 'vitest', 'tsx', 'typescript', 'node-gyp']) {
  if (has(`/node_modules/${dev}`)) fail(`dev dependency ${dev} is packed`);
}
for (const unwanted of ['/node_modules/better-sqlite3/build', '/node_modules/better-sqlite3/deps', '/node_modules/better-sqlite3/src']) {
  if (has(unwanted)) fail(`${unwanted} is packed (the Node build and sources are not needed in the app)`);
}
ok('no dev dependencies or better-sqlite3 Node build packed');

// Unpacked files: native addons and tfjs' wasm binaries must be real files.
const mustUnpack = [...entries].filter((p) => p.endsWith('.node') || /\/tfjs-backend-wasm\/dist\/[^/]+\.wasm$/.test(p));
for (const p of mustUnpack) {
  if (fs.existsSync(path.join(unpackedDir, p))) ok(`unpacked ${p}`);
  else fail(`${p} is inside app.asar but not unpacked`);
}

console.log(problems.length ? `\n${problems.length} problem(s) in ${appDir}` : `\nall checks passed for ${appDir}`);
process.exitCode = problems.length ? 1 : 0;
