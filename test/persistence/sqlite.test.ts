// What only the SQLite backend has: the file, its schema and version, WAL, durability against a
// killed program, the busy timeout between programs, options. The shared behaviour is in the
// conformance suite (test/contract/persisters.test.ts).
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ValidationError } from '../../src/core/errors.js';
import { createBundle } from '../../src/persistence/bundle.js';
import { PersisterSetupError } from '../../src/persistence/errors.js';
import { SQLITE_SCHEMA_VERSION } from '../../src/persistence/sqlite-schema.js';
import { SqlitePersister } from '../../src/persistence/sqlite.js';
import { tempDir, withSqliteFile } from './backends.js';
import { runFixture } from './child.js';

const { dir, remove } = tempDir('taskfarm-sqlite-');
after(remove);
let files = 0;
const newPath = () => join(dir, `db-${++files}.db`);

const processOf = (pid: string, count: number) => ({ pid, save: () => createBundle('taskfarm.test.Plain', pid, { count }) });

describe('SqlitePersister: the file', () => {
  it('defaults to taskfarm-checkpoints.db in the current directory', async () => {
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const persister = new SqlitePersister();
      assert.equal(persister.path, join(dir, 'taskfarm-checkpoints.db'));
      await persister.close();
      assert.ok(existsSync(join(dir, 'taskfarm-checkpoints.db')));
    } finally {
      process.chdir(cwd);
    }
  });

  it('creates missing parent directories and resolves relative paths', async () => {
    const path = join(dir, 'deep', 'er', 'checkpoints.db');
    const persister = new SqlitePersister({ path });
    assert.equal(persister.path, path);
    await persister.saveCheckpoint(processOf('p', 1));
    await persister.close();
    assert.ok(existsSync(path));
  });

  it('uses WAL and the documented schema, with its version recorded', async () => {
    const path = newPath();
    const persister = new SqlitePersister({ path });
    await persister.saveCheckpoint(processOf('p', 1), 't');
    await persister.saveCheckpoint(processOf('p', 2));
    withSqliteFile(path, (db) => {
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      const columns = db.prepare(`SELECT name, type, "notnull", pk FROM pragma_table_info('taskfarm_checkpoints') ORDER BY cid`).all();
      assert.deepEqual(columns, [
        { name: 'pid', type: 'TEXT', notnull: 1, pk: 1 },
        { name: 'tag', type: 'TEXT', notnull: 1, pk: 2 },
        { name: 'bundle', type: 'TEXT', notnull: 1, pk: 0 },
        { name: 'saved_at', type: 'TEXT', notnull: 1, pk: 0 },
      ]);
      assert.equal(db.prepare('SELECT version FROM taskfarm_checkpoints_version').pluck().get(), SQLITE_SCHEMA_VERSION);
      // One row per (pid, tag); the untagged checkpoint is the row with tag ''.
      const rows = db.prepare('SELECT pid, tag, json_extract(bundle, \'$.state.count\') AS count, saved_at FROM taskfarm_checkpoints ORDER BY tag').all() as
        Array<{ pid: string; tag: string; count: number; saved_at: string }>;
      assert.deepEqual(rows.map(({ pid, tag, count }) => ({ pid, tag, count })), [{ pid: 'p', tag: '', count: 2 }, { pid: 'p', tag: 't', count: 1 }]);
      assert.ok(!Number.isNaN(Date.parse(rows[0]!.saved_at)));
    });
    await persister.close();
  });

  it('refuses a database whose schema is newer than this build, and leaves it untouched', async () => {
    const path = newPath();
    const first = new SqlitePersister({ path });
    await first.saveCheckpoint(processOf('p', 1));
    await first.close();
    withSqliteFile(path, (db) => db.prepare('UPDATE taskfarm_checkpoints_version SET version = ?').run(SQLITE_SCHEMA_VERSION + 1));
    assert.throws(() => new SqlitePersister({ path }), (error: unknown) => {
      assert.ok(error instanceof PersisterSetupError);
      assert.equal(error.code, 'ERR_PERSISTER_SETUP');
      assert.match(error.message, new RegExp(`schema version ${SQLITE_SCHEMA_VERSION + 1}, newer than this build of taskfarm supports \\(${SQLITE_SCHEMA_VERSION}\\); upgrade taskfarm`));
      assert.ok(error.message.includes(path));
      return true;
    });
    withSqliteFile(path, (db) => assert.equal(db.prepare('SELECT count(*) FROM taskfarm_checkpoints').pluck().get(), 1));
  });

  it('a file that is not a database is PersisterSetupError naming the file', () => {
    const path = join(dir, 'not-a-database.db');
    writeFileSync(path, 'this is plainly not an SQLite database, but it is long enough to have a header'.repeat(20));
    assert.throws(() => new SqlitePersister({ path }), (error: unknown) => {
      assert.ok(error instanceof PersisterSetupError);
      assert.match(error.message, /could not open the SQLite checkpoint database at .*not-a-database\.db: file is not a database/);
      assert.equal((error.cause as { code?: string }).code, 'SQLITE_NOTADB');
      return true;
    });
  });

  it("':memory:' gives each persister its own database", async () => {
    const a = new SqlitePersister({ path: ':memory:' });
    const b = new SqlitePersister({ path: ':memory:' });
    assert.equal(a.path, ':memory:');
    await a.saveCheckpoint(processOf('p', 1));
    assert.deepEqual(await a.getCheckpoints(), [{ pid: 'p' }]);
    assert.deepEqual(await b.getCheckpoints(), []);
    await a.close();
    await b.close();
  });

  it('bad options are ValidationError naming the option', () => {
    const cases: Array<[unknown, RegExp]> = [
      [null, /options must be an object/],
      [{ path: '' }, /path must be a non-empty string, got ""/],
      [{ path: 42 }, /path must be a non-empty string, got number/],
      [{ busyTimeout: -1 }, /busyTimeout must be an integer >= 0 \(milliseconds\), got -1/],
      [{ busyTimeout: 1.5 }, /busyTimeout must be an integer >= 0/],
      [{ synchronous: 'off' }, /synchronous must be 'normal' or 'full', got "off"/],
    ];
    for (const [options, message] of cases) {
      assert.throws(() => new SqlitePersister(options as never), (error: unknown) => error instanceof ValidationError && message.test(error.message));
    }
  });

  it("synchronous: 'full' works like the default", async () => {
    const path = newPath();
    const persister = new SqlitePersister({ path, synchronous: 'full' });
    await persister.saveCheckpoint(processOf('p', 5));
    assert.deepEqual((await persister.loadCheckpoint('p')).bundle.state, { count: 5 });
    await persister.close();
  });
});

