import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CancelledError, Future, type TaskResult } from '../../src/index.js';

/**
 * Futures are made by executors, whose job records extend Future. This one stands in for such a
 * record: the only place these tests touch the internal API (settle, cancel and metadata hooks).
 */
class TestFuture<R = unknown> extends Future<R> {
  readonly submittedAt = Date.now();
  cancelCalls = 0;

  constructor(private readonly canceller?: (future: TestFuture<R>, error: CancelledError) => boolean) {
    super();
  }

  succeed(value: R): boolean {
    return this._settle(true, value, Date.now());
  }

  fail(error: unknown): boolean {
    return this._settle(false, error, Date.now());
  }

  protected override _cancel(error: CancelledError): boolean {
    this.cancelCalls += 1;
    return this.canceller ? this.canceller(this, error) : false;
  }

  protected override _meta() {
    return { workerId: 'w1', submittedAt: this.submittedAt, startedAt: this.submittedAt, attempts: 1 };
  }
}

/** A canceller like an executor's for a queued task: settles the future with the error. */
const settleOnCancel = <R>(future: TestFuture<R>, error: CancelledError): boolean => future.fail(error);

/**
 * Runs `fn` with queueMicrotask captured, and returns the callbacks queued meanwhile: a listener that
 * throws is rethrown from a microtask, which would otherwise be an uncaught exception in the test.
 */
function capturingMicrotasks(fn: () => void): Array<() => void> {
  const captured: Array<() => void> = [];
  const original = globalThis.queueMicrotask;
  globalThis.queueMicrotask = (callback: () => void) => {
    captured.push(callback);
  };
  try {
    fn();
  } finally {
    globalThis.queueMicrotask = original;
  }
  return captured;
}

describe('Future: state', () => {
  it('starts pending, unsettled, with no result', () => {
    const future = new TestFuture<number>();
    assert.equal(typeof future.id, 'string');
    assert.equal(future.state, 'pending');
    assert.equal(future.settled, false);
    assert.equal(future.result, undefined);
  });

  it('goes pending -> running -> pending (a retry) -> done', () => {
    const future = new TestFuture<number>();
    future._markRunning();
    assert.equal(future.state, 'running');
    future._markPending();
    assert.equal(future.state, 'pending');
    future._markRunning();
    assert.equal(future.succeed(5), true);
    assert.equal(future.state, 'done');
    assert.equal(future.settled, true);
    assert.equal(future.result?.ok, true);
    assert.equal(future.result?.value, 5);
  });

  it('an error settles it failed; a CancelledError settles it cancelled', () => {
    const failing = new TestFuture();
    failing.fail(new Error('boom'));
    assert.equal(failing.state, 'failed');
    const cancelled = new TestFuture();
    cancelled.fail(new CancelledError('stop'));
    assert.equal(cancelled.state, 'cancelled');
  });

  it('settles once: later settles are ignored, and state no longer moves', () => {
    const future = new TestFuture<number>();
    assert.equal(future.succeed(1), true);
    assert.equal(future.succeed(2), false);
    assert.equal(future.fail(new Error('late')), false);
    future._markRunning();
    assert.equal(future.state, 'done');
    future._markPending();
    assert.equal(future.state, 'done');
    assert.equal(future.result?.value, 1);
  });
});

