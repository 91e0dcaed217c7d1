// Which better-sqlite3 addon a process loads (src/main/store/native-binding.ts): the Node build
// under plain Node, the Electron build inside Electron (development checkout or installed app),
// or $FREQLAB_SQLITE_BINDING; and the messages when the Electron build is missing. Pure logic,
// tested without Electron; plus the helpers of scripts/electron-native.mjs that must agree with it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  bindingEnvVar,
  chooseNativeBinding,
  currentBindingContext,
  developmentBindingPath,
  explainBindingLoadError,
  findProjectRoot,
  NativeBindingError,
  nativeBindingOption,
  packagedBindingPath,
  type BindingContext,
} from '../../../src/main/store/native-binding';
import { openDatabase, StoreError } from '../../../src/main/store/database';
import * as electronScripts from '../../../scripts/electron-native.mjs';

const root = '/home/ada/frequency-lab';
const resources = '/opt/Frequency Lab/resources';

function ctx(over: Partial<BindingContext> = {}): BindingContext {
  return {
    versions: { node: '22.20.0', electron: '45.6.0', modules: '150' },
    platform: 'linux',
    arch: 'x64',
    env: {},
    resourcesPath: '/home/ada/frequency-lab/node_modules/electron/dist/resources',
    packaged: false,
    projectRoot: root,
    ...over,
  };
}

/** `exists` for a fixed set of files. */
const only =
  (...files: string[]) =>
  (file: string) =>
    files.includes(file);

function thrown(fn: () => unknown): NativeBindingError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(NativeBindingError);
    return err as NativeBindingError;
  }
  throw new Error('expected a NativeBindingError');
}

const devFile = path.join(root, 'build/native/electron-45.6.0-linux-x64/better_sqlite3.node');

describe('chooseNativeBinding', () => {
  it('leaves plain Node on better-sqlite3’s own build (node_modules)', () => {
    const node = ctx({ versions: { node: '20.20.2', modules: '115' }, resourcesPath: undefined, projectRoot: null });
    expect(chooseNativeBinding(node, () => false)).toEqual({ kind: 'default' });
  });

  it('in a development checkout, loads build/native/electron-<version>-<platform>-<arch>/', () => {
    expect(developmentBindingPath('45.6.0', 'linux', 'x64')).toBe('build/native/electron-45.6.0-linux-x64/better_sqlite3.node');
    expect(chooseNativeBinding(ctx(), only(devFile))).toEqual({ kind: 'file', file: devFile, source: 'development' });
    const arm = path.join(root, 'build/native/electron-45.6.0-linux-arm64/better_sqlite3.node');
    expect(chooseNativeBinding(ctx({ arch: 'arm64' }), only(arm))).toEqual({ kind: 'file', file: arm, source: 'development' });
  });

  it('names the missing development build, the Electron version and the command that builds it', () => {
    const err = thrown(() => chooseNativeBinding(ctx(), () => false));
    expect(err.file).toBe(devFile);
    expect(err.message).toContain(devFile);
    expect(err.message).toContain('Electron 45.6.0 (NODE_MODULE_VERSION 150)');
    expect(err.message).toContain('`npm run rebuild:electron`');
    expect(err.message).toContain('docs/desktop.md');
  });

  it('does not take a build for another Electron version', () => {
    const older = path.join(root, 'build/native/electron-44.0.0-linux-x64/better_sqlite3.node');
    const err = thrown(() => chooseNativeBinding(ctx(), only(older)));
    expect(err.file).toBe(devFile);
  });

  it('in an installed app, loads resources/native/better_sqlite3.node and ignores any checkout', () => {
    const file = path.join(resources, 'native/better_sqlite3.node');
    expect(packagedBindingPath).toBe('native/better_sqlite3.node');
    const packaged = ctx({ packaged: true, resourcesPath: resources, projectRoot: null });
    expect(chooseNativeBinding(packaged, only(file, devFile))).toEqual({ kind: 'file', file, source: 'packaged' });
  });

  it('says an installed app without its addon is incomplete and how to fix it', () => {
    const packaged = ctx({ packaged: true, resourcesPath: resources, projectRoot: null });
    const err = thrown(() => chooseNativeBinding(packaged, only(devFile)));
    expect(err.file).toBe(path.join(resources, 'native/better_sqlite3.node'));
    expect(err.message).toContain('incomplete');
    expect(err.message).toContain(err.file);
    expect(err.message).toContain('Reinstall');
    expect(err.message).toContain('npm run dist:linux');
  });

  it('takes $FREQLAB_SQLITE_BINDING first, in Node or Electron, and names it when the file is missing', () => {
    const custom = '/srv/addons/better_sqlite3.node';
    const env = { [bindingEnvVar]: custom };
    expect(chooseNativeBinding(ctx({ env }), only(custom))).toEqual({ kind: 'file', file: custom, source: 'env' });
    const node = ctx({ env, versions: { node: '20.20.2' } });
    expect(chooseNativeBinding(node, only(custom))).toEqual({ kind: 'file', file: custom, source: 'env' });
    const err = thrown(() => chooseNativeBinding(ctx({ env }), only(devFile)));
    expect(err.message).toContain(`$${bindingEnvVar}`);
    expect(err.message).toContain(custom);
  });

  it('explains a development run whose project folder cannot be found', () => {
    const err = thrown(() => chooseNativeBinding(ctx({ projectRoot: null }), () => true));
    expect(err.message).toContain('build/native/electron-45.6.0-linux-x64/better_sqlite3.node');
    expect(err.message).toContain(bindingEnvVar);
  });
});

