// What LocalCommunicator promises beyond the contract: deterministic order, own bus by default.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UnknownRecipientError } from '../../src/comms/errors.js';
import { LocalBus } from '../../src/comms/local/bus.js';
import { LocalCommunicator } from '../../src/comms/local/communicator.js';

describe('LocalCommunicator', () => {
  it('deals tasks round-robin in subscription order', async () => {
    const bus = new LocalBus();
    const sender = new LocalCommunicator({ bus });
    const consumers = [0, 1, 2].map(() => new LocalCommunicator({ bus }));
    const order: number[] = [];
    for (const [index, consumer] of consumers.entries()) {
      await consumer.addTaskSubscriber(() => { order.push(index); return index; });
    }
    const results = await Promise.all(Array.from({ length: 7 }, (_, n) => sender.task(n)));
    assert.deepEqual(results, [0, 1, 2, 0, 1, 2, 0]);
    assert.deepEqual(order, [0, 1, 2, 0, 1, 2, 0]);
    await Promise.all([sender, ...consumers].map((c) => c.close()));
  });

  it('handlers never run inside the sending call', async () => {
    const communicator = new LocalCommunicator();
    let ran = 0;
    await communicator.addTaskSubscriber(() => { ran += 1; });
    await communicator.addRpcSubscriber(() => { ran += 1; }, 'me');
    await communicator.addBroadcastSubscriber(() => { ran += 1; });
    const sent = [communicator.task(1), communicator.rpcSend('me', 1), communicator.broadcastSend(1)];
    assert.equal(ran, 0);
    await Promise.all(sent);
    await communicator.close();
  });

  it('each communicator has a bus of its own unless one is shared', async () => {
    const a = new LocalCommunicator();
    const b = new LocalCommunicator();
    await b.addRpcSubscriber(() => 'b', 'b');
    await assert.rejects(a.rpcSend('b', 0), UnknownRecipientError);
    assert.notEqual(a.bus, b.bus);
    await Promise.all([a.close(), b.close()]);
  });
});