describe('Future: awaiting', () => {
  it('await gives the value', async () => {
    const future = new TestFuture<string>();
    setTimeout(() => future.succeed('hello'), 1);
    assert.equal(await future, 'hello');
  });

  it('await rejects with the error itself', async () => {
    const future = new TestFuture();
    const error = new RangeError('bad');
    setTimeout(() => future.fail(error), 1);
    await assert.rejects(async () => {
      await future;
    }, (thrown: unknown) => thrown === error);
  });

  it('then, catch and finally behave like a promise', async () => {
    const good = new TestFuture<number>();
    const bad = new TestFuture<number>();
    good.succeed(20);
    bad.fail(new Error('nope'));
    assert.equal(await good.then((v) => v + 1), 21);
    assert.equal(await bad.then(() => 'fulfilled', (e: unknown) => (e as Error).message), 'nope');
    assert.equal(await bad.catch((e: unknown) => (e as Error).message), 'nope');
    let finallyRan = 0;
    assert.equal(await good.finally(() => (finallyRan += 1)), 20);
    await assert.rejects(bad.finally(() => (finallyRan += 1)) as Promise<unknown>, /nope/);
    assert.equal(finallyRan, 2);
  });

  it('awaiting after it settled works, many times', async () => {
    const future = new TestFuture<number>();
    future.succeed(7);
    assert.equal(await future, 7);
    assert.equal(await future, 7);
    assert.deepEqual(await Promise.all([future, future]), [7, 7]);
  });

  it('a failed future nobody awaits is not an unhandled rejection', async () => {
    const seen: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void seen.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const future = new TestFuture();
      future.fail(new Error('ignored on purpose'));
      future.onSettled(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    assert.deepEqual(seen, []);
  });

  it('works with Promise.race and Promise.allSettled', async () => {
    const slow = new TestFuture<string>();
    const fast = new TestFuture<string>();
    setTimeout(() => fast.succeed('fast'), 1);
    assert.equal(await Promise.race([slow, fast]), 'fast');
    slow.fail(new Error('slow failed'));
    const settled = await Promise.allSettled([slow, fast]);
    assert.deepEqual(settled.map((s) => s.status), ['rejected', 'fulfilled']);
  });
});

describe('Future: onSettled', () => {
  it('calls listeners once, in registration order, with the result', () => {
    const future = new TestFuture<number>();
    const calls: string[] = [];
    future.onSettled((r) => calls.push(`a:${r.value}`));
    future.onSettled((r) => calls.push(`b:${r.value}`));
    future.onSettled((r) => calls.push(`c:${r.value}`));
    assert.deepEqual(calls, []);
    future.succeed(1);
    future.succeed(2);
    assert.deepEqual(calls, ['a:1', 'b:1', 'c:1']);
  });

  it('calls a listener added after settlement at once (synchronously)', () => {
    const future = new TestFuture<number>();
    future.succeed(3);
    let got: TaskResult<number> | undefined;
    future.onSettled((r) => (got = r));
    assert.equal(got?.value, 3);
    assert.equal(got, future.result);
  });

  it('listeners run synchronously inside settle, before awaiters', async () => {
    const future = new TestFuture<number>();
    const order: string[] = [];
    const awaited = future.then(() => order.push('await'));
    future.onSettled(() => order.push('listener'));
    future.succeed(1);
    order.push('after settle');
    await awaited;
    assert.deepEqual(order, ['listener', 'after settle', 'await']);
  });

  it('a listener that throws does not break settlement or the other listeners; its error is rethrown later', async () => {
    const future = new TestFuture<number>();
    const calls: string[] = [];
    const boom = new Error('listener failed');
    future.onSettled(() => calls.push('first'));
    future.onSettled(() => {
      throw boom;
    });
    future.onSettled(() => calls.push('third'));
    let settledReturn: boolean | undefined;
    const rethrows = capturingMicrotasks(() => {
      settledReturn = future.succeed(9);
    });
    assert.equal(settledReturn, true);
    assert.deepEqual(calls, ['first', 'third']);
    assert.equal(future.state, 'done');
    assert.equal(await future, 9);
    assert.equal(rethrows.length, 1, 'the error is rethrown from a microtask, not swallowed');
    assert.throws(() => rethrows[0]!(), (error: unknown) => error === boom);
  });

  it('a throwing listener added after settlement does not throw from onSettled', () => {
    const future = new TestFuture<number>();
    future.succeed(1);
    const rethrows = capturingMicrotasks(() => {
      assert.doesNotThrow(() => future.onSettled(() => {
        throw new Error('late listener failed');
      }));
    });
    assert.equal(rethrows.length, 1);
    assert.throws(() => rethrows[0]!(), /late listener failed/);
  });

  it('a listener added from inside a listener is called too', () => {
    const future = new TestFuture<number>();
    const calls: string[] = [];
    future.onSettled(() => {
      calls.push('outer');
      future.onSettled(() => calls.push('inner'));
    });
    future.succeed(1);
    assert.deepEqual(calls, ['outer', 'inner']);
  });
});

describe('Future: cancel', () => {
  it('without a canceller (the base class), cancel returns false and leaves it pending', () => {
    const future = new TestFuture();
    assert.equal(future.cancel(), false);
    assert.equal(future.cancelCalls, 1);
    assert.equal(future.state, 'pending');
  });

  it('the canceller receives a CancelledError naming the task and the reason', () => {
    let received: CancelledError | undefined;
    const future = new TestFuture<number>((f, error) => {
      received = error;
      return f.fail(error);
    });
    assert.equal(future.cancel('stopped by the user'), true);
    assert.ok(received instanceof CancelledError);
    assert.equal(received.code, 'ERR_CANCELLED');
    assert.ok(received.message.includes(future.id), received.message);
    assert.match(received.message, /stopped by the user/);
    assert.equal(future.state, 'cancelled');
    assert.equal(future.result?.ok, false);
    assert.equal(future.result?.error, received);
  });

  it('cancel returns what the canceller says (a task that can no longer be stopped)', () => {
    const future = new TestFuture(() => false);
    assert.equal(future.cancel(), false);
    assert.equal(future.state, 'pending');
  });

  it('cancel returns false once settled, without calling the canceller', () => {
    const future = new TestFuture<number>(() => true);
    future.succeed(1);
    assert.equal(future.cancel(), false);
    assert.equal(future.cancelCalls, 0);
    assert.equal(future.state, 'done');
    const cancelled = new TestFuture<number>(settleOnCancel);
    assert.equal(cancelled.cancel(), true);
    assert.equal(cancelled.cancel(), false);
    assert.equal(cancelled.cancelCalls, 1);
  });

  it('a cancelled future rejects awaiters with the CancelledError', async () => {
    const future = new TestFuture<number>(settleOnCancel);
    const awaiting = future.then(() => 'fulfilled', (e: unknown) => e);
    future.cancel();
    const error = await awaiting;
    assert.ok(error instanceof CancelledError);
    assert.equal(future.state, 'cancelled');
  });
});

describe('Future: ids and results', () => {
  it('ids are unique strings, stable across reads', () => {
    const futures = Array.from({ length: 1000 }, () => new TestFuture());
    const ids = futures.map((f) => f.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const [i, f] of futures.entries()) assert.equal(f.id, ids[i]);
    assert.match(ids[0]!, /^task-/);
  });

  it('result carries the id and the metadata, and is the same object on every read', () => {
    const future = new TestFuture<string>();
    future.succeed('v');
    const result = future.result;
    assert.ok(result);
    assert.equal(result, future.result);
    assert.equal(result.id, future.id);
    assert.equal(result.workerId, 'w1');
    assert.equal(result.attempts, 1);
    assert.ok(result.submittedAt <= result.finishedAt);
  });

  it('is usable wherever a Promise is expected', async () => {
    const future = new TestFuture<number>();
    future.succeed(4);
    const asPromise: Promise<number> = future;
    assert.equal(await asPromise, 4);
    assert.equal(Object.prototype.toString.call(future), '[object Future]');
    assert.equal(await Promise.resolve(future), 4);
  });
});
