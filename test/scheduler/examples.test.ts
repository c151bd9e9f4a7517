/**
 * The examples of AMLTK's scheduling guide, ported under examples/scheduler/, give the guide's
 * answers and event counts. Each example's main() (or named part) takes a log function (a
 * collector here) and returns what it printed with the counts. The counts the guide's rendered
 * trees show are compared everywhere; the requeue example compares its tree too, in our naming.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SchedulerNotRunningError, type SchedulerEvents } from '../../src/index.js';
import { main as collatz } from '../../examples/scheduler/collatz.js';
import { printHello, twoCallbacks } from '../../examples/scheduler/running.js';
import { main as submit } from '../../examples/scheduler/submit.js';
import { every, maxCalls, repeat, when } from '../../examples/scheduler/controls.js';
import { stopWithoutWaiting, timeout } from '../../examples/scheduler/stopping.js';
import { main as exceptions } from '../../examples/scheduler/exceptions.js';
import { launchInitialTask, submitBeforeRun, taskSpecificEvents } from '../../examples/scheduler/tasks.js';
import { main as sharedCallbacks } from '../../examples/scheduler/shared-callbacks.js';
import { main as limiter } from '../../examples/scheduler/limiter.js';
import { main as requeue } from '../../examples/scheduler/requeue.js';

type Counts = Record<keyof SchedulerEvents, number>;

const opts = { timeout: 60_000 };

/** The guide's counts: the events it lists with a number, every other event 0. */
function guide(expected: Partial<Counts>): Counts {
  return {
    empty: 0, start: 0, finishing: 0, finished: 0, stop: 0, timeout: 0,
    futureSubmitted: 0, futureDone: 0, futureCancelled: 0, futureException: 0, futureResult: 0,
    ...expected,
  };
}

/** A run that starts, empties and finishes once, and nothing else. */
const ONE_EMPTY_RUN = { empty: 1, start: 1, finishing: 1, finished: 1 };

const quiet = (): void => undefined;

