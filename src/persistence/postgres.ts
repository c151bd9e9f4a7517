/**
 * Checkpoints in a PostgreSQL table, shared by every program of a cluster. The `pg` driver is an
 * optional peer dependency, loaded on first use.
 */
import { ValidationError } from '../core/errors.js';
import { BasePersister, type RowKey } from './base.js';
import { CallOrder } from './call-order.js';
import { PersisterSetupError } from './errors.js';
import { loadPg, type PgImporter, type PgPool } from './pg-loader.js';
import { describeTarget, mentionsSecret, redact } from './pg-target.js';
import { checkTableName, migratePostgres, tableNames } from './postgres-schema.js';

export interface PostgresPersisterOptions {
  /**
   * Where to connect, e.g. `postgres://user:password@host:5432/database` (any form `pg` accepts).
   * The persister makes its own pool and ends it on close(). Give this or `pool`, not both.
   */
  connectionString?: string;
  /**
   * An existing `pg` Pool to use instead. The persister does not end it: the pool is yours.
   * Give this or `connectionString`, not both.
   */
  pool?: PgPool;
  /**
   * Name of the checkpoint table, created if missing (with `<table>_version` beside it), in the
   * connection's current schema (set `search_path` to choose another). A lowercase SQL identifier.
   * @default 'taskfarm_checkpoints'
   */
  table?: string;
  /**
   * Most connections of the pool made from `connectionString`; ignored with `pool`.
   * @default 10
   */
  maxConnections?: number;
  /** @internal How `pg` is imported; tests replace it to simulate a missing driver. */
  importPg?: PgImporter;
}

const DEFAULT_TABLE = 'taskfarm_checkpoints';
const DEFAULT_MAX_CONNECTIONS = 10;

type Queries = Record<'upsert' | 'select' | 'listAll' | 'listOne' | 'deleteOne' | 'deleteAll', string>;

function queries(table: string): Queries {
  const t = tableNames(table).checkpoints;
  return {
    upsert: `INSERT INTO ${t} (pid, tag, bundle, saved_at) VALUES ($1, $2, $3, now())
             ON CONFLICT (pid, tag) DO UPDATE SET bundle = EXCLUDED.bundle, saved_at = EXCLUDED.saved_at`,
    select: `SELECT bundle FROM ${t} WHERE pid = $1 AND tag = $2`,
    listAll: `SELECT pid, tag FROM ${t}`,
    listOne: `SELECT pid, tag FROM ${t} WHERE pid = $1`,
    deleteOne: `DELETE FROM ${t} WHERE pid = $1 AND tag = $2`,
    deleteAll: `DELETE FROM ${t} WHERE pid = $1`,
  };
}

export class PostgresPersister extends BasePersister {
  /** Name of the checkpoint table. */
  readonly table: string;
  readonly #connectionString: string | undefined;
  readonly #maxConnections: number;
  readonly #importPg: PgImporter | undefined;
  readonly #sql: Queries;
  /** Applies calls on one pid in call order; the pool would otherwise reorder them. */
  readonly #order = new CallOrder();
  #pool: PgPool | undefined;
  #ownsPool = false;
  #ready: Promise<PgPool> | undefined;

  /** Checks the options; connecting and creating the table happen on first use (or ready()). */
  constructor(options: PostgresPersisterOptions) {
    super();
    if (typeof options !== 'object' || options === null) throw new ValidationError('PostgresPersister options must be an object');
    const { connectionString, pool, table = DEFAULT_TABLE, maxConnections = DEFAULT_MAX_CONNECTIONS } = options;
    if ((connectionString === undefined) === (pool === undefined)) {
      throw new ValidationError('PostgresPersister: give exactly one of connectionString and pool');
    }
    if (connectionString !== undefined && (typeof connectionString !== 'string' || connectionString === '')) {
      throw new ValidationError(`PostgresPersister: connectionString must be a non-empty string, got ${typeof connectionString}`);
    }
    if (pool !== undefined && (typeof pool?.query !== 'function' || typeof pool.connect !== 'function')) {
      throw new ValidationError('PostgresPersister: pool must be a pg Pool (with query() and connect())');
    }
    if (!Number.isInteger(maxConnections) || maxConnections < 1) {
      throw new ValidationError(`PostgresPersister: maxConnections must be an integer >= 1, got ${String(maxConnections)}`);
    }
    this.table = checkTableName(table);
    this.#connectionString = connectionString;
    this.#pool = pool;
    this.#maxConnections = maxConnections;
    this.#importPg = options.importPg;
    this.#sql = queries(this.table);
  }

  /**
   * Connects and creates or migrates the table now, so a wrong URL or a down server shows at start
   * rather than at the first checkpoint. Every other call does this on its own when needed.
   */
  async ready(): Promise<void> {
    this.assertOpen('ready');
    await this.track(this.#connect());
  }

  protected writeRow(pid: string, tag: string, json: string): Promise<void> {
    return this.#order.forKey(pid, async () => { await (await this.#connect()).query(this.#sql.upsert, [pid, tag, json]); });
  }

  protected readRow(pid: string, tag: string): Promise<string | undefined> {
    return this.#order.forKey(pid, async () => {
      const { rows } = await (await this.#connect()).query(this.#sql.select, [pid, tag]);
      return rows[0]?.bundle as string | undefined;
    });
  }

  protected listRows(pid?: string): Promise<RowKey[]> {
    const list = async (text: string, values?: unknown[]) => (await (await this.#connect()).query(text, values)).rows as unknown as RowKey[];
    return pid === undefined
      ? this.#order.forAll(() => list(this.#sql.listAll))
      : this.#order.forKey(pid, () => list(this.#sql.listOne, [pid]));
  }

  protected deleteRows(pid: string, tag?: string): Promise<void> {
    return this.#order.forKey(pid, async () => {
      const db = await this.#connect();
      await (tag === undefined ? db.query(this.#sql.deleteAll, [pid]) : db.query(this.#sql.deleteOne, [pid, tag]));
    });
  }

  protected async closeStorage(): Promise<void> {
    await this.#ready?.catch(() => undefined);
    if (this.#ownsPool) await this.#pool?.end();
  }

  /** The pool, with the table in place. A failed setup is forgotten, so the next call retries it. */
  #connect(): Promise<PgPool> {
    this.#ready ??= this.#setUp().catch((error: unknown) => {
      this.#ready = undefined;
      throw error;
    });
    return this.#ready;
  }

  async #setUp(): Promise<PgPool> {
    const where = this.#connectionString === undefined ? 'on the given pool' : `at ${describeTarget(this.#connectionString)}`;
    const pg = this.#pool ? undefined : await loadPg(this.#importPg);
    try {
      if (pg) {
        const pool = new pg.Pool({ connectionString: this.#connectionString!, max: this.#maxConnections, application_name: 'taskfarm' });
        // An idle connection that drops (server restart) is reported here; the pool already discards
        // it and the next query opens a new one. Without a listener it would crash the program.
        pool.on('error', () => undefined);
        this.#pool = pool;
        this.#ownsPool = true;
      }
      await migratePostgres(this.#pool!, this.table, where);
      return this.#pool!;
    } catch (error) {
      if (error instanceof PersisterSetupError) throw error;
      // pg's own messages carry no password, but a URL parse error keeps the whole input: such a
      // cause is dropped rather than passed on.
      const reason = redact(error instanceof Error ? error.message : String(error), this.#connectionString);
      throw new PersisterSetupError(
        `could not prepare the PostgreSQL checkpoint table "${this.table}" ${where}: ${reason}`,
        mentionsSecret(error, this.#connectionString) ? undefined : { cause: error },
      );
    }
  }
}
