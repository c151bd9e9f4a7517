/**
 * Scheduler, Task and Limiter behaviour that does not depend on the backend (the shared suite in
 * scheduler-suite.ts covers what does): option validation, ownership of the executor, and edge
 * cases of the run loop and of plugins. Runs over the sequential backend only.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  InlineExecutor, Limiter, Scheduler, SchedulerNotRunningError, ValidationError,
  type Call, type Plugin,
} from '../../src/index.js';
import { identity, sleep, square } from './fixtures/tasks.js';

const opts = { timeout: 60_000 };

describe('Limiter options', () => {
  const invalid: Array<[string, Record<string, unknown>]> = [
    ['maxCalls 0', { maxCalls: 0 }],
    ['maxCalls -1', { maxCalls: -1 }],
    ['maxCalls 1.5', { maxCalls: 1.5 }],
    ['maxCalls "3"', { maxCalls: '3' }],
    ['maxCalls NaN', { maxCalls: Number.NaN }],
    ['maxConcurrent 0', { maxConcurrent: 0 }],
    ['maxConcurrent 2.5', { maxConcurrent: 2.5 }],
    ['maxConcurrent null', { maxConcurrent: null }],
  ];
  for (const [label, options] of invalid) {
    it(`${label} is a ValidationError naming the option`, () => {
      const name = Object.keys(options)[0]!;
      assert.throws(
        () => new Limiter(options),
        (error: unknown) => error instanceof ValidationError && error.message.includes(`'${name}'`),
      );
    });
  }

  it('no options: no limits', () => {
    const limiter = new Limiter();
    assert.equal(limiter.maxCalls, Infinity);
    assert.equal(limiter.maxConcurrent, Infinity);
    assert.deepEqual(limiter.notWhileRunning, []);
    assert.equal(limiter.calls, 0);
  });

  it('a Limiter belongs to one task: attaching it to a second is a ValidationError', async () => {
    await using scheduler = Scheduler.withSequential();
    const limiter = new Limiter({ maxCalls: 1 });
    scheduler.task(square, { plugins: [limiter] });
    assert.throws(() => scheduler.task(square, { plugins: [limiter] }), ValidationError);
  });

  it('notWhileRunning takes one task or a list', async () => {
    await using scheduler = Scheduler.withSequential();
    const a = scheduler.task(square);
    const b = scheduler.task(sleep);
    assert.deepEqual(new Limiter({ notWhileRunning: a as never }).notWhileRunning, [a]);
    assert.deepEqual(new Limiter({ notWhileRunning: [a, b] as never }).notWhileRunning, [a, b]);
  });

  it('the Limiter adds its three events to its task, with counts of 0', async () => {
    await using scheduler = Scheduler.withSequential();
    const task = scheduler.task(square, { plugins: [new Limiter({ maxCalls: 2 })] });
    assert.deepEqual(task.eventCounts, {
      submitted: 0, done: 0, result: 0, exception: 0, cancelled: 0,
      callLimitReached: 0, concurrentLimitReached: 0, disabledDueToRunningTask: 0,
    });
  });
});

describe('Limiter edge cases', () => {
  it('a submission that throws (scheduler not running) does not use up maxCalls', opts, async () => {
    await using scheduler = Scheduler.withSequential();
    const limiter = new Limiter({ maxCalls: 1 });
    const task = scheduler.task(square, { plugins: [limiter] });
    assert.throws(() => task.submit(1), SchedulerNotRunningError);
    assert.equal(limiter.calls, 0, 'nothing was submitted, so no call was made');
    let submitted: unknown;
    scheduler.onStart(() => {
      submitted = task.submit(2);
    });
    await scheduler.run();
    assert.notEqual(submitted, undefined, 'the one allowed call is still available in the run');
    assert.equal(task.eventCounts.callLimitReached, 0);
    assert.equal(task.eventCounts.result, 1);
  });

  it('maxConcurrent holds when a futureSubmitted callback submits the same task again', opts, async () => {
    await using scheduler = Scheduler.withSequential();
    const task = scheduler.task(identity, { plugins: [new Limiter({ maxConcurrent: 1 })] });
    let mostRunning = 0;
    scheduler.onFutureSubmitted(() => {
      // The first future is submitted and not yet delivered: a second one exceeds the limit.
      if (scheduler.eventCounts.futureSubmitted === 1) task.submit(2);
    });
    task.onSubmitted(() => {
      mostRunning = Math.max(mostRunning, task.running);
    });
    scheduler.onStart(() => {
      task.submit(1);
    });
    await scheduler.run();
    assert.equal(task.eventCounts.concurrentLimitReached, 1, 'the second submission is vetoed');
    assert.equal(task.eventCounts.submitted, 1);
    assert.ok(mostRunning <= 1, `${mostRunning} futures of the task ran at once`);
  });
});

describe('Task', () => {
  it('submitted gets the arguments a plugin rewrote, as the submitted call had them (as AMLTK does)', opts, async () => {
    await using scheduler = Scheduler.withSequential();
    const plusOne: Plugin = {
      name: 'plusOne',
      attach: () => undefined,
      preSubmit: (call: Call): Call => ({ fn: call.fn, args: call.args.map((x) => (x as number) + 1) }),
    };
    const task = scheduler.task(square, { plugins: [plusOne] });
    const seen: unknown[] = [];
    task.onSubmitted((_future, x) => void seen.push(x));
    task.onResult((_future, value) => void seen.push(value));
    scheduler.onStart(() => {
      task.submit(3);
    });
    await scheduler.run();
    assert.deepEqual(seen, [4, 16], 'square(4) was submitted and returned 16');
  });

  it('running counts futures submitted and not delivered yet', opts, async () => {
    await using scheduler = Scheduler.withSequential();
    const task = scheduler.task(sleep);
    const seen: number[] = [];
    scheduler.onStart(() => {
      task.submit(20);
      task.submit(20);
      seen.push(task.running);
    });
    task.onDone(() => void seen.push(task.running));
    await scheduler.run();
    assert.deepEqual(seen, [2, 1, 0]);
  });

  it('a name may be given; by default it is the function\'s', async () => {
    await using scheduler = Scheduler.withSequential();
    assert.equal(scheduler.task(square).name, 'square');
    assert.equal(scheduler.task(square, { name: 'sq' }).name, 'sq');
    assert.equal(scheduler.task((x: number) => x).name, 'anonymous');
  });
});

describe('Scheduler (backend independent)', () => {
  it('a scheduler over a given executor leaves it running at shutdown; own: true shuts it down', async () => {
    const executor = new InlineExecutor();
    const scheduler = new Scheduler(executor);
    await scheduler.shutdown();
    const still = executor.submit((x: number) => x + 1, [1]);
    assert.equal(await still, 2);
    const owned = new Scheduler(executor, { own: true });
    await owned.shutdown();
    assert.throws(() => executor.submit((x: number) => x, [1]));
  });

  it('eventCounts lists every event with 0 before any run', async () => {
    await using scheduler = Scheduler.withSequential();
    assert.deepEqual(scheduler.eventCounts, {
      empty: 0, start: 0, finishing: 0, finished: 0, stop: 0, timeout: 0,
      futureSubmitted: 0, futureDone: 0, futureCancelled: 0, futureException: 0, futureResult: 0,
    });
  });

  it('stop() outside a run does nothing', async () => {
    await using scheduler = Scheduler.withSequential();
    scheduler.stop();
    const exit = await scheduler.run();
    assert.equal(exit.code, 'EXHAUSTED');
    assert.equal(scheduler.eventCounts.stop, 0);
  });

  it('a callLater still pending when its run ends does not fire in a later run', opts, async () => {
    await using scheduler = Scheduler.withSequential();
    const fired: number[] = [];
    let run = 1;
    scheduler.onStart(() => {
      if (run !== 1) return;
      scheduler.callLater(200, () => void fired.push(run));
      scheduler.stop();
    });
    assert.equal((await scheduler.run()).code, 'STOPPED');
    run = 2;
    const exit = await scheduler.run();
    assert.equal(exit.code, 'EXHAUSTED');
    assert.deepEqual(fired, [], `the first run's callLater fired in run ${fired.join(', ')}`);
  });

  it('timeout ends a sequential run that resubmits a synchronous task without end', opts, () => {
    // Run in a child process: the bug this guards against blocks the event loop for good.
    const script = fileURLToPath(new URL('./fixtures/endless-sync.ts', import.meta.url));
    const child = spawnSync(process.execPath, ['--import', 'tsx', script], {
      encoding: 'utf8', timeout: 15_000, killSignal: 'SIGKILL',
    });
    assert.equal(child.signal, null, 'run({ timeout: 300 }) never ended: the child was killed after 15 s');
    assert.equal(child.status, 0, child.stderr);
    assert.deepEqual(JSON.parse(child.stdout.trim()), { code: 'TIMEOUT', timeout: 1 });
  });
});
