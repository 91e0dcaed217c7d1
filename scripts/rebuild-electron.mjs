#!/usr/bin/env node
// Builds better-sqlite3 for the installed Electron into
// build/native/electron-<version>-<platform>-<arch>/better_sqlite3.node, beside (not instead of)
// the Node build in node_modules that the tests and the command line use. See docs/desktop.md.
//
//   npm run rebuild:electron                 build it if missing or out of date (needs Electron's
//                                            headers: downloaded once, then cached in ~/.electron-gyp)
//   npm run rebuild:electron -- --force      rebuild even if up to date
//   npm run rebuild:electron -- --check      only check; exit 1 if missing or out of date
//   npm run rebuild:electron -- --arch arm64 for another architecture (needs a cross compiler)
//   npm run rebuild:electron -- --nodedir DIR   build against headers unpacked in DIR (offline)
//   --dist-url URL (or $ELECTRON_HEADERS_URL)   a mirror of Electron's headers
//
// --auto is the postinstall mode: it builds only where it can work (Electron is installed and its
// headers are cached or reachable), otherwise prints one line; it always exits 0, so `npm install`
// never fails because of it (offline, behind a firewall, with --omit=dev, or on a compile error).
// $FREQLAB_SKIP_ELECTRON_REBUILD=1 turns the postinstall step off.
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  bindingStatus,
  buildAddon,
  defaultDevDir,
  defaultHeadersUrl,
  electronBindingDir,
  headersCached,
  headersReachable,
  installedBetterSqlite,
  installedElectron,
  projectRoot,
} from './electron-native.mjs';

const prefix = '[rebuild:electron]';

async function main() {
  const { values } = parseArgs({
    options: {
      auto: { type: 'boolean', default: false },
      check: { type: 'boolean', default: false },
      force: { type: 'boolean', default: false },
      arch: { type: 'string', default: process.arch },
      'dist-url': { type: 'string', default: process.env.ELECTRON_HEADERS_URL || defaultHeadersUrl },
      nodedir: { type: 'string' },
      devdir: { type: 'string', default: defaultDevDir() },
    },
    allowPositionals: false,
  });
  const auto = values.auto;

  if (auto && process.env.FREQLAB_SKIP_ELECTRON_REBUILD) {
    console.log(`${prefix} skipped ($FREQLAB_SKIP_ELECTRON_REBUILD is set)`);
    return 0;
  }
  const electron = installedElectron();
  const sqlite = installedBetterSqlite();
  if (!electron || !sqlite) {
    const what = !electron ? 'electron is not installed (dev dependencies omitted?)' : 'better-sqlite3 is not installed';
    if (auto) {
      console.log(`${prefix} skipped: ${what}; the desktop app needs \`npm run rebuild:electron\` later`);
      return 0;
    }
    console.error(`${prefix} ${what}: run npm install first`);
    return 1;
  }

  const arch = values.arch;
  const status = bindingStatus({ electron, betterSqlite: sqlite, arch });
  const rel = path.relative(projectRoot, status.file);
  if (status.state === 'ok' && !values.force) {
    console.log(`${prefix} better-sqlite3 ${sqlite.version} for Electron ${electron.version} (ABI ${status.abi}, ${arch}) is up to date: ${rel}`);
    return 0;
  }
  if (values.check) {
    const why = status.state === 'missing' ? 'missing' : `out of date (${status.detail})`;
    console.error(`${prefix} ${rel} is ${why}: run \`npm run rebuild:electron\` (needs Electron's headers; see docs/desktop.md)`);
    return 1;
  }

  const distUrl = values['dist-url'];
  const devdir = values.devdir;
  if (auto && !values.nodedir && !headersCached(devdir, electron.version)) {
    const probe = await headersReachable(distUrl, electron.version);
    if (!probe.ok) {
      console.log(
        `${prefix} skipped: Electron ${electron.version} headers unreachable (${probe.reason}); ` +
          'the desktop app needs `npm run rebuild:electron` once online (tests and CLI are unaffected)',
      );
      return 0;
    }
  }

  const outDir = path.join(projectRoot, electronBindingDir(electron.version, process.platform, arch));
  const logFile = auto ? path.join(projectRoot, 'build', 'native', `rebuild-electron-${electron.version}-${arch}.log`) : undefined;
  console.log(
    `${prefix} building better-sqlite3 ${sqlite.version} for Electron ${electron.version} (ABI ${electron.abi ?? '?'}, ${arch}) ` +
      `into ${path.relative(projectRoot, outDir)}${logFile ? ` (log: ${path.relative(projectRoot, logFile)})` : ''}`,
  );
  try {
    const result = await buildAddon({
      target: electron.version,
      arch,
      distUrl,
      devdir,
      nodedir: values.nodedir,
      expectAbi: electron.abi ?? undefined,
      outDir,
      logFile,
    });
    console.log(`${prefix} done: ${path.relative(projectRoot, result.file)} (NODE_MODULE_VERSION ${result.abi})`);
    return 0;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (auto) {
      console.log(`${prefix} not built (${message}; see ${path.relative(projectRoot, logFile)}); run \`npm run rebuild:electron\` to retry`);
      return 0;
    }
    console.error(`${prefix} failed: ${message}`);
    return 1;
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    // Only reachable through a bug or bad arguments; the postinstall step must still not fail.
    const auto = process.argv.includes('--auto');
    console[auto ? 'log' : 'error'](`${prefix} ${auto ? 'skipped after an error' : 'error'}: ${err instanceof Error ? err.message : err}`);
    process.exitCode = auto ? 0 : 1;
  },
);
