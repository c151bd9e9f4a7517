/**
 * The Limits plugin: limits enforced by the pool (a heap-limited pool of the plugin's own for
 * memory, the run's timeout for wall time), reported as task events after the task's exception.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Limits, Scheduler, TaskTimeoutError, ValidationError, WorkerCrashedError } from '../../src/index.js';

/** Keeps `mb` MiB of doubles alive; returns how many MiB it held. */
function hoard(mb: number): number {
  const keep: number[][] = [];
  for (let i = 0; i < mb; i += 1) keep.push(new Array(131072).fill(i + 0.5));
  return keep.length;
}

function spinForever(): never {
  for (;;) {
    // never returns
  }
}

describe('Limits plugin', () => {
  for (const runtime of ['processes', 'threads'] as const) {
    it(`memoryMb on a ${runtime} pool: a run past the limit fails alone and emits memoryLimitReached after the exception`, { timeout: 60_000 }, async () => {
      await using scheduler = Scheduler.withSequential();
      const limits = new Limits({ memoryMb: 64, runtime });
      const task = scheduler.task(hoard, { plugins: [limits] });
      const log: string[] = [];
      task.onResult((_future, mb) => log.push(`result ${mb}`));
      task.onException((_future, error) => log.push(`exception ${error.name}`));
      task.on('memoryLimitReached', (_future: unknown, error: unknown) => {
        assert.ok(error instanceof WorkerCrashedError && error.reason === 'out-of-memory', String(error));
        log.push('memoryLimitReached');
      });
      scheduler.onStart(() => {
        task.submit(4);
        task.submit(10_000);
      });
      const exit = await scheduler.run({ onException: 'continue' });
      assert.equal(exit.code, 'EXHAUSTED');
      assert.deepEqual(log, ['result 4', 'exception WorkerCrashedError', 'memoryLimitReached']);
      assert.match(limits.render(), /Memory 64 MiB \(1 hit\)/);
      assert.equal(limits.snapshot().memoryLimitReached, 1);
    });
  }

  it('wallTimeMs stops a run that takes too long and emits wallTimeLimitReached', { timeout: 60_000 }, async () => {
    await using scheduler = Scheduler.withThreads(1);
    const limits = new Limits({ wallTimeMs: 200 });
    const task = scheduler.task(spinForever, { plugins: [limits] });
    const reached: unknown[] = [];
    const results: unknown[] = [];
    task.on('wallTimeLimitReached', (_future: unknown, error: unknown) => reached.push(error));
    scheduler.onFutureResult((_future, value) => results.push(value));
    // Once the stuck run is stopped, the pool's replacement worker runs the next task.
    task.onException(() => scheduler.submit((n: number) => n + 1, 1));
    scheduler.onStart(() => task.submit());
    await scheduler.run({ onException: 'continue' });
    assert.equal(reached.length, 1);
    assert.ok(reached[0] instanceof TaskTimeoutError);
    assert.equal(task.eventCounts.wallTimeLimitReached, 1);
    assert.deepEqual(results, [2]);
  });

  it('keeps a shorter timeout given by the call and a failure that is no limit emits nothing', { timeout: 30_000 }, async () => {
    await using scheduler = Scheduler.withThreads(1);
    const limits = new Limits({ wallTimeMs: 10_000 });
    const task = scheduler.task((message: string) => {
      throw new Error(message);
    }, { plugins: [limits] });
    scheduler.onStart(() => task.submit('plain failure'));
    await scheduler.run({ onException: 'continue' });
    assert.equal(task.eventCounts.exception, 1);
    assert.equal(task.eventCounts.wallTimeLimitReached, 0);
    assert.equal(task.eventCounts.memoryLimitReached, 0);
  });

  it('rejects invalid options and a second task', () => {
    for (const options of [{ memoryMb: 0 }, { wallTimeMs: -1 }, { workers: Number.NaN }, { runtime: 'gpu' as never }]) {
      assert.throws(() => new Limits(options), ValidationError);
    }
    const scheduler = Scheduler.withSequential();
    const limits = new Limits({ wallTimeMs: 100 });
    scheduler.task(hoard, { plugins: [limits] });
    assert.throws(() => scheduler.task(hoard, { plugins: [limits] }), ValidationError);
  });
});
