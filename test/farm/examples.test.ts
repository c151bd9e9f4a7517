/**
 * Every example of mplite's README and IPython's task interface, ported under examples/farm/, gives
 * the seed's answers. Each example's main() (or named part) takes a log function (a collector here)
 * and returns what it computed. Examples that take a backend run on threads and on processes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CancelledError, ImpossibleDependencyError, PlacementError, RecoveryLoopError, TaskAlreadyFinishedError, TaskError,
  WaitTimeoutError, WorkerCrashedError, type FarmResult,
} from '../../src/index.js';
import { main as basics } from '../../examples/farm/basics.js';
import { main as execute } from '../../examples/farm/execute.js';
import { awaiting, polling } from '../../examples/farm/pyramid.js';
import { main as performanceExample } from '../../examples/farm/performance.js';
import { main as quickStart } from '../../examples/farm/quick-start.js';
import { abort, barrier, queueStatus, results, spin } from '../../examples/farm/client.js';
import { main as scope } from '../../examples/farm/scope.js';
import { canonicalBadExample, recoveryChain, recoveryLoop, retries } from '../../examples/farm/fault-tolerance.js';
import { main as depend } from '../../examples/farm/depend.js';
import { main as placement } from '../../examples/farm/placement.js';
import { main as dependencies } from '../../examples/farm/dependencies.js';
import { NotImplementedError, ZeroDivisionError, type Backend } from '../../examples/farm/tasks.js';

const opts = { timeout: 90_000 };
const BACKENDS: Backend[] = ['threads', 'processes'];

function collector(): { log: (line: string) => void; lines: string[] } {
  const lines: string[] = [];
  return { log: (line) => lines.push(line), lines };
}

/** The error of a result that must have failed. */
function errorOf(result: FarmResult | undefined): Error {
  assert.ok(result, 'a result');
  assert.equal(result.ok, false, `expected a failure, got the value ${String(result.value)}`);
  return result.error!;
}

