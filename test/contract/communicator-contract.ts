/**
 * The communicator conformance suite: ONE set of tests that every Communicator must pass. A backend
 * file calls `communicatorContract(name, newBus)`; `newBus()` gives a factory whose communicators
 * all share one fresh bus (a new LocalBus, a new Redis key prefix), so tests never see each other.
 *
 * No sleeps: tests wait on events (a handler started, a reply came), and "did not happen" is shown
 * with a marker that is ordered after the thing that must not happen (same queue FIFO, same sender).
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { TaskError, TaskfarmError, ValidationError, registerErrorClass } from '../../src/core/errors.js';
import {
  CommunicatorClosedError, CommunicatorTimeoutError, DuplicateSubscriberError, MessageEncodingError,
  TaskUndeliverableError, UnknownRecipientError,
} from '../../src/comms/errors.js';
import type { BroadcastMessage, Communicator, CommunicatorOptions, TaskInfo } from '../../src/comms/types.js';

export interface CommunicatorFactory {
  /** A new communicator on this factory's bus. */
  make(options?: CommunicatorOptions): Promise<Communicator>;
  /** Releases the bus (and whatever it left in a broker). Communicators are closed before. */
  dispose?(): Promise<void>;
}

export interface ContractOptions {
  /** Resolves to a reason to skip the whole suite (a service is down on a local run), or false. */
  skip?: () => Promise<false | string>;
}

/** Bounds hangs on a loaded 2-core machine; never measures speed. */
const TEST_TIMEOUT = 30_000;

/** A user error class, registered so it comes back with its class (as an application would do). */
class QuotaExceededError extends TaskfarmError {
  override readonly code: string = 'ERR_TEST_QUOTA';
  declare limit?: number;
}
registerErrorClass(QuotaExceededError, 'test.QuotaExceededError');

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => { resolve = r; });
  return { promise, resolve };
}

/** Resolves after `count` calls of `hit`. */
function counter(count: number): { hit(): void; done: Promise<void> } {
  const done = deferred();
  let seen = 0;
  return { hit: () => { seen += 1; if (seen === count) done.resolve(); }, done: done.promise };
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    const value = await promise;
    assert.fail(`expected a rejection, got ${JSON.stringify(value)}`);
  } catch (error) {
    if (error instanceof assert.AssertionError) throw error;
    assert.ok(error instanceof Error, `rejected with a non-Error: ${String(error)}`);
    return error;
  }
}

