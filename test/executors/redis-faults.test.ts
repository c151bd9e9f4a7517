// Faults of a Redis farm: an engine killed with SIGKILL mid-task (its tasks run again on another
// engine and each settles once), and Redis itself crashing and restarting mid-run (nothing that
// was accepted is lost). Redis restarts happen on a private server, never on the shared one.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { after, afterEach, describe, it } from 'node:test';
import { WorkerCrashedError, type Future } from '../../src/index.js';
import { RedisExecutor, startEngine, type EngineHandle } from '../../src/executors/redis/index.js';
import { serviceSkip } from '../support/services.js';
import { delay, TempDir, waitFor, within } from './helpers.js';
import { killEngineProcess, startEngineProcess, type EngineProcess } from './redis-fixtures/engine-process.js';
import { deleteKeys, REDIS_URL, TASK_MODULES, uniquePrefix, uniqueQueue } from './redis-fixtures/redis.js';
import { PrivateRedis } from '../support/redis-server.js';
import { logThenWait, sleep } from './redis-fixtures/tasks.js';

const skip = await serviceSkip('Redis');
const TEST = { timeout: 120_000 };

/** Counts how many times each future settles: a task must settle exactly once. */
function countSettles(futures: Array<Future<unknown>>): number[] {
  const counts = futures.map(() => 0);
  futures.forEach((future, i) => future.onSettled(() => (counts[i]! += 1)));
  return counts;
}

describe('Redis farm faults', { skip }, () => {
  const prefix = uniquePrefix('faults');
  const temp = new TempDir();
  const processes: EngineProcess[] = [];
  const executors: RedisExecutor[] = [];
  const engines: EngineHandle[] = [];
  const lines = (file: string): string[] => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);

  afterEach(async () => {
    await Promise.all(executors.splice(0).map((executor) => executor.shutdown({ wait: false })));
    await Promise.all(engines.splice(0).map((engine) => engine.stop({ wait: false })));
    await Promise.all(processes.splice(0).map((engine) => killEngineProcess(engine)));
  });
  after(async () => {
    temp.cleanup();
    await deleteKeys(prefix);
  });

  describe('an engine killed with SIGKILL mid-task', () => {
    const engineArgs = (queue: string, extra: string[]): string[] => [
      '--redis', REDIS_URL, '--prefix', prefix, '--queue', queue, '--workers', '1', '--tasks', 'test/executors/redis-fixtures/tasks.ts',
      '--heartbeat', '200', '--heartbeat-ttl', '1500', '--lock-duration', '2000', '--stalled-interval', '1000', ...extra,
    ];
    const startPair = async (queue: string, ...extra: string[]): Promise<[EngineProcess, EngineProcess, RedisExecutor]> => {
      const pair = await Promise.all([startEngineProcess(engineArgs(queue, extra)), startEngineProcess(engineArgs(queue, extra))]);
      processes.push(...pair);
      const executor = new RedisExecutor({ connection: REDIS_URL, prefix, queue, registryInterval: 200 });
      executors.push(executor);
      await waitFor(() => executor.workers().length === 2, 'both engines listed', 30_000);
      return [...pair, executor];
    };

    it('runs the task again on another engine, and the client gets exactly one result', TEST, async () => {
      const [a, b, executor] = await startPair(uniqueQueue());
      const log = temp.file('victim-log');
      const gate = temp.file('victim-gate');
      const future = executor.submit(logThenWait, [log, 'victim', gate, 'survived']);
      const [count] = [countSettles([future])];
      await waitFor(() => lines(log).length === 1, 'the task to start', 30_000);
      const [, ranOn] = lines(log)[0]!.split(' ');
      const victim = ranOn === a.id ? a : b;
      const survivor = victim === a ? b : a;
      await waitFor(() => future.state === 'running' && future.result === undefined, 'the client to see it running');
      await killEngineProcess(victim);
      writeFileSync(gate, ''); // the rerun finishes as soon as it starts
      assert.equal(await within(future, 60_000, 'the task rerun on the other engine'), 'survived');
      assert.equal(future.result?.workerId, survivor.id);
      assert.equal(future.result?.attempts, 2);
      assert.deepEqual(lines(log).map((line) => line.split(' ').slice(0, 2).join(' ')), [`victim ${victim.id}`, `victim ${survivor.id}`]);
      await delay(500);
      assert.deepEqual(count, [1]);
      await waitFor(() => !executor.workers().some((w) => w.id === victim.id), 'the killed engine to leave the list', 30_000);
    });

    it('a job that stalls more than maxStalledCount times fails its tasks with WorkerCrashedError', TEST, async () => {
      const [a, b, executor] = await startPair(uniqueQueue(), '--max-stalled-count', '0');
      const log = temp.file('poison-log');
      const future = executor.submit(logThenWait, [log, 'poison', temp.file('poison-gate'), 'never']);
      await waitFor(() => lines(log).length === 1, 'the task to start', 30_000);
      const ranOn = lines(log)[0]!.split(' ')[1];
      await killEngineProcess(ranOn === a.id ? a : b);
      const error = await within(future.then(() => undefined, (e: unknown) => e), 60_000, 'the lost task');
      assert.ok(error instanceof WorkerCrashedError, `got ${String(error)}`);
      assert.match(error.message, /maxStalledCount/);
      assert.equal(lines(log).length, 1, 'it did not run again');
    });

    it('every task of a burst settles once with its own value when an engine dies in the middle', TEST, async () => {
      const [a, , executor] = await startPair(uniqueQueue());
      const futures = Array.from({ length: 30 }, (_, i) => executor.submit(sleep, [150, i]));
      const counts = countSettles(futures);
      await waitFor(() => futures.filter((f) => f.state === 'done').length >= 4, 'a few results', 30_000);
      await killEngineProcess(a);
      const values = await within(Promise.all(futures), 90_000, 'every task of the burst');
      assert.deepEqual(values, Array.from({ length: 30 }, (_, i) => i));
      await delay(500);
      assert.deepEqual(counts, Array(30).fill(1));
    });
  });

  describe('Redis restarted mid-run', () => {
    it('clients and engines reconnect, and nothing accepted is lost', TEST, async () => {
      const server = await PrivateRedis.start({ persistent: true });
      try {
        const queue = uniqueQueue();
        const connection = server.url;
        const engine = startEngine({ connection, prefix, queue, workers: 2, allowModules: TASK_MODULES, heartbeatInterval: 200, heartbeatTtl: 5000 });
        engines.push(engine);
        await engine.ready;
        const executor = new RedisExecutor({ connection, prefix, queue, registryInterval: 200 });
        executors.push(executor);
        const before = Array.from({ length: 200 }, (_, i) => executor.submit(sleep, [10, i]));
        const counts = countSettles(before);
        await waitFor(() => before.filter((f) => f.state === 'done').length >= 30, 'some results before the crash', 30_000);
        await server.crash();
        // Accepted while Redis is down: queued in the client until it is back.
        const during = Array.from({ length: 50 }, (_, i) => executor.submit(sleep, [1, 1000 + i]));
        await delay(1000);
        await server.start();
        const values = await within(Promise.all([...before, ...during]), 90_000, 'every task after the restart');
        assert.deepEqual(values, [...Array.from({ length: 200 }, (_, i) => i), ...Array.from({ length: 50 }, (_, i) => 1000 + i)]);
        await delay(300);
        assert.deepEqual(counts, Array(200).fill(1));
        // The farm keeps working after the restart.
        assert.equal(await executor.submit(sleep, [1, 'after']), 'after');
        await executor.shutdown();
        await engine.stop();
      } finally {
        await server.dispose();
      }
    });
  });
});
