/**
 * The executor conformance suite: ONE set of tests that every backend must pass. A backend file
 * calls `executorContract(name, make, caps)`; where backends legitimately differ, a test branches on
 * a capability flag (and says why), never on the backend's name.
 *
 * Task functions below are shipped to workers as source, so each one is self-contained: helpers are
 * written inside the task, modules are loaded with `await import(...)`, and state that must survive
 * across attempts or workers lives in files under a per-suite temporary directory.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import {
  CancelledError, ExecutorClosedError, PlacementError, TaskDefinitionError, TaskError, TaskTimeoutError,
  ValidationError, WorkerCrashedError,
  type Executor, type Future, type TaskContext,
} from '../../src/index.js';
import { fib, squareTask, throwsValidation, whereAmI } from '../fixtures/tasks.js';

export interface ExecutorCapabilities {
  /**
   * Tasks run in another thread or process: closures are refused at submit, and arguments and results
   * are structured-cloned (so unserializable ones fail).
   */
  crossesBoundary: boolean;
  /** Running synchronous code can be stopped (a thread terminated, a process killed). */
  canKill: boolean;
  /** A synchronous task has already run when `submit` returns (inline). */
  runsInSubmit: boolean;
  /**
   * Several real workers: a `where` that matches no worker now waits (properties may change) instead
   * of failing at once with PlacementError as a single pseudo-worker does.
   */
  multiWorker: boolean;
  /**
   * Makes an executor of this backend that runs one task at a time, so tasks really queue behind a
   * running one. Absent for a backend that never queues (inline runs every task inside `submit`).
   */
  makeSerial?: () => Executor;
}

/** Generous, for a loaded 2-core machine: these bound hangs, they never measure speed. */
const TEST_TIMEOUT = 60_000;
const WAIT_LIMIT = 30_000;

// ---- task functions (self-contained: shipped as source) --------------------------------------

