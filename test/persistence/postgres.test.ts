// What only the PostgreSQL backend has: table setup (also by programs starting at once), schema
// version, an existing pool, the optional driver, secrets kept out of errors, options. The shared
// behaviour is in the conformance suite (test/contract/persisters.test.ts).
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { inspect } from 'node:util';
import pg from 'pg';
import { ValidationError } from '../../src/core/errors.js';
import { createBundle } from '../../src/persistence/bundle.js';
import { PersisterSetupError } from '../../src/persistence/errors.js';
import { loadPg } from '../../src/persistence/pg-loader.js';
import { describeTarget, mentionsSecret, redact } from '../../src/persistence/pg-target.js';
import { POSTGRES_SCHEMA_VERSION } from '../../src/persistence/postgres-schema.js';
import { PostgresPersister } from '../../src/persistence/postgres.js';
import { POSTGRES_URL, serviceSkip } from '../support/services.js';
import { pgAdmin, sweepPostgres, uniqueTable } from './backends.js';

const skip = await serviceSkip('PostgreSQL');
after(sweepPostgres);

const processOf = (pid: string, count: number) => ({ pid, save: () => createBundle('taskfarm.test.Plain', pid, { count }) });
const PASSWORD = 'pa55-Secret_word';

/** Rejects with PersisterSetupError; returns it. */
async function setupError(promise: Promise<unknown>): Promise<PersisterSetupError> {
  let caught: unknown;
  await promise.then(() => assert.fail('expected a PersisterSetupError'), (error: unknown) => { caught = error; });
  assert.ok(caught instanceof PersisterSetupError, `expected PersisterSetupError, got ${String(caught)}`);
  assert.equal(caught.code, 'ERR_PERSISTER_SETUP');
  return caught;
}

/** Everything a log line could show of an error: message, stack, properties, cause chain. */
const everything = (error: unknown) => inspect(error, { depth: 10, showHidden: true });

describe('PostgresPersister: the table', { skip }, () => {
  it('ready() creates the documented table and records its schema version', async () => {
    const table = uniqueTable();
    const persister = new PostgresPersister({ connectionString: POSTGRES_URL, table });
    await persister.ready();
    await persister.saveCheckpoint(processOf('p', 1));
    await persister.saveCheckpoint(processOf('p', 2), 't');
    const { rows: columns } = await pgAdmin().query(
      `SELECT column_name, data_type, is_nullable, collation_name FROM information_schema.columns
       WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`, [table]);
    assert.deepEqual(columns, [
      { column_name: 'pid', data_type: 'text', is_nullable: 'NO', collation_name: 'C' },
      { column_name: 'tag', data_type: 'text', is_nullable: 'NO', collation_name: 'C' },
      { column_name: 'bundle', data_type: 'text', is_nullable: 'NO', collation_name: null },
      { column_name: 'saved_at', data_type: 'timestamp with time zone', is_nullable: 'NO', collation_name: null },
    ]);
    const { rows: version } = await pgAdmin().query(`SELECT version FROM "${table}_version"`);
    assert.deepEqual(version, [{ version: POSTGRES_SCHEMA_VERSION }]);
    const { rows } = await pgAdmin().query(`SELECT pid, tag, (bundle::jsonb)->'state'->>'count' AS count FROM "${table}" ORDER BY tag`);
    assert.deepEqual(rows, [{ pid: 'p', tag: '', count: '1' }, { pid: 'p', tag: 't', count: '2' }]);
    await persister.close();
  });

  it('several programs starting at once on a new table all set it up without error', async () => {
    const table = uniqueTable();
    const persisters = Array.from({ length: 6 }, () => new PostgresPersister({ connectionString: POSTGRES_URL, table, maxConnections: 2 }));
    await Promise.all(persisters.map((p) => p.ready()));
    await Promise.all(persisters.map((p, i) => p.saveCheckpoint(processOf(`p${i}`, i))));
    assert.equal((await persisters[0]!.getCheckpoints()).length, 6);
    await Promise.all(persisters.map((p) => p.close()));
  });

  it('refuses a table whose schema is newer than this build, and leaves it untouched', async () => {
    const table = uniqueTable();
    const first = new PostgresPersister({ connectionString: POSTGRES_URL, table });
    await first.saveCheckpoint(processOf('p', 1));
    await first.close();
    await pgAdmin().query(`UPDATE "${table}_version" SET version = $1`, [POSTGRES_SCHEMA_VERSION + 1]);
    const second = new PostgresPersister({ connectionString: POSTGRES_URL, table });
    const error = await setupError(second.loadCheckpoint('p'));
    assert.match(error.message, new RegExp(`"${table}" at 127\\.0\\.0\\.1:5432/test has schema version ${POSTGRES_SCHEMA_VERSION + 1}, newer than this build of taskfarm supports \\(${POSTGRES_SCHEMA_VERSION}\\); upgrade taskfarm`));
    await second.close();
    assert.equal((await pgAdmin().query(`SELECT count(*)::int AS n FROM "${table}"`)).rows[0].n, 1);
  });

  it('uses an existing pool and leaves it open on close', async () => {
    const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 2 });
    try {
      const persister = new PostgresPersister({ pool, table: uniqueTable() });
      await persister.saveCheckpoint(processOf('p', 3));
      assert.deepEqual((await persister.loadCheckpoint('p')).bundle.state, { count: 3 });
      await persister.close();
      assert.equal((await pool.query('SELECT 1 AS one')).rows[0].one, 1, 'the pool is still usable');
    } finally {
      await pool.end();
    }
  });

  it('a failed setup is not remembered: the next call tries again', async () => {
    let imports = 0;
    const persister = new PostgresPersister({
      connectionString: POSTGRES_URL,
      table: uniqueTable(),
      importPg: async () => {
        if (++imports === 1) throw Object.assign(new Error('flaky disk'), { code: 'EIO' });
        return import('pg');
      },
    });
    const error = await setupError(persister.ready());
    assert.match(error.message, /could not load the "pg" package: flaky disk/);
    await persister.saveCheckpoint(processOf('p', 1));
    assert.equal(imports, 2);
    await persister.close();
  });
});

