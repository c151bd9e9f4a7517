// `taskfarm worker` and `taskfarm status`, run as real commands: usage and its errors, an engine
// serving a client with its properties and task modules, the security refusal, a clean stop on
// SIGTERM, and passwords that never show.
import assert from 'node:assert/strict';
import { after, afterEach, describe, it } from 'node:test';
import { RedisExecutor, TaskRefusedError } from '../../src/executors/redis/index.js';
import { settled, waitFor } from '../executors/helpers.js';
import { killEngineProcess, startEngineProcess, type EngineProcess } from '../executors/redis-fixtures/engine-process.js';
import { deleteKeys, REDIS_URL, uniquePrefix, uniqueQueue } from '../executors/redis-fixtures/redis.js';
import { add, engineOf } from '../executors/redis-fixtures/tasks.js';
import { serviceSkip } from '../support/services.js';
import { runCli } from './helpers.js';

const TEST = { timeout: 90_000 };
const TASKS = 'test/executors/redis-fixtures/tasks.ts';

describe('taskfarm worker and status: usage', () => {
  it('--help shows the options, their defaults and the security warning; the command list has both', TEST, async () => {
    const help = await runCli(['worker', '--help']);
    assert.equal(help.code, 0);
    for (const text of ['--redis URL', '--tasks MODULE', '--allow-source', '--property KEY=VALUE', 'threads (default)', 'TaskRefusedError', 'ANY writer']) {
      assert.ok(help.stdout.includes(text), `worker --help mentions ${text}`);
    }
    const list = await runCli(['--help']);
    assert.match(list.stdout, /^ {2}worker /m);
    assert.match(list.stdout, /^ {2}status /m);
    const status = await runCli(['status', '--help']);
    assert.match(status.stdout, /waiting, active, delayed and failed/);
  });

  it('bad usage exits with 2 and one line naming the problem', TEST, async () => {
    const cases: Array<[string[], RegExp]> = [
      [['worker'], /needs --redis URL/],
      [['worker', '--redis', REDIS_URL, '--backend', 'gpu'], /invalid --backend 'gpu': expected threads, processes, async/],
      [['worker', '--redis', REDIS_URL, '--property', 'novalue'], /invalid --property 'novalue'/],
      [['worker', '--redis', REDIS_URL, '--workers', '0'], /invalid --workers '0'/],
      [['worker', '--redis', REDIS_URL, '--tasks', 'no/such/module.js'], /no\/such\/module\.js does not exist/],
      [['worker', '--redis', 'http://host:1'], /redis:\/\/ or rediss:\/\//],
      [['status'], /needs --redis URL/],
      [['status', '--redis', REDIS_URL, '--bogus'], /unknown option '--bogus'/],
    ];
    for (const [args, pattern] of cases) {
      const result = await runCli(args);
      assert.equal(result.code, 2, `${args.join(' ')}: exit ${result.code}\n${result.stderr}`);
      assert.match(result.stderr, pattern);
      assert.equal(result.stderr.trim().split('\n').length, 1, `one line: ${result.stderr}`);
    }
  });

  it('an unreachable Redis fails with exit 1 and never prints the password', TEST, async () => {
    const url = 'redis://farmer:s3cret-Pa55@127.0.0.1:1';
    for (const args of [
      ['worker', '--redis', url, '--connect-timeout', '500'],
      ['status', '--redis', url, '--connect-timeout', '500'],
    ]) {
      const result = await runCli(args);
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /redis:\/\/farmer:\*\*\*@127\.0\.0\.1:1/);
      assert.ok(!`${result.stdout}${result.stderr}`.includes('s3cret'), result.stderr);
    }
  });
});

const skip = await serviceSkip('Redis');

