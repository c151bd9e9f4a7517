/**
 * The TaskClient behaviour suite, written once and run over every pool backend (client.test.ts):
 * results and metadata, barrier, queue status, abort, retries, crashes, recovery, placement,
 * dependencies, priority, queue timeout, timeouts and the worker scope.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  CancelledError, FarmTask, ImpossibleDependencyError, PlacementError, QueueTimeoutError, RecoveryLoopError,
  TaskAlreadyFinishedError, TaskClient, TaskTimeoutError, UnknownTaskIdError, WaitTimeoutError, WorkerCrashedError,
  type BackendName, type FarmResult, type TaskClientOptions, type TaskContext,
} from '../../src/index.js';
import { exitOnFirstAttempt, fail, failOnFirstWorker, sleep, untilAborted, whoami } from '../executors/fixtures/tasks.js';
import { TempDir, waitFor, within } from '../executors/helpers.js';

const TEST_TIMEOUT = 60_000;

/** Fails with the worker's id the first time it runs on a worker; succeeds on a worker that saw it. */
function failFirstTimeHere(this: TaskContext, key: string): string {
  if (this.scope.get(key)) return this.workerId;
  this.scope.set(key, true);
  throw new Error(`first time on ${this.workerId}`);
}

function ok<R>(result: FarmResult<R> | undefined): R {
  assert.ok(result, 'expected a result');
  if (!result.ok) throw result.error;
  return result.value;
}

function failed(result: FarmResult | undefined): Error {
  assert.ok(result, 'expected a result');
  assert.equal(result.ok, false, `expected a failure, got ${String(result.value)}`);
  return result.error!;
}

