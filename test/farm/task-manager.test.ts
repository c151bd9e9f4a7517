import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  FarmTask, RecoveryLoopError, TaskError, TaskManager, ValidationError, type BackendName, type ProgressStream,
} from '../../src/index.js';
import { sleep } from '../executors/fixtures/tasks.js';
import { within } from '../executors/helpers.js';

function divide(x: number, options: { by: number }): number {
  if (options.by === 0) throw new RangeError('division by zero');
  return x / options.by;
}

class Capture implements ProgressStream {
  text = '';
  isTTY = false;
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

for (const backend of ['threads', 'processes'] as BackendName[]) {
  describe(`TaskManager on ${backend}`, { timeout: 60_000 }, () => {
    it('execute returns every result in order; a failing task holds its error and the rest run on', async () => {
      await using tm = new TaskManager({ backend, workers: 2, progress: 'off' });
      const args = Array.from({ length: 50 }, (_, i) => i % 10);
      const results = await tm.execute(args.map((a) => new FarmTask(divide, a, { by: a })));
      assert.equal(results.length, 50);
      const errors = results.filter((r) => r instanceof Error);
      assert.equal(errors.length, 5);
      results.forEach((result, index) => {
        if (args[index] === 0) {
          assert.ok(result instanceof TaskError, `slot ${index} holds the error`);
          assert.equal(result.name, 'RangeError');
          assert.equal(result.message, 'division by zero');
          assert.match(result.stack ?? '', /divide/);
        } else {
          assert.equal(result, 1);
        }
      });
      // The same pool takes more work.
      assert.deepEqual(await tm.execute([new FarmTask((n: number) => n + 1, 1)]), [2]);
    });

    it('submit / take / next: incremental work, the pyramid sums to 55', async () => {
      await using tm = new TaskManager({ backend, workers: 2, progress: 'off' });
      const add = (a: number, b: number): number => a + b;
      for (let a = 1; a < 10; a += 2) tm.submit(new FarmTask(add, a, a + 1));
      assert.equal(tm.openTasks as number, 5);
      const pending: number[] = [];
      let total: number | undefined;
      for (let result = await tm.next(); result; result = await tm.next()) {
        assert.ok(result.ok);
        pending.push(result.value as number);
        if (pending.length === 2) tm.submit(new FarmTask(add, pending.pop()!, pending.pop()!));
        if (tm.openTasks === 0) total = pending[0];
      }
      assert.equal(total, 55);
      assert.equal(tm.openTasks, 0);
      assert.equal(await tm.next(), undefined, 'nothing open: next resolves at once');
    });
  });
}

describe('TaskManager', { timeout: 60_000 }, () => {
  it('take tells "nothing ready" (undefined) apart from a task that returned undefined', async () => {
    await using tm = new TaskManager({ workers: 1, progress: 'off' });
    assert.equal(tm.take(), undefined);
    tm.submit(new FarmTask(() => undefined));
    assert.equal(tm.openTasks, 1);
    assert.equal(tm.take(), undefined, 'not finished yet');
    let taken = tm.take();
    while (!taken) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      taken = tm.take();
    }
    assert.equal(taken.ok, true);
    assert.equal(taken.value, undefined);
    assert.ok('value' in taken);
    assert.equal(tm.openTasks, 0);
  });

  it('async iteration yields results as they finish, fastest first', async () => {
    await using tm = new TaskManager({ workers: 2, progress: 'off' });
    // Both workers booted first, so the fast task need not wait for one.
    await tm.execute(tm.workers().map((w) => new FarmTask(sleep, 1).with({ where: (worker) => worker.id === w.id })));
    tm.submit(new FarmTask(sleep, 300, 'slow'));
    tm.submit(new FarmTask(sleep, 10, 'fast'));
    const order: unknown[] = [];
    for await (const result of tm) order.push(result.value);
    assert.deepEqual(order, ['fast', 'slow']);
  });

  it('execute refuses a batch with an invalid task before running any, naming it', async () => {
    await using tm = new TaskManager({ workers: 1, progress: 'off' });
    const loop = new FarmTask((n: number) => n, 1);
    loop.recovery = loop;
    await assert.rejects(tm.execute([new FarmTask((n: number) => n, 0), loop]), (e: unknown) => e instanceof RecoveryLoopError && /task 1 of 2/.test(e.message) && /no task was run/.test(e.message));
    const outer = 5;
    await assert.rejects(tm.execute([new FarmTask((n: number) => n + outer, 0)]), /outer/);
    assert.throws(() => new FarmTask((n: number) => n, 0).with({ retries: -1 }), ValidationError);
    const negative = new FarmTask((n: number) => n, 0);
    negative.retries = -1; // set as a property: checked when it is farmed
    await assert.rejects(tm.execute([negative]), (e: unknown) => e instanceof ValidationError && /'retries'/.test(e.message));
    assert.equal(tm.client.queueStatus().succeeded + tm.client.queueStatus().scheduled, 0, 'nothing ran');
  });

  it('draws progress as plain lines when the stream is not a terminal, with the total', async () => {
    const stream = new Capture();
    await using tm = new TaskManager({ workers: 2, progress: { mode: 'lines', stream, lineIntervalMs: 10, label: 'farm' } });
    await tm.execute(Array.from({ length: 20 }, (_, i) => new FarmTask(sleep, 5, i)));
    assert.match(stream.text, /farm/);
    assert.match(stream.text, /20\/20/);
    assert.doesNotMatch(stream.text, /\r/);
  });

  it('progress off writes nothing', async () => {
    const stream = new Capture();
    await using tm = new TaskManager({ workers: 1, progress: { mode: 'off', stream } });
    await tm.execute([new FarmTask((n: number) => n, 1)]);
    assert.equal(stream.text, '');
  });

  it('shutdown lets submitted tasks finish; their results stay takeable', async () => {
    const tm = new TaskManager({ workers: 1, progress: 'off' });
    tm.submit(new FarmTask(sleep, 50, 'kept'));
    await within(tm.shutdown(), 10_000, 'shutdown');
    const result = tm.take();
    assert.equal(result?.value, 'kept');
  });

  it('FarmTask.execute runs the task here, to test its inputs', async () => {
    assert.equal(await new FarmTask(divide, 6, { by: 3 }).execute(), 2);
    await assert.rejects(new FarmTask(divide, 6, { by: 0 }).execute(), /division by zero/);
    assert.equal(String(new FarmTask(divide, 0.5, { by: 5 })), 'Task(divide, 0.5, { by: 5 })');
  });
});