describe('examples/farm: mplite', () => {
  for (const backend of BACKENDS) {
    it(`basics (${backend}): 50 results in order, 5 ZeroDivisionErrors at arg 0, then 3 NotImplementedErrors on the same manager`, opts, async () => {
      const { log, lines } = collector();
      const drawn: string[] = [];
      const r = await basics(log, { backend, progress: { mode: 'bar', stream: { write: (text: string) => drawn.push(text) } } });

      assert.equal(r.taskString, 'Task(f, 0, { hello: 0 })');
      assert.equal(r.results.length, 50);
      r.results.forEach((result, i) => {
        const arg = i % 10;
        if (arg === 0) {
          // Python raises on division by zero; the port throws, and the error comes back in its slot.
          assert.ok(result instanceof TaskError, `slot ${i}: ${String(result)}`);
          assert.equal(result.name, 'ZeroDivisionError');
          assert.equal(result.message, 'float division by zero');
          assert.match(result.stack ?? '', /^ZeroDivisionError: float division by zero\n\s+at divide/);
        } else {
          assert.equal(result, arg / 10 / arg, `slot ${i}`);
        }
      });
      assert.equal(r.results.filter((x) => !(x instanceof Error)).length, 45);
      assert.ok(lines.includes('hereof 5 had errors.'));
      assert.ok(lines.some((line) => /^did nothing for [\d.]+ seconds, producing 50 results$/.test(line)));
      // The bar ends with every task counted, and the five failures.
      assert.match(drawn.join(''), /50\/50 .*5 failed/);

      assert.equal(r.expectedErrors.length, 3);
      for (const error of r.expectedErrors) {
        // Registered on both sides, the custom class comes back as itself.
        assert.ok(error instanceof NotImplementedError, String(error));
        assert.equal(error.name, 'NotImplementedError');
        assert.equal(error.message, 'this task must fail!');
        assert.equal(error.code, 'ERR_NOT_IMPLEMENTED');
        assert.match(error.stack ?? '', /at .*broken/, 'the remote stack names the task');
      }
      assert.equal(lines.filter((line) => line.startsWith('expected --> NotImplementedError: this task must fail!\n')).length, 3);
    });
  }

  it('execute: runs a task in-process; a bad input throws its own error class', opts, async () => {
    const { log, lines } = collector();
    const r = await execute(log);
    assert.equal(r.value, 0.01);
    assert.ok(r.error instanceof ZeroDivisionError, 'not wrapped in a TaskError: nothing crossed a thread');
    assert.deepEqual(lines, [
      'Task(f, 0.01, { hello: 1 }).execute() = 0.01',
      'Task(f, 0.01, { hello: 0 }).execute() throws ZeroDivisionError: float division by zero',
    ]);
  });

  for (const backend of BACKENDS) {
    for (const [form, run] of [['polling take()', polling], ['awaiting next()', awaiting]] as const) {
      it(`pyramid, ${form} (${backend}): nine additions, the last one leaves 55`, opts, async () => {
        const { log, lines } = collector();
        const r = await run(log, { backend });
        assert.deepEqual(r.printed.slice(0, 5), ['Task(adder, 1, 2)', 'Task(adder, 3, 4)', 'Task(adder, 5, 6)', 'Task(adder, 7, 8)', 'Task(adder, 9, 10)']);
        assert.equal(r.printed.length, 9, '10 numbers need 9 additions, whatever order results come in');
        assert.equal(r.a, 55);
        assert.equal(r.b, undefined);
        assert.equal(lines.at(-1), '55 undefined');
        // Each later task adds two numbers, so all their arguments add up to the partial sums:
        // the arguments of all nine tasks are 1..10 once each plus every sum but the last.
        const args = r.printed.flatMap((task) => task.slice('Task(adder, '.length, -1).split(', ').map(Number));
        const sums = r.printed.map((task) => task.slice('Task(adder, '.length, -1).split(', ').map(Number).reduce((x, y) => x + y));
        assert.equal(args.reduce((x, y) => x + y), 55 + sums.slice(0, -1).reduce((x, y) => x + y));
        assert.equal(sums.at(-1), 55);
      });
    }
  }

  for (const backend of BACKENDS) {
    it(`performance, small (${backend}): farmed and sequential runs compute the same; sleeps add up when run one after the other`, opts, async () => {
      const { log, lines } = collector();
      const sleep = 0.02;
      const r = await performanceExample(log, { backend, cpus: [1, 2], workloads: [[4, 100_000], [50, 50]], sleeps: [sleep] });
      assert.equal(r.calls.length, 8); // 2 worker counts x 2 workloads x enabled/disabled
      for (const run of r.calls) {
        assert.equal(run.results.length, run.calls);
        run.results.forEach(([t], i) => assert.equal(t, (run.rng - 1) / (i + 1)));
        assert.equal(run.cpus, run.enabled ? run.cpus : 1);
        assert.ok(run.cpuTaskTime >= 0 && run.totalTime > 0);
      }
      assert.deepEqual(r.calls.filter((run) => run.enabled).map((run) => run.cpus), [1, 1, 2, 2]);

      assert.equal(r.sleep.length, 4);
      const expected = Array.from({ length: 20 }, (_, i) => (i === 0 ? 0 : 2 * i - 1)); // prev + arg
      for (const run of r.sleep) {
        assert.deepEqual(run.results, expected);
        // One after the other (in-process, or on one worker), 20 sleeps take at least 20 x sleep.
        if (!run.enabled || run.cpus === 1) assert.ok(run.totalTime >= 20 * sleep * 0.95, `${run.totalTime} s`);
      }
      assert.equal(lines.filter((line) => line === 'mplite - enabled').length, 6);
      assert.equal(lines.filter((line) => line === 'mplite - disabled').length, 6);
    });
  }
});

