/**
 * The SQLite storage schema and its migrations. The version lives in a one-row table of our own
 * (not PRAGMA user_version, which is one number per file and may belong to the user's application).
 */
import type BetterSqlite3 from 'better-sqlite3';
import { PersisterSetupError } from './errors.js';

export const SQLITE_TABLE = 'taskfarm_checkpoints';
export const SQLITE_VERSION_TABLE = `${SQLITE_TABLE}_version`;
/** The schema version this build writes and reads. */
export const SQLITE_SCHEMA_VERSION = 1;

/** MIGRATIONS[n] brings a database at version n to version n + 1. */
const MIGRATIONS: readonly string[] = [
  // A rowid table rather than WITHOUT ROWID: bundles can be megabytes, and WITHOUT ROWID suits rows
  // far smaller than a page. The primary key's index serves lookups by pid and by (pid, tag).
  `CREATE TABLE IF NOT EXISTS ${SQLITE_TABLE} (
     pid      TEXT NOT NULL,
     tag      TEXT NOT NULL,  -- '' = the untagged (latest) checkpoint; real tags are non-empty
     bundle   TEXT NOT NULL,  -- the ProcessBundle as JSON
     saved_at TEXT NOT NULL,  -- when the row was written, ISO 8601 UTC
     PRIMARY KEY (pid, tag)
   )`,
];

function currentVersion(db: BetterSqlite3.Database): number {
  const exists = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(SQLITE_VERSION_TABLE);
  if (!exists) return 0;
  return (db.prepare(`SELECT version FROM ${SQLITE_VERSION_TABLE} WHERE id = 1`).pluck().get() as number | undefined) ?? 0;
}

/** Brings the database to SQLITE_SCHEMA_VERSION; refuses a database written by a newer build. */
export function migrateSqlite(db: BetterSqlite3.Database, where: string): void {
  const check = (version: number): boolean => {
    if (version > SQLITE_SCHEMA_VERSION) {
      throw new PersisterSetupError(
        `the checkpoint database ${where} has schema version ${version}, newer than this build of taskfarm supports (${SQLITE_SCHEMA_VERSION}); upgrade taskfarm`,
      );
    }
    return version === SQLITE_SCHEMA_VERSION;
  };
  // Read first without a write lock: the common case (already current) then never blocks writers.
  if (check(currentVersion(db))) return;
  // IMMEDIATE takes the write lock before reading, so two programs opening a new file at once
  // migrate one after the other (the second waits up to busy_timeout, then finds it done).
  db.transaction(() => {
    db.exec(`CREATE TABLE IF NOT EXISTS ${SQLITE_VERSION_TABLE} (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)`);
    const version = currentVersion(db);
    if (check(version)) return;
    for (const step of MIGRATIONS.slice(version)) db.exec(step);
    db.prepare(`INSERT INTO ${SQLITE_VERSION_TABLE} (id, version) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version`)
      .run(SQLITE_SCHEMA_VERSION);
  }).immediate();
}