describe('process facts', () => {
  it('finds the checkout above a module folder', () => {
    expect(findProjectRoot('/home/ada/frequency-lab/out/main', only('/home/ada/frequency-lab/package.json'))).toBe(root);
    expect(findProjectRoot('/a/b', () => false)).toBeNull();
  });

  it('under this Node process: not Electron, so better-sqlite3’s default build', () => {
    const here = currentBindingContext();
    expect(here.versions.electron).toBeUndefined();
    expect(here.packaged).toBe(false);
    expect(nativeBindingOption()).toBeUndefined();
  });

  it('adds the fix to an ABI mismatch when the addon is loaded', () => {
    const abi = 'The module was compiled against a different Node.js version using NODE_MODULE_VERSION 140. This version of Node.js requires NODE_MODULE_VERSION 150.';
    const text = explainBindingLoadError(new Error(abi), devFile);
    expect(text).toContain(abi);
    expect(text).toContain('`npm run rebuild:electron -- --force`');
    expect(explainBindingLoadError(new Error('SQLITE_CANTOPEN'), devFile)).toBe('SQLITE_CANTOPEN');
  });
});

describe('openDatabase with an explicit addon', () => {
  const saved = process.env[bindingEnvVar];
  const dirs: string[] = [];
  afterEach(() => {
    if (saved === undefined) delete process.env[bindingEnvVar];
    else process.env[bindingEnvVar] = saved;
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it('passes the file as better-sqlite3’s nativeBinding, and a missing one is a StoreError naming it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'freqlab-binding-'));
    dirs.push(dir);
    // The Node build, given explicitly: opening works through the nativeBinding path.
    process.env[bindingEnvVar] = path.resolve('node_modules/better-sqlite3/build/Release/better_sqlite3.node');
    const db = openDatabase(path.join(dir, 'runs.db'));
    expect(db.pragma('user_version', { simple: true })).toBeGreaterThan(0);
    db.close();

    const missing = path.join(dir, 'nowhere', 'better_sqlite3.node');
    process.env[bindingEnvVar] = missing;
    const target = path.join(dir, 'other', 'runs.db');
    expect(() => openDatabase(target)).toThrow(StoreError);
    expect(() => openDatabase(target)).toThrow(missing);
    expect(fs.existsSync(path.dirname(target))).toBe(false); // nothing created before the addon is known
  });
});

describe('scripts/electron-native.mjs agrees', () => {
  it('builds to the folder the app reads, and packs to the same resources path', () => {
    expect(electronScripts.electronBindingPath('45.6.0', 'linux', 'x64')).toBe(developmentBindingPath('45.6.0', 'linux', 'x64'));
    expect(electronScripts.packagedBindingPath).toBe(packagedBindingPath);
  });

  it('reads an addon’s ABI from its registration symbol (the Node build here)', () => {
    const nodeBuild = 'node_modules/better-sqlite3/build/Release/better_sqlite3.node';
    expect(electronScripts.addonAbi(nodeBuild)).toBe(Number(process.versions.modules));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'freqlab-abi-'));
    try {
      fs.writeFileSync(path.join(dir, 'none.node'), 'no symbol here');
      expect(electronScripts.addonAbi(path.join(dir, 'none.node'))).toBeNull();
      expect(electronScripts.headersCached(dir, '45.6.0')).toBe(false);
      fs.mkdirSync(path.join(dir, '45.6.0', 'include', 'node'), { recursive: true });
      fs.writeFileSync(path.join(dir, '45.6.0', 'include', 'node', 'node.h'), '');
      fs.writeFileSync(path.join(dir, '45.6.0', 'installVersion'), '11\n');
      expect(electronScripts.headersCached(dir, '45.6.0')).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps npm’s machine-wide nodedir/target away from node-gyp (they would pick Node’s headers)', () => {
    const env = electronScripts.cleanBuildEnv({
      PATH: '/usr/bin',
      npm_config_nodedir: '/usr',
      NPM_CONFIG_TARGET: '20.0.0',
      npm_config_dist_url: 'https://nodejs.org/dist',
      npm_config_cafile: '/etc/ssl/certs/ca-certificates.crt',
      npm_config_https_proxy: 'http://proxy:3128',
    });
    expect(env).toEqual({
      PATH: '/usr/bin',
      npm_config_cafile: '/etc/ssl/certs/ca-certificates.crt',
      npm_config_https_proxy: 'http://proxy:3128',
    });
  });
});
