import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  defineContainer, field, FunctionTask, LoopTask, ReturnStatus, Run, SeriesTask, TaskDefinitionError, TaskExecutor,
  TaskGenerator, ThreadExecutor, ValidationError, type FunctionInput, type FunctionOutput, type Outcome, type TaskSteps,
} from '../../src/index.js';
import { calcFib, random, sleep, warmUp } from '../../examples/compose/tasks.js';
import { makeTasks } from '../../examples/compose/many-tasks.js';
import { makeSeries } from '../../examples/compose/series.js';
import { WaitGenerator } from '../../examples/compose/wait-generator.js';
import { executorKinds, settlesWithin, useExecutor } from './helpers.js';

const opts = { timeout: 30_000 };

/** A generator that yields one batch of fib tasks and sums their results into its output. */
const SumInput = defineContainer('SumInput', { ns: field.array<number>().default([3, 4, 5]) });
type SumInput = InstanceType<typeof SumInput>;
class FibSum extends TaskGenerator<SumInput, { sum?: bigint; received?: number }> {
  protected makeInput(): SumInput {
    return new SumInput();
  }
  makeOutput(): { sum?: bigint; received?: number } {
    return {};
  }
  protected *steps(output: { sum?: bigint; received?: number }): TaskSteps<{ sum?: bigint }> {
    const tasks = this.input.ns.map((n) => {
      const t = new FunctionTask(calcFib);
      t.input.kwargs.n = n;
      return t;
    });
    const outcomes: Outcome[] = yield tasks;
    output.received = outcomes.length;
    output.sum = outcomes.reduce((sum, [, o]) => sum + (o as FunctionOutput<bigint>).result!, 0n);
    return ReturnStatus.done();
  }
}

/** What each kind produced, compared across kinds at the end. */
const seen = new Map<string, unknown>();

