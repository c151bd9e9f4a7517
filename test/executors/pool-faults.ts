/**
 * The pool fault suite: timeouts, crashes, retries, boot failures, cancellation, recycling,
 * shutdown, priority, placement, batching and stats. Written once, run for every pool backend (see
 * pool-faults.test.ts); it branches on the runtime only where behaviour legitimately differs.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  CancelledError, ExecutorClosedError, TaskTimeoutError, ValidationError, WorkerCrashedError, WorkerStartError,
  type Executor, type PoolOptions,
} from '../../src/index.js';
import {
  allocateForever, crash, type CrashKind, double, echo, exitOnFirstAttempt, exitWorker, fail, failOnFirstWorker, forever, ignoreClose, logRun,
  markThenSleep, memoryMb, retain, sequence, sleep, spin, throwLate, touch, untilAborted, untilAbortedViaContext,
  whoami, whoamiViaContext, withWorker,
} from './fixtures/tasks.js';
import { delay, settled, TempDir, Tracker, waitFor, within, workerIds } from './helpers.js';

export type Runtime = 'threads' | 'processes';
export type PoolFactory = (options: PoolOptions) => Executor;

/** Generous per-test limit: a test normally takes well under a few seconds. */
const TEST_TIMEOUT = 60_000;

const bootThrowsUrl = new URL('./fixtures/boot-throws.ts', import.meta.url).href;
const cleanExitScript = fileURLToPath(new URL('./fixtures/clean-exit.ts', import.meta.url));

/** Runs a task pinned on each worker, so every worker has booted; returns the worker ids. */
async function warm(executor: Executor): Promise<string[]> {
  const ids = workerIds(executor);
  const ran = await Promise.all(ids.map((id) => executor.submit(whoami, [], { where: (worker) => worker.id === id })));
  assert.deepEqual(ran, ids);
  return ids;
}

/** Waits until worker `gone` has been replaced and the pool is back to `size` workers. */
async function replaced(executor: Executor, gone: string, size: number): Promise<void> {
  await waitFor(() => {
    const ids = workerIds(executor);
    return ids.length === size && !ids.includes(gone);
  }, () => `worker ${gone} replaced and ${size} workers again (now: ${workerIds(executor).join(', ')})`);
}

function assertCrashed(error: unknown, workerId: string | undefined): asserts error is WorkerCrashedError {
  assert.ok(error instanceof WorkerCrashedError, `expected WorkerCrashedError, got ${error === undefined ? 'no error: the task succeeded' : String(error)}`);
  assert.equal(error.code, 'ERR_WORKER_CRASHED');
  assert.ok(workerId, 'the result names the worker');
  assert.equal(error.workerId, workerId);
}