/** Waits until `gate` exists; stops when its signal is aborted; gives up after 30 s so nothing leaks. */
async function waitForGate(this: TaskContext, gate: string, value?: unknown): Promise<unknown> {
  const fs = await import('node:fs');
  const signal = this.signal;
  const deadline = Date.now() + 30_000;
  while (!fs.existsSync(gate)) {
    if (signal.aborted) throw new Error(`gate task aborted: ${String(signal.reason)}`);
    if (Date.now() > deadline) throw new Error('gate task gave up waiting');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return value;
}

/** Appends `label` to the file `log`, one line each: proves that (and in which order) tasks ran. */
async function appendLabel(log: string, label: string): Promise<string> {
  const fs = await import('node:fs');
  fs.appendFileSync(log, `${label}\n`);
  return label;
}

/** Fails its first `failures` attempts, counting attempts in the file `counter` (visible to every worker). */
async function flaky(counter: string, failures: number): Promise<number> {
  const fs = await import('node:fs');
  const attempt = (fs.existsSync(counter) ? Number(fs.readFileSync(counter, 'utf8')) : 0) + 1;
  fs.writeFileSync(counter, String(attempt));
  if (attempt <= failures) throw new Error(`attempt ${attempt} failed`);
  return attempt;
}

async function sleepThen(ms: number, value: unknown): Promise<unknown> {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return value;
}

function identity(value: unknown): unknown {
  return value;
}

function throwsRangeError(message: string): never {
  throw new RangeError(message);
}

function spinForever(): never {
  for (;;) {
    // a synchronous infinite loop: only a kill stops it
  }
}

// ---- helpers ----------------------------------------------------------------------------------

async function waitFor(condition: () => boolean, what: string, limit = WAIT_LIMIT): Promise<void> {
  const deadline = Date.now() + limit;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Settles either way and returns the error (fails the test if the future resolved). */
async function rejection(future: PromiseLike<unknown>): Promise<Error> {
  try {
    const value = await future;
    assert.fail(`expected a rejection, got ${String(value)}`);
  } catch (error) {
    if (error instanceof assert.AssertionError) throw error;
    assert.ok(error instanceof Error, `rejected with a non-Error: ${String(error)}`);
    return error;
  }
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

export function executorContract(name: string, make: () => Executor, caps: ExecutorCapabilities): void {
  describe(`executor contract: ${name}`, { timeout: TEST_TIMEOUT * 10 }, () => {
    let dir: string;
    let fileNumber = 0;
    /** A fresh path in the suite's temporary directory (nothing is created). */
    const path = (label: string): string => join(dir, `${label}-${(fileNumber += 1)}`);
    const open = (gate: string): void => writeFileSync(gate, '');
    const lines = (file: string): string[] => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);

    /** The executor most tests share; tests that shut down, kill or count get their own. */
    let ex: Executor;
    /** Executors made by `fresh`, shut down after each test even when it failed. */
    const owned = new Set<Executor>();

    const fresh = (factory: () => Executor = make): Executor => {
      const executor = factory();
      owned.add(executor);
      return executor;
    };
    const disposeOwned = async (): Promise<void> => {
      const all = [...owned];
      owned.clear();
      await Promise.all(all.map((executor) => executor.shutdown({ wait: false })));
    };

    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'taskfarm-contract-'));
      ex = make();
    });
    after(async () => {
      await disposeOwned();
      await ex.shutdown({ wait: false });
      rmSync(dir, { recursive: true, force: true });
    });

    /** `it` with the suite's timeout, disposing the test's own executors afterwards. */
    const test = (title: string, fn: () => Promise<void> | void): void => {
      it(title, { timeout: TEST_TIMEOUT }, async () => {
        try {
          await fn();
        } finally {
          await disposeOwned();
        }
      });
    };

    // ---- submit, Future, result ------------------------------------------------------------

    describe('submit and results', () => {
      test('submit returns a Future with a unique id; awaiting it gives the value', async () => {
        const futures = [1, 2, 3].map((n) => ex.submit((x: number) => x * 2, [n]));
        assert.equal(new Set(futures.map((f) => f.id)).size, 3);
        for (const f of futures) assert.equal(typeof f.id, 'string');
        assert.deepEqual(await Promise.all(futures), [2, 4, 6]);
      });

      test('result carries ok, value, workerId, ordered timestamps and attempts = 1', async () => {
        const future = ex.submit((a: number, b: number) => a + b, [20, 22]);
        assert.equal(await future, 42);
        const result = future.result;
        assert.ok(result, 'result is set once settled');
        assert.equal(result.ok, true);
        assert.equal(result.value, 42);
        assert.equal(result.id, future.id);
        assert.equal(typeof result.workerId, 'string');
        assert.ok(ex.workers().some((w) => w.id === result.workerId) || caps.multiWorker,
          `workerId ${result.workerId} names a worker`);
        assert.equal(result.attempts, 1);
        assert.ok(result.startedAt !== undefined);
        assert.ok(result.submittedAt <= result.startedAt,
          `submittedAt ${result.submittedAt} <= startedAt ${result.startedAt}`);
        assert.ok(result.startedAt <= result.finishedAt,
          `startedAt ${result.startedAt} <= finishedAt ${result.finishedAt}`);
      });

      test('state goes pending/running -> done', async () => {
        const gate = path('gate');
        const future = ex.submit(waitForGate, [gate, 'opened']);
        assert.equal(future.result, undefined);
        assert.equal(future.settled, false);
        // Inline starts the task inside submit, so it is already running; a queue says pending first.
        assert.ok(['pending', 'running'].includes(future.state), `state right after submit: ${future.state}`);
        await waitFor(() => future.state === 'running', 'the task to run');
        open(gate);
        assert.equal(await future, 'opened');
        assert.equal(future.state, 'done');
        assert.equal(future.settled, true);
      });

      test('a synchronous task is done when awaited (already done at submit when it runs in submit)', async () => {
        const future = ex.submit(() => 'sync', []);
        if (caps.runsInSubmit) assert.equal(future.state, 'done');
        assert.equal(await future, 'sync');
      });

      test('async task functions (arrow, function, method shorthand) are awaited', async () => {
        const obj = {
          async triple(n: number): Promise<number> {
            await new Promise((resolve) => setTimeout(resolve, 1));
            return n * 3;
          },
        };
        assert.equal(await ex.submit(async (n: number) => n + 1, [1]), 2);
        assert.equal(await ex.submit(sleepThen, [5, 'slept']), 'slept');
        assert.equal(await ex.submit(obj.triple, [5]), 15);
      });

      test('BigInt, Map, Set, Date, typed arrays, nested objects round-trip', async () => {
        const value = {
          big: 2n ** 100n,
          map: new Map<unknown, unknown>([[1, 'one'], ['k', { deep: [1, 2] }]]),
          set: new Set(['a', 'b']),
          date: new Date(Date.UTC(2020, 1, 29, 12)),
          bytes: new Uint8Array([1, 2, 255]),
          floats: new Float64Array([0.5, -1e300, Number.NaN]),
          nested: { list: [null, true, 'x', -0] },
          regexp: /ab+c/gi,
        };
        const back = await ex.submit(identity, [value]);
        assert.deepEqual(back, value);
      });

      test('values that JSON would change round-trip exactly: undefined, -0, NaN, holes', async () => {
        const sparse: unknown[] = [1];
        sparse[2] = 3;
        const values: unknown[] = [
          [undefined, -0, Number.NaN, Infinity], { a: undefined, b: [undefined] }, sparse,
          { plain: { list: [1, 'two', null] }, when: new Date(0) }, 'text ü 🚀', -0, null,
        ];
        for (const value of values) {
          const back = await ex.submit(identity, [value]);
          assert.deepEqual(back, value);
          if (value === sparse) assert.equal(1 in (back as unknown[]), false, 'the hole stays a hole');
          if (Array.isArray(value) && value.length === 4) assert.ok(Object.is((back as unknown[])[1], -0), '-0 stays -0');
        }
      });

      test('a task returning undefined (or nothing) resolves to undefined with ok = true', async () => {
        const future = ex.submit(() => undefined, []);
        assert.equal(await future, undefined);
        assert.equal(future.result?.ok, true);
        const nothing = ex.submit((_x: number) => {
          // returns nothing
        }, [1]);
        assert.equal(await nothing, undefined);
      });

      test('the task sees its worker id (context) equal to result.workerId', async () => {
        const fromThis = ex.submit(function me(this: TaskContext) {
          return this.workerId;
        }, []);
        assert.equal(await fromThis, fromThis.result?.workerId);
        const fromModule = ex.submit(whereAmI, []);
        assert.equal(await fromModule, fromModule.result?.workerId);
      });
    });

    // ---- errors ------------------------------------------------------------------------------

    describe('errors', () => {
      test('a thrown Error rejects with its name, message and the remote stack', async () => {
        const future = ex.submit(throwsRangeError, ['out of range']);
        const error = await rejection(future);
        assert.ok(error instanceof TaskError || error instanceof RangeError, `class: ${error.constructor.name}`);
        assert.equal(error.name, 'RangeError');
        assert.equal(error.message, 'out of range');
        assert.ok(error.stack?.includes('throwsRangeError'), `stack names the task function:\n${error.stack}`);
        assert.equal(future.state, 'failed');
        const result = future.result;
        assert.ok(result);
        assert.equal(result.ok, false);
        assert.equal(result.error, error);
        assert.equal(result.attempts, 1);
      });

      test('a custom Error subclass keeps its name', async () => {
        const error = await rejection(ex.submit(function throwsCustom() {
          class QuotaExceeded extends Error {
            constructor(message: string) {
              super(message);
              this.name = 'QuotaExceeded';
            }
          }
          throw new QuotaExceeded('over quota');
        }, []));
        assert.equal(error.name, 'QuotaExceeded');
        assert.equal(error.message, 'over quota');
      });

      test('a cause chain survives', async () => {
        const error = await rejection(ex.submit(function throwsWithCause() {
          const root = new TypeError('root cause');
          throw new Error('outer', { cause: new Error('middle', { cause: root }) });
        }, []));
        assert.equal(error.message, 'outer');
        const middle = error.cause as Error;
        assert.ok(middle instanceof Error);
        assert.equal(middle.message, 'middle');
        const root = middle.cause as Error;
        assert.ok(root instanceof Error);
        assert.equal(root.message, 'root cause');
        assert.equal(root.name, 'TypeError');
      });

      test('a thrown string becomes a TaskError with a clear message and `thrown`', async () => {
        const error = await rejection(ex.submit(() => {
          throw 'plain string failure';
        }, []));
        assert.ok(error instanceof TaskError);
        assert.equal(error.code, 'ERR_TASK_FAILED');
        assert.match(error.message, /plain string failure/);
        assert.equal(error.thrown, 'plain string failure');
      });

      test('a thrown undefined becomes a TaskError naming it', async () => {
        const future = ex.submit(() => {
          throw undefined;
        }, []);
        const error = await rejection(future);
        assert.ok(error instanceof TaskError);
        assert.match(error.message, /undefined/);
        assert.ok('thrown' in error);
        assert.equal(error.thrown, undefined);
        assert.equal(future.result?.ok, false);
        assert.equal(future.result?.error, error);
      });

      test('a thrown plain object is kept in `thrown`', async () => {
        const error = await rejection(ex.submit(() => {
          throw { reason: 'bad', code: 7 };
        }, []));
        assert.ok(error instanceof TaskError);
        assert.deepEqual(error.thrown, { reason: 'bad', code: 7 });
      });

      test('a rejected promise is a failure like a throw', async () => {
        const error = await rejection(ex.submit(async function rejectsLater() {
          await new Promise((resolve) => setTimeout(resolve, 1));
          throw new SyntaxError('late');
        }, []));
        assert.equal(error.name, 'SyntaxError');
        assert.equal(error.message, 'late');
      });

      test('a taskfarm error class thrown in a task comes back as that class', async () => {
        const error = await rejection(ex.submit(throwsValidation, ['bad input in task']));
        assert.ok(error instanceof ValidationError, `class: ${error.constructor.name}`);
        assert.equal(error.code, 'ERR_VALIDATION');
        assert.equal(error.message, 'bad input in task');
      });

      test('a system error keeps its code and errno (as details, or as itself in-process)', async () => {
        const error = await rejection(ex.submit(async function readMissing(file: string) {
          const fs = await import('node:fs');
          return fs.readFileSync(file);
        }, [path('missing')]));
        const props = error instanceof TaskError ? error.details : (error as unknown as Record<string, unknown>);
        assert.equal(props?.code, 'ENOENT');
        assert.equal(typeof props?.errno, 'number');
      });
    });

    describe('errors that resist serialization', () => {
      test('an error with a throwing property getter fails that task, not the worker', async () => {
        const future = ex.submit(function throwsTrappedError() {
          const error = new Error('error with a broken getter');
          Object.defineProperty(error, 'code', { enumerable: true, get() { throw new Error('getter trap'); } });
          throw error;
        }, []);
        const error = await rejection(future);
        assert.ok(!(error instanceof WorkerCrashedError), `the worker died: ${error.message}`);
        assert.equal(error.message, 'error with a broken getter');
        assert.equal(await ex.submit(identity, ['next']), 'next');
      });
    });

    // ---- map ---------------------------------------------------------------------------------

    describe('map', () => {
      test('ordered results come in input order', async () => {
        const inputs = [5, 0, 4, 1, 3, 2];
        const results = await collect(ex.map(async (n: number) => {
          await new Promise((resolve) => setTimeout(resolve, n * 15));
          return n * n;
        }, inputs));
        assert.deepEqual(results.map((r) => r.ok), inputs.map(() => true));
        assert.deepEqual(results.map((r) => r.value), inputs.map((n) => n * n));
      });

      test('ordered: false yields every result', async () => {
        const inputs = Array.from({ length: 20 }, (_, i) => i);
        const results = await collect(ex.map((n: number) => n + 100, inputs, { ordered: false }));
        assert.equal(results.length, inputs.length);
        assert.deepEqual(results.map((r) => r.value as number).sort((a, b) => a - b), inputs.map((n) => n + 100));
      });

      test('failures are { ok: false } entries, never thrown', async () => {
        for (const ordered of [true, false]) {
          const results = await collect(ex.map((n: number) => {
            if (n % 2 === 1) throw new Error(`odd ${n}`);
            return n;
          }, [0, 1, 2, 3], { ordered }));
          assert.equal(results.length, 4);
          const failures = results.filter((r) => !r.ok);
          assert.equal(failures.length, 2);
          for (const failure of failures) {
            assert.ok(failure.error instanceof Error);
            assert.match(failure.error.message, /^odd [13]$/);
          }
          if (ordered) {
            assert.deepEqual(results.map((r) => r.ok), [true, false, true, false]);
            assert.equal(results[1]?.error?.message, 'odd 1');
          }
        }
      });

      test('breaking out of the loop cancels the rest', async () => {
        const executor = fresh();
        const gate = path('never-opened');
        const inputs = Array.from({ length: 8 }, (_, i) => ({ i, gate }));
        const seen: number[] = [];
        for await (const result of executor.map(async function mapped(this: TaskContext, input: { i: number; gate: string }) {
          if (input.i === 0) return 0;
          const fs = await import('node:fs');
          const signal = this.signal;
          const deadline = Date.now() + 30_000;
          while (!fs.existsSync(input.gate) && Date.now() < deadline) {
            if (signal.aborted) throw new Error('aborted');
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
          return input.i;
        }, inputs)) {
          seen.push(result.value as number);
          break;
        }
        assert.deepEqual(seen, [0]);
        const stats = executor.stats();
        assert.equal(stats.cancelled, 7, `cancelled after break: ${JSON.stringify(stats)}`);
        assert.equal(stats.done, 1);
        await waitFor(() => executor.stats().queued === 0 && executor.stats().running === 0, 'nothing left queued or running');
      });

      test('an async iterable input works', async () => {
        async function* numbers(): AsyncGenerator<number> {
          for (let i = 0; i < 5; i += 1) {
            await new Promise((resolve) => setTimeout(resolve, 1));
            yield i;
          }
        }
        const results = await collect(ex.map((n: number) => n * 10, numbers()));
        assert.deepEqual(results.map((r) => r.value), [0, 10, 20, 30, 40]);
      });

      test('an endless input stays bounded by lookahead, and breaking out stops it', async () => {
        let produced = 0;
        function* endless(): Generator<number> {
          for (;;) yield (produced += 1);
        }
        const seen: number[] = [];
        for await (const result of ex.map((n: number) => n * 2, endless(), { lookahead: 4 })) {
          seen.push(result.value as number);
          if (seen.length === 10) break;
        }
        assert.deepEqual(seen, [2, 4, 6, 8, 10, 12, 14, 16, 18, 20]);
        assert.ok(produced <= 10 + 4 + 1, `the input was read ahead by ${produced - 10}`);
      });

      test('an empty input yields nothing', async () => {
        assert.deepEqual(await collect(ex.map((n: number) => n, [])), []);
      });
    });

    // ---- priority ----------------------------------------------------------------------------

    describe('priority', () => {
      test('with the worker busy, higher priority runs first, FIFO within a priority', async (): Promise<void> => {
        if (!caps.makeSerial) return; // inline runs each task inside submit: nothing ever waits in a queue
        const serial = fresh(caps.makeSerial);
        const gate = path('gate');
        const log = path('order');
        const blocker = serial.submit(waitForGate, [gate]);
        await waitFor(() => blocker.state === 'running', 'the blocker to run');
        const plan: Array<[string, number]> = [['a', 0], ['b', 1], ['c', 0], ['d', 2], ['e', 1], ['f', -1], ['g', 2]];
        const futures = plan.map(([label, priority]) => serial.submit(appendLabel, [log, label], { priority }));
        open(gate);
        await blocker;
        await Promise.all(futures);
        assert.deepEqual(lines(log), ['d', 'g', 'b', 'e', 'a', 'c', 'f']);
      });
    });

    // ---- cancel ------------------------------------------------------------------------------

    describe('cancel', () => {
      test('a queued task cancelled settles CancelledError and never runs', async (): Promise<void> => {
        if (!caps.makeSerial) return; // inline never queues: a task has run (or started) when submit returns
        const serial = fresh(caps.makeSerial);
        const gate = path('gate');
        const log = path('ran');
        const blocker = serial.submit(waitForGate, [gate]);
        await waitFor(() => blocker.state === 'running', 'the blocker to run');
        const victim = serial.submit(appendLabel, [log, 'victim']);
        const survivor = serial.submit(appendLabel, [log, 'survivor']);
        assert.equal(victim.state, 'pending');
        assert.equal(victim.cancel(), true);
        assert.equal(victim.state, 'cancelled');
        const error = await rejection(victim);
        assert.ok(error instanceof CancelledError);
        assert.equal(error.code, 'ERR_CANCELLED');
        assert.equal(victim.result?.ok, false);
        assert.equal(victim.result?.attempts, 0);
        assert.equal(victim.cancel(), false, 'cancel returns false once settled');
        open(gate);
        await blocker;
        assert.equal(await survivor, 'survivor');
        assert.deepEqual(lines(log), ['survivor'], 'the cancelled task never ran');
      });

      test('a task handed to a busy worker can be cancelled without harming the running one', async (): Promise<void> => {
        if (!caps.makeSerial) return; // inline never queues
        const serial = fresh(caps.makeSerial);
        // Warm up: the pool learns that both task functions are tiny, and may then send several
        // tasks to a worker that is still busy (batching): a usually-fast task that this time blocks
        // has tasks waiting behind it on the worker, which have not started.
        const scratch = path('warm');
        const warmGate = path('warm-gate');
        open(warmGate);
        for (let i = 0; i < 20; i += 1) {
          await serial.submit(appendLabel, [scratch, `warm ${i}`]);
          await serial.submit(waitForGate, [warmGate, i]);
        }
        const gate = path('gate');
        const log = path('ran');
        const blocker = serial.submit(waitForGate, [gate, 'blocker']);
        await waitFor(() => blocker.state === 'running', 'the blocker to run');
        const victims = Array.from({ length: 5 }, (_, i) => serial.submit(appendLabel, [log, `victim ${i}`]));
        await new Promise((resolve) => setTimeout(resolve, 50)); // let them be dispatched if they will be
        for (const v of victims) assert.equal(v.cancel(), true);
        for (const v of victims) assert.ok((await rejection(v)) instanceof CancelledError);
        await new Promise((resolve) => setTimeout(resolve, 400)); // past any abort grace
        open(gate);
        assert.equal(await blocker.then((v) => v, (e: unknown) => `${(e as Error).name}: ${(e as Error).message}`), 'blocker',
          'the running task was not disturbed by cancelling the tasks behind it');
        assert.equal(await serial.submit(identity, ['after']), 'after');
        assert.deepEqual(lines(log), [], 'no cancelled task ran');
      });

      test('a running task can be cancelled: CancelledError, state cancelled', async () => {
        const gate = path('never-opened');
        const future = ex.submit(waitForGate, [gate]);
        await waitFor(() => future.state === 'running', 'the task to run');
        assert.equal(future.cancel('stop now'), true);
        const error = await rejection(future);
        assert.ok(error instanceof CancelledError);
        assert.equal(future.state, 'cancelled');
        assert.equal(future.cancel(), false);
        assert.equal(await ex.submit(identity, ['still works']), 'still works');
      });

      test('cancel returns false once the task is done', async () => {
        const future = ex.submit(identity, [1]);
        await future;
        assert.equal(future.cancel(), false);
        assert.equal(future.state, 'done');
        assert.equal(future.result?.ok, true);
      });

      test('aborting an AbortSignal option cancels the task', async () => {
        const controller = new AbortController();
        const future = ex.submit(waitForGate, [path('never-opened')], { signal: controller.signal });
        await waitFor(() => future.state === 'running', 'the task to run');
        controller.abort();
        assert.ok((await rejection(future)) instanceof CancelledError);
        assert.equal(future.state, 'cancelled');
      });

      test('an already-aborted signal gives a cancelled future and the task never runs', async () => {
        const log = path('ran');
        const future = ex.submit(appendLabel, [log, 'ran'], { signal: AbortSignal.abort('no') });
        assert.ok((await rejection(future)) instanceof CancelledError);
        assert.equal(future.state, 'cancelled');
        assert.equal(future.result?.attempts, 0);
        await ex.submit(identity, [0]);
        assert.deepEqual(lines(log), []);
      });
    });

    // ---- timeout -----------------------------------------------------------------------------

    describe('timeout', () => {
      test('an async task that never resolves fails with TaskTimeoutError', async () => {
        const future = ex.submit(() => new Promise<never>(() => undefined), [], { timeout: 100 });
        const error = await rejection(future);
        assert.ok(error instanceof TaskTimeoutError, `class: ${error.constructor.name}: ${error.message}`);
        assert.equal(error.code, 'ERR_TASK_TIMEOUT');
        assert.equal(error.timeout, 100);
        assert.equal(future.state, 'failed');
        assert.equal(future.result?.ok, false);
        assert.equal(await ex.submit(identity, ['next']), 'next');
      });

      test('a task that finishes in time is not affected by its timeout', async () => {
        assert.equal(await ex.submit(sleepThen, [1, 'in time'], { timeout: 20_000 }), 'in time');
      });

      test('a synchronous infinite loop times out and the executor keeps working', async (): Promise<void> => {
        if (!caps.canKill) return; // in-process backends cannot stop running synchronous code
        const future = ex.submit(spinForever, [], { timeout: 200 });
        const error = await rejection(future);
        assert.ok(error instanceof TaskTimeoutError, `class: ${error.constructor.name}: ${error.message}`);
        assert.equal(error.code, 'ERR_TASK_TIMEOUT');
        const next = await Promise.all([1, 2, 3, 4].map((n) => ex.submit((x: number) => x + 1, [n])));
        assert.deepEqual(next, [2, 3, 4, 5]);
      });
    });

    // ---- retry -------------------------------------------------------------------------------

    describe('retry', () => {
      test('a task failing its first N attempts succeeds with attempts = N + 1', async () => {
        const counter = path('counter');
        const future = ex.submit(flaky, [counter, 2], { retry: { attempts: 4, backoff: { type: 'fixed', delay: 1 } } });
        assert.equal(await future, 3);
        assert.equal(future.result?.attempts, 3);
        assert.equal(future.state, 'done');
      });

      test('retryOn returning false stops retrying', async () => {
        const counter = path('counter');
        const seen: Array<[string, number]> = [];
        const future = ex.submit(flaky, [counter, 5], {
          retry: {
            attempts: 5, backoff: { delay: 1 },
            retryOn: (error, attempt) => {
              seen.push([error.message, attempt]);
              return false;
            },
          },
        });
        const error = await rejection(future);
        assert.equal(error.message, 'attempt 1 failed');
        assert.equal(future.result?.attempts, 1);
        assert.deepEqual(seen, [['attempt 1 failed', 1]]);
        assert.equal(readFileSync(counter, 'utf8'), '1');
      });

      test('exhausted attempts fail with the last error', async () => {
        const counter = path('counter');
        const future = ex.submit(flaky, [counter, 10], { retry: { attempts: 3, backoff: { type: 'exponential', delay: 1 } } });
        const error = await rejection(future);
        assert.equal(error.message, 'attempt 3 failed');
        assert.equal(future.result?.attempts, 3);
        assert.equal(future.state, 'failed');
      });

      test('fixed, exponential and function backoffs are accepted', async () => {
        const backoffs = [
          { type: 'fixed' as const, delay: 5 },
          { type: 'exponential' as const, delay: 2, maxDelay: 10, jitter: 0.5 },
          (_attempt: number, _error: Error) => 3,
        ];
        for (const backoff of backoffs) {
          const future = ex.submit(flaky, [path('counter'), 1], { retry: { attempts: 2, backoff } });
          assert.equal(await future, 2);
          assert.equal(future.result?.attempts, 2);
        }
      });

      test('an attempt that timed out is retried', async () => {
        const counter = path('counter');
        const future = ex.submit(async function hangsOnce(file: string) {
          const fs = await import('node:fs');
          const attempt = (fs.existsSync(file) ? Number(fs.readFileSync(file, 'utf8')) : 0) + 1;
          fs.writeFileSync(file, String(attempt));
          if (attempt === 1) await new Promise(() => undefined); // never settles
          return attempt;
        }, [counter], { timeout: 300, retry: { attempts: 2, backoff: { delay: 1 } } });
        assert.equal(await future, 2);
        assert.equal(future.result?.attempts, 2);
      });

      test('a task waiting for its retry can be cancelled', async () => {
        const counter = path('counter');
        const future = ex.submit(flaky, [counter, 5], { retry: { attempts: 3, backoff: { type: 'fixed', delay: 20_000 } } });
        await waitFor(() => existsSync(counter), 'the first attempt');
        await waitFor(() => future.state === 'pending', 'the task to wait for its retry');
        assert.equal(future.cancel(), true);
        const error = await rejection(future);
        assert.ok(error instanceof CancelledError, `class: ${error.constructor.name}`);
        assert.equal(future.state, 'cancelled');
        assert.equal(readFileSync(counter, 'utf8'), '1');
      });

      test('shutdown waits for a task that is between attempts', async () => {
        const executor = fresh();
        const counter = path('counter');
        const future = executor.submit(flaky, [counter, 1], { retry: { attempts: 2, backoff: { type: 'fixed', delay: 100 } } });
        await waitFor(() => existsSync(counter), 'the first attempt');
        await executor.shutdown();
        assert.equal(future.state, 'done');
        assert.equal(future.result?.value, 2);
      });

      test('invalid retry options throw ValidationError at submit, naming the option', () => {
        const cases: Array<[unknown, RegExp]> = [
          [{ attempts: 0 }, /retry\.attempts/],
          [{ attempts: 1.5 }, /retry\.attempts/],
          [{}, /retry\.attempts/],
          [{ attempts: 2, retryOn: 'yes' }, /retry\.retryOn/],
          [{ attempts: 2, backoff: { type: 'linear' } }, /retry\.backoff\.type/],
          [{ attempts: 2, backoff: { delay: -1 } }, /retry\.backoff\.delay/],
          [{ attempts: 2, backoff: { maxDelay: 'x' } }, /retry\.backoff\.maxDelay/],
          [{ attempts: 2, backoff: { jitter: 2 } }, /retry\.backoff\.jitter/],
          [{ attempts: 2, backoff: 7 }, /retry\.backoff/],
          ['3', /retry/],
        ];
        for (const [retry, pattern] of cases) {
          assert.throws(() => ex.submit(identity, [1], { retry } as never), (error: unknown) => {
            assert.ok(error instanceof ValidationError, `retry ${JSON.stringify(retry)}: ${String(error)}`);
            assert.match(error.message, pattern);
            return true;
          });
        }
      });
    });

    // ---- where -------------------------------------------------------------------------------

    describe('where (placement)', () => {
      test('workers() lists ids and properties; setWorkerProperties changes them', () => {
        const executor = fresh();
        const workers = executor.workers();
        assert.ok(workers.length >= 1);
        assert.equal(new Set(workers.map((w) => w.id)).size, workers.length, 'ids are unique');
        for (const w of workers) {
          assert.equal(typeof w.id, 'string');
          assert.deepEqual({ ...w.properties }, {});
          assert.equal(typeof w.busy, 'boolean');
          assert.equal(typeof w.runtime, 'string');
        }
        const target = workers[workers.length - 1]!.id;
        executor.setWorkerProperties(target, { role: 'gpu', ram: 64 });
        const after = executor.workers().find((w) => w.id === target);
        assert.deepEqual({ ...after?.properties }, { role: 'gpu', ram: 64 });
        assert.throws(() => executor.setWorkerProperties('no-such-worker', {}), ValidationError);
      });

      test('a task whose where matches only one worker runs there', async () => {
        const executor = fresh();
        const workers = executor.workers();
        const target = workers[workers.length - 1]!.id;
        executor.setWorkerProperties(target, { role: 'gpu' });
        const futures = Array.from({ length: 6 }, (_, i) => executor.submit(identity, [i], {
          where: (w) => w.properties.role === 'gpu',
        }));
        assert.deepEqual(await Promise.all(futures), [0, 1, 2, 3, 4, 5]);
        for (const f of futures) assert.equal(f.result?.workerId, target);
      });

      test('a where that matches no worker: PlacementError (one worker) or waits until one matches', async () => {
        const executor = fresh();
        const future = executor.submit(identity, ['placed'], { where: (w) => w.properties.zone === 'eu' });
        if (!caps.multiWorker) {
          // A single pseudo-worker in this process: nothing can ever match, so it fails at once.
          const error = await rejection(future);
          assert.ok(error instanceof PlacementError, `class: ${error.constructor.name}`);
          assert.equal(error.code, 'ERR_PLACEMENT');
          return;
        }
        // Real workers: properties can change, so the task waits for one that matches.
        await new Promise((resolve) => setTimeout(resolve, 100));
        assert.equal(future.state, 'pending');
        const target = executor.workers()[0]!.id;
        executor.setWorkerProperties(target, { zone: 'eu' });
        assert.equal(await future, 'placed');
        assert.equal(future.result?.workerId, target);
      });

      test('a where predicate that throws counts as no match', async () => {
        const executor = fresh();
        const future = executor.submit(identity, [1], { where: () => { throw new Error('broken predicate'); } });
        if (!caps.multiWorker) {
          assert.ok((await rejection(future)) instanceof PlacementError);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
        assert.equal(future.state, 'pending');
        // At shutdown a task that fits no worker is failed, not left hanging.
        await executor.shutdown();
        assert.ok((await rejection(future)) instanceof PlacementError);
      });
    });

    // ---- stats -------------------------------------------------------------------------------

    describe('messages between a running task and the host', () => {
      test('a task sends messages and gets answers to its requests; a slow answer times out', async () => {
        const executor = fresh();
        const received: unknown[] = [];
        const value = await executor.submit(async function talk(this: TaskContext, n: number) {
          this.send({ progress: 0.5 });
          const answer = await this.request({ double: n });
          let late = 'answered';
          try {
            await this.request('never', { timeout: 50 });
          } catch (error) {
            late = (error as Error).name;
          }
          return { answer, late };
        }, [21], {
          messages: {
            message: (message) => received.push(message),
            request: (message) => (message === 'never' ? new Promise(() => undefined) : (message as { double: number }).double * 2),
          },
        });
        assert.deepEqual(value, { answer: 42, late: 'TaskTimeoutError' });
        assert.deepEqual(received, [{ progress: 0.5 }]);
      });

      test('a request without a handler, or whose handler throws, is rejected in the task with a clear error', async () => {
        const executor = fresh();
        const ask = async function ask(this: TaskContext): Promise<string> {
          try {
            await this.request('anyone?');
            return 'answered';
          } catch (error) {
            return (error as Error).message;
          }
        };
        assert.match(await executor.submit(ask, []), /does not answer requests/);
        assert.match(await executor.submit(ask, [], { messages: { request: () => { throw new Error('host is busy'); } } }), /host is busy/);
      });

      test('an invalid messages option throws ValidationError at submit', () => {
        const executor = fresh();
        assert.throws(() => executor.submit(identity, [1], { messages: { request: 42 } as never }), ValidationError);
      });
    });

    describe('stats', () => {
      test('counts done, failed, cancelled and retried, and histograms count', async () => {
        const executor = fresh();
        const empty = executor.stats();
        assert.equal(empty.done + empty.failed + empty.cancelled + empty.retried, 0);
        assert.equal(empty.runTime.count, 0);
        await executor.submit(identity, [1]);
        await executor.submit(identity, [2]);
        await rejection(executor.submit(throwsRangeError, ['x']));
        await executor.submit(flaky, [path('counter'), 1], { retry: { attempts: 2, backoff: { delay: 1 } } });
        await rejection(executor.submit(identity, [3], { signal: AbortSignal.abort() }));
        const stats = executor.stats();
        assert.equal(stats.done, 3);
        assert.equal(stats.failed, 1);
        assert.equal(stats.cancelled, 1);
        assert.equal(stats.retried, 1);
        assert.equal(stats.queued, 0);
        assert.equal(stats.running, 0);
        // Run time counts every attempt (5: two tasks, one failure, two attempts of the retried one);
        // wait time counts every task that started (4).
        assert.equal(stats.runTime.count, 5, `runTime: ${JSON.stringify(stats.runTime)}`);
        assert.equal(stats.waitTime.count, 4, `waitTime: ${JSON.stringify(stats.waitTime)}`);
        for (const h of [stats.runTime, stats.waitTime]) {
          assert.ok(h.min >= 0 && h.min <= h.p50 && h.p50 <= h.p90 && h.p90 <= h.p99 && h.p99 <= h.max, JSON.stringify(h));
          assert.ok(h.mean >= h.min && h.mean <= h.max, JSON.stringify(h));
        }
      });

      test('workers() counts done and failed per worker', async () => {
        const executor = fresh();
        await executor.submit(identity, [1]);
        await rejection(executor.submit(throwsRangeError, ['x']));
        const workers = executor.workers();
        assert.equal(workers.reduce((sum, w) => sum + w.done, 0), 1);
        assert.equal(workers.reduce((sum, w) => sum + w.failed, 0), 1);
      });
    });

    // ---- shutdown ----------------------------------------------------------------------------

    describe('shutdown', () => {
      test('wait = true (the default) finishes queued and running work', async () => {
        const executor = fresh();
        const futures = Array.from({ length: 6 }, (_, i) => executor.submit(sleepThen, [20, i]));
        await executor.shutdown();
        assert.equal(executor.closed, true);
        for (const [i, f] of futures.entries()) {
          assert.equal(f.state, 'done', `task ${i} is done when shutdown resolves`);
          assert.equal(f.result?.value, i);
        }
      });

      test('cancelPending cancels queued tasks and lets the running one finish', async (): Promise<void> => {
        if (!caps.makeSerial) return; // inline never has queued tasks
        const serial = fresh(caps.makeSerial);
        const gate = path('gate');
        const log = path('ran');
        const running = serial.submit(waitForGate, [gate, 'finished']);
        await waitFor(() => running.state === 'running', 'the task to run');
        const queued = [1, 2, 3].map((n) => serial.submit(appendLabel, [log, `queued ${n}`]));
        const closing = serial.shutdown({ cancelPending: true });
        for (const f of queued) assert.ok((await rejection(f)) instanceof CancelledError);
        open(gate);
        await closing;
        assert.equal(await running, 'finished');
        assert.deepEqual(lines(log), []);
      });

      test('wait = false stops running work (cancelled) and resolves', async () => {
        const executor = fresh();
        // A backend that can kill proves it on code that never yields; others on code that waits.
        const running = caps.canKill
          ? executor.submit(spinForever, [])
          : executor.submit(waitForGate, [path('never-opened')]);
        await waitFor(() => running.state === 'running', 'the task to run');
        if (caps.canKill) await new Promise((resolve) => setTimeout(resolve, 50)); // let it start spinning
        const queued = Array.from({ length: 4 }, () => executor.submit(waitForGate, [path('never-opened')]));
        await executor.shutdown({ wait: false });
        assert.ok((await rejection(running)) instanceof CancelledError);
        assert.equal(running.state, 'cancelled');
        for (const f of queued) assert.ok((await rejection(f)) instanceof CancelledError);
      });

      test('submit after shutdown throws ExecutorClosedError', async () => {
        const executor = fresh();
        const closing = executor.shutdown();
        assert.equal(executor.closed, true);
        assert.throws(() => executor.submit(identity, [1]), (error: unknown) => {
          assert.ok(error instanceof ExecutorClosedError);
          assert.equal(error.code, 'ERR_EXECUTOR_CLOSED');
          return true;
        });
        await closing;
        assert.throws(() => executor.submit(identity, [1]), ExecutorClosedError);
      });

      test('shutting down twice is fine; right after creation too', async () => {
        const executor = fresh();
        const first = executor.shutdown();
        const second = executor.shutdown();
        await Promise.all([first, second]);
        await executor.shutdown({ wait: false });
        assert.equal(executor.closed, true);
      });

      test('`await using` shuts the executor down at the end of the block, after its work', async () => {
        let outside: Executor | undefined;
        let future: Future<unknown> | undefined;
        {
          await using executor = make();
          outside = executor;
          future = executor.submit(sleepThen, [20, 'disposed after']);
        }
        assert.equal(outside.closed, true);
        assert.equal(future.state, 'done');
        assert.equal(future.result?.value, 'disposed after');
      });
    });

    // ---- bad input -------------------------------------------------------------------------

    describe('bad input at submit', () => {
      test('non-array args throw ValidationError', () => {
        for (const args of [5, 'abc', { 0: 1, length: 1 }, undefined, null]) {
          assert.throws(() => ex.submit(identity, args as never), ValidationError, `args ${String(args)}`);
        }
      });

      test('invalid timeout, priority, where, signal throw ValidationError naming the option', () => {
        const cases: Array<[Record<string, unknown>, RegExp]> = [
          [{ timeout: 0 }, /timeout/], [{ timeout: -5 }, /timeout/], [{ timeout: '100' }, /timeout/],
          [{ timeout: Number.NaN }, /timeout/], [{ timeout: Infinity }, /timeout/],
          [{ priority: 'high' }, /priority/], [{ priority: Number.NaN }, /priority/], [{ priority: Infinity }, /priority/],
          [{ where: 'gpu' }, /where/], [{ where: { gpu: true } }, /where/],
          [{ signal: {} }, /signal/],
        ];
        for (const [options, pattern] of cases) {
          assert.throws(() => ex.submit(identity, [1], options as never), (error: unknown) => {
            assert.ok(error instanceof ValidationError, `${JSON.stringify(options)}: ${String(error)}`);
            assert.match(error.message, pattern);
            return true;
          });
        }
      });

      test('a task that is not a function or reference throws TaskDefinitionError', () => {
        for (const task of [42, 'fib', null, undefined, { module: 'x' }, {}]) {
          assert.throws(() => ex.submit(task as never, []), (error: unknown) => {
            assert.ok(error instanceof TaskDefinitionError, `task ${String(task)}: ${String(error)}`);
            assert.equal(error.code, 'ERR_TASK_DEFINITION');
            return true;
          });
        }
      });

      test('a rejected submit leaves the executor working and counts nothing', async () => {
        const executor = fresh();
        assert.throws(() => executor.submit(identity, 1 as never), ValidationError);
        assert.throws(() => executor.submit(identity, [1], { timeout: -1 }), ValidationError);
        assert.equal(await executor.submit(identity, ['fine']), 'fine');
        const stats = executor.stats();
        assert.equal(stats.done, 1);
        assert.equal(stats.failed + stats.cancelled, 0);
      });
    });

    // ---- tasks by reference (modules) ------------------------------------------------------

    describe('module tasks', () => {
      const tsModule = new URL('../fixtures/tasks.ts', import.meta.url).href;
      const jsModule = new URL('../fixtures/tasks.mjs', import.meta.url).href;

      test('a defineTask task from a TypeScript module runs', async () => {
        assert.equal(await ex.submit(fib, [20]), 6765);
        // Exported as `squareTask`, defined as `square`: found by the defined name.
        assert.equal(await ex.submit(squareTask, [12]), 144);
        const results = await collect(ex.map(fib, [1, 2, 3, 4, 5, 6]));
        assert.deepEqual(results.map((r) => r.value), [1, 1, 2, 3, 5, 8]);
      });

      test('a { module, export } reference to a plain-JS module works (URL or path)', async () => {
        assert.equal(await ex.submit({ module: jsModule, export: 'double' }, [21]), 42);
        assert.equal(await ex.submit({ module: new URL(jsModule).pathname, export: 'delayedEcho' }, ['echo', 5]), 'echo');
        const error = await rejection(ex.submit({ module: jsModule, export: 'fails' }, ['from module']));
        assert.equal(error.name, 'TypeError');
        assert.equal(error.message, 'from module');
        assert.equal(await ex.submit({ module: tsModule, export: 'fib' }, [10]), 55);
      });

      test('an unknown module fails with TaskDefinitionError naming it', async () => {
        const missing = pathToFileURL(join(dir, 'no-such-module.mjs')).href;
        const future = ex.submit({ module: missing, export: 'anything' }, []);
        const error = await rejection(future);
        assert.ok(error instanceof TaskDefinitionError, `class: ${error.constructor.name}: ${error.message}`);
        assert.ok(error.message.includes('no-such-module.mjs'), error.message);
        // A definition error is never retried.
        const retried = ex.submit({ module: missing, export: 'anything' }, [], { retry: { attempts: 3, backoff: { delay: 1 } } });
        await rejection(retried);
        assert.equal(retried.result?.attempts, 1);
      });

      test('an unknown export fails with TaskDefinitionError naming it and listing the exports', async () => {
        const error = await rejection(ex.submit({ module: jsModule, export: 'tripple' }, [1]));
        assert.ok(error instanceof TaskDefinitionError, `class: ${error.constructor.name}: ${error.message}`);
        assert.match(error.message, /tripple/);
        for (const name of ['double', 'delayedEcho', 'fails']) assert.ok(error.message.includes(name), error.message);
        const notFunction = await rejection(ex.submit({ module: jsModule, export: 'notAFunction' }, []));
        assert.ok(notFunction instanceof TaskDefinitionError);
        assert.match(notFunction.message, /notAFunction/);
        // The executor still runs other tasks of the same module.
        assert.equal(await ex.submit({ module: jsModule, export: 'double' }, [4]), 8);
      });
    });

    // ---- crossing a boundary ---------------------------------------------------------------

    describe('functions shipped as source', () => {
      test('method shorthand, async and generator-using functions work', async () => {
        const tools = {
          double(n: number): number {
            return n * 2;
          },
          async later(n: number): Promise<number> {
            await new Promise((resolve) => setTimeout(resolve, 1));
            return n - 1;
          },
        };
        assert.equal(await ex.submit(tools.double, [21]), 42);
        assert.equal(await ex.submit(tools.later, [43]), 42);
        assert.equal(await ex.submit(function usesGenerator(n: number) {
          function* range(k: number): Generator<number> {
            for (let i = 0; i < k; i += 1) yield i;
          }
          return [...range(n)].reduce((a, b) => a + b, 0);
        }, [5]), 10);
      });

      test('a function using await import(node:os) works', async () => {
        const cpus = await ex.submit(async () => {
          const os = await import('node:os');
          return os.availableParallelism() >= 1 && typeof os.platform() === 'string';
        }, []);
        assert.equal(cpus, true);
      });

      test('globals (Math, JSON, Buffer, structuredClone...) are usable', async () => {
        const value = await ex.submit((s: string) => ({
          max: Math.max(1, 5, 3),
          json: JSON.stringify({ s }),
          b64: Buffer.from(s).toString('base64'),
          clone: structuredClone({ a: [1] }),
          pid: typeof process.pid,
        }), ['hi']);
        assert.deepEqual(value, { max: 5, json: '{"s":"hi"}', b64: 'aGk=', clone: { a: [1] }, pid: 'number' });
      });

      test('a closure capturing an outer variable', async () => {
        const factor = 3;
        const closure = (n: number): number => n * factor;
        if (!caps.crossesBoundary) {
          // In-process backends call the function itself: closures are fine.
          assert.equal(await ex.submit(closure, [5]), 15);
          return;
        }
        assert.throws(() => ex.submit(closure, [5]), (error: unknown) => {
          assert.ok(error instanceof TaskDefinitionError, String(error));
          assert.match(error.message, /'factor'/);
          return true;
        });
      });

      test('an unserializable argument fails that task only, naming the argument path', async () => {
        const warm = await Promise.all([1, 2, 3].map((n) => ex.submit(identity, [{ n }])));
        assert.equal(warm.length, 3);
        const burst = [
          ex.submit(identity, [{ n: 1 }]),
          ex.submit(identity, [{ n: 2, cb: () => 'no' }]),
          ex.submit(identity, [{ n: 3 }]),
          ex.submit(identity, [Symbol('s')]),
          ex.submit(identity, [{ n: 5 }]),
        ];
        const settled = await Promise.allSettled(burst);
        assert.deepEqual(settled.map((s) => s.status), caps.crossesBoundary
          ? ['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled']
          : ['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
        if (!caps.crossesBoundary) return; // nothing is cloned in-process
        const fnError = (settled[1] as PromiseRejectedResult).reason as Error;
        assert.ok(fnError instanceof TaskDefinitionError, String(fnError));
        assert.ok(fnError.message.includes('args[0].cb'), fnError.message);
        const symbolError = (settled[3] as PromiseRejectedResult).reason as Error;
        assert.ok(symbolError instanceof TaskDefinitionError, String(symbolError));
        assert.ok(symbolError.message.includes('args[0]'), symbolError.message);
        assert.ok(!((settled[1] as PromiseRejectedResult).reason as Error).message.includes('args[1]'));
      });

      test('a task returning an unserializable value', async () => {
        const future = ex.submit(() => ({ ok: 1, fn: () => 2 }), []);
        if (!caps.crossesBoundary) {
          const value = await future;
          assert.equal(typeof value.fn, 'function');
          return;
        }
        const error = await rejection(future);
        assert.ok(error instanceof TaskDefinitionError, `class: ${error.constructor.name}: ${error.message}`);
        assert.match(error.message, /return value/);
        // The worker survived and tasks sent with it still run.
        const [a, b] = await Promise.all([ex.submit(identity, ['a']), ex.submit(identity, ['b'])]);
        assert.deepEqual([a, b], ['a', 'b']);
      });

      test('a task that ends its worker fails with WorkerCrashedError and the executor recovers', async (): Promise<void> => {
        if (!caps.canKill) return; // a task on this thread (in-process, or an async engine here): process.exit() would end the test run itself
        const future = ex.submit(() => process.exit(3), []);
        const error = await rejection(future);
        assert.ok(error instanceof WorkerCrashedError, `class: ${error.constructor.name}: ${error.message}`);
        assert.equal(error.code, 'ERR_WORKER_CRASHED');
        const next = await Promise.all([1, 2, 3, 4].map((n) => ex.submit(identity, [n])));
        assert.deepEqual(next, [1, 2, 3, 4]);
      });

      test('a task throwing an unserializable value fails clearly instead of hanging', async () => {
        const error = await rejection(ex.submit(function throwsFunction() {
          throw Object.assign(new Error('with a callback'), { callback: () => 1 });
        }, []));
        assert.equal(error.message, 'with a callback');
      });
    });
  });
}