describe('PostgresPersister: the optional driver', () => {
  it('a missing pg is PersisterSetupError telling to npm install pg', async () => {
    const missing = async () => {
      throw Object.assign(new Error("Cannot find package 'pg' imported from /app/node_modules/taskfarm/dist/persistence/pg-loader.js"), { code: 'ERR_MODULE_NOT_FOUND' });
    };
    const error = await setupError(loadPg(missing));
    assert.match(error.message, /needs the "pg" package, an optional dependency of taskfarm: run `npm install pg`/);

    // The same through the persister, on first use (nothing is loaded at construction).
    const persister = new PostgresPersister({ connectionString: 'postgres://u@127.0.0.1:5432/test', importPg: missing });
    await setupError(persister.saveCheckpoint(processOf('p', 1))).then((e) => assert.match(e.message, /npm install pg/));
    await persister.close();
  });

  it('a broken pg install keeps its own reason (no misleading install hint)', async () => {
    const broken = async () => {
      throw Object.assign(new Error("Cannot find package 'pg-pool' imported from /app/node_modules/pg/lib/index.js"), { code: 'ERR_MODULE_NOT_FOUND' });
    };
    const error = await setupError(loadPg(broken));
    assert.match(error.message, /could not load the "pg" package: Cannot find package 'pg-pool'/);
  });

  it('loads the installed pg', async () => {
    assert.equal(typeof (await loadPg()).Pool, 'function');
  });
});

