// CallOrder: operations on one key apply in call order, different keys run at once, forAll() is a barrier.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CallOrder } from '../../src/persistence/call-order.js';

/** A promise the test settles by hand. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => { open = resolve; });
  return { promise, open };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('CallOrder', () => {
  it('runs operations on one key one after the other, in call order', async () => {
    const order = new CallOrder();
    const log: string[] = [];
    const first = gate();
    const a = order.forKey('k', async () => { log.push('a start'); await first.promise; log.push('a end'); });
    const b = order.forKey('k', async () => { log.push('b'); });
    await tick();
    assert.deepEqual(log, ['a start'], 'b waits for a');
    first.open();
    await Promise.all([a, b]);
    assert.deepEqual(log, ['a start', 'a end', 'b']);
  });

  it('runs operations on different keys at the same time', async () => {
    const order = new CallOrder();
    const blocked = gate();
    let otherRan = false;
    const a = order.forKey('a', () => blocked.promise);
    await order.forKey('b', async () => { otherRan = true; });
    assert.ok(otherRan, 'b did not wait for a');
    blocked.open();
    await a;
  });

  it('a failed operation fails its own call only; the next one on the key still runs', async () => {
    const order = new CallOrder();
    const failing = order.forKey('k', async () => { throw new Error('nope'); });
    const next = order.forKey('k', async () => 'ran');
    await assert.rejects(failing, /nope/);
    assert.equal(await next, 'ran');
  });

  it('forAll waits for every earlier operation, and later ones wait for it', async () => {
    const order = new CallOrder();
    const log: string[] = [];
    const slow = gate();
    const before = order.forKey('a', async () => { await slow.promise; log.push('a'); });
    const all = order.forAll(async () => { log.push('all'); });
    const afterAll = order.forKey('b', async () => { log.push('b'); });
    await tick();
    assert.deepEqual(log, []);
    slow.open();
    await Promise.all([before, all, afterAll]);
    assert.deepEqual(log, ['a', 'all', 'b']);
  });
});
