// Faults only a real broker has: a consumer program killed mid-task, a handler slower than the
// dead-consumer threshold, and Redis itself crashing and coming back.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { after, afterEach, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { RedisCommunicator, type RedisCommunicatorOptions } from '../../src/comms/redis/communicator.js';
import type { Communicator, TaskInfo } from '../../src/comms/types.js';
import { REDIS_URL } from '../support/services.js';
import { deleteKeys, uniquePrefix } from '../support/redis-keys.js';
import { PrivateRedis, privateRedisSkip } from '../support/redis-server.js';

const skip = await privateRedisSkip();
const TEST_TIMEOUT = 60_000;
const fixture = fileURLToPath(new URL('./fixtures/hanging-consumer.ts', import.meta.url));

function deferred<T = void>(): { promise: Promise<T>; resolve(value: T): void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => { resolve = r; });
  return { promise, resolve };
}

/** The first JSON line of the child's stdout that has `key`. */
function lineWith(child: ChildProcess, key: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      if (key in parsed) {
        lines.close();
        resolve(parsed);
      }
    });
    child.once('exit', (code, signal) => reject(new Error(`consumer exited (${code ?? signal}) before printing '${key}'`)));
  });
}

async function streamState(url: string, stream: string): Promise<{ length: number; pending: number }> {
  const client = new Redis(url);
  try {
    const length = await client.xlen(stream);
    const summary = (await client.call('XPENDING', stream, 'consumers')) as [number, ...unknown[]];
    return { length, pending: Number(summary[0]) };
  } finally {
    client.disconnect();
  }
}

