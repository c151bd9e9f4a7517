/**
 * The PostgreSQL storage schema and its migrations. The version lives in a one-row table next to
 * the checkpoint table (`<table>_version`), so several checkpoint tables in one database (one per
 * application or environment) each migrate on their own.
 */
import { ValidationError } from '../core/errors.js';
import { PersisterSetupError } from './errors.js';
import type { PgPool, PgQueryable } from './pg-loader.js';

/** The schema version this build writes and reads. */
export const POSTGRES_SCHEMA_VERSION = 1;

const VERSION_SUFFIX = '_version';
/** PostgreSQL truncates identifiers beyond 63 bytes; the version table's name must fit too. */
const MAX_TABLE_LENGTH = 63 - VERSION_SUFFIX.length;

/**
 * Validates a table name. Lowercase only: names are quoted in SQL (so they are safe), and a
 * lowercase quoted name is the same as the unquoted one people type in psql.
 */
export function checkTableName(table: unknown): string {
  if (typeof table !== 'string' || !/^[a-z_][a-z0-9_]*$/.test(table) || table.length > MAX_TABLE_LENGTH) {
    throw new ValidationError(
      `PostgresPersister: table must be a lowercase SQL identifier (a-z, 0-9 and _, not starting with a digit, at most ${MAX_TABLE_LENGTH} characters), got ${typeof table === 'string' ? JSON.stringify(table) : typeof table}`,
    );
  }
  return table;
}

/** The quoted names of a checkpoint table and its version table. */
export function tableNames(table: string): { checkpoints: string; version: string } {
  return { checkpoints: `"${table}"`, version: `"${table}${VERSION_SUFFIX}"` };
}

/** MIGRATIONS[n] brings a table at version n to version n + 1. */
const MIGRATIONS: ReadonlyArray<(checkpoints: string) => string> = [
  // text, not jsonb: the stored JSON is exactly what was saved (jsonb rewrites it and rejects
  // \u0000), and a damaged row stays readable for diagnosis; cast to jsonb to query a state.
  // COLLATE "C": keys compare as bytes, like SQLite and JavaScript, whatever the database locale.
  (checkpoints) => `CREATE TABLE IF NOT EXISTS ${checkpoints} (
     pid      text COLLATE "C" NOT NULL,
     tag      text COLLATE "C" NOT NULL,  -- '' = the untagged (latest) checkpoint; real tags are non-empty
     bundle   text NOT NULL,              -- the ProcessBundle as JSON
     saved_at timestamptz NOT NULL,       -- when the row was written
     PRIMARY KEY (pid, tag)
   )`,
];

/** Namespace of taskfarm's advisory locks (the first key of pg_advisory_xact_lock(int, int)). */
const LOCK_NAMESPACE = 0x74666370; // "tfcp"

async function readVersion(db: PgQueryable, version: string): Promise<number> {
  const { rows } = await db.query(`SELECT version FROM ${version}`);
  return (rows[0]?.version as number | undefined) ?? 0;
}

function check(version: number, table: string, where: string): boolean {
  if (version > POSTGRES_SCHEMA_VERSION) {
    throw new PersisterSetupError(
      `the checkpoint table "${table}" ${where} has schema version ${version}, newer than this build of taskfarm supports (${POSTGRES_SCHEMA_VERSION}); upgrade taskfarm`,
    );
  }
  return version === POSTGRES_SCHEMA_VERSION;
}

/**
 * Creates or migrates the table. Programs starting at once serialize on an advisory lock:
 * CREATE TABLE IF NOT EXISTS alone is not safe under concurrency (both may try to create it).
 */
export async function migratePostgres(pool: PgPool, table: string, where: string): Promise<void> {
  const { checkpoints, version } = tableNames(table);
  // Fast path without the lock: when the table is current (the usual start), nothing waits.
  const current = await readVersion(pool, version).catch(() => undefined);
  if (current !== undefined && check(current, table, where)) return;

  const client = await pool.connect();
  let failed: unknown;
  try {
    await client.query('BEGIN');
    await client.query(`SELECT pg_advisory_xact_lock($1, hashtext(current_schema() || '.' || $2))`, [LOCK_NAMESPACE, table]);
    await client.query(`CREATE TABLE IF NOT EXISTS ${version} (id boolean PRIMARY KEY DEFAULT true CHECK (id), version integer NOT NULL)`);
    const found = await readVersion(client, version);
    if (!check(found, table, where)) {
      for (const step of MIGRATIONS.slice(found)) await client.query(step(checkpoints));
      await client.query(
        `INSERT INTO ${version} (id, version) VALUES (true, $1) ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version`,
        [POSTGRES_SCHEMA_VERSION],
      );
    }
    await client.query('COMMIT');
  } catch (error) {
    failed = error;
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    // A client whose transaction failed may be in a bad state: pass the error so the pool drops it.
    client.release(failed instanceof Error ? failed : undefined);
  }
}
