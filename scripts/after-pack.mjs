// electron-builder afterPack hook (package.json build.afterPack): puts the Electron build of
// better-sqlite3 into the packed app as resources/native/better_sqlite3.node, where
// src/main/store/native-binding.ts looks for it in an installed app. It runs once per platform
// and architecture, after the app folder (e.g. dist/linux-unpacked) is made and before it is
// turned into an AppImage or a deb, and stops the build if the addon for that Electron version and
// architecture is missing or registers the wrong ABI (a package that cannot open its database
// must not be made). The addon comes from `npm run rebuild:electron` (dist:linux runs it first).
//
// Why a hook and not extraResources: the source folder is named after the Electron version
// (build/native/electron-<version>-<platform>-<arch>/), which electron-builder's file-set macros
// cannot express, and extraResources silently skips a missing source.
import fs from 'node:fs';
import path from 'node:path';
import { kernelsOutputPath } from './build-native-kernels.mjs';
import { addonAbi, electronAbi, electronBindingPath, packagedBindingPath, projectRoot } from './electron-native.mjs';

// builder-util's Arch enum (ia32 = 0, x64 = 1, armv7l = 2, arm64 = 3, universal = 4).
const archNames = ['ia32', 'x64', 'armv7l', 'arm64', 'universal'];

export async function afterPack(context) {
  const { appOutDir, packager, electronPlatformName } = context;
  const arch = typeof context.arch === 'number' ? archNames[context.arch] : String(context.arch);
  const root = packager?.info?.projectDir ?? projectRoot;
  const electronVersion = packager?.info?.framework?.version ?? packager?.config?.electronVersion;
  if (!electronVersion) throw new Error('after-pack: cannot tell which Electron version is being packed');
  // Electron names platforms darwin/mas/win32/linux like process.platform (mas builds on darwin).
  const platform = electronPlatformName === 'mas' ? 'darwin' : electronPlatformName;

  const source = path.join(root, electronBindingPath(electronVersion, platform, arch));
  if (!fs.existsSync(source)) {
    throw new Error(
      `after-pack: ${source} is missing, so the ${platform}-${arch} package could not open its run database. ` +
        `Build it first with \`npm run rebuild:electron${arch === process.arch ? '' : ` -- --arch ${arch}`}\` ` +
        '(needs Electron\'s headers from the internet once; see docs/desktop.md).',
    );
  }
  const expected = electronAbi(electronVersion, path.join(root, 'node_modules', 'electron'), root);
  const abi = addonAbi(source);
  if (expected != null && abi !== expected) {
    throw new Error(
      `after-pack: ${source} registers NODE_MODULE_VERSION ${abi}, but Electron ${electronVersion} needs ${expected}; ` +
        'rebuild it with `npm run rebuild:electron -- --force`',
    );
  }
  const resources = typeof packager?.getResourcesDir === 'function' ? packager.getResourcesDir(appOutDir) : path.join(appOutDir, 'resources');
  const dest = path.join(resources, packagedBindingPath);
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.copyFileSync(source, dest);
  fs.chmodSync(dest, 0o755);
  console.log(`  • after-pack: ${path.relative(root, source)} -> ${path.relative(appOutDir, dest)} (NODE_MODULE_VERSION ${abi})`);

  // The native kernels (a Node-API addon: no Electron rebuild) go beside it; optional: without
  // them the app trains with the wasm kernels, so a missing build is a warning.
  const kernels = path.join(root, kernelsOutputPath(platform, arch));
  if (fs.existsSync(kernels)) {
    const kernelsDest = path.join(resources, 'native', 'freqlab_kernels.node');
    fs.copyFileSync(kernels, kernelsDest);
    fs.chmodSync(kernelsDest, 0o755);
    console.log(`  • after-pack: ${path.relative(root, kernels)} -> ${path.relative(appOutDir, kernelsDest)}`);
  } else {
    console.warn(`  • after-pack: ${kernels} is missing: this package will train without the native kernels (run \`npm run build:kernels\` first)`);
  }
}

export default afterPack;