export function poolFaults(runtime: Runtime, factory: PoolFactory): void {
  describe(`pool faults: ${runtime}`, () => {
    let pools: Tracker<PoolOptions>;
    let tmp: TempDir;
    const make = (options: PoolOptions): Executor => pools.make(options);

    beforeEach(() => {
      pools = new Tracker(factory);
      tmp = new TempDir();
    });
    afterEach(async () => {
      try {
        await pools.shutdownAll();
      } finally {
        tmp.cleanup();
      }
    });

    // ---- timeouts --------------------------------------------------------------------------

    describe('timeout', () => {
      it('stops a synchronous infinite loop with TaskTimeoutError and replaces its worker; the other worker is unaffected', { timeout: TEST_TIMEOUT }, async () => {
        const ex = make({ workers: 2 });
        const before = await warm(ex);
        const looping = ex.submit(forever, [], { timeout: 500 });
        const other = ex.submit(spin, [1200, 'other']);
        const result = await settled(looping);
        assert.equal(result.ok, false);
        assert.ok(result.error instanceof TaskTimeoutError, `got ${String(result.error)}`);
        assert.equal(result.error.code, 'ERR_TASK_TIMEOUT');
        assert.equal((result.error as TaskTimeoutError).timeout, 500);
        assert.equal(looping.state, 'failed');
        const victim = result.workerId!;
        assert.ok(before.includes(victim));

        assert.equal(await other, 'other', 'a task running at the same time on the other worker succeeds');
        assert.notEqual(other.result!.workerId, victim);

        await replaced(ex, victim, 2);
        assert.equal(await ex.submit(double, [21]), 42, 'the pool keeps working');
      });

      it('aborts an async task that honours this.signal without replacing its worker', { timeout: TEST_TIMEOUT }, async () => {
        // A long grace: the task honours its signal at once, so the grace never runs out; had the task
        // been killed, the follow-up task would run on a new worker.
        const ex = make({ workers: 1, abortGraceMs: 3000 });
        const [only] = await warm(ex);
        const marker = tmp.file('started');
        const result = await settled(ex.submit(untilAborted, [marker], { timeout: 300 }));
        assert.ok(result.error instanceof TaskTimeoutError, `got ${String(result.error)}`);
        assert.equal(readFileSync(marker, 'utf8'), only, 'the task really started');
        // The worker takes new work once it gave the aborted task up: the same worker.
        assert.equal(await ex.submit(whoami, []), only);
        assert.deepEqual(workerIds(ex), [only]);
      });

      it('aborts an async task that watches taskContext().signal without replacing its worker', { timeout: TEST_TIMEOUT }, async () => {
        const ex = make({ workers: 1, abortGraceMs: 3000 });
        const [only] = await warm(ex);
        assert.equal(await ex.submit(whoamiViaContext, []), only);
        const result = await settled(ex.submit(untilAbortedViaContext, [], { timeout: 300 }));
        assert.ok(result.error instanceof TaskTimeoutError, `got ${String(result.error)}`);
        assert.equal(await ex.submit(whoami, []), only);
        assert.deepEqual(workerIds(ex), [only]);
      });
    });

    // ---- crashes ---------------------------------------------------------------------------

    describe('crash', () => {
      // One burst per way to die: the crasher sits inside a batch of tiny tasks, with tasks before
      // and after it on the same worker. Only the crasher may fail; every other task must run once.
      const kinds: Array<[CrashKind, string]> = [
        ['exit', 'process.exit(3) in a task'],
        ['late', 'an error thrown outside any task'],
        ['oom', 'out of memory under maxHeapMb'],
      ];
      // Only a child process can be SIGKILLed from outside; a thread has no pid of its own.
      if (runtime === 'processes') kinds.push(['hang', 'SIGKILL of the child process']);
      for (const [kind, label] of kinds) {
        it(`${label}: only the crasher fails (WorkerCrashedError, once); a burst around it is delivered exactly once`, { timeout: TEST_TIMEOUT }, async () => {
          const ex = make({ workers: 2, maxHeapMb: kind === 'oom' ? 64 : undefined });
          await warm(ex);
          // Measure the tiny task first, so that the burst travels in batches alongside the crasher.
          await Promise.all(Array.from({ length: 200 }, (_, i) => ex.submit(logRun, [tmp.file('warm.log'), i])));

          const log = tmp.file('runs.log');
          const crashLog = tmp.file('crash.log');
          const marker = tmp.file('crasher-started');
          const N = 400;
          const burst = [];
          let crasher;
          for (let i = 0; i < N; i += 1) {
            if (i === N / 4) crasher = ex.submit(crash, [kind, crashLog, marker]);
            burst.push(ex.submit(logRun, [log, i]));
          }
          let deliveries = 0;
          for (const future of burst) future.onSettled(() => (deliveries += 1));

          if (kind === 'hang') {
            await waitFor(() => existsSync(marker) && readFileSync(marker, 'utf8') !== '', 'the crasher started');
            const pid = ex.workers().find((worker) => worker.id === readFileSync(marker, 'utf8'))?.systemId;
            assert.ok(pid, 'a process worker reports its pid');
            process.kill(pid, 'SIGKILL');
          }

          const crashed = await settled(crasher!);
          assertCrashed(crashed.error, crashed.workerId);
          assert.equal(crashed.attempts, 1);
          assert.equal(crasher!.state, 'failed');

          const results = await Promise.all(burst.map((future) => settled(future)));
          const failures = results.filter((result) => !result.ok).map((result) => `${result.id}: ${String(result.error)}`);
          assert.deepEqual(failures, [], 'no other task of the burst fails');
          assert.deepEqual(results.map((result) => result.value), Array.from({ length: N }, (_, i) => i * 2));
          assert.equal(deliveries, N);
          const runs = readFileSync(log, 'utf8').trim().split('\n').map(Number).sort((a, b) => a - b);
          assert.deepEqual(runs, Array.from({ length: N }, (_, i) => i), 'every other task ran exactly once');
          assert.equal(readFileSync(crashLog, 'utf8'), 'crash\n', 'the crasher ran once');

          await replaced(ex, crashed.workerId!, 2);
          assert.equal(await ex.submit(double, [4]), 8, 'the pool keeps working');
        });
      }

      it('process.exit(3) in a task: WorkerCrashedError with the exit code', { timeout: TEST_TIMEOUT }, async () => {
        const ex = make({ workers: 2 });
        await warm(ex);
        const bystander = ex.submit(sleep, [500, 'bystander']);
        const result = await settled(ex.submit(exitWorker, [3]));
        assertCrashed(result.error, result.workerId);
        assert.equal(result.error.exitCode, 3);
        assert.equal(await bystander, 'bystander');
        assert.notEqual(bystander.result!.workerId, result.workerId);
        await replaced(ex, result.workerId!, 2);
        assert.equal(await ex.submit(double, [4]), 8, 'the pool keeps working');
      });

      it('an error thrown outside any task crashes the worker: WorkerCrashedError for the task it held', { timeout: TEST_TIMEOUT }, async () => {
        const ex = make({ workers: 2 });
        await warm(ex);
        const bystander = ex.submit(sleep, [800, 'bystander']);
        const result = await settled(ex.submit(throwLate, []));
        assertCrashed(result.error, result.workerId);
        if (runtime === 'threads') {
          // A thread reports the uncaught error itself; a child process only reports its exit code.
          assert.match(result.error.message, /late/);
          assert.equal((result.error.cause as Error | undefined)?.message, 'late');
        } else {
          assert.equal(result.error.exitCode, 1);
        }
        assert.equal(await bystander, 'bystander');
        assert.notEqual(bystander.result!.workerId, result.workerId);
        await replaced(ex, result.workerId!, 2);
        assert.equal(await ex.submit(double, [5]), 10, 'the pool keeps working');
      });

      it('out of memory under maxHeapMb crashes only the worker that allocates', { timeout: TEST_TIMEOUT }, async () => {
        const ex = make({ workers: 2, maxHeapMb: 64 });
        await warm(ex);
        const bystander = ex.submit(sleep, [300, 'bystander']);
        const result = await settled(ex.submit(allocateForever, []));
        assertCrashed(result.error, result.workerId);
        if (runtime === 'threads') {
          // resourceLimits end a thread with ERR_WORKER_OUT_OF_MEMORY...
          assert.equal((result.error.cause as { code?: string } | undefined)?.code, 'ERR_WORKER_OUT_OF_MEMORY');
          assert.match(result.error.message, /out of memory/);
        } else {
          // ...while V8 aborts a process that reaches --max-old-space-size.
          assert.ok(result.error.signal === 'SIGABRT' || result.error.exitCode === 134, `exit: ${result.error.exitCode} / ${result.error.signal}`);
          assert.match(result.error.message, /out of memory/);
        }
        assert.equal(await bystander, 'bystander');
        await replaced(ex, result.workerId!, 2);
        assert.equal(await ex.submit(double, [6]), 12, 'the pool keeps working');
      });

      if (runtime === 'processes') {
        // Only a child process can be SIGKILLed from outside; a thread has no pid of its own.
        it('SIGKILL of a child process fails the task it held, with WorkerCrashedError', { timeout: TEST_TIMEOUT }, async () => {
          const ex = make({ workers: 2 });
          await warm(ex);
          const marker = tmp.file('started');
          const doomed = ex.submit(markThenSleep, [marker, 20_000]);
          const bystander = ex.submit(sleep, [500, 'bystander']);
          await waitFor(() => existsSync(marker) && readFileSync(marker, 'utf8') !== '', 'the doomed task started');
          const holder = readFileSync(marker, 'utf8');
          const info = ex.workers().find((worker) => worker.id === holder);
          assert.ok(info?.systemId, 'a process worker reports its pid');
          assert.equal(info.runtime, 'process');
          process.kill(info.systemId, 'SIGKILL');

          const result = await settled(doomed);
          assertCrashed(result.error, holder);
          assert.equal(result.error.signal, 'SIGKILL');
          assert.equal(await bystander, 'bystander');
          await replaced(ex, holder, 2);
          assert.equal(await ex.submit(double, [7]), 14, 'the pool keeps working');
        });
      }
    });

    // ---- retries ---------------------------------------------------------------------------

    describe('retry', () => {
      it('retries a crashed task on another worker and succeeds', { timeout: TEST_TIMEOUT }, async () => {
        const ex = make({ workers: 2 });
        await warm(ex);
        const marker = tmp.file('first-attempt');
        const future = ex.submit(exitOnFirstAttempt, [marker], { retry: { attempts: 2, backoff: { type: 'fixed', delay: 10 } } });
        const value = await future;
        assert.notEqual(value.worker, value.first, 'the retry ran on another worker than the one that crashed');
        assert.equal(future.result!.workerId, value.worker);
        assert.notEqual(future.result!.workerId, value.first);
        assert.equal(future.result!.attempts, 2);
        assert.equal(ex.stats().retried, 1);
      });

      it('a crashed task without retries is not run again', { timeout: TEST_TIMEOUT }, async () => {
        const ex = make({ workers: 2 });
        await warm(ex);
        const marker = tmp.file('first-attempt');
        const result = await settled(ex.submit(exitOnFirstAttempt, [marker]));
        assertCrashed(result.error, result.workerId);
        assert.equal(result.attempts, 1);
        assert.equal(ex.stats().retried, 0);
      });

      it('prefers a worker that has not failed the task', { timeout: TEST_TIMEOUT }, async () => {
        const ex = make({ workers: 2 });
        await warm(ex);
        // The task fails on whichever worker ran its first attempt, so it can only succeed elsewhere.
        for (let round = 0; round < 3; round += 1) {
          const marker = tmp.file(`first-worker-${round}`);
          const future = ex.submit(failOnFirstWorker, [marker], { retry: { attempts: 2, backoff: { type: 'fixed', delay: 10 } } });
          const result = await settled(future);
          assert.equal(result.ok, true, `round ${round}: ${String(result.error)}`);
          assert.notEqual(result.value!.worker, result.value!.first);
          assert.equal(result.workerId, result.value!.worker);
          assert.equal(result.attempts, 2);
        }
        assert.deepEqual(workerIds(ex).length, 2, 'a thrown error does not replace a worker');
      });
    });

    // ---- boot failures ---------------------------------------------------------------------

    describe('boot failures', () => {
      it('workers that fail to start surface WorkerStartError instead of respawning forever', { timeout: TEST_TIMEOUT }, async () => {
        const ex = make({ workers: 2, preload: [bootThrowsUrl], maxBootFailures: 3 });
        const result = await within(settled(ex.submit(double, [1])), 30_000, 'a task on a pool whose workers cannot boot');
        assert.ok(result.error instanceof WorkerStartError, `got ${String(result.error)}`);
        assert.equal(result.error.code, 'ERR_WORKER_START');
        assert.equal(result.attempts, 0);

        await waitFor(() => ex.workers().length === 0, 'no worker left');
        await delay(500);
        assert.equal(ex.workers().length, 0, 'the pool stopped spawning');
        const later = ex.submit(double, [2]);
        const laterResult = await within(settled(later), 5_000, 'a task submitted to a broken pool');
        assert.ok(laterResult.error instanceof WorkerStartError, `got ${String(laterResult.error)}`);
        await within(ex.shutdown(), 10_000, 'shutdown of a broken pool');
      });
    });

    // ---- cancellation ----------------------------------------------------------------------

    describe('cancel', () => {
      it('a queued task is removed and never runs', { timeout: TEST_TIMEOUT }, async () => {
        const ex = make({ workers: 1 });
        await warm(ex);
        const blocker = ex.submit(sleep, [600, 'blocker']);
        await waitFor(() => blocker.state === 'running', 'the blocker was sent');
        const path = tmp.file('side-effect');
        const queued = ex.submit(touch, [path]);
        assert.equal(queued.state, 'pending');
        assert.equal(queued.cancel(), true);
        assert.equal(queued.state, 'cancelled');
        await assert.rejects(Promise.resolve(queued), CancelledError);
        assert.equal(queued.result!.attempts, 0);
        assert.equal(queued.cancel(), false, 'cancelling twice does nothing');
        assert.equal(await blocker, 'blocker');
        // FIFO: had the cancelled task stayed in the queue, it would have run before this one.
        assert.equal(await ex.submit(echo, ['after']), 'after');
        assert.equal(existsSync(path), false, 'the cancelled task never ran');
        assert.equal(ex.stats().cancelled, 1);
      });

      it('aborting the signal of a queued task removes it', { timeout: TEST_TIMEOUT }, async () => {
        const ex = make({ workers: 1 });
        await warm(ex);
        const blocker = ex.submit(sleep, [400, 'blocker']);
        const controller = new AbortController();
        const path = tmp.file('side-effect');
        const queued = ex.submit(touch, [path], { signal: controller.signal });
        controller.abort();
        await assert.rejects(Promise.resolve(queued), CancelledError);
        assert.equal(await blocker, 'blocker');
        assert.equal(await ex.submit(echo, ['after']), 'after');
        assert.equal(existsSync(path), false, 'the cancelled task never ran');
      });

      it('a running synchronous infinite loop is cancelled, its worker killed and replaced', { timeout: TEST_TIMEOUT }, async () => {
        const ex = make({ workers: 2 });
        await warm(ex);
        const marker = tmp.file('started');
        const future = ex.submit(forever, [marker]);
        await waitFor(() => existsSync(marker) && readFileSync(marker, 'utf8') !== '', 'the loop started');
        const holder = readFileSync(marker, 'utf8');
        assert.equal(future.state, 'running');
        assert.equal(future.cancel('by the test'), true);
        await assert.rejects(Promise.resolve(future), CancelledError);
        assert.equal(future.state, 'cancelled');
        assert.equal(future.result!.workerId, holder);
        await replaced(ex, holder, 2);
        assert.deepEqual(await Promise.all([1, 2, 3, 4].map((n) => ex.submit(double, [n]))), [2, 4, 6, 8], 'the pool keeps working');
      });
    });

    // ---- recycling -------------------------------------------------------------------------

    describe('recycling', () => {
      it('maxTasksPerWorker: 3 replaces workers after 3 tasks; every result is correct', { timeout: TEST_TIMEOUT }, async () => {
        const ex = make({ workers: 2, maxTasksPerWorker: 3 });
        const initial = workerIds(ex);
        const N = 15;
        const results = await within(Promise.all(Array.from({ length: N }, (_, i) => ex.submit(withWorker, [i]))), 10_000, `${N} tasks on a pool with maxTasksPerWorker: 3`);
        assert.deepEqual(results.map(([value]) => value), Array.from({ length: N }, (_, i) => i));
        const perWorker = new Map<string, number>();
        for (const [, worker] of results) perWorker.set(worker, (perWorker.get(worker) ?? 0) + 1);
        for (const [worker, count] of perWorker) assert.ok(count <= 3, `worker ${worker} ran ${count} tasks`);
        assert.ok(perWorker.size >= Math.ceil(N / 3), `only ${perWorker.size} workers ran ${N} tasks`);
        await waitFor(() => {
          const ids = workerIds(ex);
          return ids.length === 2 && ids.every((id) => !initial.includes(id));
        }, 'the first workers were replaced');
        // Sequentially too: a lone task stream also rolls over to new workers.
        const sequential: string[] = [];
        for (let i = 0; i < 7; i += 1) sequential.push((await within(ex.submit(withWorker, [i]), 10_000, `sequential task ${i}`))[1]);
        const counts = new Map<string, number>();
        for (const worker of sequential) counts.set(worker, (counts.get(worker) ?? 0) + 1);
        for (const [worker, count] of counts) assert.ok(count <= 3, `worker ${worker} ran ${count} tasks`);
      });

      it('a worker that reaches maxTasksPerWorker while it still holds tasks is replaced once it is idle', { timeout: TEST_TIMEOUT }, async () => {
        const ex = make({ workers: 1, maxTasksPerWorker: 4 });
        const [first] = workerIds(ex);
        // The first run measures spin as tiny, so the next three travel in one batch; each takes a few
        // ms, so the worker reports them in separate messages: it is spent while it still holds tasks.
        assert.equal(await ex.submit(spin, [0, 'measured']), 'measured');
        const batch = await within(Promise.all([1, 2, 3].map((n) => ex.submit(spin, [5, n]))), 10_000, 'three tasks in one batch');
        assert.deepEqual(batch, [1, 2, 3]);
        const fifth = ex.submit(withWorker, ['fifth']);
        const [value, worker] = await within(fifth, 10_000, "the 5th task on a pool whose only worker ran its 4 tasks");
        assert.equal(value, 'fifth');
        assert.notEqual(worker, first, 'the spent worker was replaced');
      });

      it('recycleAboveMemoryMb replaces a worker that retains memory', { timeout: TEST_TIMEOUT }, async () => {
        // Threads are measured by their heap, processes by their RSS, which starts much higher.
        const limitMb = runtime === 'threads' ? 64 : 256;
        const ex = make({ workers: 1, recycleAboveMemoryMb: limitMb });
        const [first] = await warm(ex);
        const baseline = await ex.submit(memoryMb, []);
        assert.ok(baseline < limitMb, `a fresh worker already uses ${baseline} MiB`);
        assert.equal(await ex.submit(whoami, []), first, 'below the limit, the worker stays');
        await ex.submit(retain, [limitMb + 64]);
        await replaced(ex, first!, 1);
        assert.notEqual(await ex.submit(whoami, []), first);
      });
    });

    // ---- shutdown --------------------------------------------------------------------------

    describe('shutdown', () => {
      it('wait: true finishes running and queued work; submit afterwards throws ExecutorClosedError', { timeout: TEST_TIMEOUT }, async () => {
        const ex = make({ workers: 2 });
        await warm(ex);
        const futures = [
          ex.submit(sleep, [300, 'a']), ex.submit(sleep, [300, 'b']),
          ...Array.from({ length: 6 }, (_, i) => ex.submit(sleep, [30, i])),
        ];
        const done = ex.shutdown({ wait: true });
        assert.equal(ex.closed, true);
        assert.throws(() => ex.submit(double, [1]), ExecutorClosedError);
        await within(done, 20_000, 'shutdown({ wait: true })');
        const results = await Promise.all(futures.map((future) => settled(future)));
        assert.deepEqual(results.map((result) => result.value), ['a', 'b', 0, 1, 2, 3, 4, 5]);
        assert.equal(ex.workers().length, 0);
        assert.throws(() => ex.submit(double, [1]), (error: unknown) => error instanceof ExecutorClosedError && error.code === 'ERR_EXECUTOR_CLOSED');
      });

      it('wait: false stops a running infinite loop, cancels the rest, and resolves promptly', { timeout: TEST_TIMEOUT }, async () => {
        const ex = make({ workers: 1 });
        await warm(ex);
        const marker = tmp.file('started');
        const running = ex.submit(forever, [marker]);
        const queued = ex.submit(double, [1]);
        await waitFor(() => existsSync(marker), 'the loop started');
        await within(ex.shutdown({ wait: false }), 5_000, 'shutdown({ wait: false }) with a task in an infinite loop');
        const [r, q] = await Promise.all([settled(running), settled(queued)]);
        assert.ok(r.error instanceof CancelledError, `running task: ${String(r.error)}`);
        assert.equal(running.state, 'cancelled');
        assert.ok(q.error instanceof CancelledError, `queued task: ${String(q.error)}`);
        assert.equal(ex.workers().length, 0);
        assert.throws(() => ex.submit(double, [1]), ExecutorClosedError);
      });

      it('a worker that ignores the request to close is killed', { timeout: TEST_TIMEOUT }, async () => {
        const ex = make({ workers: 1, killGraceMs: 300 });
        assert.equal(await ex.submit(ignoreClose, []), 'stubborn');
        await within(ex.shutdown(), 10_000, 'shutdown with a worker that ignores close');
        assert.equal(ex.workers().length, 0);
      });

      it('the program exits by itself after shutdown', { timeout: TEST_TIMEOUT }, async () => {
        const child = spawn(process.execPath, ['--import', 'tsx', cleanExitScript, runtime], { stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk) => (stdout += chunk));
        child.stderr.on('data', (chunk) => (stderr += chunk));
        const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
        try {
          const code = await within(exited, 30_000, 'a program that shut its pool down');
          assert.equal(code, 0, stderr);
          assert.equal(stdout.trim(), 'result 42');
        } finally {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        }
      });
    });

    // ---- priority and placement ------------------------------------------------------------

    describe('priority', () => {
      it('runs higher priorities first, FIFO within a priority, on a 1-worker pool', { timeout: TEST_TIMEOUT }, async () => {
        const ex = make({ workers: 1 });
        await warm(ex);
        const blocker = ex.submit(sleep, [400, 'blocker']);
        await waitFor(() => blocker.state === 'running', 'the blocker was sent');
        const plan: Array<[string, number]> = [['a', 0], ['b', 1], ['c', 2], ['d', 1], ['e', 0], ['f', 2], ['g', -1], ['h', 2]];
        const futures = plan.map(([label, priority]) => ex.submit(sequence, [label], { priority }));
        const results = await Promise.all(futures);
        const order = [...results].sort((x, y) => x[1] - y[1]).map(([label]) => label);
        assert.deepEqual(order, ['c', 'f', 'h', 'b', 'd', 'a', 'e', 'g']);
      });
    });

    describe('placement', () => {
      it('where selects workers by their properties; a throwing predicate counts as false', { timeout: TEST_TIMEOUT }, async () => {
        const ex = make({ workers: 2, properties: (index) => ({ index, gpu: index === 0 }) });
        const [gpuWorker, cpuWorker] = await warm(ex);
        assert.deepEqual(ex.workers().map((worker) => worker.properties), [{ index: 0, gpu: true }, { index: 1, gpu: false }]);

        const onGpu = await Promise.all(Array.from({ length: 6 }, (_, i) => ex.submit(withWorker, [i], { where: (worker) => worker.properties.gpu === true })));
        assert.deepEqual(onGpu.map(([, worker]) => worker), Array(6).fill(gpuWorker));

        const throwsOnFirst = (worker: { properties: Readonly<Record<string, unknown>> }): boolean => {
          if (worker.properties.index === 0) throw new Error('predicate fails');
          return true;
        };
        const notFirst = await Promise.all(Array.from({ length: 6 }, (_, i) => ex.submit(withWorker, [i], { where: throwsOnFirst })));
        assert.deepEqual(notFirst.map(([, worker]) => worker), Array(6).fill(cpuWorker));
      });

      it('setWorkerProperties changes placement while running; an unknown worker id is a ValidationError', { timeout: TEST_TIMEOUT }, async () => {
        const ex = make({ workers: 2, properties: { role: 'plain' } });
        const [, second] = await warm(ex);
        const waiting = ex.submit(withWorker, ['special'], { where: (worker) => worker.properties.role === 'special' });
        await delay(200);
        assert.equal(waiting.state, 'pending', 'no worker matches yet: the task waits');
        ex.setWorkerProperties(second!, { role: 'special' });
        assert.deepEqual(await within(waiting, 10_000, 'the task placed after setWorkerProperties'), ['special', second]);
        assert.deepEqual(ex.workers().find((worker) => worker.id === second)!.properties, { role: 'special' });
        assert.throws(() => ex.setWorkerProperties('no-such-worker', { role: 'x' }), (error: unknown) => error instanceof ValidationError && error.code === 'ERR_VALIDATION');
      });
    });

    // ---- batching --------------------------------------------------------------------------

    describe('idle polling', () => {
      it('with idleSpinMicros 0 or the default, back-to-back round trips and timers in tasks all complete', { timeout: TEST_TIMEOUT }, async () => {
        for (const idleSpinMicros of [0, undefined]) {
          const ex = make({ workers: 2, idleSpinMicros });
          for (let i = 0; i < 200; i += 1) assert.equal(await ex.submit(double, [i]), i * 2);
          // A worker that polls for work must still run its event loop: a task waiting on a timer ends.
          const timed = ex.submit((ms: number) => new Promise((resolve) => setTimeout(() => resolve(ms), ms)), [20]);
          assert.equal(await within(timed, 10_000, 'a timer inside a task fires'), 20);
        }
      });

      it('rejects an invalid idleSpinMicros', () => {
        assert.throws(() => factory({ workers: 1, idleSpinMicros: -1 }), (error: unknown) =>
          error instanceof ValidationError && /idleSpinMicros/.test(error.message));
      });
    });

    describe('batching', () => {
      it('batches tiny tasks, yet one slow task does not hold them back', { timeout: TEST_TIMEOUT }, async () => {
        const ex = make({ workers: 2 });
        await warm(ex);
        // Let the pool measure the tiny task so it batches it.
        await Promise.all(Array.from({ length: 500 }, (_, i) => ex.submit(double, [i])));
        const slow = ex.submit(spin, [1500, 'slow']);
        const tiny = Array.from({ length: 2000 }, (_, i) => ex.submit(double, [i]));
        const values = await Promise.all(tiny);
        assert.deepEqual(values, Array.from({ length: 2000 }, (_, i) => i * 2));
        assert.equal(await slow, 'slow');
        const slowEnd = slow.result!.finishedAt;
        const late = tiny.filter((future) => future.result!.finishedAt >= slowEnd);
        assert.equal(late.length, 0, `${late.length} of 2000 tiny tasks finished only after the slow task (on ${new Set(late.map((f) => f.result!.workerId)).size} worker(s), the slow one on ${slow.result!.workerId})`);
      });
      for (const slowKind of ['busy', 'async'] as const) {
        it(`a slow ${slowKind} task submitted among tiny ones holds back neither the results before it nor the tasks after it`, { timeout: TEST_TIMEOUT }, async () => {
          const ex = make({ workers: 2 });
          await warm(ex);
          await Promise.all(Array.from({ length: 500 }, (_, i) => ex.submit(double, [i])));
          // One synchronous burst: the slow task (not measured yet) sits between tiny ones.
          const before = Array.from({ length: 100 }, (_, i) => ex.submit(double, [i]));
          const slow = slowKind === 'busy' ? ex.submit(spin, [1500, 'slow']) : ex.submit(sleep, [1500, 'slow']);
          const after = Array.from({ length: 300 }, (_, i) => ex.submit(double, [100 + i]));
          const tiny = [...before, ...after];
          let delivered = 0;
          let deliveredBeforeSlow = -1;
          for (const future of tiny) future.onSettled(() => (delivered += 1));
          slow.onSettled(() => (deliveredBeforeSlow = delivered));
          assert.deepEqual(await Promise.all(tiny), Array.from({ length: 400 }, (_, i) => i * 2));
          assert.equal(await slow, 'slow');
          const lateBefore = before.filter((future) => future.result!.finishedAt >= slow.result!.finishedAt).length;
          const lateAfter = after.filter((future) => future.result!.finishedAt >= slow.result!.finishedAt).length;
          assert.equal(lateAfter, 0, `${lateAfter} of the 300 tiny tasks submitted after the slow one only ran after it (slow one on ${slow.result!.workerId})`);
          assert.equal(lateBefore, 0, `${lateBefore} of the 100 tiny tasks submitted before the slow one only ran after it`);
          assert.equal(deliveredBeforeSlow, 400, `only ${deliveredBeforeSlow} of 400 tiny results were delivered before the slow task's`);
        });
      }
    });

    // ---- stats -----------------------------------------------------------------------------

    describe('stats', () => {
      it('counts done, failed, retried and cancelled; histograms have counts', { timeout: TEST_TIMEOUT }, async () => {
        const ex = make({ workers: 2 });
        await warm(ex); // 2 tasks done
        const retry = { attempts: 3, backoff: { type: 'fixed' as const, delay: 10 } };
        const ok = Array.from({ length: 5 }, (_, i) => ex.submit(double, [i]));
        const thrown = ex.submit(fail, ['once']);
        const retriedThenFailed = ex.submit(fail, ['thrice'], { retry });
        const crashThenOk = ex.submit(exitOnFirstAttempt, [tmp.file('first')], { retry });
        await Promise.all([...ok.map((future) => settled(future)), settled(thrown), settled(retriedThenFailed), settled(crashThenOk)]);
        const submitted = ok.length + 3;
        assert.equal(crashThenOk.result!.ok, true, String(crashThenOk.result!.error));
        assert.equal(retriedThenFailed.result!.attempts, 3);

        const stats = ex.stats();
        assert.equal(stats.done, 2 + 5 + 1);
        assert.equal(stats.failed, 2);
        assert.equal(stats.retried, 2 + 1);
        assert.equal(stats.cancelled, 0);
        assert.equal(stats.queued, 0);
        assert.equal(stats.running, 0);
        assert.equal(stats.waitTime.count, 2 + submitted, 'one wait per task');
        assert.ok(stats.runTime.count >= 2 + submitted, `runTime.count = ${stats.runTime.count}`);
        assert.ok(stats.runTime.max >= stats.runTime.min && stats.runTime.min > 0);
      });

      it('runTime records every attempt, retried ones included', { timeout: TEST_TIMEOUT }, async () => {
        // ExecutorStats.runTime is documented as "time from the start to the end of each attempt".
        const ex = make({ workers: 2 });
        const retry = { attempts: 3, backoff: { type: 'fixed' as const, delay: 10 } };
        await settled(ex.submit(fail, ['thrice'], { retry }));
        await settled(ex.submit(double, [1]));
        const stats = ex.stats();
        assert.equal(stats.retried, 2);
        assert.equal(stats.runTime.count, 3 + 1, 'three attempts of the failing task plus one task');
      });
    });
  });
}
