// Opens the SQLite file that keeps every run: connection settings, schema versioning with
// PRAGMA user_version, a backup before migrating older data, and the default file location.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { migrations as appMigrations, type Migration } from './migrations';
import { explainBindingLoadError, nativeBindingOption } from './native-binding';

/** A problem with the run database that the user can act on (wrong version, missing run...). */
export class StoreError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StoreError';
  }
}

/** How `openDatabase` opens a file. */
export interface OpenDatabaseOptions {
  /** Open without writing: the file must exist and already have the newest schema. */
  readonly?: boolean;
  /** The schema history to apply; the app's migrations unless a test or tool says otherwise. */
  migrations?: readonly Migration[];
}

/** Milliseconds a statement waits for another connection's lock before failing with SQLITE_BUSY. */
const busyTimeoutMs = 5000;

/** Opens (creating it and its folder if needed) the run database at `file`, migrated to the newest schema. */
export function openDatabase(file: string, opts: OpenDatabaseOptions = {}): Database.Database {
  const readonly = opts.readonly ?? false;
  const migrations = opts.migrations ?? appMigrations;
  assertOrdered(migrations);
  const newest = migrations.length === 0 ? 0 : migrations[migrations.length - 1].version;
  const inMemory = file === ':memory:';

  // Inside Electron the addon is a separate build for Electron's ABI (see ./native-binding);
  // under Node, better-sqlite3's own build in node_modules (nativeBinding undefined).
  let nativeBinding: string | undefined;
  try {
    nativeBinding = nativeBindingOption();
  } catch (err) {
    throw new StoreError(`cannot open the run database ${file}: ${messageOf(err)}`, { cause: err });
  }

  if (!readonly && !inMemory) fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  let db: Database.Database;
  try {
    db = new Database(file, { readonly, fileMustExist: readonly, ...(nativeBinding ? { nativeBinding } : {}) });
  } catch (err) {
    const reason = nativeBinding ? explainBindingLoadError(err, nativeBinding) : messageOf(err);
    throw new StoreError(`cannot open the run database ${file}: ${reason}`, { cause: err });
  }

  try {
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    // Check the version before anything writes to the file (switching to WAL rewrites the header).
    const version = userVersion(db);
    if (version > newest) {
      throw new StoreError(
        `the run database ${file} has schema version ${version}, but this version of Frequency Lab ` +
          `supports at most version ${newest}: it was written by a newer Frequency Lab; update the app to open it`,
      );
    }
    if (version === 0 && userTables(db).length > 0) {
      throw new StoreError(
        `${file} is not a Frequency Lab run database: it has tables (${userTables(db).join(', ')}) but no schema version`,
      );
    }
    if (!readonly) {
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (mode !== 'wal' && !inMemory) {
        throw new StoreError(`cannot switch the run database ${file} to WAL mode (journal mode is ${String(mode)})`);
      }
      db.pragma('synchronous = NORMAL');
    }
    db.pragma('foreign_keys = ON');

    if (version < newest) {
      if (readonly) {
        throw new StoreError(
          `the run database ${file} has schema version ${version} and needs migrating to version ${newest}; ` +
            'open it once without readonly to migrate it',
        );
      }
      if (version > 0 && !inMemory && hasRows(db)) backupBeforeMigration(db, file, version);
      migrate(db, file, migrations);
    }
    return db;
  } catch (err) {
    db.close();
    // SQLite's own errors ("file is not a database", "database disk image is malformed") name no file.
    if (err instanceof StoreError) throw err;
    throw new StoreError(`cannot open the run database ${file}: ${messageOf(err)}`, { cause: err });
  }
}

/** The path of the backup `openDatabase` writes before migrating data from schema `version`. */
export function backupPath(file: string, version: number): string {
  return `${file}.v${version}.bak`;
}

/** Where the app keeps its runs: `$FREQLAB_DB`, else `frequency-lab.db` in the per-user data folder. */
export function defaultDatabasePath(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = os.homedir(),
): string {
  if (env.FREQLAB_DB) return env.FREQLAB_DB;
  const p = platform === 'win32' ? path.win32 : path.posix;
  return p.join(userDataDir(env, platform, home), 'frequency-lab.db');
}

/** The per-user folder for the app's data on this platform. */
export function userDataDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = os.homedir(),
): string {
  if (platform === 'win32') {
    return path.win32.join(env.APPDATA || path.win32.join(home, 'AppData', 'Roaming'), 'Frequency Lab');
  }
  if (platform === 'darwin') return path.posix.join(home, 'Library', 'Application Support', 'Frequency Lab');
  // XDG: a relative XDG_DATA_HOME is invalid and must be ignored.
  const xdg = env.XDG_DATA_HOME && path.posix.isAbsolute(env.XDG_DATA_HOME) ? env.XDG_DATA_HOME : null;
  return path.posix.join(xdg ?? path.posix.join(home, '.local', 'share'), 'frequency-lab');
}

function userVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function userTables(db: Database.Database): string[] {
  const rows = db
    .prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name`)
    .all() as { name: string }[];
  return rows.map((r) => r.name);
}

function hasRows(db: Database.Database): boolean {
  return userTables(db).some((name) => {
    const quoted = `"${name.replaceAll('"', '""')}"`;
    return (db.prepare(`SELECT EXISTS (SELECT 1 FROM ${quoted}) AS present`).get() as { present: number }).present === 1;
  });
}

/** Writes a consistent copy of the database (VACUUM INTO reads one snapshot) next to it. */
function backupBeforeMigration(db: Database.Database, file: string, version: number): void {
  const target = backupPath(file, version);
  const partial = `${target}.partial`;
  try {
    fs.rmSync(partial, { force: true });
    db.prepare('VACUUM INTO ?').run(partial);
    // A backup left by an earlier, failed attempt at the same version is older: replace it.
    fs.renameSync(partial, target);
  } catch (err) {
    fs.rmSync(partial, { force: true });
    throw new StoreError(
      `cannot back up the run database ${file} to ${target} before migrating it: ${messageOf(err)}`,
      { cause: err },
    );
  }
}

/** Applies every migration newer than the file's version, each in its own write transaction. */
function migrate(db: Database.Database, file: string, migrations: readonly Migration[]): void {
  // Foreign keys are checked by hand at the end of each step, so that a step may rebuild a table
  // (PRAGMA foreign_keys cannot change inside a transaction).
  db.pragma('foreign_keys = OFF');
  try {
    for (const migration of migrations) {
      const step = db.transaction(() => {
        // Re-read under the write lock: another process may have migrated meanwhile.
        if (userVersion(db) >= migration.version) return;
        migration.up(db);
        const violations = db.pragma('foreign_key_check') as unknown[];
        if (violations.length > 0) throw new Error(`${violations.length} foreign key violations`);
        db.pragma(`user_version = ${migration.version}`);
      });
      try {
        step.immediate();
      } catch (err) {
        throw new StoreError(
          `migrating the run database ${file} to schema version ${migration.version} ` +
            `(${migration.description}) failed: ${messageOf(err)}`,
          { cause: err },
        );
      }
    }
  } finally {
    db.pragma('foreign_keys = ON');
  }
}

function assertOrdered(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new StoreError(`migration list out of order: entry ${i} has version ${m.version}, expected ${i + 1}`);
    }
  });
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
