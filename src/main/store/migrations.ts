// The store's schema history: an ordered list of migrations, each applied once in its own
// transaction by `openDatabase`, which records the result in PRAGMA user_version.
//
// A migration is frozen once released: never edit one, append a new version instead.
import type Database from 'better-sqlite3';

/** One step of the schema history: brings a database from `version - 1` to `version`. */
export interface Migration {
  version: number;
  description: string;
  up(db: Database.Database): void;
}

// Conventions of the schema:
// - Timestamps are ISO-8601 UTC text; JSON columns are checked with json_valid.
// - SQLite cannot store NaN: it binds as NULL. The REAL columns that may hold NaN (a diverged
//   run's loss, a layer's scale or peak) are nullable, and NULL there reads back as NaN.
// - Float arrays are BLOBs of little-endian float64 values (8 bytes per value).
// - runs.status is checked in code, not with a CHECK constraint, so that new statuses do not
//   need a table rebuild.
// - runs.id is AUTOINCREMENT: ids of deleted runs are never reused, so "run 12" in an exported
//   figure or a log always means one run.
const schemaV1 = `
CREATE TABLE runs (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  name        TEXT    NOT NULL,
  status      TEXT    NOT NULL,
  config      TEXT    NOT NULL CHECK (json_valid(config)),
  created_at  TEXT    NOT NULL,
  started_at  TEXT,
  finished_at TEXT,
  environment TEXT    CHECK (environment IS NULL OR json_valid(environment)),
  last_epoch  INTEGER,
  final_loss  REAL,
  message     TEXT,
  tags        TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(tags)),
  notes       TEXT    NOT NULL DEFAULT '',
  owner_pid   INTEGER,
  owner_host  TEXT,
  group_id    INTEGER
) STRICT;

CREATE INDEX runs_by_created ON runs (created_at DESC, id DESC);
CREATE INDEX runs_by_status ON runs (status, created_at DESC, id DESC);

CREATE TABLE epochs (
  run_id        INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  epoch         INTEGER NOT NULL CHECK (epoch >= 0),
  loss          REAL,
  accuracy      REAL,
  learning_rate REAL    NOT NULL,
  seconds       REAL    NOT NULL,
  PRIMARY KEY (run_id, epoch)
) STRICT, WITHOUT ROWID;

CREATE TABLE frequencies (
  run_id           INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  epoch            INTEGER NOT NULL CHECK (epoch >= 0),
  layer            INTEGER NOT NULL,
  configured_layer INTEGER NOT NULL,
  normalisation    TEXT    NOT NULL CHECK (json_valid(normalisation)),
  scale            REAL,
  k                BLOB    NOT NULL,
  lfr              BLOB    NOT NULL,
  rdf_k            BLOB    NOT NULL,
  rdf              BLOB    NOT NULL,
  peak_k           REAL,
  PRIMARY KEY (run_id, epoch, layer)
) STRICT;
`;

// Version 2: validation metrics per epoch, the epoch at which a run's training loss first fell
// below its threshold, sweep groups (runs.group_id, present since version 1, points at
// groups.id; deleting a group leaves its runs), and the DFT view of 1-D fits per analysed epoch.
const schemaV2 = `
ALTER TABLE epochs ADD COLUMN validation_loss REAL;
ALTER TABLE epochs ADD COLUMN validation_accuracy REAL;
ALTER TABLE runs ADD COLUMN epochs_to_threshold INTEGER;

CREATE TABLE groups (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  name        TEXT    NOT NULL,
  created_at  TEXT    NOT NULL,
  vary_path   TEXT    NOT NULL,
  vary_values TEXT    NOT NULL CHECK (json_valid(vary_values)),
  base_config TEXT    NOT NULL CHECK (json_valid(base_config))
) STRICT;

CREATE INDEX runs_by_group ON runs (group_id, id);

CREATE TABLE spectra (
  run_id           INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  epoch            INTEGER NOT NULL CHECK (epoch >= 0),
  target_amplitude BLOB    NOT NULL,
  output_amplitude BLOB    NOT NULL,
  peaks            BLOB    NOT NULL,
  peak_errors      BLOB    NOT NULL,
  PRIMARY KEY (run_id, epoch)
) STRICT, WITHOUT ROWID;
`;

// Version 3: training checkpoints, so that an interrupted, failed or cancelled run can be resumed
// (engine/checkpoint.ts). One row per run, the latest: the trainer takes a checkpoint at every
// analysed epoch and the store replaces the run's row in the same transaction as that epoch's
// results. The manifest (JSON) names the tensors of the two blobs, in order, with their shapes,
// and holds the optimiser's step count and the random streams' states; the blobs are
// little-endian float32 values, bit-exact. A rowid table, not WITHOUT ROWID: its rows are large.
const schemaV3 = `
CREATE TABLE checkpoints (
  run_id     INTEGER PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
  epoch      INTEGER NOT NULL CHECK (epoch >= 0),
  created_at TEXT    NOT NULL,
  manifest   TEXT    NOT NULL CHECK (json_valid(manifest)),
  model      BLOB    NOT NULL,
  optimiser  BLOB    NOT NULL
) STRICT;
`;

/** The app's migrations, in ascending version order starting at 1. */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    description: 'runs, per-epoch metrics and per-layer frequency curves',
    up: (db) => db.exec(schemaV1),
  },
  {
    version: 2,
    description: 'validation metrics, epochs to threshold, sweep groups, DFT spectra of 1-D fits',
    up: (db) => db.exec(schemaV2),
  },
  {
    version: 3,
    description: 'training checkpoints (the latest per run) for resuming runs',
    up: (db) => db.exec(schemaV3),
  },
];

/** The newest schema version this build of the app knows. */
export const latestSchemaVersion = migrations[migrations.length - 1].version;
