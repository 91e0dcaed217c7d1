import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { backupPath, defaultDatabasePath, openDatabase, StoreError } from '../../../src/main/store/database';
import { latestSchemaVersion, migrations, type Migration } from '../../../src/main/store/migrations';
import { RunStore } from '../../../src/main/store/runs';
import { validateConfig } from '../../../src/shared/config';
import { presets } from '../../../src/shared/presets';

const config = validateConfig(presets['mnist-fc-quick']);

const openDbs: Database.Database[] = [];
const tempDirs: string[] = [];

afterEach(() => {
  for (const db of openDbs.splice(0)) if (db.open) db.close();
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'freqlab-db-'));
  tempDirs.push(dir);
  return dir;
}

function open(file: string, opts?: Parameters<typeof openDatabase>[1]): Database.Database {
  const db = openDatabase(file, opts);
  openDbs.push(db);
  return db;
}

/** A plain connection that does not migrate anything, to build or inspect files by hand. */
function raw(file: string, opts?: Database.Options): Database.Database {
  const db = new Database(file, opts);
  openDbs.push(db);
  return db;
}

function tableNames(db: Database.Database): string[] {
  return (db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name`).all() as { name: string }[]).map((r) => r.name);
}

/** The app's migrations plus one more that adds a column, as a future release would. */
const next = latestSchemaVersion + 1;
const withVersion2: readonly Migration[] = [
  ...migrations,
  { version: next, description: 'test: runs.priority', up: (db) => db.exec('ALTER TABLE runs ADD COLUMN priority INTEGER NOT NULL DEFAULT 0') },
];

describe('openDatabase on a new file', () => {
  it('creates the folder and the newest schema, in WAL mode with the connection settings', () => {
    const file = path.join(tempDir(), 'nested', 'deeper', 'lab.db');
    const db = open(file);
    expect(fs.existsSync(file)).toBe(true);
    expect(latestSchemaVersion).toBe(migrations.length);
    expect(db.pragma('user_version', { simple: true })).toBe(latestSchemaVersion);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    expect(db.pragma('busy_timeout', { simple: true })).toBeGreaterThan(0);
    expect(tableNames(db)).toEqual(expect.arrayContaining(['runs', 'epochs', 'frequencies']));
    const indexes = (db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'runs'`).all() as { name: string }[]).map((r) => r.name);
    expect(indexes).toEqual(expect.arrayContaining(['runs_by_created', 'runs_by_status']));
    // Nothing to back up in a new file.
    expect(fs.readdirSync(path.dirname(file)).filter((f) => f.endsWith('.bak'))).toEqual([]);
  });

  it('opens an up-to-date file again without changing or backing it up', () => {
    const file = path.join(tempDir(), 'lab.db');
    const first = open(file);
    const id = new RunStore(first).createRun(config);
    first.close();
    const again = open(file);
    expect(again.pragma('user_version', { simple: true })).toBe(latestSchemaVersion);
    expect(new RunStore(again).getRun(id)!.config).toEqual(config);
    expect(fs.existsSync(backupPath(file, latestSchemaVersion))).toBe(false);
  });

  it('migrates an empty file (schema version 0)', () => {
    const file = path.join(tempDir(), 'empty.db');
    fs.writeFileSync(file, '');
    expect(open(file).pragma('user_version', { simple: true })).toBe(latestSchemaVersion);
    expect(fs.existsSync(backupPath(file, 0))).toBe(false);
  });
});