describe('examples/farm: IPython task interface', () => {
  for (const backend of BACKENDS) {
    it(`quick start (${backend}): 1000 tasks a = n; task 73 pulled a = 73, with its metadata`, opts, async () => {
      const { log, lines } = collector();
      const r = await quickStart(log, { backend });
      assert.deepEqual(r.taskIds, Array.from({ length: 1000 }, (_, i) => i));
      r.taskResults.forEach((result, n) => {
        assert.equal(result.ok, true, `task ${n}: ${String(result.error)}`);
        assert.deepEqual(result.pulled, { a: n });
      });
      assert.equal(r.tr.id, 73);
      assert.equal(r.tr.pulled?.a, 73);
      assert.ok(r.workers.includes(r.tr.workerId!), `${r.tr.workerId} is one of ${r.workers.join(', ')}`);
      assert.ok(r.tr.submitted.getTime() <= r.tr.started!.getTime() && r.tr.started!.getTime() <= r.tr.completed.getTime());
      assert.ok(r.tr.duration >= 0);
      assert.equal(r.tr.attempts, 1);
      assert.ok(lines.includes('TaskResult[ID:73]: {"a":73}'));
      assert.ok(lines.includes('pulled.a: 73'));
    });

    it(`result (${backend}): undefined while running, WaitTimeoutError with a short timeout, the value when blocking`, opts, async () => {
      const r = await results(() => undefined, { backend });
      assert.equal(r.early, undefined);
      assert.ok(r.timedOut instanceof WaitTimeoutError);
      assert.equal(r.late.ok, true);
      assert.equal(r.late.value, 'done');
    });

    it(`barrier (${backend}): the last result is not there before, every result is after`, opts, async () => {
      const r = await barrier(() => undefined, { backend });
      assert.equal(r.lastBefore, undefined);
      assert.deepEqual(r.values, [0.3, 0.2, 0.1]);
    });

    it(`queue status (${backend}): the seed's counts and ids`, opts, async () => {
      const { log, lines } = collector();
      const r = await queueStatus(log, { backend });
      assert.deepEqual(r.counts, { scheduled: 4, pending: 2, succeeded: 5, failed: 1 });
      assert.deepEqual(r.ids, { scheduled: [8, 9, 10, 11], pending: [6, 7], succeeded: [0, 1, 2, 4, 5], failed: [3] });
      assert.deepEqual(r.final, { scheduled: 0, pending: 0, succeeded: 9, failed: 3 });
      assert.equal(lines[0], 'queueStatus(): {"scheduled":4,"pending":2,"succeeded":5,"failed":1}');
    });

    it(`abort (${backend}): a queued and a running task fail with CancelledError; a finished one throws TaskAlreadyFinishedError`, opts, async () => {
      const r = await abort(() => undefined, { backend });
      assert.ok(r.finishedError instanceof TaskAlreadyFinishedError);
      assert.equal((r.finishedError as TaskAlreadyFinishedError).code, 'ERR_TASK_FINISHED');
      assert.ok(errorOf(r.running) instanceof CancelledError);
      assert.ok(errorOf(r.queued) instanceof CancelledError);
      assert.equal(r.queued.workerId, undefined, 'the queued task never ran');
      // The running task would have slept a minute: it was stopped, not waited for.
      assert.ok(r.seconds < 45, `${r.seconds} s`);
    });

    it(`spin (${backend}): a task waits for a worker with > 4 GB; a property change is seen only after spin()`, opts, async () => {
      const r = await spin(() => undefined, { backend });
      assert.deepEqual(r.beforeSpin, { scheduled: [0], pending: [], succeeded: [], failed: [] });
      assert.equal(r.result.ok, true);
      assert.equal(r.result.value, r.workerId);
    });

    it(`push/pull and clearing the scope (${backend})`, opts, async () => {
      const r = await scope(() => undefined, { backend });
      assert.equal(r.value, 21);
      assert.deepEqual(r.pulled, { y: 42, x: 21 });
      assert.deepEqual([...r.cluttered].sort(), ['clutter', 'x', 'y']);
      assert.deepEqual(r.cleanBefore, []);
      assert.deepEqual(r.cleanAfter, []);
      assert.ok(r.missingPull instanceof TaskError);
      assert.equal(r.missingPull.name, 'ReferenceError');
      assert.match(r.missingPull.message, /pull: 'nope' is not set/);
    });

    it(`retries (${backend}): a task failing twice gets through with 2 retries (3 attempts), not with 1`, opts, async () => {
      const r = await retries(() => undefined, { backend });
      assert.equal(r.enough.ok, true);
      assert.equal(r.enough.value, 3);
      assert.equal(r.enough.attempts, 3);
      assert.equal(errorOf(r.tooFew).message, 'flaky: attempt 2 failed');
      assert.equal(r.tooFew.attempts, 2);
    });

    it(`the canonical bad example (${backend}): retries: 2 takes down 3 workers, then WorkerCrashedError; the pool replaces them`, opts, async () => {
      const { log, lines } = collector();
      const r = await canonicalBadExample(log, { backend });
      const error = errorOf(r.result);
      assert.ok(error instanceof WorkerCrashedError, String(error));
      if (backend === 'processes') assert.equal(error.signal, 'SIGKILL');
      else assert.equal(error.exitCode, 9);
      assert.equal(r.result.attempts, 3);
      assert.equal(r.takenDown.length, 3);
      assert.equal(r.after.length, 2, 'the pool keeps its size');
      assert.ok(r.after.every((id) => !r.before.includes(id) && !r.takenDown.includes(id)));
      assert.equal(r.afterwards.value, 'still working');
      assert.match(lines[0]!, /^WorkerCrashedError after 3 attempts/);
    });

    it(`recovery chain (${backend}): the second recovery task's value, with both earlier errors`, opts, async () => {
      const r = await recoveryChain(() => undefined, { backend });
      assert.equal(r.ok, true);
      assert.equal(r.value, 'recovered by the second recovery task');
      assert.equal(String(r.task), "Task(slow, 'recovered by the second recovery task', 0)");
      assert.deepEqual(r.failures.map((e) => e.message), ['the task failed', 'the recovery task failed too']);
      assert.equal(r.attempts, 4, '2 for the task (1 retry), 1 per recovery task');
    });

    it(`depend (${backend}): tasks needing > 4 GB run on the 8 GB worker; a throwing or unmeetable depend fails with PlacementError`, opts, async () => {
      const r = await depend(() => undefined, { backend });
      assert.equal(r.ranOn.length, 6);
      assert.ok(r.ranOn.every((id) => id === r.bigWorker), r.ranOn.join(', '));
      assert.ok(errorOf(r.invalidDepend) instanceof PlacementError);
      assert.ok(errorOf(r.impossible) instanceof PlacementError);
      assert.equal(r.impossible.workerId, undefined, 'it never ran');
    });

    it(`placement policies (${backend}): least-load reuses one idle worker, round-robin rotates, weight 0 stands by, a function chooses`, opts, async () => {
      const r = await placement(() => undefined, { backend });
      assert.equal(new Set(r.leastLoad).size, 1, r.leastLoad.join(' '));
      assert.equal(new Set(r.roundRobin).size, 3, r.roundRobin.join(' '));
      for (let i = 0; i + 3 <= r.roundRobin.length; i += 1) {
        assert.equal(new Set(r.roundRobin.slice(i, i + 3)).size, 3, `each three in a row are three workers: ${r.roundRobin.join(' ')}`);
      }
      assert.equal(r.weighted[r.standby], 0, JSON.stringify(r.weighted));
      assert.equal(Object.values(r.weighted).reduce((x, y) => x + y), 40);
      assert.deepEqual(Object.entries(r.custom).filter(([, n]) => n > 0), [[r.gpuWorker, 6]]);
    });

    it(`after/follow dependencies (${backend})`, opts, async () => {
      const r = await dependencies(() => undefined, { backend });
      assert.equal(r.afterBoth.value, 'a and b are done');
      assert.ok((r.followed.value as string[]).includes('model'));
      assert.equal(r.followed.workerId, r.leftOn);
      assert.equal(r.any.value, 'one of them is done');
      assert.equal(r.onFailure.value, 'cleaned up after the failure');
      assert.ok(errorOf(r.impossible) instanceof ImpossibleDependencyError);
      assert.equal(r.impossible.workerId, undefined, 'it never ran');
    });
  }

  it('a recovery loop is refused when it is made, with RecoveryLoopError', () => {
    const { log, lines } = collector();
    const error = recoveryLoop(log);
    assert.ok(error instanceof RecoveryLoopError);
    assert.equal(error.code, 'ERR_RECOVERY_LOOP');
    assert.match(lines[0]!, /^RecoveryLoopError: The recovery chain of Task\(failing, 'a'\) loops/);
  });
});