describe('PostgresPersister: secrets', () => {
  it('describeTarget names host, port and database, never the user or password', () => {
    assert.equal(describeTarget(`postgres://admin:${PASSWORD}@db.example.com:6543/prod`), 'db.example.com:6543/prod');
    assert.equal(describeTarget(`postgresql://admin:${PASSWORD}@db.example.com/prod?sslmode=require`), 'db.example.com:5432/prod');
    assert.equal(describeTarget(`postgres://admin:${PASSWORD}@[bad`), 'the configured server');
  });

  it('redact hides the password in every form it takes in a URL', () => {
    const encoded = 'p%40ss%2Fword';
    assert.equal(redact(`failed: ${PASSWORD}!`, `postgres://u:${PASSWORD}@h/db`), 'failed: ***!');
    assert.equal(redact('x p@ss/word y p%40ss%2Fword', `postgres://u:${encoded}@h/db`), 'x *** y ***');
    assert.equal(redact(`q=${PASSWORD}`, `postgres://u@h/db?password=${PASSWORD}`), 'q=***');
    assert.equal(redact(`z ${PASSWORD}`, `postgres://u:${PASSWORD}@[bad`), 'z ***');
    assert.ok(mentionsSecret(new Error('outer', { cause: Object.assign(new TypeError('Invalid URL'), { input: `postgres://u:${PASSWORD}@[bad` }) }), `postgres://u:${PASSWORD}@[bad`));
  });

  it('a server that cannot be reached: the error names the server, not the password', async () => {
    const persister = new PostgresPersister({ connectionString: `postgres://postgres:${PASSWORD}@127.0.0.1:1/test` });
    const error = await setupError(persister.ready());
    assert.match(error.message, /could not prepare the PostgreSQL checkpoint table "taskfarm_checkpoints" at 127\.0\.0\.1:1\/test: connect ECONNREFUSED/);
    assert.ok(!everything(error).includes(PASSWORD), 'the password must not appear anywhere in the error');
    await persister.close();
  });

  it('an unparsable connection string: the error holds no part of it, not even in its cause', async () => {
    const persister = new PostgresPersister({ connectionString: `postgres://postgres:${PASSWORD}@[bad/test` });
    const error = await setupError(persister.ready());
    assert.match(error.message, /at the configured server: Invalid URL/);
    assert.ok(!everything(error).includes(PASSWORD), 'the password must not appear anywhere in the error');
    await persister.close();
  });

  it('an unknown role with a password: the error holds no password', { skip }, async () => {
    const persister = new PostgresPersister({ connectionString: `postgres://no_such_role_tf:${PASSWORD}@127.0.0.1:5432/test` });
    const error = await setupError(persister.ready());
    assert.match(error.message, /role "no_such_role_tf" does not exist/);
    assert.ok(!everything(error).includes(PASSWORD));
    await persister.close();
  });
});

describe('PostgresPersister: options', () => {
  it('bad options are ValidationError naming the option', () => {
    const cases: Array<[unknown, RegExp]> = [
      [undefined, /options must be an object/],
      [{}, /give exactly one of connectionString and pool/],
      [{ connectionString: POSTGRES_URL, pool: new pg.Pool() }, /give exactly one of connectionString and pool/],
      [{ connectionString: '' }, /connectionString must be a non-empty string/],
      [{ pool: {} }, /pool must be a pg Pool/],
      [{ connectionString: POSTGRES_URL, table: 'Checkpoints' }, /table must be a lowercase SQL identifier .*got "Checkpoints"/],
      [{ connectionString: POSTGRES_URL, table: '1st' }, /table must be a lowercase SQL identifier/],
      [{ connectionString: POSTGRES_URL, table: 'a-b' }, /table must be a lowercase SQL identifier/],
      [{ connectionString: POSTGRES_URL, table: 'x"; DROP TABLE users; --' }, /table must be a lowercase SQL identifier/],
      [{ connectionString: POSTGRES_URL, table: 'x'.repeat(56) }, /at most 55 characters/],
      [{ connectionString: POSTGRES_URL, table: 7 }, /table must be a lowercase SQL identifier .*got number/],
      [{ connectionString: POSTGRES_URL, maxConnections: 0 }, /maxConnections must be an integer >= 1, got 0/],
    ];
    for (const [options, message] of cases) {
      assert.throws(() => new PostgresPersister(options as never), (error: unknown) => error instanceof ValidationError && message.test(error.message));
    }
    // The longest allowed name, with its version table, fits PostgreSQL's 63-byte identifiers.
    assert.equal(new PostgresPersister({ connectionString: POSTGRES_URL, table: 'x'.repeat(55) }).table, 'x'.repeat(55));
  });

  it('ready() after close() is PersisterClosedError', async () => {
    const persister = new PostgresPersister({ connectionString: POSTGRES_URL, table: uniqueTable() });
    await persister.close();
    await assert.rejects(persister.ready(), { code: 'ERR_PERSISTER_CLOSED', message: /PostgresPersister\.ready\(\): the persister is closed/ });
  });
});