export function communicatorContract(name: string, newBus: () => Promise<CommunicatorFactory>, options: ContractOptions = {}): void {
  describe(`communicator contract: ${name}`, async () => {
    const skip = (await options.skip?.()) ?? false;
    /** The test's bus, made on first use (a promise, so that concurrent `make`s share it). */
    let factory: Promise<CommunicatorFactory> | undefined;
    const made: Communicator[] = [];
    /** Gates opened after each test, so that no handler stays blocked. */
    const gates: Array<Deferred<void>> = [];

    const make = async (opts?: CommunicatorOptions): Promise<Communicator> => {
      factory ??= newBus();
      const communicator = await (await factory).make(opts);
      made.push(communicator);
      return communicator;
    };
    const gate = (): Deferred<void> => {
      const d = deferred();
      gates.push(d);
      return d;
    };

    afterEach(async () => {
      for (const g of gates.splice(0)) g.resolve();
      await Promise.all(made.splice(0).map((c) => c.close()));
      const used = factory;
      factory = undefined;
      if (used) await (await used).dispose?.();
    });

    const test = (title: string, fn: () => Promise<void>): void => {
      it(title, { timeout: TEST_TIMEOUT, skip }, fn);
    };

    describe('tasks', () => {
      test('each task goes to exactly one of several consumers (many tasks, deliveries counted)', async () => {
        const [sender, ...consumers] = await Promise.all([make(), make(), make(), make()]);
        const deliveries = new Map<string, number>();
        const byConsumer = new Map<number, number>();
        await Promise.all(consumers.map((c, index) => c.addTaskSubscriber(async (message, info) => {
          deliveries.set(info.id, (deliveries.get(info.id) ?? 0) + 1);
          byConsumer.set(index, (byConsumer.get(index) ?? 0) + 1);
          await Promise.resolve();
          return (message as number) * 10;
        })));
        const count = 60;
        const results = await Promise.all(Array.from({ length: count }, (_, n) => sender!.task<number>(n)));
        assert.deepEqual(results, Array.from({ length: count }, (_, n) => n * 10));
        assert.equal(deliveries.size, count, 'every task was delivered');
        assert.deepEqual([...deliveries.values()].filter((d) => d !== 1), [], 'no task was delivered twice');
        assert.equal([...byConsumer.values()].reduce((a, b) => a + b, 0), count);
      });

      test('a consumer with concurrency n runs up to n tasks at once, never more', async () => {
        const [sender, consumer] = await Promise.all([make(), make()]);
        const release = gate();
        const three = counter(3);
        let running = 0;
        let peak = 0;
        await consumer!.addTaskSubscriber(async (message) => {
          running += 1;
          peak = Math.max(peak, running);
          three.hit();
          await release.promise;
          running -= 1;
          return message;
        }, { concurrency: 3 });
        const results = Promise.all([1, 2, 3, 4, 5].map((n) => sender!.task(n)));
        await three.done;
        assert.equal(running, 3, 'three tasks run at once');
        release.resolve();
        assert.deepEqual(await results, [1, 2, 3, 4, 5]);
        assert.equal(peak, 3);
      });

      test('results and thrown errors come back; errors keep their class, code and fields', async () => {
        const [sender, consumer] = await Promise.all([make(), make()]);
        await consumer!.addTaskSubscriber(async (message) => {
          const { kind } = message as { kind: string };
          if (kind === 'quota') {
            const error = new QuotaExceededError('quota of 3 exceeded');
            error.limit = 3;
            throw error;
          }
          if (kind === 'type') throw new TypeError('not a number');
          if (kind === 'string') throw 'plain string';
          if (kind === 'undefined') return undefined;
          return { echo: message, date: new Date(0), nested: [1, { two: 2 }] };
        });
        assert.deepEqual(await sender!.task({ kind: 'ok', n: 1 }), {
          echo: { kind: 'ok', n: 1 }, date: '1970-01-01T00:00:00.000Z', nested: [1, { two: 2 }],
        });
        assert.equal(await sender!.task({ kind: 'undefined' }), undefined);

        const quota = await rejection(sender!.task({ kind: 'quota' }));
        assert.ok(quota instanceof QuotaExceededError, `rebuilt with its class, got ${quota.constructor.name}`);
        assert.equal(quota.code, 'ERR_TEST_QUOTA');
        assert.equal(quota.message, 'quota of 3 exceeded');
        assert.equal(quota.limit, 3);
        assert.match(quota.stack ?? '', /quota of 3 exceeded/);

        const type = await rejection(sender!.task({ kind: 'type' }));
        assert.ok(type instanceof TaskError, 'an unregistered class comes back as TaskError');
        assert.equal(type.name, 'TypeError');
        assert.equal(type.message, 'not a number');

        const thrown = await rejection(sender!.task({ kind: 'string' }));
        assert.ok(thrown instanceof TaskError);
        assert.equal((thrown as TaskError).thrown, 'plain string');
      });

      test('the handler gets a JSON copy of the message and the task info', async () => {
        const [sender, consumer] = await Promise.all([make(), make()]);
        const seen = deferred<{ message: unknown; info: TaskInfo }>();
        await consumer!.addTaskSubscriber((message, info) => { seen.resolve({ message, info }); }, { queue: 'copies' });
        const original = { when: new Date(0), list: [1, 2], gone: undefined };
        await sender!.task(original, { queue: 'copies' });
        const { message, info } = await seen.promise;
        assert.deepEqual(message, { when: '1970-01-01T00:00:00.000Z', list: [1, 2] });
        assert.notEqual(message, original);
        assert.equal(info.queue, 'copies');
        assert.equal(info.deliveries, 1);
        assert.equal(typeof info.id, 'string');
      });

      test('a message that is not JSON is refused at send with MessageEncodingError', async () => {
        const sender = await make();
        const error = await rejection(sender.task({ n: 1n }));
        assert.ok(error instanceof MessageEncodingError);
        assert.equal((error as MessageEncodingError).code, 'ERR_COMMS_MESSAGE');
        const cyclic: Record<string, unknown> = {};
        cyclic.self = cyclic;
        assert.ok(await rejection(sender.rpcSend('x', cyclic)) instanceof MessageEncodingError);
        assert.ok(await rejection(sender.broadcastSend(cyclic)) instanceof MessageEncodingError);
      });

      test('a result that is not JSON rejects the sender with MessageEncodingError', async () => {
        const [sender, consumer] = await Promise.all([make(), make()]);
        await consumer!.addTaskSubscriber(() => ({ big: 1n }));
        const error = await rejection(sender!.task('x'));
        assert.ok(error instanceof MessageEncodingError, `got ${error.name}`);
      });

      test('tasks sent while no consumer exists wait, and come in order to one that subscribes later', async () => {
        const [sender, consumer] = await Promise.all([make(), make()]);
        const results = Promise.all(['a', 'b', 'c', 'd'].map((m) => sender!.task(m, { queue: 'later' })));
        const order: unknown[] = [];
        await consumer!.addTaskSubscriber((message) => { order.push(message); return `${String(message)}!`; }, { queue: 'later' });
        assert.deepEqual(await results, ['a!', 'b!', 'c!', 'd!']);
        assert.deepEqual(order, ['a', 'b', 'c', 'd']);
      });

      test('queues are separate', async () => {
        const [sender, consumer] = await Promise.all([make(), make()]);
        await consumer!.addTaskSubscriber(() => 'from q1', { queue: 'q1' });
        await consumer!.addTaskSubscriber(() => 'from q2', { queue: 'q2' });
        assert.deepEqual(await Promise.all([sender!.task(0, { queue: 'q2' }), sender!.task(0, { queue: 'q1' })]), ['from q2', 'from q1']);
      });

      test('a task timeout rejects with CommunicatorTimeoutError; a task nobody took by then never runs', async () => {
        const [sender, consumer] = await Promise.all([make(), make()]);
        const error = await rejection(sender!.task('expired', { queue: 'slow', timeout: 150 }));
        assert.ok(error instanceof CommunicatorTimeoutError);
        assert.equal(error.code, 'ERR_COMMS_TIMEOUT');
        assert.equal(error.timeout, 150);
        assert.equal(error.kind, 'task');
        const seen: unknown[] = [];
        await consumer!.addTaskSubscriber((message) => { seen.push(message); return message; }, { queue: 'slow' });
        // FIFO: when the later task is answered, the expired one was already taken (and dropped).
        assert.equal(await sender!.task('fresh', { queue: 'slow' }), 'fresh');
        assert.deepEqual(seen, ['fresh']);
      });

      test('a task timeout also bounds a running handler (which is not stopped)', async () => {
        const [sender, consumer] = await Promise.all([make(), make()]);
        const release = gate();
        const started = deferred();
        const finished = deferred();
        await consumer!.addTaskSubscriber(async () => { started.resolve(); await release.promise; finished.resolve(); return 'late'; });
        const error = await rejection(sender!.task('x', { timeout: 300 }));
        assert.ok(error instanceof CommunicatorTimeoutError);
        await started.promise;
        release.resolve();
        await finished.promise;
      });

      test('noReply resolves once the task is accepted, before its handler runs', async () => {
        const [sender, consumer] = await Promise.all([make(), make()]);
        const release = gate();
        const handled = deferred<unknown>();
        await consumer!.addTaskSubscriber(async (message) => { await release.promise; handled.resolve(message); return 'ignored'; });
        assert.equal(await sender!.task({ launch: 'p1' }, { noReply: true }), undefined);
        release.resolve();
        assert.deepEqual(await handled.promise, { launch: 'p1' });
      });

      test('noReply is accepted with no consumer at all, and the task waits for one', async () => {
        const [sender, consumer] = await Promise.all([make(), make()]);
        await sender!.task('queued', { noReply: true, queue: 'empty' });
        const handled = deferred<unknown>();
        await consumer!.addTaskSubscriber((message) => handled.resolve(message), { queue: 'empty' });
        assert.equal(await handled.promise, 'queued');
      });

      test('a noReply task with a timeout expires in the queue if nobody takes it in time', async () => {
        const [sender, consumer] = await Promise.all([make(), make()]);
        await sender!.task('stale', { noReply: true, queue: 'ttl', timeout: 100 });
        // Time has to pass here (nothing happens to wait for): three times the time-to-live.
        await new Promise((resolve) => setTimeout(resolve, 300));
        const seen: unknown[] = [];
        await consumer!.addTaskSubscriber((message) => { seen.push(message); return message; }, { queue: 'ttl' });
        assert.equal(await sender!.task('fresh', { queue: 'ttl' }), 'fresh');
        assert.deepEqual(seen, ['fresh']);
      });

      test("a noReply handler's error goes to the consumer's onError", async () => {
        const reported = deferred<Error>();
        const [sender, consumer] = await Promise.all([make(), make({ onError: (error) => reported.resolve(error) })]);
        await consumer!.addTaskSubscriber(() => { throw new QuotaExceededError('fire and forget failed'); });
        await sender!.task('x', { noReply: true });
        const error = await reported.promise;
        assert.ok(error instanceof QuotaExceededError);
        assert.equal(error.message, 'fire and forget failed');
      });

      test('removeTaskSubscriber stops delivery; the task it was running still finishes and is answered', async () => {
        const [sender, first, second] = await Promise.all([make(), make(), make()]);
        const release = gate();
        const started = deferred();
        const firstSaw: unknown[] = [];
        const id = await first!.addTaskSubscriber(async (message) => {
          firstSaw.push(message);
          started.resolve();
          await release.promise;
          return 'first';
        });
        const running = sender!.task('one');
        await started.promise;
        await first!.removeTaskSubscriber(id);
        await first!.removeTaskSubscriber(id); // unknown ids are ignored
        const later = sender!.task('two');
        await second!.addTaskSubscriber(() => 'second');
        assert.equal(await later, 'second');
        release.resolve();
        assert.equal(await running, 'first');
        assert.deepEqual(firstSaw, ['one']);
      });

      test('a consumer that closes while handling gives the task back; another consumer answers it', async () => {
        const [sender, quitter, steady] = await Promise.all([make(), make(), make()]);
        const started = deferred();
        const release = gate();
        await quitter!.addTaskSubscriber(async () => { started.resolve(); await release.promise; return 'from the closed one'; });
        const reply = sender!.task('work');
        await started.promise;
        await quitter!.close();
        const deliveries = deferred<number>();
        await steady!.addTaskSubscriber((_message, info) => { deliveries.resolve(info.deliveries); return 'from the steady one'; });
        assert.equal(await reply, 'from the steady one');
        assert.equal(await deliveries.promise, 2);
        release.resolve();
      });

      test('a task delivered more than maxDeliveries times is dropped with TaskUndeliverableError', async () => {
        const [sender, quitter, strict] = await Promise.all([make(), make(), make({ maxDeliveries: 1 })]);
        const started = deferred();
        await quitter!.addTaskSubscriber(async () => { started.resolve(); await gate().promise; });
        const reply = sender!.task('poison');
        await started.promise;
        await quitter!.close();
        let ran = false;
        await strict!.addTaskSubscriber(() => { ran = true; });
        const error = await rejection(reply);
        assert.ok(error instanceof TaskUndeliverableError, `got ${error.name}: ${error.message}`);
        assert.equal(error.code, 'ERR_COMMS_UNDELIVERABLE');
        assert.equal(error.deliveries, 1);
        assert.equal(ran, false);
      });
    });

    describe('rpc', () => {
      test('an RPC reaches its recipient and returns its answer', async () => {
        const [caller, callee] = await Promise.all([make(), make()]);
        await callee!.addRpcSubscriber((message, info) => ({ status: 'running', asked: message, recipient: info.recipient }), 'proc-1');
        assert.deepEqual(await caller!.rpcSend('proc-1', { intent: 'status' }), {
          status: 'running', asked: { intent: 'status' }, recipient: 'proc-1',
        });
      });

      test('RPCs are one-to-one among several recipients, and a communicator can call itself', async () => {
        const [caller, a, b] = await Promise.all([make(), make(), make()]);
        await a!.addRpcSubscriber(() => 'a', 'proc-a');
        await b!.addRpcSubscriber(() => 'b', 'proc-b');
        await caller!.addRpcSubscriber(() => 'self', 'proc-self');
        assert.deepEqual(
          await Promise.all([caller!.rpcSend('proc-b', 0), caller!.rpcSend('proc-a', 0), caller!.rpcSend('proc-self', 0)]),
          ['b', 'a', 'self'],
        );
      });

      test('an error thrown by the RPC handler rejects the caller with its class', async () => {
        const [caller, callee] = await Promise.all([make(), make()]);
        await callee!.addRpcSubscriber(async () => { throw new QuotaExceededError('cannot pause'); }, 'proc-2');
        const error = await rejection(caller!.rpcSend('proc-2', 'pause'));
        assert.ok(error instanceof QuotaExceededError);
        assert.equal(error.message, 'cannot pause');
      });

      test('an unknown recipient fails fast with UnknownRecipientError', async () => {
        const caller = await make();
        const started = Date.now();
        const error = await rejection(caller.rpcSend('nobody-here', 'status', { timeout: 20_000 }));
        assert.ok(error instanceof UnknownRecipientError, `got ${error.name}`);
        assert.equal(error.code, 'ERR_COMMS_UNKNOWN_RECIPIENT');
        assert.equal(error.recipient, 'nobody-here');
        assert.ok(Date.now() - started < 10_000, 'failed long before the timeout');
      });

      test('an RPC whose handler does not answer in time rejects with CommunicatorTimeoutError', async () => {
        const [caller, callee] = await Promise.all([make(), make()]);
        const release = gate();
        await callee!.addRpcSubscriber(() => release.promise, 'proc-slow');
        const error = await rejection(caller!.rpcSend('proc-slow', 'status', { timeout: 200 }));
        assert.ok(error instanceof CommunicatorTimeoutError);
        assert.equal(error.kind, 'rpc');
        assert.equal(error.timeout, 200);
      });

      test('an identifier has one subscriber; removing it (or closing its communicator) frees it', async () => {
        const [caller, owner, other] = await Promise.all([make(), make(), make()]);
        await owner!.addRpcSubscriber(() => 'owner', 'proc-3');
        const dup = await rejection(other!.addRpcSubscriber(() => 'other', 'proc-3'));
        assert.ok(dup instanceof DuplicateSubscriberError);
        assert.equal(dup.code, 'ERR_COMMS_DUPLICATE_SUBSCRIBER');
        assert.ok(await rejection(owner!.addRpcSubscriber(() => 'again', 'proc-3')) instanceof DuplicateSubscriberError);
        assert.equal(await caller!.rpcSend('proc-3', 0), 'owner', 'the failed attempts changed nothing');

        await owner!.removeRpcSubscriber('proc-3');
        await owner!.removeRpcSubscriber('proc-3');
        assert.ok(await rejection(caller!.rpcSend('proc-3', 0)) instanceof UnknownRecipientError);

        await other!.addRpcSubscriber(() => 'other', 'proc-3');
        assert.equal(await caller!.rpcSend('proc-3', 0), 'other');
        await other!.close();
        assert.ok(await rejection(caller!.rpcSend('proc-3', 0)) instanceof UnknownRecipientError);
        await owner!.addRpcSubscriber(() => 'owner again', 'proc-3');
        assert.equal(await caller!.rpcSend('proc-3', 0), 'owner again');
      });
    });

    describe('broadcast', () => {
      test('a broadcast reaches every matching subscriber of every communicator, filtered by subject and sender', async () => {
        const [sender, a, b] = await Promise.all([make(), make(), make()]);
        const got: Record<string, BroadcastMessage[]> = { all: [], states: [], proc7: [], both: [], self: [] };
        // 'both' does not match the end marker; it lives on b with 'proc7', which does.
        const done = counter(4);
        const record = (key: string) => (message: BroadcastMessage) => {
          got[key]!.push(message);
          if (message.body === 'end') done.hit();
        };
        await a!.addBroadcastSubscriber(record('all'));
        await a!.addBroadcastSubscriber(record('states'), { subject: 'state_changed.*' });
        await b!.addBroadcastSubscriber(record('proc7'), { sender: 'proc-7' });
        await b!.addBroadcastSubscriber(record('both'), { subject: 'state_changed.*.finished', sender: 'proc-?' });
        await sender!.addBroadcastSubscriber(record('self'), { subject: 'state_changed.done' });

        await sender!.broadcastSend('plain');
        await sender!.broadcastSend('created', { subject: 'state_changed.created', sender: 'proc-8', correlationId: 'c-1' });
        await sender!.broadcastSend('finished', { subject: 'state_changed.running.finished', sender: 'proc-7' });
        await sender!.broadcastSend('other', { subject: 'other', sender: 'proc-7' });
        await sender!.broadcastSend('long sender', { subject: 'state_changed.x.finished', sender: 'proc-77' });
        // Same sender, so it arrives after everything above at every communicator.
        await sender!.broadcastSend('end', { subject: 'state_changed.done', sender: 'proc-7' });
        await done.done;

        const bodies = (key: string) => got[key]!.map((m) => m.body);
        assert.deepEqual(bodies('all'), ['plain', 'created', 'finished', 'other', 'long sender', 'end']);
        assert.deepEqual(bodies('states'), ['created', 'finished', 'long sender', 'end']);
        assert.deepEqual(bodies('proc7'), ['finished', 'other', 'end']);
        assert.deepEqual(bodies('both'), ['finished']);
        assert.deepEqual(bodies('self'), ['end']);
        assert.deepEqual(got.all![0], { body: 'plain' });
        assert.deepEqual(got.all![1], { body: 'created', subject: 'state_changed.created', sender: 'proc-8', correlationId: 'c-1' });
      });

      test('both filters at once need both to match', async () => {
        const [sender, a] = await Promise.all([make(), make()]);
        const got: unknown[] = [];
        const end = deferred();
        await a!.addBroadcastSubscriber((m) => { got.push(m.body); if (m.body === 'end') end.resolve(); }, { subject: 'exact', sender: 'proc-1' });
        await sender!.broadcastSend('subject only', { subject: 'exact', sender: 'proc-2' });
        await sender!.broadcastSend('sender only', { subject: 'exactly', sender: 'proc-1' });
        await sender!.broadcastSend('end', { subject: 'exact', sender: 'proc-1' });
        await end.promise;
        assert.deepEqual(got, ['end']);
      });

      test('removeBroadcastSubscriber stops delivery to that subscriber only', async () => {
        const [sender, a] = await Promise.all([make(), make()]);
        const removed: unknown[] = [];
        const kept: unknown[] = [];
        const second = deferred();
        const id = await a!.addBroadcastSubscriber((m) => { removed.push(m.body); });
        await a!.addBroadcastSubscriber((m) => { kept.push(m.body); if (m.body === 2) second.resolve(); });
        const first = deferred();
        const watcher = await a!.addBroadcastSubscriber((m) => { if (m.body === 1) first.resolve(); });
        await sender!.broadcastSend(1);
        await first.promise;
        await a!.removeBroadcastSubscriber(id);
        await a!.removeBroadcastSubscriber(watcher);
        await sender!.broadcastSend(2);
        await second.promise;
        assert.deepEqual(removed, [1]);
        assert.deepEqual(kept, [1, 2]);
      });

      test('a throwing broadcast subscriber goes to onError and does not stop the others', async () => {
        const reported = deferred<Error>();
        const [sender, a] = await Promise.all([make(), make({ onError: (error) => reported.resolve(error) })]);
        const after = deferred<unknown>();
        await a!.addBroadcastSubscriber(() => { throw new QuotaExceededError('subscriber failed'); });
        await a!.addBroadcastSubscriber((m) => after.resolve(m.body));
        await sender!.broadcastSend('x');
        assert.equal(await after.promise, 'x');
        assert.equal((await reported.promise).message, 'subscriber failed');
      });
    });

    describe('close', () => {
      test('after close every method rejects with CommunicatorClosedError; close is idempotent', async () => {
        const communicator = await make();
        assert.equal(communicator.closed, false);
        await communicator.close();
        await communicator.close();
        assert.equal(communicator.closed, true);
        const calls: Array<() => Promise<unknown>> = [
          () => communicator.task('x'),
          () => communicator.task('x', { noReply: true }),
          () => communicator.addTaskSubscriber(() => 1),
          () => communicator.removeTaskSubscriber('x'),
          () => communicator.rpcSend('x', 1),
          () => communicator.addRpcSubscriber(() => 1, 'x'),
          () => communicator.removeRpcSubscriber('x'),
          () => communicator.broadcastSend(1),
          () => communicator.addBroadcastSubscriber(() => undefined),
          () => communicator.removeBroadcastSubscriber('x'),
        ];
        for (const call of calls) {
          const error = await rejection(call());
          assert.ok(error instanceof CommunicatorClosedError, `got ${error.name}`);
          assert.equal(error.code, 'ERR_COMMS_CLOSED');
        }
      });

      test('close rejects what awaits a reply; the accepted task still runs for another consumer', async () => {
        const [sender, consumer] = await Promise.all([make(), make()]);
        await consumer!.addRpcSubscriber(() => gate().promise, 'never-answers');
        const reply = rejection(sender!.task('orphan', { queue: 'orphans' }));
        const rpc = rejection(sender!.rpcSend('never-answers', 0));
        await sender!.close();
        assert.ok(await reply instanceof CommunicatorClosedError);
        assert.ok(await rpc instanceof CommunicatorClosedError);
        const handled = deferred<unknown>();
        await consumer!.addTaskSubscriber((message) => handled.resolve(message), { queue: 'orphans' });
        assert.equal(await handled.promise, 'orphan');
      });

      test('Symbol.asyncDispose closes', async () => {
        let outer: Communicator | undefined;
        {
          await using communicator = await make();
          outer = communicator;
        }
        assert.equal(outer.closed, true);
      });
    });

    describe('arguments', () => {
      test('invalid arguments are ValidationErrors', async () => {
        const communicator = await make();
        const bad: Array<() => Promise<unknown>> = [
          () => communicator.task(1, { queue: '' }),
          () => communicator.task(1, { timeout: -1 }),
          () => communicator.addTaskSubscriber(() => 1, { concurrency: 0 }),
          () => communicator.addTaskSubscriber('not a function' as never),
          () => communicator.rpcSend('', 1),
          () => communicator.rpcSend('x', 1, { timeout: Number.NaN }),
          () => communicator.addRpcSubscriber(() => 1, ''),
          () => communicator.addBroadcastSubscriber(() => undefined, { subject: 5 as never }),
        ];
        for (const call of bad) assert.ok(await rejection(call()) instanceof ValidationError);
      });
    });
  });
}
