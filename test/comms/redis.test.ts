// What RedisCommunicator promises beyond the contract: its keys stay under its prefix, prefixes
// isolate, and closing or removing leaves nothing of it behind in Redis.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { UnknownRecipientError } from '../../src/comms/errors.js';
import { RedisCommunicator } from '../../src/comms/redis/communicator.js';
import { REDIS_URL, serviceSkip } from '../support/services.js';
import { deleteKeys, keysUnder, uniquePrefix } from '../support/redis-keys.js';

const skip = await serviceSkip('Redis');

async function consumersOf(stream: string): Promise<string[]> {
  const client = new Redis(REDIS_URL);
  try {
    const rows = (await client.call('XINFO', 'CONSUMERS', stream, 'consumers')) as Array<Array<string | number>>;
    return rows.map((row) => String(row[row.indexOf('name') + 1]));
  } finally {
    client.disconnect();
  }
}

describe('RedisCommunicator', { skip }, () => {
  const prefixes: string[] = [];
  const newPrefix = (): string => {
    const prefix = uniquePrefix('redis');
    prefixes.push(prefix);
    return prefix;
  };
  afterEach(async () => {
    for (const prefix of prefixes.splice(0)) await deleteKeys(REDIS_URL, prefix);
  });

  it('keeps every key under its prefix and leaves only the (empty) queue stream after close', { timeout: 30_000 }, async () => {
    const prefix = newPrefix();
    const [a, b] = await Promise.all([0, 1].map(() => RedisCommunicator.connect({ url: REDIS_URL, prefix })));
    assert.equal(a!.prefix, prefix);
    await b!.addTaskSubscriber((m) => m);
    await b!.addRpcSubscriber((m) => m, 'svc');
    await b!.addBroadcastSubscriber(() => undefined);
    assert.equal(await a!.task('t'), 't');
    assert.equal(await a!.rpcSend('svc', 'r'), 'r');
    await a!.broadcastSend('b');
    assert.deepEqual(await keysUnder(REDIS_URL, prefix), [`${prefix}:queue:default`, `${prefix}:rpc:svc`]);
    await Promise.all([a!.close(), b!.close()]);
    assert.deepEqual(await keysUnder(REDIS_URL, prefix), [`${prefix}:queue:default`]);
    assert.deepEqual(await consumersOf(`${prefix}:queue:default`), [], 'its consumer left the group');
    const client = new Redis(REDIS_URL);
    assert.equal(await client.xlen(`${prefix}:queue:default`), 0, 'acknowledged tasks are deleted');
    client.disconnect();
  });

  it('a removed task subscriber leaves the group once its running task is settled', { timeout: 30_000 }, async () => {
    const prefix = newPrefix();
    const [a, b] = await Promise.all([0, 1].map(() => RedisCommunicator.connect({ url: REDIS_URL, prefix })));
    let release!: () => void;
    let started!: () => void;
    const running = new Promise<void>((resolve) => { started = resolve; });
    const id = await b!.addTaskSubscriber(async () => {
      started();
      await new Promise<void>((resolve) => { release = resolve; });
      return 'finished';
    });
    const reply = a!.task('x');
    await running;
    await b!.removeTaskSubscriber(id);
    assert.equal((await consumersOf(`${prefix}:queue:default`)).length, 1, 'still in the group while it runs');
    release();
    assert.equal(await reply, 'finished');
    // Leaving is the last step of settling; wait for it through Redis itself.
    for (let i = 0; (await consumersOf(`${prefix}:queue:default`)).length > 0; i++) {
      assert.ok(i < 500, 'the consumer left the group');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await Promise.all([a!.close(), b!.close()]);
  });

  it('different prefixes do not reach each other', { timeout: 30_000 }, async () => {
    const [p1, p2] = [newPrefix(), newPrefix()];
    const one = await RedisCommunicator.connect({ url: REDIS_URL, prefix: p1 });
    const two = await RedisCommunicator.connect({ url: REDIS_URL, prefix: p2 });
    await two.addRpcSubscriber(() => 'two', 'svc');
    await assert.rejects(one.rpcSend('svc', 0), UnknownRecipientError);
    await one.addRpcSubscriber(() => 'one', 'svc');
    assert.equal(await one.rpcSend('svc', 0), 'one');
    assert.equal(await two.rpcSend('svc', 0), 'two');
    await Promise.all([one.close(), two.close()]);
  });
});
