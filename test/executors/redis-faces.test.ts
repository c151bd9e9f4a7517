// The faces of taskfarm, unchanged, over the Redis executor: the whole Scheduler suite, and the
// TaskClient (IPython) and TaskManager (mplite) on engines with properties.
import assert from 'node:assert/strict';
import { after, afterEach, describe, it } from 'node:test';
import { FarmTask, PlacementError, Scheduler, TaskClient, TaskManager, type FarmResult } from '../../src/index.js';
import { RedisExecutor, type LocalEngineOptions } from '../../src/executors/redis/index.js';
import { schedulerSuite } from '../scheduler/scheduler-suite.js';
import { serviceSkip } from '../support/services.js';
import { double, fail, sleep, whoami } from './fixtures/tasks.js';
import { within } from './helpers.js';
import { deleteKeys, REDIS_URL, TASK_MODULES, uniquePrefix, uniqueQueue } from './redis-fixtures/redis.js';

const skip = await serviceSkip('Redis');
const TEST = { timeout: 60_000 };

const MODULES = [
  ...TASK_MODULES,
  new URL('../scheduler/fixtures/tasks.ts', import.meta.url).href,
  new URL('./fixtures/tasks.ts', import.meta.url).href,
];

const prefix = uniquePrefix('faces');

/** An executor with engines of its own in this process, on a queue of its own. */
function redis(engines: Partial<LocalEngineOptions> = {}): RedisExecutor {
  return new RedisExecutor({
    connection: REDIS_URL, prefix, queue: uniqueQueue(), registryInterval: 100,
    localEngines: { count: 2, workers: 1, allowModules: MODULES, heartbeatInterval: 200, heartbeatTtl: 2000, ...engines },
  });
}

function value<R>(result: FarmResult<R> | undefined): R {
  assert.ok(result, 'a result');
  if (!result.ok) throw result.error;
  return result.value;
}

if (skip) {
  describe('faces over RedisExecutor', { skip }, () => undefined);
} else {
  // The suite ships a few self-contained functions as source: its engines accept them.
  schedulerSuite('RedisExecutor (2 engines)', () => new Scheduler(redis({ allowSource: true }), { own: true }), { isolated: true });

  describe('TaskClient over RedisExecutor', () => {
    const executors: RedisExecutor[] = [];
    const client = (engines?: Partial<LocalEngineOptions>): TaskClient => {
      const executor = redis(engines);
      executors.push(executor);
      return new TaskClient({ executor });
    };
    afterEach(async () => {
      await Promise.all(executors.splice(0).map((executor) => executor.shutdown({ wait: false })));
    });

    it('runs tasks by id: result, barrier, queueStatus, and results name the engine', TEST, async () => {
      const tc = client();
      const ids = [1, 2, 3, 4, 5].map((n) => tc.run(new FarmTask(double, n)));
      await within(tc.barrier(ids), 30_000, 'barrier');
      assert.deepEqual(ids.map((id) => value(tc.result(id))), [2, 4, 6, 8, 10]);
      const engineIds = tc.workers().map((worker) => worker.id);
      for (const id of ids) assert.ok(engineIds.includes(tc.result(id)!.workerId!), 'the result names an engine');
      assert.deepEqual(tc.queueStatus(), { scheduled: 0, pending: 0, succeeded: 5, failed: 0 });
    });

    it("places tasks by engine properties, as IPython's depend does", TEST, async () => {
      const tc = client();
      const [first, second] = tc.workers();
      tc.setWorkerProperties(second!.id, { ram: 64 });
      tc.setWorkerProperties(first!.id, { ram: 2 });
      const ids = Array.from({ length: 4 }, () => tc.run(new FarmTask(whoami).with({ where: (w) => (w.properties.ram as number) > 4 })));
      await within(tc.barrier(ids), 30_000, 'barrier');
      assert.deepEqual(ids.map((id) => value(tc.result<string>(id))), Array(4).fill(second!.id));
      const nowhere = tc.run(new FarmTask(double, 1).with({ where: (w) => w.properties.gpu === true }));
      const failure = await tc.result(nowhere, { block: true });
      assert.ok(!failure.ok && failure.error instanceof PlacementError, 'no engine fits: PlacementError');
    });

    it('retries on another engine, then runs the recovery task', TEST, async () => {
      const tc = client();
      const id = tc.run(new FarmTask(fail, 'always').with({ retries: 1, recovery: new FarmTask(double, 21) }));
      const result = await tc.result(id, { block: true });
      assert.equal(value(result), 42);
      assert.equal(result.failures.length, 1);
      assert.equal(result.attempts, 3);
    });

    it('push and pull values in the scope of the engine that ran the task; follow goes back there', TEST, async () => {
      const tc = client();
      const setter = tc.run(new FarmTask(double, 2).with({ push: { secret: 'kept' }, pull: ['secret'] }));
      const first = await tc.result(setter, { block: true });
      assert.deepEqual(first.ok && first.pulled, { secret: 'kept' });
      const follower = tc.run(new FarmTask(whoami).with({ follow: setter, pull: 'secret' }));
      const second = await tc.result(follower, { block: true });
      assert.equal(value(second), first.workerId);
      assert.deepEqual(second.ok && second.pulled, { secret: 'kept' });
    });

    it('abort stops a running task on its engine', TEST, async () => {
      const tc = client();
      const id = tc.run(new FarmTask(sleep, 30_000, 'too late'));
      await new Promise((resolve) => setTimeout(resolve, 300));
      tc.abort(id);
      const result = await within(tc.result(id, { block: true }), 20_000, 'the aborted task');
      assert.equal(result.ok, false);
      assert.equal(result.error?.name, 'CancelledError');
    });
  });

  describe('TaskManager over RedisExecutor', () => {
    it('execute returns every value or error in order; submit and take', TEST, async () => {
      const executor = redis();
      try {
        await using tm = new TaskManager({ executor, progress: 'off' });
        const results = await tm.execute([new FarmTask(double, 1), new FarmTask(fail, 'no'), new FarmTask(double, 3)]);
        assert.equal(results[0], 2);
        assert.ok(results[1] instanceof Error && results[1].message === 'no');
        assert.equal(results[2], 6);
        const ids = [10, 20].map((n) => tm.submit(new FarmTask(double, n)));
        const taken = [await tm.next(), await tm.next()];
        assert.deepEqual(taken.map((r) => r?.id).sort(), [...ids].sort());
        assert.deepEqual(taken.map((r) => value(r)).sort((a, b) => (a as number) - (b as number)), [20, 40]);
      } finally {
        await executor.shutdown();
      }
    });
  });

  after(() => deleteKeys(prefix));
}
