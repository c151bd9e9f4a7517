/**
 * Placement policies, queue timeouts and worker properties across replacements, on both pool
 * backends.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import {
  PlacementError, ProcessExecutor, QueueTimeoutError, ThreadExecutor, ValidationError, type Executor, type PoolOptions,
} from '../../src/index.js';
import { echo, exitWorker, sleep, whoami } from './fixtures/tasks.js';
import { settled, Tracker, waitFor } from './helpers.js';

const factories: Record<string, (options: PoolOptions) => Executor> = {
  threads: (options) => new ThreadExecutor(options),
  processes: (options) => new ProcessExecutor(options),
};

/** Runs `count` tasks one after another (each waits for the previous), returning where each ran. */
async function placeOneByOne(executor: Executor, count: number): Promise<string[]> {
  // Every worker booted first: placement chooses among ready workers only.
  await Promise.all(executor.workers().map((w) => executor.submit(whoami, [], { where: (worker) => worker.id === w.id })));
  const ran: string[] = [];
  for (let i = 0; i < count; i += 1) ran.push(await executor.submit(whoami, []));
  return ran;
}

const tally = (ids: string[]): Map<string, number> => ids.reduce((m, id) => m.set(id, (m.get(id) ?? 0) + 1), new Map<string, number>());

for (const [runtime, factory] of Object.entries(factories)) {
  describe(`placement on ${runtime}`, { timeout: 60_000 }, () => {
    const tracker = new Tracker(factory);
    afterEach(() => tracker.shutdownAll());

    it('least-load (default) and round-robin both spread sequential tasks; round-robin cycles through every worker', async () => {
      const executor = tracker.make({ workers: 3, placement: 'round-robin' });
      const ran = await placeOneByOne(executor, 9);
      assert.deepEqual([...tally(ran).values()], [3, 3, 3], `each worker ran 3 of 9: ${ran.join(' ')}`);
      assert.equal(new Set(ran.slice(0, 3)).size, 3, 'the first three went to three different workers');
    });

    it('random uses every worker over many tasks', async () => {
      const executor = tracker.make({ workers: 2, placement: 'random' });
      const ran = await placeOneByOne(executor, 40);
      assert.equal(tally(ran).size, 2, `both workers used: ${[...tally(ran)].join(' ')}`);
    });

    it('weighted favours heavier workers and uses a worker of weight 0 only as a standby', async () => {
      const executor = tracker.make({ workers: 3, placement: 'weighted', properties: (i) => ({ weight: [0, 1, 8][i] }) });
      const [zero, light, heavy] = executor.workers().map((w) => w.id);
      const counts = tally(await placeOneByOne(executor, 60));
      assert.equal(counts.get(zero!) ?? 0, 0);
      assert.ok((counts.get(heavy!) ?? 0) > (counts.get(light!) ?? 0), `heavy ${counts.get(heavy!)} > light ${counts.get(light!)}`);
    });

    it('a custom policy chooses the worker; one that throws or names no offered worker fails the task with PlacementError', async () => {
      const seen: string[][] = [];
      let last = '';
      const executor = tracker.make({
        workers: 2,
        // Always the last worker: when it is busy, the task waits for it (undefined = not now).
        placement: (workers, task) => {
          seen.push(workers.map((w) => w.id));
          if (task.args[0] === 'boom') throw new Error('policy bug');
          return workers.find((w) => w.id === last)?.id;
        },
      });
      last = executor.workers().at(-1)!.id;
      assert.deepEqual(await Promise.all([executor.submit(whoami, []), executor.submit(whoami, [])]), [last, last]);
      assert.ok(seen.length > 0);
      const broken = await settled(executor.submit(echo, ['boom']));
      assert.ok(!broken.ok && broken.error instanceof PlacementError && /policy failed: policy bug/.test(broken.error.message));

      const wrong = tracker.make({ workers: 1, placement: () => 'w999' });
      const result = await settled(wrong.submit(whoami, []));
      assert.ok(!result.ok && /'w999', which is not one of the workers offered/.test(result.error.message));
    });

    it('an unknown placement is refused at construction', () => {
      assert.throws(() => factory({ workers: 1, placement: 'fastest' as never }), (e: unknown) => e instanceof ValidationError && /'placement'/.test(e.message));
    });

    it('queueTimeout fails a task that waited too long to start, and leaves the queue consistent', async () => {
      const executor = tracker.make({ workers: 1 });
      const blocker = executor.submit(sleep, [400, 'blocker']);
      const late = settled(executor.submit(sleep, [1, 'late'], { queueTimeout: 50 }));
      const patient = executor.submit(sleep, [1, 'patient'], { queueTimeout: 60_000 });
      const result = await late;
      assert.ok(!result.ok && result.error instanceof QueueTimeoutError);
      assert.equal(result.attempts, 0);
      assert.deepEqual([await blocker, await patient], ['blocker', 'patient']);
      assert.equal(executor.stats().queued, 0);
      assert.throws(() => executor.submit(sleep, [1], { queueTimeout: 0 }), /'queueTimeout'/);
    });

    it('a replacement worker keeps the properties set on the worker it replaces', async () => {
      const executor = tracker.make({ workers: 1, properties: { zone: 'a' } });
      const [first] = executor.workers();
      executor.setWorkerProperties(first!.id, { zone: 'b' });
      await settled(executor.submit(exitWorker, [1]));
      await waitFor(() => executor.workers().length === 1 && executor.workers()[0]!.id !== first!.id, 'the worker to be replaced');
      assert.deepEqual(executor.workers()[0]!.properties, { zone: 'b' });
      assert.equal(typeof await executor.submit(whoami, [], { where: (w) => w.properties.zone === 'b' }), 'string');
    });
  });
}
