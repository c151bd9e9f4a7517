/**
 * Loads the optional `pg` driver on first use, so programs that never use PostgreSQL need not
 * install it. Only the small part of its API that PostgresPersister uses is typed here, so the
 * public types do not require @types/pg either.
 */
import { PersisterSetupError } from './errors.js';

/** The result of a query, as far as taskfarm reads it. */
export interface PgQueryResult {
  rows: Array<Record<string, unknown>>;
}

/** Something that runs a query: a pg Pool or a checked-out client. */
export interface PgQueryable {
  query(text: string, values?: unknown[]): Promise<PgQueryResult>;
}

/** A client checked out of a pool. */
export interface PgPoolClient extends PgQueryable {
  release(error?: Error | boolean): void;
}

/** The subset of a `pg` Pool that PostgresPersister uses; a real `new pg.Pool()` fits it. */
export interface PgPool extends PgQueryable {
  connect(): Promise<PgPoolClient>;
  end(): Promise<void>;
}

/** The pool configuration PostgresPersister passes to `new pg.Pool()`. */
export interface PgPoolConfig {
  connectionString: string;
  max: number;
  application_name: string;
}

export interface PgModule {
  Pool: new (config: PgPoolConfig) => PgPool & { on(event: 'error', listener: (error: Error) => void): unknown };
}

/** How the module is imported; replaceable so the missing-driver path can be tested. */
export type PgImporter = () => Promise<unknown>;

const importPg: PgImporter = () => import('pg');

/** The pg module, or a PersisterSetupError saying to install it. */
export async function loadPg(importer: PgImporter = importPg): Promise<PgModule> {
  let mod: unknown;
  try {
    mod = await importer();
  } catch (error) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    // Only "pg itself is absent" gets the install hint; a broken install keeps its own error.
    if (code === 'ERR_MODULE_NOT_FOUND' && typeof message === 'string' && /['"]pg['"]/.test(message)) {
      throw new PersisterSetupError('PostgresPersister needs the "pg" package, an optional dependency of taskfarm: run `npm install pg`', { cause: error });
    }
    throw new PersisterSetupError(`PostgresPersister could not load the "pg" package: ${String(message)}`, { cause: error });
  }
  // pg is CommonJS: under ESM its exports arrive as the default export.
  const pg = ((mod as { default?: unknown }).default ?? mod) as Partial<PgModule>;
  if (typeof pg.Pool !== 'function') throw new PersisterSetupError('PostgresPersister: the "pg" package has no Pool export; install pg 8 (`npm install pg`)');
  return pg as PgModule;
}