describe('SqlitePersister: other programs on the same file', () => {
  it('a checkpoint saved before the program is killed with SIGKILL is there after', { timeout: 60_000 }, async () => {
    const path = newPath();
    const child = runFixture('sqlite-child.ts', ['save', path, 'killed', '42', 'hang']);
    await child.printed('saved');
    child.process.kill('SIGKILL');
    assert.equal((await child.exited).signal, 'SIGKILL');
    const persister = new SqlitePersister({ path });
    assert.deepEqual((await persister.loadCheckpoint('killed')).bundle.state, { count: 42 });
    await persister.close();
  });

  it('a save waits for another program\'s write lock (busy timeout) instead of failing', { timeout: 60_000 }, async () => {
    const path = newPath();
    await new SqlitePersister({ path }).close(); // the file is set up (WAL, schema) before the lock is taken
    const holder = runFixture('sqlite-child.ts', ['lock', path, '600']);
    await holder.printed('locked');
    const persister = new SqlitePersister({ path });
    const started = performance.now();
    await persister.saveCheckpoint(processOf('waited', 1));
    const waited = performance.now() - started;
    assert.ok(waited >= 300, `the save should have waited for the lock, took ${waited.toFixed(0)} ms`);
    assert.equal((await holder.exited).code, 0);
    assert.deepEqual((await persister.loadCheckpoint('waited')).bundle.state, { count: 1 });
    await persister.close();
  });

  it('with busyTimeout 0 a save that meets another program\'s write lock fails at once with SQLITE_BUSY', { timeout: 60_000 }, async () => {
    const path = newPath();
    await new SqlitePersister({ path }).close();
    const holder = runFixture('sqlite-child.ts', ['lock', path, '600']);
    await holder.printed('locked');
    const persister = new SqlitePersister({ path, busyTimeout: 0 });
    await assert.rejects(persister.saveCheckpoint(processOf('p', 1)), { code: 'SQLITE_BUSY' });
    await holder.exited;
    await persister.saveCheckpoint(processOf('p', 2)); // and works once the lock is gone
    assert.deepEqual((await persister.loadCheckpoint('p')).bundle.state, { count: 2 });
    await persister.close();
  });

  it('several programs opening a new file at once all set it up and save', { timeout: 60_000 }, async () => {
    const path = newPath();
    const children = Array.from({ length: 4 }, (_, i) => runFixture('sqlite-child.ts', ['save', path, `program-${i}`, String(i)]));
    const exits = await Promise.all(children.map((c) => c.exited));
    assert.deepEqual(exits.map((e) => e.code), [0, 0, 0, 0]);
    const persister = new SqlitePersister({ path });
    assert.deepEqual(await persister.getCheckpoints(), [0, 1, 2, 3].map((i) => ({ pid: `program-${i}` })));
    await persister.close();
  });
});
