/**
 * Bugs and rough edges found while porting the farm examples (examples/farm/), kept as regression
 * tests. Each test says what it expects and why.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { FarmTask, TaskClient, TaskManager, type CustomPlacement, type FarmResult } from '../../src/index.js';
import { adder, double, scopeNames, slow, whoAmI } from '../../examples/farm/tasks.js';

const opts = { timeout: 60_000 };

describe('regressions: FarmTask', () => {
  it('with() is all or nothing: an option it refuses is not left set on the task', () => {
    const task = new FarmTask(adder, 1, 2).with({ retries: 1 });
    assert.throws(() => task.with({ retries: -1 }), /'retries'/);
    // The caller caught the error and goes on with the task as it was: a refused value left set
    // would make every later run(task) throw the same ValidationError again.
    assert.equal(task.retries, 1);

    const a = new FarmTask(adder, 1, 2);
    const b = new FarmTask(adder, 3, 4).with({ recovery: a });
    assert.throws(() => a.with({ recovery: b }), /loops/);
    assert.equal(a.recovery, undefined, 'the refused recovery loop is not left in place');
  });

  it('execute() applies push (and pull/clear) like a farm does: pushed values are inputs too', opts, async () => {
    // `double` reads x from its scope, as a farmed task with push: { x: 21 } does (see scope.ts).
    // mplite's execute() is "to check that the inputs to the task are formed correctly": without
    // its pushed inputs the function would return undefined (x never set).
    const value = await new FarmTask(double).with({ push: { x: 21 }, clearAfter: true }).execute();
    assert.equal(value, 21);
    // ...and, with clearAfter, it leaves nothing in this thread's scope (which inline and async
    // executors share with every task they run here).
    assert.deepEqual(await new FarmTask(scopeNames).execute(), []);
  });
});

describe('regressions: pull', () => {
  it('a pulled value that cannot be sent back is named as the pulled value, not as the return value', opts, async () => {
    await using tc = new TaskClient({ workers: 1 });
    const keepFunction = function (this: { scope: Map<string, unknown> }): number {
      this.scope.set('callback', () => 1);
      return 1; // plain data: the return value is fine
    };
    const result = await tc.result(tc.run(new FarmTask(keepFunction).with({ pull: 'callback' })), { block: true });
    assert.equal(result.ok, false);
    // Not "the task's return value cannot be sent back", which would send the user looking at a
    // return value that is plain data.
    assert.match(result.error!.message, /callback/);
  });
});

describe('regressions: TaskManager', () => {
  it('a task submitted with `after` on a task whose result was already taken runs (it is not refused)', opts, async () => {
    await using tm = new TaskManager({ workers: 1, progress: 'off' });
    const first = tm.submit(new FarmTask(adder, 1, 2));
    assert.equal((await tm.next())?.value, 3);
    // Incremental work (the pyramid) takes results as they come; a follow-up that must wait for a
    // task (`after`), or run where it ran (`follow`), is refused with UnknownTaskIdError once its
    // result was taken, since take() forgets the id. The task it waits for has finished: it can run.
    const second = tm.submit(new FarmTask(adder, 3, 4).with({ after: first }));
    assert.equal(typeof second, 'number');
    assert.equal((await tm.next())?.value, 7);
  });
});

describe('regressions: placement', () => {
  it('a task a custom policy declines does not block the tasks behind it that the policy places', opts, async () => {
    const gpuOnly: CustomPlacement = (workers) => workers.find((w) => w.properties.gpu === true)?.id;
    const tc = new TaskClient({ workers: 2, placement: gpuOnly, properties: (i) => ({ gpu: i === 1 }) });
    try {
      // Pinned to the worker without a GPU: the policy declines it ("left queued until the next chance").
      const declined = tc.run(new FarmTask(whoAmI).with({ where: (w) => w.properties.gpu !== true }));
      // Any worker will do: the policy places it on the GPU worker, whatever waits before it.
      const placed = tc.run(new FarmTask(whoAmI));
      const result = await tc.result(placed, { block: true, timeout: 15_000 });
      assert.equal(result.value, tc.workers().find((w) => w.properties.gpu === true)!.id);
      assert.equal(tc.result(declined), undefined);
    } finally {
      await tc.shutdown({ wait: false });
    }
  });

  it('processes: two heavy tasks of a function first seen as tiny run side by side on two workers', opts, async () => {
    // mplite's f sleeps 0 s for arg 0 and up to 0.9 s otherwise: a function whose run time depends
    // on its arguments. Once `slow` was measured as tiny, two long calls submitted with a few short
    // ones go to one child process in one batch and run one after the other while the other worker
    // runs the short ones and then idles (threads steal unstarted tasks back; processes cannot).
    // ARCHITECTURE.md: "Speed on tiny tasks must never cost parallelism on heavy ones."
    await using tc = new TaskClient({ backend: 'processes', workers: 2 });
    await tc.barrier(Array.from({ length: 200 }, (_, i) => tc.run(new FarmTask(slow, i, 0))));
    const long = [tc.run(new FarmTask(slow, 'long 1', 1)), tc.run(new FarmTask(slow, 'long 2', 1))];
    const short = Array.from({ length: 6 }, (_, i) => tc.run(new FarmTask(slow, i, 0)));
    await tc.barrier([...long, ...short]);
    const [a, b] = long.map((id) => tc.result(id)!) as [FarmResult, FarmResult];
    const overlap = a.started!.getTime() < b.completed.getTime() && b.started!.getTime() < a.completed.getTime();
    assert.ok(overlap, `ran one after the other: ${a.workerId} ${a.started!.toISOString()}–${a.completed.toISOString()}, ${b.workerId} ${b.started!.toISOString()}–${b.completed.toISOString()}`);
  });
});

describe('regressions: TaskClient.queueStatus', () => {
  it("pending (IPython: 'Tasks that are currently running') never counts more tasks than there are workers", opts, async () => {
    // Tiny tasks travel to workers in batches; every task of a batch counts as running as soon as
    // the batch is sent, though each worker runs one at a time. With 2 workers, IPython's
    // queue_status would show at most 2 pending; here it shows whole batches.
    await using tc = new TaskClient({ workers: 2 });
    await tc.barrier(Array.from({ length: 200 }, (_, i) => tc.run(new FarmTask(slow, i, 0))));
    const ids = Array.from({ length: 1000 }, (_, i) => tc.run(new FarmTask(slow, i, 0.001)));
    let maxPending = 0;
    while (tc.queueStatus().succeeded < 1200) {
      maxPending = Math.max(maxPending, tc.queueStatus().pending);
      await sleep(5);
    }
    await tc.barrier(ids);
    assert.ok(maxPending <= 2, `up to ${maxPending} tasks were reported running at once on 2 workers`);
  });
});