describe('taskfarm worker and status on Redis', { skip }, () => {
  const prefix = uniquePrefix('cli');
  const engines: EngineProcess[] = [];
  const executors: RedisExecutor[] = [];
  const start = async (queue: string, ...args: string[]): Promise<EngineProcess> => {
    const engine = await startEngineProcess(['--redis', REDIS_URL, '--prefix', prefix, '--queue', queue, '--workers', '1', '--heartbeat', '200', ...args]);
    engines.push(engine);
    return engine;
  };
  const client = (queue: string): RedisExecutor => {
    const executor = new RedisExecutor({ connection: REDIS_URL, prefix, queue, registryInterval: 100 });
    executors.push(executor);
    return executor;
  };
  afterEach(async () => {
    await Promise.all(executors.splice(0).map((executor) => executor.shutdown({ wait: false })));
    await Promise.all(engines.splice(0).map((engine) => killEngineProcess(engine)));
  });
  after(() => deleteKeys(prefix));

  it('an engine runs its modules for a client, with its properties; status lists it; SIGTERM stops it cleanly', TEST, async () => {
    const queue = uniqueQueue();
    const engine = await start(queue, '--tasks', TASKS, '--property', 'gpu=true', '--property', 'zone=eu', '--property', 'ram=64');
    const executor = client(queue);
    await waitFor(() => executor.workers().length === 1, 'the engine listed');
    assert.deepEqual({ ...executor.workers()[0]!.properties }, { gpu: true, zone: 'eu', ram: 64 });
    const future = executor.submit(add, [40, 2], { where: (w) => w.properties.gpu === true });
    assert.equal(await future, 42);
    assert.equal(future.result?.workerId, engine.id);
    assert.equal(await executor.submit(engineOf, []), engine.id);

    const refused = await settled(executor.submit((n: number) => n + 1, [1]));
    assert.ok(refused.error instanceof TaskRefusedError, `got ${String(refused.error)}`);
    assert.match(refused.error.message, /--allow-source/);

    const text = await runCli(['status', '--redis', REDIS_URL, '--prefix', prefix, '--queue', queue]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`queue '${queue}' on redis://127\\.0\\.0\\.1:6379`));
    assert.match(text.stdout, /jobs: 0 waiting, 0 active, 0 delayed, 0 failed/);
    const row = text.stdout.split('\n').find((line) => line.includes(engine.id));
    assert.ok(row, text.stdout);
    assert.match(row, /1 threads/);
    assert.match(row, /\{"gpu":true,"zone":"eu","ram":64\}/);
    assert.match(row, /s ago/);
    const json = JSON.parse((await runCli(['status', '--redis', REDIS_URL, '--prefix', prefix, '--queue', queue, '--json'])).stdout) as {
      engines: Array<{ id: string; done: number; pid: number; tasks: string[] }>;
    };
    assert.equal(json.engines[0]?.id, engine.id);
    assert.equal(json.engines[0]?.pid, engine.child.pid);
    assert.ok(json.engines[0]!.tasks[0]!.endsWith('redis-fixtures/tasks.ts'));
    await waitFor(() => executor.workers()[0]!.done === 2, 'the client to count the results');

    engine.child.kill('SIGTERM');
    const exit = await engine.exited;
    assert.equal(exit.code, 143, engine.log());
    assert.match(engine.log(), /stopped/);
    await waitFor(() => executor.workers().length === 0, 'the engine to leave the registry');
  });

  it('--backend async runs tasks on the engine\'s event loop, under the engine\'s id', TEST, async () => {
    const queue = uniqueQueue();
    const engine = await start(queue, '--tasks', TASKS, '--backend', 'async');
    assert.match(engine.log(), /1 tasks at once on its event loop/);
    const executor = client(queue);
    assert.equal(await executor.submit(add, [40, 2]), 42);
    assert.equal(await executor.submit(engineOf, []), engine.id);
    const text = await runCli(['status', '--redis', REDIS_URL, '--prefix', prefix, '--queue', queue]);
    assert.match(text.stdout.split('\n').find((line) => line.includes(engine.id)) ?? text.stdout, /1 async/);
  });

  it('--allow-source runs functions shipped as source, and says so loudly', TEST, async () => {
    const queue = uniqueQueue();
    const engine = await start(queue, '--allow-source');
    assert.match(engine.log(), /WARNING: --allow-source/);
    assert.equal(await client(queue).submit((n: number) => n + 1, [41]), 42);
  });

  it('status shows queued jobs while no engine runs them, and a masked password', TEST, async () => {
    const queue = uniqueQueue();
    const executor = client(queue);
    const futures = [1, 2, 3].map((n) => executor.submit(add, [n, n]));
    await new Promise((resolve) => setTimeout(resolve, 500));
    const url = REDIS_URL.replace('redis://', 'redis://:unused-pass@');
    const text = await runCli(['status', '--redis', url, '--prefix', prefix, '--queue', queue]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /jobs: 3 waiting/);
    assert.match(text.stdout, /no live engine/);
    assert.match(text.stdout, /redis:\/\/:\*\*\*@/);
    assert.ok(!`${text.stdout}${text.stderr}`.includes('unused-pass'));
    await start(queue, '--tasks', TASKS);
    assert.deepEqual(await Promise.all(futures), [2, 4, 6]);
  });
});