describe('examples/scheduler (AMLTK\'s scheduling guide)', () => {
  it('collatz: [12, 6, 3, 10, 5, 16, 8, 4, 2, 1] in nine futures', opts, async () => {
    const r = await collatz(quiet);
    assert.deepEqual(r.answers, [12, 6, 3, 10, 5, 16, 8, 4, 2, 1]);
    assert.equal(r.printed[0], '[12, 6, 3, 10, 5, 16, 8, 4, 2, 1]');
    assert.equal(r.exit, 'EXHAUSTED');
    assert.deepEqual(r.eventCounts, guide({ ...ONE_EMPTY_RUN, futureSubmitted: 9, futureDone: 9, futureResult: 9 }));
    assert.deepEqual(r.taskCounts, { submitted: 9, done: 9, result: 9, exception: 0, cancelled: 0 });
  });

  it('running: print_hello is called by run(), not before', opts, async () => {
    const r = await printHello(quiet);
    assert.equal(r.printedBeforeRun, 0);
    assert.equal(r.printed[0], 'hello');
    assert.deepEqual(r.eventCounts, guide(ONE_EMPTY_RUN));
  });

  it('running: two start callbacks in registration order', opts, async () => {
    const r = await twoCallbacks(quiet);
    assert.deepEqual(r.printed.slice(0, 2), ['hello 1', 'hello 2']);
    assert.deepEqual(r.eventCounts, guide(ONE_EMPTY_RUN));
  });

  it('submit: expensive_function prints 4 then 16; two futures', opts, async () => {
    const r = await submit(quiet);
    assert.deepEqual(r.results, [4, 16]);
    assert.deepEqual(r.printed.slice(0, 2), ['4', '16']);
    assert.equal(r.printResultCalls, 2);
    assert.deepEqual(r.eventCounts, guide({ ...ONE_EMPTY_RUN, futureSubmitted: 2, futureDone: 2, futureResult: 2 }));
  });

  it('controls, repeat: hello three times, one start', opts, async () => {
    const r = await repeat(quiet);
    assert.deepEqual(r.printed.slice(0, 3), ['hello', 'hello', 'hello']);
    assert.equal(r.printed.filter((line) => line === 'hello').length, 3);
    assert.equal(r.calls, 1);
    assert.deepEqual(r.eventCounts, guide(ONE_EMPTY_RUN));
  });

  it('controls, max_calls: the callback is called 3 times for 4 futures', opts, async () => {
    const r = await maxCalls(quiet);
    assert.equal(r.calls, 3);
    assert.deepEqual(r.eventCounts, guide({ ...ONE_EMPTY_RUN, futureSubmitted: 4, futureDone: 4, futureResult: 4 }));
  });

  it('controls, when: English prints hello only; German guten tag only', opts, async () => {
    const english = await when(quiet, 'English');
    assert.deepEqual(english.printed.filter((line) => !line.startsWith('events')), ['hello']);
    assert.equal(english.calls, 1);
    assert.deepEqual(english.eventCounts, guide(ONE_EMPTY_RUN));
    const german = await when(quiet, 'German');
    assert.deepEqual(german.printed.filter((line) => !line.startsWith('events')), ['guten tag']);
  });

  it('controls, every: 2 over five runs prints hello twice', opts, async () => {
    const r = await every(quiet);
    assert.equal(r.calls, 2);
    assert.equal(r.printed.filter((line) => line === 'hello').length, 2);
    assert.deepEqual(r.eventCounts, guide({ empty: 5, start: 5, finishing: 5, finished: 5 }));
  });

  it('stopping with wait: false: the 10 s task is cancelled, no empty, stop 1', opts, async () => {
    const r = await stopWithoutWaiting(quiet);
    assert.equal(r.exit, 'STOPPED');
    assert.ok(r.elapsed < 8_000, `run() took ${Math.round(r.elapsed)} ms; the task sleeps 10 s`);
    assert.deepEqual(r.eventCounts, guide({
      start: 1, finishing: 1, finished: 1, stop: 1, futureSubmitted: 1, futureCancelled: 1,
    }));
  });

  it('stopping with a timeout: TIMEOUT, no empty, every submitted future done (the guide got 10)', opts, async () => {
    const r = await timeout(quiet);
    assert.equal(r.exit, 'TIMEOUT');
    const c = r.eventCounts;
    // How many 0.1 s tasks fit in one second depends on the machine (and on starting the worker).
    assert.ok(c.futureSubmitted >= 1 && c.futureSubmitted <= 11, `${c.futureSubmitted} futures`);
    assert.deepEqual(c, guide({
      start: 1, finishing: 1, finished: 1, timeout: 1,
      futureSubmitted: c.futureSubmitted, futureDone: c.futureSubmitted, futureResult: c.futureSubmitted,
    }));
    assert.equal(r.submitAgainCalls, c.futureDone);
  });

  it('exceptions: "Got exception Failed!", stopped from the callback', opts, async () => {
    const r = await exceptions(quiet);
    assert.equal(r.printed[0], 'Got exception Failed!');
    assert.equal(r.exit, 'STOPPED');
    assert.equal(r.exception?.name, 'ValueError');
    assert.equal(r.exception?.message, 'Failed!');
    const { empty: _empty, ...counts } = r.eventCounts;
    const { empty: _guideEmpty, ...expected } = guide({
      start: 1, finishing: 1, finished: 1, stop: 1, futureSubmitted: 1, futureDone: 1, futureException: 1,
    });
    assert.deepEqual(counts, expected);
  });

  it('exceptions: empty is emitted once, as the guide shows', opts, async () => {
    // AMLTK notices the empty queue once the failed future is delivered, even though the callback
    // called stop(); the guide's tree shows `@on_empty 1`.
    const r = await exceptions(quiet);
    assert.equal(r.eventCounts.empty, 1);
  });

  it('tasks: submitting before run() is a SchedulerNotRunningError', opts, async () => {
    const r = await submitBeforeRun(quiet);
    assert.ok(r.error instanceof SchedulerNotRunningError);
    assert.match(r.printed[0] ?? '', /^SchedulerNotRunningError: .*collatz\(5\)/);
  });

  it('tasks: launched from start, one future', opts, async () => {
    const r = await launchInitialTask(quiet);
    assert.deepEqual(r.eventCounts, guide({ ...ONE_EMPTY_RUN, futureSubmitted: 1, futureDone: 1, futureResult: 1 }));
    assert.deepEqual(r.taskCounts, { submitted: 1, done: 1, result: 1, exception: 0, cancelled: 0 });
  });

  it('tasks: the scheduler sees two results, the echo task one', opts, async () => {
    const r = await taskSpecificEvents(quiet);
    assert.equal(r.fromScheduler, 2);
    assert.equal(r.fromTask, 1);
    assert.deepEqual(
      r.printed.filter((line) => line.startsWith('result_from_scheduler')).sort(),
      ['result_from_scheduler hello', 'result_from_scheduler hi'],
    );
    assert.deepEqual(r.printed.filter((line) => line.startsWith('result_from_task')), ['result_from_task hello']);
    assert.deepEqual(r.eventCounts, guide({ ...ONE_EMPTY_RUN, futureSubmitted: 2, futureDone: 2, futureResult: 2 }));
    assert.equal(r.taskCounts.result, 1);
  });

  it('tasks with shared callbacks: Done! after six futures', opts, async () => {
    const r = await sharedCallbacks(quiet);
    assert.equal(r.printed[0], 'Done!');
    assert.deepEqual(r.task1Results, [2, 4, 6]);
    assert.deepEqual([...r.task2Results].sort((a, b) => a - b), [4, 16, 36]);
    assert.deepEqual(r.eventCounts, guide({ ...ONE_EMPTY_RUN, futureSubmitted: 6, futureDone: 6, futureResult: 6 }));
  });

  it('Limiter(maxConcurrent: 2): 2 and 3 are skipped; eight futures', opts, async () => {
    const r = await limiter(quiet);
    assert.deepEqual([...r.results].sort((a, b) => a - b), [0, 1, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual(r.vetoed, [2, 3]);
    assert.deepEqual(r.eventCounts, guide({ ...ONE_EMPTY_RUN, futureSubmitted: 8, futureDone: 8, futureResult: 8 }));
    assert.equal(r.taskCounts.concurrentLimitReached, 2);
    assert.equal(r.taskCounts.submitted, 8);
  });

  it('Limiter with a Requeue: the refused item is put back, every item computed exactly once in ten futures', opts, async () => {
    const r = await requeue(quiet);
    assert.deepEqual([...r.results].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal(r.results.length, 10, 'no item computed twice');
    const printedResults = (JSON.parse(r.printed[0] ?? 'null') as number[]).sort((a, b) => a - b);
    assert.deepEqual(printedResults, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // The 3rd submission at start is refused and put back; the 4th takes it again and is refused too.
    assert.deepEqual(r.requeued, [2, 2]);
    assert.deepEqual(r.eventCounts, guide({ ...ONE_EMPTY_RUN, futureSubmitted: 10, futureDone: 10, futureResult: 10 }));
    assert.equal(r.taskCounts.submitted, 10);
    assert.equal(r.taskCounts.concurrentLimitReached, 2);
    assert.equal(r.taskCounts.callLimitReached, 0);
    // The guide's tree, in our naming.
    assert.ok(!r.tree.includes(String.fromCharCode(27)), 'no ANSI codes');
    const lines = r.tree.split('\n').map((line) => line.replace(/^(?:┣━━ |┗━━ |┃ {3}| {4})/, '').replace(/^│ (.*?) *│$/, '$1'));
    assert.match(lines[0] ?? '', /^╭─ Scheduler ─+╮$/);
    for (const line of [
      'Executor Queue: (0)',
      '@onEmpty 1', '@onStart 1', '└── submit (1)', '@onFinishing 1', '@onFinished 1', '@onStop', '@onTimeout',
      '@onFutureSubmitted 10', '@onFutureDone 10', '@onFutureCancelled', '@onFutureException', '@onFutureResult 10',
      'Limiter: Concurrent 0/2', '@onConcurrentLimitReached 2', '└── addBackToQueue (2)',
    ]) {
      assert.ok(lines.includes(line), `'${line}' in\n${r.tree}`);
    }
    assert.match(r.tree, /╭─ processes ─+╮/);
    assert.ok(r.tree.includes('{"workers":2}'), r.tree);
    assert.match(r.tree, /┗━━ ╭─ Task myFunc ─+╮/);
  });
});
