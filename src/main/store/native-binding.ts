// Which compiled better-sqlite3 addon a process loads. One node_modules/better-sqlite3 cannot
// serve both Node (tests, command line, browser mode) and Electron (the desktop app): they have
// different ABIs (NODE_MODULE_VERSION). So node_modules keeps the Node build, and a second build
// for Electron lives outside it:
//   development  build/native/electron-<electron version>-<platform>-<arch>/better_sqlite3.node
//                (made by `npm run rebuild:electron`, scripts/rebuild-electron.mjs)
//   packaged app <resources>/native/better_sqlite3.node
//                (copied there by scripts/after-pack.mjs when electron-builder packs the app)
//   any process  $FREQLAB_SQLITE_BINDING, when set (a path to a better_sqlite3.node)
// `openDatabase` passes the chosen file as better-sqlite3's `nativeBinding` option. The choice is
// a pure function of the process facts below, so it is tested without Electron.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The environment variable that names a better_sqlite3.node to load, in any process. */
export const bindingEnvVar = 'FREQLAB_SQLITE_BINDING';
/** The addon's file name, as node-gyp builds it. */
export const bindingFileName = 'better_sqlite3.node';
/** Where the packaged app keeps the Electron build, relative to its resources folder. */
export const packagedBindingPath = `native/${bindingFileName}`;
/** The command that builds the Electron addon in a development checkout. */
export const rebuildCommand = 'npm run rebuild:electron';

/** The facts about a process that decide which addon it loads. */
export interface BindingContext {
  /** `process.versions`: `electron` is set inside Electron (main process and its workers). */
  versions: Readonly<Record<string, string | undefined>>;
  platform: string;
  arch: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Electron's `process.resourcesPath` (the packaged app's resources folder). */
  resourcesPath?: string;
  /** True in an installed app; false when Electron runs a folder (`electron .`, electron-vite). */
  packaged: boolean;
  /** The checkout's root folder (where package.json is), for the development build. */
  projectRoot: string | null;
}

/** The addon to load: better-sqlite3's own (node_modules) or a given file. */
export type BindingChoice =
  | { kind: 'default' }
  | { kind: 'file'; file: string; source: 'env' | 'packaged' | 'development' };

/** The Electron addon is missing (or not loadable): the message names the file and the fix. */
export class NativeBindingError extends Error {
  constructor(
    message: string,
    readonly file: string,
  ) {
    super(message);
    this.name = 'NativeBindingError';
  }
}

/** The development build's path relative to the checkout: one folder per Electron version,
 *  platform and architecture, so an Electron upgrade never loads a stale addon. Must match
 *  `electronBindingDir` in scripts/electron-native.mjs (a test checks it). */
export function developmentBindingPath(electronVersion: string, platform: string, arch: string): string {
  return `build/native/electron-${electronVersion}-${platform}-${arch}/${bindingFileName}`;
}

/**
 * Chooses the addon for a process. Plain Node gets better-sqlite3's default (node_modules);
 * Electron gets its own build, and a missing build is a NativeBindingError that says which file
 * is missing and how to make it. `exists` is injected for tests.
 */
export function chooseNativeBinding(ctx: BindingContext, exists: (file: string) => boolean = fs.existsSync): BindingChoice {
  const override = ctx.env[bindingEnvVar];
  if (override) {
    const file = path.resolve(override);
    if (!exists(file)) {
      throw new NativeBindingError(
        `the SQLite addon named by $${bindingEnvVar} does not exist: ${file} ` +
          `(unset $${bindingEnvVar} to use the default build)`,
        file,
      );
    }
    return { kind: 'file', file, source: 'env' };
  }

  const electron = ctx.versions.electron;
  if (!electron) return { kind: 'default' };
  const abi = ctx.versions.modules ? ` (NODE_MODULE_VERSION ${ctx.versions.modules})` : '';

  if (ctx.packaged) {
    const resources = ctx.resourcesPath ?? '';
    const file = path.join(resources, packagedBindingPath);
    if (!resources || !exists(file)) {
      throw new NativeBindingError(
        `this installation of Frequency Lab is incomplete: its SQLite addon for Electron ${electron}${abi} ` +
          `is missing (${file}). Reinstall the app; if you built the package yourself, run ` +
          `\`${rebuildCommand}\` and then \`npm run dist:linux\` again (see docs/desktop.md).`,
        file,
      );
    }
    return { kind: 'file', file, source: 'packaged' };
  }

  const relative = developmentBindingPath(electron, ctx.platform, ctx.arch);
  if (!ctx.projectRoot) {
    throw new NativeBindingError(
      `cannot find the SQLite addon for Electron ${electron}${abi}: the project folder (with package.json) ` +
        `was not found above the app's code, so ${relative} cannot be located; set $${bindingEnvVar} ` +
        'to the path of a better_sqlite3.node built for this Electron',
      relative,
    );
  }
  const file = path.join(ctx.projectRoot, relative);
  if (!exists(file)) {
    throw new NativeBindingError(
      `better-sqlite3 has not been built for Electron ${electron}${abi}: ${file} is missing. ` +
        `Run \`${rebuildCommand}\` in ${ctx.projectRoot} (it downloads Electron's headers once, so it needs ` +
        'the internet or cached headers; see docs/desktop.md). The tests and the command line keep using ' +
        'the Node build in node_modules.',
      file,
    );
  }
  return { kind: 'file', file, source: 'development' };
}

/** The nearest folder at or above `dir` that holds a package.json, or null. */
export function findProjectRoot(dir: string, exists: (file: string) => boolean = fs.existsSync): string | null {
  let current = path.resolve(dir);
  for (;;) {
    if (exists(path.join(current, 'package.json'))) return current;
    const parent = path.dirname(current);
    if (parent === current) return null;
    current = parent;
  }
}

/** The facts of this process (Electron's `process.defaultApp` is true when it runs a folder,
 *  undefined in a packaged app). */
export function currentBindingContext(): BindingContext {
  const electronProcess = process as NodeJS.Process & { resourcesPath?: string; defaultApp?: boolean };
  const electron = process.versions.electron;
  return {
    versions: process.versions,
    platform: process.platform,
    arch: process.arch,
    env: process.env,
    resourcesPath: electronProcess.resourcesPath,
    packaged: Boolean(electron) && !electronProcess.defaultApp,
    // Only needed (and only looked up) for a development run inside Electron.
    projectRoot: electron ? findProjectRoot(path.dirname(fileURLToPath(import.meta.url))) : null,
  };
}

/** better-sqlite3's `nativeBinding` option for this process: undefined under plain Node (its
 *  default build), the Electron build's path inside Electron. Throws NativeBindingError. */
export function nativeBindingOption(): string | undefined {
  const choice = chooseNativeBinding(currentBindingContext());
  return choice.kind === 'file' ? choice.file : undefined;
}

/** Adds the fix to a load error of the Electron addon (wrong ABI after an Electron upgrade, or a
 *  build for another architecture). */
export function explainBindingLoadError(err: unknown, file: string): string {
  const message = err instanceof Error ? err.message : String(err);
  if (!/NODE_MODULE_VERSION|wrong ELF class|invalid ELF header|cannot open shared object|undefined symbol/i.test(message)) {
    return message;
  }
  return (
    `${message} (the SQLite addon ${file} does not fit this Electron: in a checkout, rebuild it with ` +
    `\`${rebuildCommand} -- --force\`; an installed app needs reinstalling)`
  );
}
