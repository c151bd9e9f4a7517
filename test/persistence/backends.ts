/**
 * Harnesses for the persister conformance suite: each makes a fresh, isolated persister of one
 * backend plus raw access to that backend's own storage (to plant corrupt rows and to check what is
 * really stored). Untagged rows are stored with tag '' (see docs/persistence.md).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { MemoryPersister } from '../../src/persistence/memory.js';
import { PostgresPersister } from '../../src/persistence/postgres.js';
import { SqlitePersister } from '../../src/persistence/sqlite.js';
import type { Persister } from '../../src/persistence/types.js';
import { POSTGRES_URL } from '../support/services.js';

export interface PersisterHarness {
  persister: Persister;
  /** Stores `text` as checkpoint (pid, tag) through the backend's own storage, bypassing every check. */
  writeRaw(pid: string, tag: string | undefined, text: string): Promise<void>;
  /** The text stored for (pid, tag), read through the backend's own storage. */
  readRaw(pid: string, tag: string | undefined): Promise<string | undefined>;
  /** Removes what the harness made (files, tables). The persister is closed before. */
  dispose(): Promise<void>;
}

// ---- memory --------------------------------------------------------------------------------

/** The memory backend's storage is the persister itself: its protected row methods are the raw access. */
class RawMemoryPersister extends MemoryPersister {
  writeRaw(pid: string, tag: string | undefined, text: string): void { this.writeRow(pid, tag ?? '', text); }
  readRaw(pid: string, tag: string | undefined): string | undefined { return this.readRow(pid, tag ?? ''); }
}

export async function memoryHarness(): Promise<PersisterHarness> {
  const persister = new RawMemoryPersister();
  return {
    persister,
    writeRaw: async (pid, tag, text) => persister.writeRaw(pid, tag, text),
    readRaw: async (pid, tag) => persister.readRaw(pid, tag),
    dispose: async () => undefined,
  };
}

// ---- SQLite ----------------------------------------------------------------------------------

/** A fresh temporary directory, removed by the returned function. */
export function tempDir(prefix = 'taskfarm-persist-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs `fn` on a short-lived raw connection to the SQLite file (closed at once, so it holds no lock). */
export function withSqliteFile<T>(path: string, fn: (db: Database.Database) => T): T {
  const db = new Database(path, { timeout: 5_000 });
  try { return fn(db); } finally { db.close(); }
}

export async function sqliteHarness(): Promise<PersisterHarness> {
  const { dir, remove } = tempDir();
  const path = join(dir, 'checkpoints.db');
  const persister = new SqlitePersister({ path });
  return {
    persister,
    writeRaw: async (pid, tag, text) => withSqliteFile(path, (db) => {
      db.prepare(`INSERT OR REPLACE INTO taskfarm_checkpoints (pid, tag, bundle, saved_at) VALUES (?, ?, ?, ?)`)
        .run(pid, tag ?? '', text, new Date().toISOString());
    }),
    readRaw: async (pid, tag) => withSqliteFile(path, (db) =>
      db.prepare(`SELECT bundle FROM taskfarm_checkpoints WHERE pid = ? AND tag = ?`).pluck().get(pid, tag ?? '') as string | undefined),
    dispose: async () => remove(),
  };
}

// ---- PostgreSQL --------------------------------------------------------------------------------

/** Every table of this run starts with this prefix; sweepPostgres() drops them all. */
export const PG_TABLE_PREFIX = `tf_test_${process.pid}_${Date.now().toString(36)}`;
let tableCount = 0;
let adminPool: pg.Pool | undefined;

/** A pool for raw SQL in tests (not the persister's). */
export function pgAdmin(): pg.Pool {
  adminPool ??= new pg.Pool({ connectionString: POSTGRES_URL, max: 4 });
  return adminPool;
}

/** A table name no other test or run uses. */
export function uniqueTable(): string {
  return `${PG_TABLE_PREFIX}_${++tableCount}`;
}

/** Drops a checkpoint table and its version table. */
export async function dropTable(table: string): Promise<void> {
  await pgAdmin().query(`DROP TABLE IF EXISTS "${table}", "${table}_version"`);
}

/** Drops every table this run made (also those of failed tests) and ends the admin pool. */
export async function sweepPostgres(): Promise<void> {
  if (!adminPool) return;
  const { rows } = await adminPool.query<{ name: string }>(
    `SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() AND starts_with(tablename, $1)`, [PG_TABLE_PREFIX]);
  for (const { name } of rows) await adminPool.query(`DROP TABLE IF EXISTS "${name}"`);
  await adminPool.end();
  adminPool = undefined;
}

export async function postgresHarness(): Promise<PersisterHarness> {
  const table = uniqueTable();
  const persister = new PostgresPersister({ connectionString: POSTGRES_URL, table });
  await persister.ready(); // the table must exist before a test plants raw rows in it
  return {
    persister,
    writeRaw: async (pid, tag, text) => {
      await pgAdmin().query(
        `INSERT INTO "${table}" (pid, tag, bundle, saved_at) VALUES ($1, $2, $3, now())
         ON CONFLICT (pid, tag) DO UPDATE SET bundle = EXCLUDED.bundle`, [pid, tag ?? '', text]);
    },
    readRaw: async (pid, tag) => {
      const { rows } = await pgAdmin().query<{ bundle: string }>(`SELECT bundle FROM "${table}" WHERE pid = $1 AND tag = $2`, [pid, tag ?? '']);
      return rows[0]?.bundle;
    },
    dispose: () => dropTable(table),
  };
}
