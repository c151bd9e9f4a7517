// Runs the one persister conformance suite over every backend, plus what only a shared store can
// show: a second persister on the same file or table sees the data, and reopening after close works.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { PostgresPersister } from '../../src/persistence/postgres.js';
import { SqlitePersister } from '../../src/persistence/sqlite.js';
import type { Persister } from '../../src/persistence/types.js';
import {
  dropTable, memoryHarness, postgresHarness, sqliteHarness, sweepPostgres, tempDir, uniqueTable,
} from '../persistence/backends.js';
import { POSTGRES_URL, serviceSkip } from '../support/services.js';
import { ContractCounter, persisterContract } from './persister-contract.js';

const postgresSkip = await serviceSkip('PostgreSQL');

persisterContract('MemoryPersister', memoryHarness);
persisterContract('SqlitePersister', sqliteHarness);
persisterContract('PostgresPersister', postgresHarness, { skip: postgresSkip });

after(sweepPostgres);

/** The same checks for each shared store: `open` makes a new persister on the same file or table. */
function sharedStore(open: () => Persister) {
  it('a second persister on the same store sees the first one\'s checkpoints, and the other way round', async () => {
    const first = open();
    const second = open();
    try {
      await first.saveCheckpoint(new ContractCounter('shared', { count: 1 }), 'from-first');
      assert.deepEqual((await second.loadCheckpoint('shared', 'from-first')).bundle.state, { count: 1 });
      await second.saveCheckpoint(new ContractCounter('shared', { count: 2 }));
      assert.deepEqual((await first.loadCheckpoint('shared')).bundle.state, { count: 2 });
      assert.deepEqual(await first.getCheckpoints(), [{ pid: 'shared' }, { pid: 'shared', tag: 'from-first' }]);
      await second.deleteCheckpoint('shared', 'from-first');
      assert.deepEqual(await first.getProcessCheckpoints('shared'), [{ pid: 'shared' }]);
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('reopening after close finds every checkpoint', async () => {
    const before = open();
    await before.saveCheckpoint(new ContractCounter('reopen', { count: 3 }));
    await before.saveCheckpoint(new ContractCounter('reopen', { count: 4 }), 'tagged');
    await before.close();
    const reopened = open();
    try {
      assert.deepEqual((await reopened.loadCheckpoint('reopen')).bundle.state, { count: 3 });
      assert.deepEqual((await reopened.loadCheckpoint('reopen', 'tagged')).bundle.state, { count: 4 });
      assert.equal((await reopened.getProcessCheckpoints('reopen')).length, 2);
    } finally {
      await reopened.close();
    }
  });
}

describe('SqlitePersister: one file, several persisters', () => {
  const { dir, remove } = tempDir();
  after(remove);
  sharedStore(() => new SqlitePersister({ path: join(dir, 'shared.db') }));
});

describe('PostgresPersister: one table, several persisters', { skip: postgresSkip }, () => {
  const table = uniqueTable();
  after(() => dropTable(table));
  // Each persister has its own pool, as two programs would.
  sharedStore(() => new PostgresPersister({ connectionString: POSTGRES_URL, table }));
});
