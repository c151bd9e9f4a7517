/**
 * Checkpoints in an SQLite file (better-sqlite3): the embedded default. Several persisters, in one
 * program or in several (a restarted program, two daemons), can share one file.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { ValidationError } from '../core/errors.js';
import { BasePersister, type RowKey } from './base.js';
import { PersisterSetupError } from './errors.js';
import { migrateSqlite, SQLITE_TABLE } from './sqlite-schema.js';

export interface SqlitePersisterOptions {
  /**
   * The database file, created (with missing parent directories) if absent; relative paths are
   * resolved against the current directory. `':memory:'` gives a private in-memory database that
   * lives until close().
   * @default 'taskfarm-checkpoints.db'
   */
  path?: string;
  /**
   * How long, in milliseconds, a call waits for another connection's write lock (another persister
   * or program on the same file) before failing with SQLITE_BUSY.
   * @default 5000
   */
  busyTimeout?: number;
  /**
   * SQLite `synchronous` setting. `'normal'`: a save that has resolved survives a crash or kill of the
   * program (the write is in the operating system's cache); a power cut or OS crash may lose the
   * last saves, never the file. `'full'`: each save waits for fsync, and survives power loss too;
   * slower, by one disk flush per save.
   * @default 'normal'
   */
  synchronous?: 'normal' | 'full';
}

const DEFAULT_PATH = 'taskfarm-checkpoints.db';
const DEFAULT_BUSY_TIMEOUT = 5_000;

function checkOptions(options: SqlitePersisterOptions): Required<SqlitePersisterOptions> {
  if (typeof options !== 'object' || options === null) throw new ValidationError('SqlitePersister options must be an object');
  const { path = DEFAULT_PATH, busyTimeout = DEFAULT_BUSY_TIMEOUT, synchronous = 'normal' } = options;
  if (typeof path !== 'string' || path === '') throw new ValidationError(`SqlitePersister: path must be a non-empty string, got ${typeof path === 'string' ? '""' : typeof path}`);
  if (!Number.isInteger(busyTimeout) || busyTimeout < 0) throw new ValidationError(`SqlitePersister: busyTimeout must be an integer >= 0 (milliseconds), got ${String(busyTimeout)}`);
  if (synchronous !== 'normal' && synchronous !== 'full') throw new ValidationError(`SqlitePersister: synchronous must be 'normal' or 'full', got ${JSON.stringify(synchronous)}`);
  return { path, busyTimeout, synchronous };
}

function open(path: string, busyTimeout: number, synchronous: 'normal' | 'full'): Database.Database {
  const inMemory = path === ':memory:';
  const where = inMemory ? 'in memory' : `at ${path}`;
  let db: Database.Database | undefined;
  try {
    if (!inMemory) mkdirSync(dirname(path), { recursive: true });
    db = new Database(path, { timeout: busyTimeout });
    // WAL: readers never block the writer and a commit is one append, not a journal rewrite.
    // Persistent in the file; on ':memory:' SQLite keeps its own journal mode, which is fine.
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    migrateSqlite(db, where);
    return db;
  } catch (error) {
    db?.close();
    if (error instanceof PersisterSetupError) throw error;
    throw new PersisterSetupError(`could not open the SQLite checkpoint database ${where}: ${(error as Error).message}`, { cause: error });
  }
}

export class SqlitePersister extends BasePersister {
  /** Absolute path of the database file, or ':memory:'. */
  readonly path: string;
  readonly #db: Database.Database;
  readonly #upsert: Database.Statement<[string, string, string, string]>;
  readonly #select: Database.Statement<[string, string], string>;
  readonly #listAll: Database.Statement<[], RowKey>;
  readonly #listOne: Database.Statement<[string], RowKey>;
  readonly #deleteOne: Database.Statement<[string, string]>;
  readonly #deleteAll: Database.Statement<[string]>;

  /** Opens (creating if needed) the database; throws PersisterSetupError if it cannot. */
  constructor(options: SqlitePersisterOptions = {}) {
    super();
    const { path, busyTimeout, synchronous } = checkOptions(options);
    this.path = path === ':memory:' ? path : resolve(path);
    this.#db = open(this.path, busyTimeout, synchronous);
    const t = SQLITE_TABLE;
    // One statement per operation, each atomic on its own: no explicit transactions are needed.
    this.#upsert = this.#db.prepare(
      `INSERT INTO ${t} (pid, tag, bundle, saved_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (pid, tag) DO UPDATE SET bundle = excluded.bundle, saved_at = excluded.saved_at`,
    );
    this.#select = this.#db.prepare<[string, string], string>(`SELECT bundle FROM ${t} WHERE pid = ? AND tag = ?`).pluck();
    this.#listAll = this.#db.prepare<[], RowKey>(`SELECT pid, tag FROM ${t}`);
    this.#listOne = this.#db.prepare<[string], RowKey>(`SELECT pid, tag FROM ${t} WHERE pid = ?`);
    this.#deleteOne = this.#db.prepare(`DELETE FROM ${t} WHERE pid = ? AND tag = ?`);
    this.#deleteAll = this.#db.prepare(`DELETE FROM ${t} WHERE pid = ?`);
  }

  protected writeRow(pid: string, tag: string, json: string): void {
    this.#upsert.run(pid, tag, json, new Date().toISOString());
  }

  protected readRow(pid: string, tag: string): string | undefined {
    return this.#select.get(pid, tag);
  }

  protected listRows(pid?: string): RowKey[] {
    return pid === undefined ? this.#listAll.all() : this.#listOne.all(pid);
  }

  protected deleteRows(pid: string, tag?: string): void {
    if (tag === undefined) this.#deleteAll.run(pid);
    else this.#deleteOne.run(pid, tag);
  }

  protected closeStorage(): void {
    this.#db.close();
  }
}
