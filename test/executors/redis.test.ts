// RedisExecutor and engines beyond the executor contract: engine registry and properties,
// placement across engines, retries that avoid an engine, batching into BullMQ jobs, engines that
// leave, the security policy of engines, and connections (redaction, TLS, ACL users).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, afterEach, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import {
  QueueTimeoutError, TaskDefinitionError, WorkerCrashedError, type Executor, type TaskContext,
} from '../../src/index.js';
import { MissingDependencyError } from '../../src/comms/errors.js';
import { loadLibraries } from '../../src/executors/redis/connection.js';
import {
  RedisConnectionError, RedisExecutor, startEngine, TaskRefusedError, type EngineHandle, type EngineOptions,
  type RedisExecutorOptions,
} from '../../src/executors/redis/index.js';
import { inspectFarm } from '../../src/executors/redis/inspect.js';
import { scopedCall } from '../../src/farm/scoped.js';
import { toTaskSpec } from '../../src/task/define.js';
import { fib } from '../fixtures/tasks.js';
import { serviceSkip } from '../support/services.js';
import { settled, TempDir, waitFor, within } from './helpers.js';
import { deleteKeys, keysUnder, REDIS_URL, TASK_MODULES, uniquePrefix, uniqueQueue } from './redis-fixtures/redis.js';
import { PrivateRedis } from '../support/redis-server.js';
import { add, engineOf, failQuota, logThenWait, QuotaError } from './redis-fixtures/tasks.js';

const skip = await serviceSkip('Redis');
const TEST = { timeout: 60_000 };
const FIXTURE_MODULE = new URL('./redis-fixtures/tasks.ts', import.meta.url).href;