describe('RedisCommunicator faults', { skip }, () => {
  const communicators: Communicator[] = [];
  const children: ChildProcess[] = [];
  const prefixes: Array<[string, string]> = [];

  const connect = async (options: RedisCommunicatorOptions): Promise<RedisCommunicator> => {
    const communicator = await RedisCommunicator.connect(options);
    communicators.push(communicator);
    return communicator;
  };
  const newPrefix = (url: string): string => {
    const prefix = uniquePrefix('faults');
    prefixes.push([url, prefix]);
    return prefix;
  };

  afterEach(async () => {
    for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await Promise.all(communicators.splice(0).map((c) => c.close()));
    for (const [url, prefix] of prefixes.splice(0)) await deleteKeys(url, prefix).catch(() => undefined);
  });

  it('a consumer SIGKILLed before acknowledging: the task is redelivered once, the sender gets one result, its RPC identifier is free', { timeout: TEST_TIMEOUT }, async () => {
    const prefix = newPrefix(REDIS_URL);
    const deadAfter = 1_000;
    const sender = await connect({ url: REDIS_URL, prefix, deadAfter });
    const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
      env: {
        ...process.env, TASKFARM_TEST_REDIS_URL: REDIS_URL, TASKFARM_TEST_PREFIX: prefix,
        TASKFARM_TEST_DEAD_AFTER: String(deadAfter), TASKFARM_TEST_RPC: 'proc-42',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    await lineWith(child, 'ready');

    assert.equal(await sender.rpcSend('proc-42', 'status'), 'the doomed one');
    const result = sender.task<unknown>({ job: 42 });
    const started = await lineWith(child, 'started');
    assert.deepEqual(started.message, { job: 42 });
    assert.equal(started.deliveries, 1);
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    const [, signal] = await exited;
    assert.equal(signal, 'SIGKILL');

    const rescuer = await connect({ url: REDIS_URL, prefix, deadAfter });
    const runs: TaskInfo[] = [];
    await rescuer.addTaskSubscriber(async (message, info) => {
      runs.push(info);
      // As a launcher continuing the process would: the dead program's identifier is free by now.
      await rescuer.addRpcSubscriber(() => 'the rescuer', 'proc-42');
      return { rescued: message };
    });
    assert.deepEqual(await result, { rescued: { job: 42 } });
    assert.equal(await sender.rpcSend('proc-42', 'status'), 'the rescuer');
    assert.equal(runs.length, 1, 'the rescuer ran it once');
    assert.equal(runs[0]!.id, started.started, 'the same task');
    assert.equal(runs[0]!.deliveries, 2, 'its second delivery');
    // Acknowledged and deleted: nothing left to deliver to anyone.
    assert.deepEqual(await streamState(REDIS_URL, `${prefix}:queue:default`), { length: 0, pending: 0 });
  });

  it('a slow but alive handler keeps its task: heartbeats stop others from claiming it', { timeout: TEST_TIMEOUT }, async () => {
    const prefix = newPrefix(REDIS_URL);
    const deadAfter = 1_000;
    const [sender, slow, idle] = await Promise.all([0, 1, 2].map(() => connect({ url: REDIS_URL, prefix, deadAfter })));
    const started = deferred();
    const release = deferred();
    await slow!.addTaskSubscriber(async (message) => {
      started.resolve();
      await release.promise;
      return { slow: message };
    });
    const result = sender!.task('long job');
    await started.promise;
    const idleSaw: unknown[] = [];
    await idle!.addTaskSubscriber((message) => { idleSaw.push(message); return { idle: message }; });
    // Nothing to await here: the point is that nothing happens while the handler runs for several
    // dead-consumer periods, during which the idle consumer searches for claimable tasks.
    await new Promise((resolve) => setTimeout(resolve, 4 * deadAfter));
    release.resolve();
    assert.deepEqual(await result, { slow: 'long job' });
    assert.deepEqual(idleSaw, [], 'the idle consumer never took the running task');
    assert.deepEqual(await sender!.task('next'), { idle: 'next' }, 'and it is alive');
  });

  describe('Redis without persistence restarts', () => {
    let server: PrivateRedis | undefined;
    after(async () => { await server?.dispose(); });

    it('its queues are gone, but consumers recreate their group and take new tasks', { timeout: TEST_TIMEOUT }, async () => {
      server = await PrivateRedis.start({ persistent: false });
      const prefix = newPrefix(server.url);
      const options = { url: server.url, prefix, onError: () => undefined };
      const [sender, consumer] = await Promise.all([connect(options), connect(options)]);
      await consumer!.addTaskSubscriber((message) => `done: ${String(message)}`);
      assert.equal(await sender!.task('before'), 'done: before');
      await server.crash();
      await server.start();
      assert.equal(await sender!.task('after', { timeout: 30_000 }), 'done: after');
    });
  });

  describe('Redis crashes and restarts (append-only file, fsync always)', () => {
    let server: PrivateRedis | undefined;
    after(async () => { await server?.dispose(); });

    it('clients reconnect; accepted tasks, the running one and one sent during the outage all complete once', { timeout: TEST_TIMEOUT }, async () => {
      server = await PrivateRedis.start({ persistent: true });
      const url = server.url;
      const prefix = newPrefix(url);
      const errors: Error[] = [];
      const options = { url, prefix, deadAfter: 5_000, onError: (error: Error) => errors.push(error) };
      const [sender, consumer] = await Promise.all([connect(options), connect(options)]);

      const handled: string[] = [];
      const started = deferred();
      const release = deferred();
      await consumer!.addTaskSubscriber(async (message) => {
        handled.push(message as string);
        if (message === 'running') {
          started.resolve();
          await release.promise;
        }
        return `done: ${String(message)}`;
      });
      await consumer!.addRpcSubscriber((message) => `pong: ${String(message)}`, 'service');
      const broadcasts: unknown[] = [];
      const broadcastArrived = deferred();
      await consumer!.addBroadcastSubscriber((m) => { broadcasts.push(m.body); broadcastArrived.resolve(); });

      const accepted = ['running', 'queued-1', 'queued-2', 'queued-3'].map((m) => sender!.task<string>(m));
      // Sent after them on the same connection: once it is accepted, so are they (and fsynced).
      await sender!.task('marker', { noReply: true });
      await started.promise;

      await server.crash();
      const duringOutage = sender!.task<string>('sent-during-outage');
      release.resolve(); // the running task ends while Redis is down: its acknowledgement must wait
      await server.start();

      assert.deepEqual(await Promise.all([...accepted, duringOutage]), [
        'done: running', 'done: queued-1', 'done: queued-2', 'done: queued-3', 'done: sent-during-outage',
      ]);
      assert.equal(await sender!.rpcSend('service', 'ping'), 'pong: ping', 'RPC works again');
      // PUB/SUB resubscribes after the reconnection; what is published before that is lost, so send
      // until one arrives (an event to wait for, not a fixed sleep).
      for (let attempt = 0; broadcasts.length === 0; attempt++) {
        assert.ok(attempt < 200, 'a broadcast arrived after the restart');
        await sender!.broadcastSend('after restart');
        await Promise.race([broadcastArrived.promise, new Promise((resolve) => setTimeout(resolve, 50))]);
      }
      const counts = new Map<string, number>();
      for (const m of handled) counts.set(m, (counts.get(m) ?? 0) + 1);
      for (const m of ['running', 'queued-1', 'queued-2', 'queued-3', 'sent-during-outage']) {
        assert.equal(counts.get(m), 1, `'${m}' was handled exactly once (handled: ${JSON.stringify(handled)})`);
      }
      assert.ok(errors.length >= 1, 'the outage was reported through onError');
      assert.ok(errors.every((e) => (e as { code?: string }).code === 'ERR_COMMS_CONNECTION'), errors.map(String).join('\n'));
    });
  });
});