for (const kind of executorKinds) {
  describe(`TaskExecutor (${kind.name})`, () => {
    const { exe } = useExecutor(kind);

    it('runs one task or a list on the same footing', opts, async () => {
      const f = new FunctionTask(calcFib);
      f.input.kwargs.n = 10;
      const single = exe().run(f);
      assert.ok(single instanceof Run);
      assert.equal(await single.wait(), single, 'wait() resolves to the run');
      assert.equal(single.status.length, 1);
      assert.equal(String(single.status[0]), 'ReturnStatus(DONE)');
      assert.equal(single.output[0].result, 144n);

      const list = exe().run([f]);
      await list.wait();
      assert.deepEqual(list.output.map((o: FunctionOutput) => o.result), [144n]);
    });

    it('ten tasks: status and output arrays in task order, run.state finished after wait', opts, async () => {
      const run = exe().run(makeTasks());
      assert.equal(run.state, 'running');
      await settlesWithin(run.wait(), 20_000, 'ten tasks');
      assert.equal(run.state, 'finished');
      assert.deepEqual(run.status.map((s) => s?.code), Array(10).fill('done'));
      const results = run.output.map((o: FunctionOutput<bigint>) => o.result);
      assert.deepEqual(results, [5n, 8n, 13n, 21n, 34n, 55n, 89n, 144n, 233n, 377n]);
      assert.equal(run.output[1].result, 8n);
      assert.equal(run.output[5].result, 55n);
      seen.set(`${kind.name}:ten`, results);
    });

    it('BigInt results: fib(100) = 927372692193078999176', opts, async () => {
      const f = new FunctionTask(calcFib);
      f.input.kwargs.n = 100;
      const run = exe().run([f]);
      await run.wait();
      assert.equal(run.output[0].result, 927372692193078999176n);
    });

    it('statuses land at their task\'s index even when later tasks end first', opts, async () => {
      const tasks = [0.06, 0.03, 0].map((seconds, i) => {
        const t = new FunctionTask((s: number, tag: number) => {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, s * 1000);
          return tag;
        });
        t.input.args = [seconds, i];
        return t;
      });
      const run = exe().run(tasks);
      await run.wait();
      assert.deepEqual(run.output.map((o: FunctionOutput<number>) => o.result), [0, 1, 2]);
    });

    it('an empty list finishes at once with empty arrays', opts, async () => {
      const run = exe().run([]);
      await run.wait();
      assert.equal(run.state, 'finished');
      assert.deepEqual(run.status, []);
    });

    it('composite: series fib → sqrt gives 12', opts, async () => {
      const run = exe().run(makeSeries(10));
      await run.wait();
      assert.equal(String(run.status[0]), 'ReturnStatus(DONE)');
      assert.equal(run.output[0].result, 12);
      seen.set(`${kind.name}:series`, run.output[0].result);
    });

    it('composite: repeat(3) loop runs the body 4 times and restarts 3 times (restarts run here)', opts, async () => {
      const restarted: number[] = [];
      const l = new LoopTask();
      l.input.task = new FunctionTask(random);
      l.input.repeat(3, (output: FunctionOutput<number>) => {
        restarted.push(output.result!);
      });
      const run = exe().run(l);
      await run.wait();
      assert.equal(run.status[0]?.code, 'done');
      assert.equal(restarted.length, 3);
      assert.ok(!restarted.includes(run.output[0].result));
    });

    it('composite: a generator\'s batch runs and comes back in order', opts, async () => {
      const g = new FibSum();
      g.input.ns = [3, 4, 5, 6];
      const run = exe().run([g, new FibSum()]);
      await run.wait();
      assert.deepEqual(run.status.map((s) => s?.code), ['done', 'done']);
      assert.deepEqual(run.output.map((o: { sum: bigint }) => o.sum), [5n + 8n + 13n + 21n, 5n + 8n + 13n]);
      seen.set(`${kind.name}:generator`, run.output.map((o: { sum: bigint }) => o.sum));
    });

    it('the wait generator: DONE with one DONE outcome per wait', opts, async () => {
      const wait = new WaitGenerator();
      wait.input.time = 0.005;
      wait.input.n = 6;
      const run = exe().run(wait);
      await run.wait();
      assert.equal(run.status[0]?.code, 'done');
    });

    it('a task that throws: ABORTED with the error message kept; the other tasks are not affected', opts, async () => {
      const bad = new FunctionTask((n: number) => {
        throw new RangeError(`bad n ${n}`);
      });
      bad.input.args = [7];
      const good = new FunctionTask(calcFib);
      good.input.kwargs.n = 5;
      const run = exe().run([bad, good]);
      await settlesWithin(run.wait(), 10_000, 'a throwing task');
      assert.equal(run.status[0]?.code, ReturnStatus.Code.ABORTED);
      assert.match(run.status[0]?.message ?? '', /bad n 7/);
      assert.ok(run.status[0]?.error instanceof Error);
      assert.equal(run.status[1]?.code, 'done');
      assert.equal(run.output[1].result, 13n);
    });

    it('bad input ends in a clear status, never a hang', opts, async () => {
      // a series whose transfer throws
      const series = makeSeries(10);
      const [f1, f2] = series.input.tasks;
      series.input.first(f1!).then(f2!, () => {
        throw new TypeError('transfer failed');
      });
      // a generator that throws after its first batch
      const throwing = new (class extends FibSum {
        protected override *steps(): TaskSteps<{ sum?: bigint }> {
          yield [new FunctionTask(() => 1)];
          throw new Error('generator failed');
        }
      })();
      // a required field left unset
      const Needs = defineContainer('NeedsInput', { x: field.number() });
      const needs = new (class extends FibSum {
        protected override makeInput(): SumInput {
          return new Needs() as unknown as SumInput;
        }
      })();
      // args of the wrong type
      const wrongArgs = new FunctionTask((x: number) => x);
      wrongArgs.input.args = 3 as never;

      const run = exe().run([series, throwing, needs, wrongArgs]);
      await settlesWithin(run.wait(), 10_000, 'bad input');
      assert.deepEqual(run.status.map((s) => s?.code), ['aborted', 'aborted', 'aborted', 'aborted']);
      assert.match(run.status[0]!.error!.message, /transfer failed/);
      assert.match(run.status[1]!.error!.message, /generator failed/);
      assert.ok(run.status[2]!.error instanceof ValidationError);
      assert.match(run.status[2]!.message!, /'x'/);
      assert.ok(run.status[3]!.error instanceof ValidationError);
    });

    it('captureExceptions: false makes wait() reject with the error', opts, async () => {
      const f = new FunctionTask(() => {
        throw new Error('propagated');
      }, { captureExceptions: false });
      const run = exe().run(f);
      await assert.rejects(settlesWithin(run.wait(), 10_000, 'a rejecting run'), /propagated/);
    });

    if (kind.pool) {
      it('a native function (Math.sqrt) cannot be shipped: the step ends ABORTED with a TaskDefinitionError', opts, async () => {
        const run = exe().run(makeSeries(10, Math.sqrt));
        await settlesWithin(run.wait(), 10_000, 'native function on a pool');
        assert.equal(run.status[0]?.code, 'aborted');
        assert.ok(run.status[0]?.error instanceof TaskDefinitionError);
        assert.match(run.status[0]!.error!.message, /native/);
      });

      it('a closure over a local variable cannot be shipped: ABORTED naming the variable', opts, async () => {
        const offset = 3;
        const f = new FunctionTask((x: number) => x + offset);
        f.input.args = [1];
        const run = exe().run(f);
        await run.wait();
        assert.ok(run.status[0]?.error instanceof TaskDefinitionError);
        assert.match(run.status[0]!.error!.message, /'offset'/);
      });
    } else {
      it('in-process kinds call the function itself: Math.sqrt and closures work', opts, async () => {
        const offset = 3;
        const f = new FunctionTask((x: number) => x + offset);
        f.input.args = [1];
        const run = exe().run([makeSeries(10, Math.sqrt), f]);
        await run.wait();
        assert.deepEqual(run.output.map((o: FunctionOutput) => o.result), [12, 4]);
      });
    }
  });
}