describe('openDatabase version checks', () => {
  it('refuses a file written by a newer app, naming the file and both versions, and leaves it alone', () => {
    const file = path.join(tempDir(), 'future.db');
    const future = raw(file);
    future.pragma('user_version = 99');
    future.exec('CREATE TABLE runs (id INTEGER PRIMARY KEY, shape_from_the_future TEXT)');
    future.close();

    let error: unknown;
    try {
      openDatabase(file);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(StoreError);
    const message = (error as Error).message;
    expect(message).toContain(file);
    expect(message).toContain('schema version 99');
    expect(message).toContain(`at most version ${latestSchemaVersion}`);

    const after = raw(file, { readonly: true });
    expect(after.pragma('user_version', { simple: true })).toBe(99);
    expect(after.pragma('journal_mode', { simple: true })).toBe('delete');
  });

  it('refuses a file that has tables but no schema version', () => {
    const file = path.join(tempDir(), 'other.db');
    const other = raw(file);
    other.exec('CREATE TABLE customers (id INTEGER PRIMARY KEY)');
    other.close();
    expect(() => openDatabase(file)).toThrow(/other\.db is not a Frequency Lab run database: it has tables \(customers\)/);
  });

  it('refuses a migration list that is out of order', () => {
    const file = path.join(tempDir(), 'lab.db');
    expect(() => openDatabase(file, { migrations: [withVersion2[1], withVersion2[0]] })).toThrow(StoreError);
  });
});

describe('openDatabase migrations', () => {
  it('backs up a database that has data before migrating it', () => {
    const file = path.join(tempDir(), 'lab.db');
    const v1 = open(file);
    const id = new RunStore(v1).createRun(config, 'kept run');
    v1.close();

    const v2 = open(file, { migrations: withVersion2 });
    expect(v2.pragma('user_version', { simple: true })).toBe(next);
    expect(v2.prepare('SELECT name, priority FROM runs WHERE id = ?').get(id)).toEqual({ name: 'kept run', priority: 0 });

    const backup = backupPath(file, latestSchemaVersion);
    expect(backup).toBe(`${file}.v${latestSchemaVersion}.bak`);
    const copy = raw(backup, { readonly: true });
    expect(copy.pragma('user_version', { simple: true })).toBe(latestSchemaVersion);
    expect(copy.prepare('SELECT name FROM runs WHERE id = ?').get(id)).toEqual({ name: 'kept run' });
    expect(fs.existsSync(`${backup}.partial`)).toBe(false);
  });

  it('migrates a database without data and without a backup', () => {
    const file = path.join(tempDir(), 'lab.db');
    open(file).close();
    expect(open(file, { migrations: withVersion2 }).pragma('user_version', { simple: true })).toBe(next);
    expect(fs.existsSync(backupPath(file, latestSchemaVersion))).toBe(false);
  });

  it('rolls back a failing migration and keeps the file at its version', () => {
    const file = path.join(tempDir(), 'lab.db');
    open(file).close();
    const failing: readonly Migration[] = [
      ...migrations,
      {
        version: next,
        description: 'test: half done',
        up: (db) => {
          db.exec('CREATE TABLE half_done (id INTEGER PRIMARY KEY)');
          throw new Error('disk on fire');
        },
      },
    ];
    expect(() => openDatabase(file, { migrations: failing })).toThrow(
      new RegExp(`migrating the run database .*lab\\.db to schema version ${next} \\(test: half done\\) failed: disk on fire`),
    );
    const after = open(file);
    expect(after.pragma('user_version', { simple: true })).toBe(latestSchemaVersion);
    expect(tableNames(after)).not.toContain('half_done');
  });

  it('refuses to migrate a file opened readonly', () => {
    const file = path.join(tempDir(), 'lab.db');
    open(file).close();
    expect(() => openDatabase(file, { readonly: true, migrations: withVersion2 })).toThrow(new RegExp(`needs migrating to version ${next}`));
  });
});

describe('openDatabase readonly', () => {
  it('reads an existing database and refuses writes', () => {
    const file = path.join(tempDir(), 'lab.db');
    const writer = open(file);
    const id = new RunStore(writer).createRun(config);
    const reader = open(file, { readonly: true });
    expect(new RunStore(reader).getRun(id)!.id).toBe(id);
    expect(() => new RunStore(reader).rename(id, 'x')).toThrow(/readonly/);
  });

  it('does not create a missing file', () => {
    const file = path.join(tempDir(), 'missing', 'lab.db');
    expect(() => openDatabase(file, { readonly: true })).toThrow(StoreError);
    expect(fs.existsSync(path.dirname(file))).toBe(false);
  });
});

describe('defaultDatabasePath', () => {
  it('prefers $FREQLAB_DB', () => {
    expect(defaultDatabasePath({ FREQLAB_DB: '/data/runs.db', XDG_DATA_HOME: '/xdg' }, 'linux', '/home/ada')).toBe('/data/runs.db');
  });

  it('follows XDG on Linux', () => {
    expect(defaultDatabasePath({ XDG_DATA_HOME: '/xdg' }, 'linux', '/home/ada')).toBe('/xdg/frequency-lab/frequency-lab.db');
    expect(defaultDatabasePath({}, 'linux', '/home/ada')).toBe('/home/ada/.local/share/frequency-lab/frequency-lab.db');
    expect(defaultDatabasePath({ XDG_DATA_HOME: 'relative' }, 'linux', '/home/ada')).toBe('/home/ada/.local/share/frequency-lab/frequency-lab.db');
  });

  it('uses Application Support on macOS and %APPDATA% on Windows', () => {
    expect(defaultDatabasePath({}, 'darwin', '/Users/ada')).toBe('/Users/ada/Library/Application Support/Frequency Lab/frequency-lab.db');
    expect(defaultDatabasePath({ APPDATA: 'C:\\Users\\ada\\AppData\\Roaming' }, 'win32', 'C:\\Users\\ada')).toBe(
      'C:\\Users\\ada\\AppData\\Roaming\\Frequency Lab\\frequency-lab.db',
    );
  });
});