export function clientSuite(backend: BackendName): void {
  describe(`TaskClient on ${backend}`, { timeout: TEST_TIMEOUT }, () => {
    const clients: TaskClient[] = [];
    let temp: TempDir;
    const make = (options: TaskClientOptions = {}): TaskClient => {
      const client = new TaskClient({ backend, workers: 2, ...options });
      clients.push(client);
      return client;
    };
    beforeEach(() => {
      temp = new TempDir();
    });
    afterEach(async () => {
      await within(Promise.all(clients.splice(0).map((client) => client.shutdown({ wait: false }))), 20_000, 'client shutdown');
      temp.cleanup();
    });

    describe('results', () => {
      it('run gives ids; result is undefined until done, then carries the value and metadata', async () => {
        const client = make();
        const id = client.run(new FarmTask(sleep, 100, 'slow'));
        const other = client.run(new FarmTask((a: number, b: number) => a + b, 2, 3));
        assert.deepEqual([id, other], [0, 1]);
        assert.equal(client.result(id), undefined);
        const result = await client.result<string>(id, { block: true });
        assert.equal(ok(result), 'slow');
        assert.equal(ok(await client.result(other, { block: true })), 5);
        assert.equal(result.id, id);
        assert.equal(result.attempts, 1);
        assert.ok(client.workers().some((w) => w.id === result.workerId), `workerId ${result.workerId} is a worker`);
        assert.ok(result.submitted <= result.started! && result.started! <= result.completed);
        assert.ok(result.duration >= 90, `duration ${result.duration} covers the 100 ms sleep`);
        assert.ok(Math.abs(result.duration - (result.completed.getTime() - result.started!.getTime())) < 1, 'duration is completed - started');
        assert.deepEqual(result.failures, []);
        assert.strictEqual(client.result(id), result, 'non-blocking after completion returns the same result');
      });

      it('a thrown error comes back with its name, message and remote stack; the farm goes on', async () => {
        const client = make();
        const bad = client.run(new FarmTask(function broken() { const e = new Error('this task must fail!'); e.name = 'NotImplementedError'; throw e; }));
        const good = client.run(new FarmTask((n: number) => n * 2, 21));
        await client.barrier();
        const error = failed(client.result(bad));
        assert.equal(error.name, 'NotImplementedError');
        assert.equal(error.message, 'this task must fail!');
        assert.match(error.stack ?? '', /broken/);
        assert.equal(ok(client.result(good)), 42);
      });

      it('unknown ids are refused with UnknownTaskIdError', async () => {
        const client = make();
        assert.throws(() => client.result(7), (e: unknown) => e instanceof UnknownTaskIdError && e.code === 'ERR_UNKNOWN_TASK_ID' && /no task has been run/.test(e.message));
        const id = client.run(new FarmTask((n: number) => n, 1));
        assert.throws(() => client.abort(id + 5), UnknownTaskIdError);
        await assert.rejects(client.barrier([id, 99]), UnknownTaskIdError);
        assert.throws(() => client.run(new FarmTask((n: number) => n, 1).with({ after: 42 })), /No task with id 42 \(a dependency of Task/);
        await client.barrier();
        client.forget(id);
        assert.throws(() => client.result(id), /was forgotten/);
      });
    });

    describe('barrier and queue status', () => {
      it('barrier waits for the tasks named; with a timeout it names the unfinished ones', async () => {
        const client = make();
        const quick = client.run(new FarmTask(sleep, 20, 'q'));
        const slow = client.run(new FarmTask(sleep, 2_000, 's'));
        await client.barrier(quick);
        assert.equal(ok(client.result(quick)), 'q');
        const error = await client.barrier([quick, slow], { timeout: 50 }).then(() => undefined, (e: unknown) => e);
        assert.ok(error instanceof WaitTimeoutError);
        assert.deepEqual(error.unfinished, [slow]);
        await assert.rejects(client.result(slow, { block: true, timeout: 30 }), WaitTimeoutError);
        client.abort(slow);
        await client.barrier();
      });

      it('counts scheduled, pending, succeeded and failed tasks, or lists their ids', async () => {
        const client = make({ workers: 1 });
        const marker = temp.file('running');
        const running = client.run(new FarmTask(untilAborted, marker));
        const queued = [client.run(new FarmTask(sleep, 1, 'a')), client.run(new FarmTask(sleep, 1, 'b'))];
        await waitFor(() => client.queueStatus().pending === 1, 'the first task to run');
        assert.deepEqual(client.queueStatus(), { scheduled: 2, pending: 1, succeeded: 0, failed: 0 });
        assert.deepEqual(client.queueStatus({ verbose: true }), { scheduled: queued, pending: [running], succeeded: [], failed: [] });
        client.abort(running);
        await client.barrier();
        assert.deepEqual(client.queueStatus({ verbose: true }), { scheduled: [], pending: [], succeeded: queued, failed: [running] });
      });
    });

    describe('abort', () => {
      it('removes a queued task (it never runs), stops a running one, and refuses a finished one', async () => {
        const client = make({ workers: 1 });
        const marker = temp.file('running');
        const running = client.run(new FarmTask(untilAborted, marker));
        const queued = client.run(new FarmTask(sleep, 1, 'never'));
        await waitFor(() => client.queueStatus().pending === 1, 'the first task to run');
        client.abort(queued);
        client.abort(running);
        await within(client.barrier(), 10_000, 'aborted tasks settle');
        const queuedError = failed(client.result(queued));
        assert.ok(queuedError instanceof CancelledError);
        assert.equal(client.result(queued)!.attempts, 0, 'the queued task never ran');
        assert.ok(failed(client.result(running)) instanceof CancelledError);
        assert.throws(() => client.abort(running), (e: unknown) => e instanceof TaskAlreadyFinishedError && e.code === 'ERR_TASK_FINISHED' && /already finished \(failed\)/.test(e.message));
        // The worker is usable afterwards.
        assert.equal(ok(await client.result(client.run(new FarmTask((n: number) => n + 1, 1)), { block: true })), 2);
      });

      it('an aborted task runs no recovery task, and a task waiting on it cannot run', async () => {
        const client = make({ workers: 1 });
        const id = client.run(new FarmTask(sleep, 5_000).with({ recovery: new FarmTask(() => 'recovered') }));
        const dependent = client.run(new FarmTask(() => 'after').with({ after: id }));
        client.abort(id);
        await client.barrier();
        assert.ok(failed(client.result(id)) instanceof CancelledError);
        const error = failed(client.result(dependent));
        assert.ok(error instanceof ImpossibleDependencyError);
        assert.match(error.message, new RegExp(`task ${id} failed`));
      });
    });

    describe('retries and crashes', () => {
      it('each retry goes to a worker that has not failed the task while one exists', async () => {
        const client = make({ workers: 2 });
        // Fails the first time on any worker: succeeding needs a worker that saw it, i.e. a third
        // attempt, which only happens if the second went to the other worker.
        const id = client.run(new FarmTask(failFirstTimeHere, `k-${backend}-${Date.now()}`).with({ retries: 2 }));
        const result = await client.result<string>(id, { block: true });
        ok(result);
        assert.equal(result.attempts, 3);

        const marker = temp.file('first');
        const other = await client.result<{ worker: string; first: string }>(client.run(new FarmTask(failOnFirstWorker, marker).with({ retries: 1 })), { block: true });
        const { worker, first } = ok(other);
        assert.notEqual(worker, first);
      });

      it('a worker crash during a retried task: the retry runs on a live worker and nothing else is lost', async () => {
        const client = make({ workers: 2 });
        const marker = temp.file('crash');
        const crashing = client.run(new FarmTask(exitOnFirstAttempt, marker).with({ retries: 1 }));
        const others = Array.from({ length: 20 }, (_, i) => client.run(new FarmTask((n: number) => n * n, i)));
        await within(client.barrier(), 30_000, 'all tasks after a crash');
        const result = client.result<{ worker: string; first: string }>(crashing)!;
        const { worker, first } = ok(result);
        assert.notEqual(worker, first, 'the crashed worker was replaced by a new one');
        assert.equal(result.attempts, 2);
        assert.deepEqual(others.map((id) => ok(client.result(id))), Array.from({ length: 20 }, (_, i) => i * i));
      });

      it('a crash with no retries left fails with WorkerCrashedError', async () => {
        const client = make({ workers: 1 });
        const id = client.run(new FarmTask(exitOnFirstAttempt, temp.file('crash')));
        const error = failed(await client.result(id, { block: true }));
        assert.ok(error instanceof WorkerCrashedError, `got ${error.name}: ${error.message}`);
      });

      it('a timeout stops the attempt; the retry runs it again', async () => {
        const client = make({ workers: 1 });
        const id = client.run(new FarmTask(untilAborted).with({ timeout: 100, retries: 1 }));
        const result = await client.result(id, { block: true });
        assert.ok(failed(result) instanceof TaskTimeoutError);
        assert.equal(result.attempts, 2);
      });
    });

    describe('recovery tasks', () => {
      it('run when retries are exhausted, in a chain, keeping the earlier errors', async () => {
        const client = make();
        const last = new FarmTask((n: number) => `recovered ${n}`, 3);
        const chain = new FarmTask(fail, 'first').with({ retries: 1, recovery: new FarmTask(fail, 'second').with({ recovery: last }) });
        const result = await client.result(client.run(chain), { block: true });
        assert.equal(ok(result), 'recovered 3');
        assert.strictEqual(result.task, last);
        assert.deepEqual(result.failures.map((e) => e.message), ['first', 'second']);
        assert.equal(result.attempts, 4, '2 attempts of the task, 1 of each recovery task');
      });

      it('a loop is refused at run and nothing is kept', () => {
        const client = make();
        const a = new FarmTask(fail, 'a');
        const b = new FarmTask(fail, 'b').with({ recovery: a });
        a.recovery = b;
        assert.throws(() => client.run(a), (e: unknown) => e instanceof RecoveryLoopError && e.code === 'ERR_RECOVERY_LOOP' && /loops/.test(e.message));
        const self = new FarmTask(fail, 'self');
        self.recovery = self;
        assert.throws(() => client.run(self), RecoveryLoopError);
        assert.deepEqual(client.queueStatus(), { scheduled: 0, pending: 0, succeeded: 0, failed: 0 });
        assert.equal(client.run(new FarmTask((n: number) => n, 1)), 0, 'refused tasks take no id');
      });
    });

    describe('placement', () => {
      const props = (index: number) => ({ ram: index === 0 ? 8e9 : 2e9, name: `node${index}` });

      it('where places a task on the workers whose properties it accepts; a throwing predicate counts as false', async () => {
        const client = make({ properties: props });
        const big = client.workers().find((w) => w.properties.ram === 8e9)!.id;
        const ids = Array.from({ length: 6 }, () => client.run(new FarmTask(whoami).with({ where: (w) => (w.properties.ram as number) > 4e9 })));
        const throwing = client.run(new FarmTask(whoami).with({ where: (w) => { if (w.properties.name === 'node1') throw new Error('bad'); return true; } }));
        await client.barrier();
        for (const id of ids) assert.equal(ok(client.result(id)), big);
        assert.equal(ok(client.result(throwing)), big);
      });

      it('a task no worker can take fails at once with PlacementError naming the workers', async () => {
        const client = make({ properties: props });
        const id = client.run(new FarmTask(whoami).with({ where: (w) => w.properties.gpu === true }));
        const error = failed(client.result(id));
        assert.ok(error instanceof PlacementError && error.code === 'ERR_PLACEMENT');
        assert.match(error.message, /fits no worker/);
        assert.match(error.message, /"name":"node0"/);
      });

      it('with placementTimeout it waits for a property change (spin), or fails when the time is up', async () => {
        const client = make({ properties: props });
        const waiting = client.run(new FarmTask(whoami).with({ where: (w) => w.properties.gpu === true, placementTimeout: 30_000 }));
        const expiring = client.run(new FarmTask(whoami).with({ where: (w) => w.properties.tpu === true, placementTimeout: 50 }));
        assert.deepEqual(client.queueStatus({ verbose: true }).scheduled, [waiting, expiring]);
        const target = client.workers()[1]!.id;
        client.setWorkerProperties(target, { gpu: true });
        assert.equal(ok(await client.result(waiting, { block: true })), target);
        const error = failed(await client.result(expiring, { block: true }));
        assert.ok(error instanceof PlacementError);
        assert.match(error.message, /within 50 ms/);
      });

      it('spin takes back a queued task that no worker fits any more', async () => {
        const client = make({ workers: 1, properties: { zone: 'a' } });
        const busy = client.run(new FarmTask(untilAborted));
        const queued = client.run(new FarmTask(whoami).with({ where: (w) => w.properties.zone === 'a' }));
        await waitFor(() => client.queueStatus().pending === 1, 'the blocker to run');
        const worker = client.workers()[0]!.id;
        client.setWorkerProperties(worker, { zone: 'b' });
        const error = failed(await client.result(queued, { block: true }));
        assert.ok(error instanceof PlacementError);
        client.abort(busy);
      });
    });

    describe('dependencies', () => {
      it('after: a task starts only once the tasks it waits for have finished', async () => {
        const client = make();
        const first = client.run(new FarmTask(sleep, 150, 'first'));
        const second = client.run(new FarmTask(() => 'second').with({ after: first }));
        assert.deepEqual(client.queueStatus({ verbose: true }).scheduled.includes(second), true);
        await client.barrier();
        assert.ok(client.result(second)!.started! >= client.result(first)!.completed);
      });

      it('after a failure: impossible by default, run with { success: false, failure: true }', async () => {
        const client = make();
        const bad = client.run(new FarmTask(fail, 'nope'));
        const needsSuccess = client.run(new FarmTask(() => 'x').with({ after: bad }));
        const onFailure = client.run(new FarmTask(() => 'cleanup').with({ after: { ids: [bad], success: false, failure: true } }));
        await client.barrier();
        const error = failed(client.result(needsSuccess));
        assert.ok(error instanceof ImpossibleDependencyError && error.code === 'ERR_IMPOSSIBLE_DEPENDENCY');
        assert.match(error.message, /task 0 failed \(nope\), and it had to succeed/);
        assert.equal(client.result(needsSuccess)!.attempts, 0);
        assert.equal(ok(client.result(onFailure)), 'cleanup');
      });

      it('all: false runs after the first of its tasks that succeeds, and is impossible only if none can', async () => {
        const client = make();
        const slow = client.run(new FarmTask(sleep, 3_000));
        const quick = client.run(new FarmTask(sleep, 10));
        const any = client.run(new FarmTask(() => 'any').with({ after: { ids: [slow, quick], all: false } }));
        assert.equal(ok(await client.result(any, { block: true })), 'any');
        assert.equal(client.result(slow), undefined, 'it did not wait for the slow one');
        const bad1 = client.run(new FarmTask(fail, 'a'));
        const bad2 = client.run(new FarmTask(fail, 'b'));
        const never = client.run(new FarmTask(() => 'never').with({ after: { ids: [bad1, bad2], all: false } }));
        assert.match(failed(await client.result(never, { block: true })).message, /none will/);
        client.abort(slow);
      });

      it('follow: a task runs on the worker where its dependency ran and sees the values it left there', async () => {
        const client = make();
        const setter = client.run(new FarmTask(function (this: TaskContext, v: number) { this.scope.set('shared', v); return this.workerId; }, 7));
        const reader = client.run(new FarmTask(function (this: TaskContext) { return [this.workerId, this.scope.get('shared')]; }).with({ follow: setter }));
        await client.barrier();
        assert.deepEqual(ok(client.result(reader)), [ok(client.result(setter)), 7]);
      });

      it('follow on tasks that ran on different workers is impossible', async () => {
        const client = make();
        const [w1, w2] = client.workers().map((w) => w.id);
        const a = client.run(new FarmTask(whoami).with({ where: (w) => w.id === w1 }));
        const b = client.run(new FarmTask(whoami).with({ where: (w) => w.id === w2 }));
        const both = client.run(new FarmTask(whoami).with({ follow: [a, b] }));
        const either = client.run(new FarmTask(whoami).with({ follow: { ids: [a, b], all: false } }));
        await client.barrier();
        assert.match(failed(client.result(both)).message, /ran on different workers/);
        assert.ok([w1, w2].includes(ok(client.result(either))));
      });
    });

    describe('priority, queue timeout and the worker scope', () => {
      it('higher priority runs first among queued tasks', async () => {
        const client = make({ workers: 1 });
        const blocker = client.run(new FarmTask(sleep, 200));
        const low = client.run(new FarmTask(sleep, 1, 'low'));
        const high = client.run(new FarmTask(sleep, 1, 'high').with({ priority: 10 }));
        await client.barrier();
        assert.ok(client.result(high)!.started! <= client.result(low)!.started!);
        void blocker;
      });

      it('queueTimeout fails a task that waited too long to start; it never ran', async () => {
        const client = make({ workers: 1 });
        const blocker = client.run(new FarmTask(sleep, 1_000));
        const late = client.run(new FarmTask(() => 'late').with({ queueTimeout: 50 }));
        const result = await client.result(late, { block: true });
        const error = failed(result);
        assert.ok(error instanceof QueueTimeoutError && error.code === 'ERR_QUEUE_TIMEOUT');
        assert.equal(result.attempts, 0);
        client.abort(blocker);
      });

      it('push sets values before the task, pull reads them after; clearBefore and clearAfter reset the scope', async () => {
        const client = make({ workers: 1 });
        const key = `v-${Date.now()}`;
        const pushed = client.run(new FarmTask(function (this: TaskContext, k: string) { this.scope.set('out', (this.scope.get(k) as number) * 2); return 'done'; }, key)
          .with({ push: { [key]: 21 }, pull: ['out', key] }));
        const result = await client.result(pushed, { block: true });
        assert.equal(ok(result), 'done');
        assert.deepEqual(result.pulled, { out: 42, [key]: 21 });
        const kept = await client.result(client.run(new FarmTask(function (this: TaskContext) { return this.scope.get('out'); }).with({ clearAfter: true })), { block: true });
        assert.equal(ok(kept), 42, 'values outlive the task on the same worker');
        const cleared = await client.result(client.run(new FarmTask(function (this: TaskContext) { return this.scope.size; })), { block: true });
        assert.equal(ok(cleared), 0, 'clearAfter emptied the scope');
        client.run(new FarmTask(function (this: TaskContext) { this.scope.set('x', 1); }));
        const fresh = await client.result(client.run(new FarmTask(function (this: TaskContext) { return this.scope.size; }).with({ clearBefore: true })), { block: true });
        assert.equal(ok(fresh), 0);
        const missing = failed(await client.result(client.run(new FarmTask(() => 1).with({ pull: 'nothing' })), { block: true }));
        assert.match(missing.message, /pull: 'nothing' is not set in the scope of worker/);
      });
    });

    it('shutdown waits for every task; shutdown({ wait: false }) aborts what is left', async () => {
      const client = new TaskClient({ backend, workers: 2 });
      const ids = [client.run(new FarmTask(sleep, 50, 'a')), client.run(new FarmTask(() => 'b').with({ after: 0 }))];
      await client.shutdown();
      assert.deepEqual(ids.map((id) => ok(client.result(id))), ['a', 'b']);
      const other = new TaskClient({ backend, workers: 1 });
      const slow = other.run(new FarmTask(untilAborted));
      const queued = other.run(new FarmTask(() => 'q'));
      await within(other.shutdown({ wait: false }), 15_000, 'shutdown without waiting');
      assert.ok(failed(other.result(slow)) instanceof CancelledError);
      assert.ok(failed(other.result(queued)) instanceof CancelledError);
    });
  });
}