describe('every kind of executor gives the same results for the same tasks', () => {
  it('ten tasks, series and generator agree across foreground, inline, threads and processes', () => {
    for (const what of ['ten', 'series', 'generator']) {
      const values = executorKinds.map((kind) => seen.get(`${kind.name}:${what}`));
      assert.ok(values.every((v) => v !== undefined), `${what}: every kind ran`);
      for (const v of values.slice(1)) assert.deepEqual(v, values[0], what);
    }
  });
});

describe('TaskExecutor and its pool', () => {
  it('a generator\'s batch goes to the executor\'s pool, side by side', opts, async () => {
    const executor = new ThreadExecutor({ workers: 2 });
    await using exe = new TaskExecutor(executor, { own: true });
    await warmUp(executor);
    const before = executor.stats().done;
    const wait = new WaitGenerator();
    wait.input.time = 0.02;
    wait.input.n = 6;
    const run = exe.run(wait);
    await run.wait();
    assert.equal(run.status[0]?.code, 'done');
    assert.equal(executor.stats().done - before, 6, 'each wait ran on the pool');
    assert.ok(executor.workers().every((w) => w.done > 1), 'on both workers');
  });

  it('something that is not a task is refused with a ValidationError', opts, async () => {
    // run() may throw it or wait() may reject with it; today wait() rejects with
    // "TypeError: this.task.run is not a function".
    const exe = TaskExecutor.foreground();
    await assert.rejects(async () => {
      await exe.run([{ notATask: true }] as never).wait();
    }, ValidationError);
  });

  it('does not shut down an executor it was given without own: true', opts, async () => {
    const executor = new ThreadExecutor({ workers: 1 });
    try {
      const exe = new TaskExecutor(executor);
      await exe.shutdown();
      assert.equal(await executor.submit(sleep, [0]), undefined, 'the executor still runs tasks');
    } finally {
      await executor.shutdown();
    }
  });

  it('TaskExecutor.foreground/threads/processes/inline make working executors', opts, async () => {
    for (const make of [TaskExecutor.foreground, TaskExecutor.inline, () => TaskExecutor.threads(1), () => TaskExecutor.processes(1)]) {
      await using exe = make();
      const f = new FunctionTask(calcFib);
      f.input.kwargs.n = 10;
      const run = exe.run(f);
      await run.wait();
      assert.equal(run.output[0].result, 144n);
    }
  });

  it('restart sets the next input on this side; the input a pool task gets is that input', opts, async () => {
    await using exe = TaskExecutor.threads(1);
    const l = new LoopTask();
    const double = new FunctionTask((x: number) => x * 2);
    double.input.args = [1];
    l.input.task = double;
    l.input.controlWith({
      condition: (_t, output: FunctionOutput<number>) => output.result! >= 16,
      restart: (output: FunctionOutput<number>, input: FunctionInput) => {
        input.args = [output.result];
      },
    });
    const run = exe.run(l);
    await run.wait();
    assert.equal(run.output[0].result, 16);
    assert.deepEqual(double.input.args, [1]);
  });

  it('a SeriesTask with a step on the pool keeps its transfers on this side', opts, async () => {
    await using exe = TaskExecutor.processes(1);
    const s = new SeriesTask();
    const here: number[] = [];
    const a = new FunctionTask(() => process.pid);
    const b = new FunctionTask((pid: number) => pid);
    s.input.first(a).then(b, (input: FunctionInput, output: FunctionOutput<number>) => {
      here.push(process.pid);
      input.args = [output.result];
    });
    const run = exe.run(s);
    await run.wait();
    assert.equal(run.status[0]?.code, 'done');
    assert.deepEqual(here, [process.pid]);
    assert.notEqual(run.output[0].result, process.pid, 'the steps ran in a child process');
  });
});