describe('RedisExecutor and engines', { skip }, () => {
  const prefix = uniquePrefix('redis');
  const temp = new TempDir();
  let queue = '';
  const executors: Executor[] = [];
  const engines: EngineHandle[] = [];

  const client = (options: Partial<RedisExecutorOptions> = {}): RedisExecutor => {
    const executor = new RedisExecutor({ connection: REDIS_URL, prefix, queue, registryInterval: 100, ...options });
    executors.push(executor);
    return executor;
  };
  const engine = (options: Partial<EngineOptions> = {}): EngineHandle => {
    const handle = startEngine({
      connection: REDIS_URL, prefix, queue, workers: 1, heartbeatInterval: 100, heartbeatTtl: 1000, allowModules: TASK_MODULES, ...options,
    });
    engines.push(handle);
    return handle;
  };
  const listed = (executor: Executor, count: number): Promise<void> =>
    waitFor(() => executor.workers().length === count, () => `${count} engines listed, got ${JSON.stringify(executor.workers())}`);

  before(() => {
    queue = uniqueQueue();
  });
  afterEach(async () => {
    await Promise.all(executors.splice(0).map((executor) => executor.shutdown({ wait: false })));
    await Promise.all(engines.splice(0).map((handle) => handle.stop({ wait: false })));
    queue = uniqueQueue();
  });
  after(async () => {
    temp.cleanup();
    await deleteKeys(prefix);
  });

  describe('engines and their properties', () => {
    it('lists engines with their properties, counts and runtime, and results name the engine', TEST, async () => {
      const gpu = engine({ properties: { gpu: true, ram: 64 } });
      const cpu = engine({ properties: { gpu: false } });
      await Promise.all([gpu.ready, cpu.ready]);
      const executor = client();
      await listed(executor, 2);
      const info = executor.workers().find((worker) => worker.id === gpu.id);
      assert.deepEqual({ ...info?.properties }, { gpu: true, ram: 64 });
      assert.equal(info?.runtime, 'redis');
      assert.equal(info?.systemId, process.pid);
      const future = executor.submit(add, [2, 3]);
      assert.equal(await future, 5);
      assert.ok([gpu.id, cpu.id].includes(future.result!.workerId!), `workerId ${future.result?.workerId}`);
      assert.equal(await executor.submit(engineOf, []).then((id) => [gpu.id, cpu.id].includes(id!)), true);
      assert.equal(executor.workers().reduce((sum, worker) => sum + worker.done, 0), 2);
    });

    it('setWorkerProperties reaches the engine and the registry (other clients, taskfarm status)', TEST, async () => {
      const handle = engine({ properties: { zone: 'us' } });
      await handle.ready;
      const executor = client();
      await listed(executor, 1);
      executor.setWorkerProperties(handle.id, { zone: 'eu', gpus: 2 });
      assert.deepEqual({ ...executor.workers()[0]!.properties }, { zone: 'eu', gpus: 2 }, 'the client sees its change at once');
      await waitFor(() => handle.properties().zone === 'eu', 'the engine to get its new properties');
      const other = client();
      await waitFor(() => other.workers()[0]?.properties.zone === 'eu', 'another client to read them');
      const status = await inspectFarm(REDIS_URL, { prefix, queue });
      assert.deepEqual(status.engines.map((e) => e.properties), [{ zone: 'eu', gpus: 2 }]);
      assert.throws(() => executor.setWorkerProperties('e-nope', {}), /No engine 'e-nope'/);
      assert.throws(() => executor.setWorkerProperties(handle.id, { big: 1n }), /JSON/);
    });

    it('a task with where runs on an engine it accepts; one that fits no engine waits for one to join', TEST, async () => {
      const cpu = engine({ properties: { role: 'cpu' } });
      await cpu.ready;
      const executor = client();
      await listed(executor, 1);
      const gpuTask = executor.submit(engineOf, [], { where: (w) => w.properties.role === 'gpu' });
      const anyTask = executor.submit(add, [1, 1]);
      assert.equal(await anyTask, 2);
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(gpuTask.state, 'pending', 'no engine fits: the task waits');
      const gpu = engine({ properties: { role: 'gpu' } });
      assert.equal(await within(gpuTask, 20_000, 'the task placed on the new engine'), gpu.id);
      assert.equal(gpuTask.result?.workerId, gpu.id);
      const cpuTasks = await Promise.all(Array.from({ length: 5 }, () => executor.submit(engineOf, [], { where: (w) => w.properties.role === 'cpu' })));
      assert.deepEqual(cpuTasks, Array(5).fill(cpu.id));
    });

    it('a retry avoids the engine its attempt failed on', TEST, async () => {
      const [a, b] = [engine({ allowSource: true }), engine({ allowSource: true })];
      await Promise.all([a.ready, b.ready]);
      const executor = client();
      await listed(executor, 2);
      const log = temp.file('attempts');
      const future = executor.submit(async function failsFirst(this: TaskContext, file: string) {
        const fs = await import('node:fs');
        fs.appendFileSync(file, `${this.workerId}\n`);
        if (fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).length === 1) throw new Error('first attempt fails');
        return this.workerId;
      }, [log], { retry: { attempts: 2, backoff: { delay: 1 } } });
      const second = await future;
      const [first] = readFileSync(log, 'utf8').split('\n');
      assert.notEqual(second, first, 'the retry ran on the other engine');
      assert.equal(future.result?.attempts, 2);
    });

    it('a task placed on an engine that leaves: started, it fails with WorkerCrashedError; queued, it is placed again', TEST, async () => {
      const first = engine({ properties: { role: 'x' }, concurrency: 1 });
      await first.ready;
      const executor = client();
      await listed(executor, 1);
      const gate = temp.file('gate-leave');
      const log = temp.file('log-leave');
      const where = (w: { properties: Record<string, unknown> }): boolean => w.properties.role === 'x';
      const running = executor.submit(logThenWait, [log, 'running', gate, 'r'], { where });
      await waitFor(() => running.state === 'running', 'the first task to run');
      const queued = executor.submit(engineOf, [], { where });
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(queued.state, 'pending');
      await first.stop({ wait: false });
      const error = (await settled(running)).error;
      assert.ok(error instanceof WorkerCrashedError, `got ${String(error)}`);
      assert.equal(error.workerId, first.id);
      assert.equal(queued.state, 'pending', 'the queued task waits for an engine that fits');
      const second = engine({ properties: { role: 'x' } });
      assert.equal(await within(queued, 20_000, 'the queued task on the new engine'), second.id);
      writeFileSync(gate, '');
    });
  });

  describe('errors and results', () => {
    it('errors keep their registered class and code across Redis', TEST, async () => {
      await engine().ready;
      const executor = client();
      const future = executor.submit(failQuota, ['over quota']);
      const { error, workerId } = await settled(future);
      assert.ok(error instanceof QuotaError, `class ${error?.constructor.name}`);
      assert.equal(error.code, 'ERR_TEST_QUOTA');
      assert.equal(error.message, 'over quota');
      assert.equal(workerId, engines[0]!.id);
    });

    it('queueTimeout counts the time a task waits in Redis for an engine', TEST, async () => {
      await engine({ concurrency: 1 }).ready;
      const executor = client();
      const gate = temp.file('gate-qt');
      const log = temp.file('log-qt');
      const blocker = executor.submit(logThenWait, [log, 'blocker', gate, 'b']);
      await waitFor(() => blocker.state === 'running', 'the blocker to run');
      const late = executor.submit(logThenWait, [log, 'late', gate, 'l'], { queueTimeout: 300 });
      const { error } = await settled(late);
      assert.ok(error instanceof QueueTimeoutError, `got ${String(error)}`);
      writeFileSync(gate, '');
      assert.equal(await blocker, 'b');
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.deepEqual(readFileSync(log, 'utf8').split('\n').filter(Boolean).map((line) => line.split(' ')[0]), ['blocker'], 'the late task never ran');
    });
  });

  describe('batching', () => {
    /** BullMQ jobs added to the shared queue so far (its events stream). */
    const jobsAdded = async (): Promise<number> => {
      const redis = new Redis(REDIS_URL);
      try {
        const events = await redis.xrange(`${prefix}:${queue}:events`, '-', '+');
        return events.filter(([, fields]) => fields[0] === 'event' && fields[1] === 'added').length;
      } finally {
        redis.disconnect();
      }
    };

    it('tiny tasks share BullMQ jobs once measured; batching: false sends one job per task', TEST, async () => {
      await engine({ workers: 2 }).ready;
      const executor = client();
      for (let i = 0; i < 3; i += 1) assert.equal(await executor.submit(add, [i, 1]), i + 1); // measured: tiny
      const before = await jobsAdded();
      const values = await Promise.all(Array.from({ length: 2000 }, (_, i) => executor.submit(add, [i, 1])));
      assert.deepEqual(values, Array.from({ length: 2000 }, (_, i) => i + 1));
      const batched = (await jobsAdded()) - before;
      assert.ok(batched <= 2000 / 20, `2000 tiny tasks took ${batched} jobs`);

      const single = client({ batching: false });
      const start = await jobsAdded();
      await Promise.all(Array.from({ length: 200 }, (_, i) => single.submit(add, [i, 1])));
      assert.equal((await jobsAdded()) - start, 200);
    });

    it('a task not measured yet travels alone, so that a burst of slow tasks spreads over engines', TEST, async () => {
      const [a, b] = [engine({ allowSource: true }), engine({ allowSource: true })];
      await Promise.all([a.ready, b.ready]);
      const executor = client();
      await listed(executor, 2);
      const futures = Array.from({ length: 4 }, () => executor.submit(async function slow(this: TaskContext) {
        await new Promise((resolve) => setTimeout(resolve, 300));
        return this.workerId;
      }, []));
      const where = new Set(await Promise.all(futures));
      assert.deepEqual([...where].sort(), [a.id, b.id].sort());
    });
  });

  describe('security of engines', () => {
    it('refuses a task from a module the engine was not started with: TaskRefusedError, never retried', TEST, async () => {
      const handle = engine({ allowModules: [FIXTURE_MODULE] });
      await handle.ready;
      const executor = client();
      assert.equal(await executor.submit(add, [1, 2]), 3);
      const future = executor.submit(fib, [10], { retry: { attempts: 3, backoff: { delay: 1 } } });
      const { error } = await settled(future);
      assert.ok(error instanceof TaskRefusedError, `got ${String(error)}`);
      assert.ok(error instanceof TaskDefinitionError);
      assert.equal(error.code, 'ERR_TASK_REFUSED');
      assert.equal(error.engineId, handle.id);
      assert.match(error.message, /test\/fixtures\/tasks\.ts/);
      assert.match(error.message, /--tasks/);
      assert.equal(future.result?.attempts, 1);
    });

    it('refuses functions shipped as source unless the engine opts in', TEST, async () => {
      await engine().ready;
      const strict = client();
      const { error } = await settled(strict.submit((n: number) => n * 2, [21]));
      assert.ok(error instanceof TaskRefusedError, `got ${String(error)}`);
      assert.match(error.message, /shipped as source/);
      assert.match(error.message, /--allow-source/);
      // A data: URL is source by another name.
      const data = await settled(strict.submit({ module: 'data:text/javascript,export function x() { return 1; }', export: 'x' }, []));
      assert.ok(data.error instanceof TaskRefusedError, `got ${String(data.error)}`);

      queue = uniqueQueue();
      await engine({ allowSource: true }).ready;
      assert.equal(await client().submit((n: number) => n * 2, [21]), 42);
    });

    it("checks the task that the farm's scoped call wraps", TEST, async () => {
      await engine({ allowModules: [FIXTURE_MODULE] }).ready;
      const executor = client();
      const wrapped = (spec: unknown): Promise<unknown> => executor.submit(scopedCall, [spec as never, [4, 5], { push: { k: 1 }, pull: ['k'] }]);
      assert.deepEqual(await wrapped(toTaskSpec(add)), { value: 9, pulled: { k: 1 } });
      const source = await wrapped({ kind: 'source', source: '(a, b) => a * b', name: 'mul' }).then(() => undefined, (error: unknown) => error);
      assert.ok(source instanceof TaskRefusedError, `got ${String(source)}`);
      const outside = await wrapped(toTaskSpec(fib)).then(() => undefined, (error: unknown) => error);
      assert.ok(outside instanceof TaskRefusedError, `got ${String(outside)}`);
    });

    it('a directory allows the modules under it, and only those', TEST, async () => {
      const directory = new URL('./redis-fixtures/', import.meta.url);
      await engine({ allowModules: [directory.pathname] }).ready;
      const executor = client();
      assert.equal(await executor.submit(add, [1, 2]), 3);
      const climbing = `${directory.href}../../fixtures/tasks.mjs`; // names a module outside the directory
      const { error } = await settled(executor.submit({ module: climbing, export: 'double' }, [2]));
      assert.ok(error instanceof TaskRefusedError, `got ${String(error)}`);
    });

    it('an engine whose task module cannot be loaded does not start', TEST, async () => {
      assert.throws(() => engine({ allowModules: [temp.file('no-such-module.mjs')] }),
        (error: unknown) => error instanceof TaskDefinitionError && /no-such-module\.mjs does not exist/.test(error.message));
      const broken = temp.file('broken.mjs');
      writeFileSync(broken, 'throw new Error("cannot import me");\n');
      const failing = engine({ allowModules: [broken] });
      await assert.rejects(failing.ready, (error: unknown) => error instanceof TaskDefinitionError && /cannot import me/.test(error.message));
    });
  });

  describe('connections', () => {
    it('never shows the password of the connection URL', TEST, async () => {
      const url = 'redis://alice:s3cret-Pa55@127.0.0.1:1/0';
      const lines: string[] = [];
      const executor = client({ connection: { url, connectTimeout: 500 }, log: (line) => lines.push(line) });
      const { error } = await settled(executor.submit(add, [1, 2]));
      assert.ok(error instanceof RedisConnectionError, `got ${String(error)}`);
      assert.match(error.message, /redis:\/\/alice:\*\*\*@127\.0\.0\.1:1/);
      assert.ok((await settled(executor.submit(add, [1, 1]))).error instanceof RedisConnectionError, 'later tasks fail the same way');
      const handle = engine({ connection: { url, connectTimeout: 500 }, log: (line) => lines.push(line) });
      await assert.rejects(handle.ready, RedisConnectionError);
      await assert.rejects(inspectFarm({ url, connectTimeout: 500 }), RedisConnectionError);
      const shown = [error.message, error.stack, ...lines, String(await handle.ready.catch((e: Error) => `${e.message} ${e.stack}`))].join('\n');
      assert.ok(!shown.includes('s3cret'), shown);
      assert.throws(() => new RedisExecutor({ connection: 'redis//bob:s3cret@host' }), (e: Error) => !e.message.includes('s3cret') && /does not parse/.test(e.message));
      assert.throws(() => new RedisExecutor({ connection: 'http://bob:s3cret@host' }), (e: Error) => !e.message.includes('s3cret') && /redis:\/\//.test(e.message));
    });

    it('without bullmq and ioredis installed, says what to install', TEST, async () => {
      const missing = Object.assign(new Error("Cannot find package 'bullmq'"), { code: 'ERR_MODULE_NOT_FOUND' });
      await assert.rejects(loadLibraries(() => Promise.reject(missing)), (error: unknown) => {
        assert.ok(error instanceof MissingDependencyError);
        assert.match(error.message, /npm install bullmq ioredis/);
        return true;
      });
    });

    it('shutdown removes the client stream; a stopped engine leaves the registry and removes its queue', TEST, async () => {
      const handle = engine();
      await handle.ready;
      const executor = client();
      assert.equal(await executor.submit(add, [1, 2]), 3);
      await executor.shutdown();
      await handle.stop();
      const left = await keysUnder(`${prefix}:tf:${queue}`);
      assert.deepEqual(left.filter((key) => /:results:|:engine:/.test(key)), []);
      assert.equal((await inspectFarm(REDIS_URL, { prefix, queue })).engines.length, 0);
      assert.deepEqual(await keysUnder(`${prefix}:${queue}-engine-${handle.id}`), []);
    });

    it('works over TLS (rediss://) with an ACL user', { timeout: 90_000 }, async () => {
      // The ACL of docs/cluster.md: the farm's keys and channels only, no dangerous commands.
      const acl = ['--user', 'farm', 'on', '>fa7m-pass', `~${prefix}:*`, `&${prefix}:*`, '+@all', '-@dangerous', '+info'];
      const server = await PrivateRedis.start({ tls: true, args: ['--user', 'default', 'off', ...acl] });
      try {
        const connection = { url: `rediss://farm:fa7m-pass@localhost:${server.port}`, options: { tls: { ca: server.ca } } };
        const handle = startEngine({ connection, prefix, queue, workers: 1, allowModules: TASK_MODULES, heartbeatInterval: 100, heartbeatTtl: 1000 });
        engines.push(handle);
        await handle.ready;
        const executor = new RedisExecutor({ connection, prefix, queue, registryInterval: 100 });
        executors.push(executor);
        const future = executor.submit(add, [20, 22]);
        assert.equal(await future, 42);
        assert.equal(future.result?.workerId, handle.id);
        const wrong = new RedisExecutor({ connection: { ...connection, url: connection.url.replace('fa7m-pass', 'guessed-pass'), connectTimeout: 2000 }, prefix, queue });
        executors.push(wrong);
        const { error } = await settled(wrong.submit(add, [1, 1]));
        assert.ok(error instanceof RedisConnectionError, `got ${String(error)}`);
        assert.ok(!`${error.message}${error.stack}`.includes('guessed-pass'), error.message);
        await Promise.all(executors.splice(0).map((executor) => executor.shutdown({ wait: false })));
        await Promise.all(engines.splice(0).map((engine) => engine.stop()));
      } finally {
        await server.dispose();
      }
    });
  });
});
