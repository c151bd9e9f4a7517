import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AbstractTask, defineContainer, field, FunctionTask, LoopInput, LoopTask, ReturnStatus, ValidationError,
  type FunctionInput, type FunctionOutput, type Scratch, type TaskRuntime,
} from '../../src/index.js';
import { makeConditionLoop, makeRepeatLoop } from '../../examples/compose/loop.js';

/** A body that counts its own calls: returns 1, 2, 3, ... */
function counter(): { task: FunctionTask; calls: () => number } {
  let calls = 0;
  const task = new FunctionTask(() => (calls += 1));
  return { task, calls: () => calls };
}

describe('LoopTask.repeat', () => {
  it('repeat(10) runs the body 11 times and the restart 10 times, as in the notebook', async () => {
    const { task, calls } = counter();
    const restarted: number[] = [];
    const l = new LoopTask();
    l.input.task = task;
    l.input.repeat(10, (output: FunctionOutput<number>) => {
      restarted.push(output.result!);
    });
    const [status, output] = await l.execute();
    assert.equal(status.code, ReturnStatus.Code.DONE);
    assert.equal(calls(), 11);
    assert.deepEqual(restarted, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // the final result is the eleventh run's: none of the printed values
    assert.equal((output as FunctionOutput<number>).result, 11);
  });

  it('repeat(0) runs the body once and never restarts; repeat(1) runs it twice', async () => {
    for (const [steps, runs] of [[0, 1], [1, 2], [3, 4]] as const) {
      const { task, calls } = counter();
      let restarts = 0;
      const l = new LoopTask();
      l.input.task = task;
      l.input.repeat(steps, () => {
        restarts += 1;
      });
      await l.execute();
      assert.equal(calls(), runs, `repeat(${steps}) runs`);
      assert.equal(restarts, steps, `repeat(${steps}) restarts`);
    }
  });

  it('the notebook loop prints ten values, then a final result that is none of them', async () => {
    const printed: number[] = [];
    const lines: string[] = [];
    const [status, output] = await makeRepeatLoop(printed, (line) => lines.push(line)).execute();
    assert.equal(status.code, 'done');
    assert.equal(printed.length, 10);
    assert.deepEqual(lines, printed.map(String));
    const result = (output as FunctionOutput<number>).result!;
    assert.ok(result >= 0 && result < 1);
    assert.ok(!printed.includes(result));
  });

  it('refuses a step count that is not an integer >= 0', () => {
    for (const bad of [-1, 1.5, Number.NaN, '3']) {
      assert.throws(() => new LoopInput().repeat(bad as number), ValidationError, String(bad));
    }
  });

  it('can be executed twice with the same result count (the count lives in the run, not the task)', async () => {
    const { task, calls } = counter();
    const l = new LoopTask();
    l.input.task = task;
    l.input.repeat(2);
    await l.execute();
    await l.execute();
    assert.equal(calls(), 6);
  });
});

describe('LoopTask.controlWith', () => {
  it('runs until the condition is true; restart runs between runs; scratch is shared by both across iterations', async () => {
    const { task } = counter();
    const scratches = new Set<Scratch>();
    const seen: Array<{ cond: number; scratch: unknown }> = [];
    const l = new LoopTask();
    l.input.task = task;
    l.input.controlWith({
      condition: (body, output: FunctionOutput<number>, scratch) => {
        scratches.add(scratch);
        assert.ok(body instanceof FunctionTask, 'the condition gets the task');
        scratch.total = ((scratch.total as number | undefined) ?? 0) + output.result!;
        seen.push({ cond: output.result!, scratch: { ...scratch } });
        return output.result! >= 4;
      },
      restart: (_output, _input, scratch) => {
        scratches.add(scratch);
        scratch.restarts = ((scratch.restarts as number | undefined) ?? 0) + 1;
      },
    });
    const [status, output] = await l.execute();
    assert.equal(status.code, 'done');
    assert.equal((output as FunctionOutput<number>).result, 4);
    assert.equal(scratches.size, 1, 'one scratch object for the whole run');
    const [scratch] = [...scratches];
    assert.deepEqual(scratch, { total: 1 + 2 + 3 + 4, restarts: 3 });
    assert.deepEqual(seen.map((s) => s.cond), [1, 2, 3, 4]);
  });

  it('each run of the loop starts with a fresh scratch', async () => {
    const scratches: Scratch[] = [];
    const l = new LoopTask();
    l.input.task = new FunctionTask(() => 1);
    l.input.controlWith({
      condition: (_t, _o, scratch) => {
        scratches.push(scratch);
        return true;
      },
    });
    await l.execute();
    await l.execute();
    assert.equal(scratches.length, 2);
    assert.notEqual(scratches[0], scratches[1]);
  });

  it('restart can feed the next run through its input', async () => {
    const l = new LoopTask();
    const double = new FunctionTask((x: number) => x * 2);
    double.input.args = [1];
    l.input.task = double;
    l.input.controlWith({
      condition: (_t, output: FunctionOutput<number>) => output.result! >= 100,
      restart: (output: FunctionOutput<number>, input: FunctionInput) => {
        input.args = [output.result];
      },
    });
    const [status, output] = await l.execute();
    assert.equal(status.code, 'done');
    assert.equal((output as FunctionOutput<number>).result, 128);
  });

  it('restarts never change the task that was given, neither by assignment nor in place', async () => {
    const body = new FunctionTask((list: number[], opts: { step: number }) => list.length + opts.step);
    body.input.args = [[0]];
    body.input.kwargs = { step: 1 };
    const l = new LoopTask();
    l.input.task = body;
    l.input.repeat(3, (_output, input: FunctionInput) => {
      (input.args[0] as number[]).push(1); // in place
      input.kwargs = { step: 10 }; // by assignment
    });
    const [status, output] = await l.execute();
    assert.equal(status.code, 'done');
    assert.equal((output as FunctionOutput<number>).result, 4 + 10);
    assert.deepEqual(body.input.args, [[0]]);
    assert.deepEqual(body.input.kwargs, { step: 1 });
    assert.equal(l.input.task, body);
  });

  it('the notebook condition loop: stops at the first draw below 0.15, printing the others', async () => {
    const printed: number[] = [];
    const [status, output] = await makeConditionLoop(printed, () => undefined).execute();
    assert.equal(status.code, 'done');
    assert.ok((output as FunctionOutput<number>).result! < 0.15);
    assert.ok(printed.every((value) => value >= 0.15));
  });
});

describe('LoopTask errors', () => {
  it('an aborted iteration aborts the loop with the inner status as cause', async () => {
    let calls = 0;
    const error = new Error('third run fails');
    const l = new LoopTask();
    l.input.task = new FunctionTask(() => {
      calls += 1;
      if (calls === 3) throw error;
      return calls;
    });
    l.input.repeat(10);
    const [status] = await l.execute();
    assert.equal(status.code, ReturnStatus.Code.ABORTED);
    assert.match(status.message ?? '', /run 3/);
    assert.ok(status.cause instanceof ReturnStatus);
    assert.equal(status.error, error);
    assert.equal(calls, 3, 'no run after the failed one');
  });

  it('a condition or restart that throws ends the loop ABORTED with that error', async () => {
    const error = new Error('bad condition');
    let l = new LoopTask();
    l.input.task = new FunctionTask(() => 1);
    l.input.controlWith({ condition: () => {
      throw error;
    } });
    assert.equal((await l.execute())[0].error, error);

    const restartError = new Error('bad restart');
    l = new LoopTask();
    l.input.task = new FunctionTask(() => 1);
    l.input.repeat(2, () => {
      throw restartError;
    });
    const [status] = await l.execute();
    assert.equal(status.code, 'aborted');
    assert.equal(status.error, restartError);
  });

  it('a loop without a body or without control is not ready, naming what is missing', async () => {
    let [status] = await new LoopTask().execute();
    assert.equal(status.code, 'aborted');
    assert.match(status.message ?? '', /'task'/);
    const l = new LoopTask();
    l.input.task = new FunctionTask(() => 1);
    [status] = await l.execute();
    assert.match(status.message ?? '', /condition/);
    assert.throws(() => new LoopInput().controlWith({ condition: 'x' as never }), ValidationError);
  });
});

describe('LoopTask bodies of any task class', () => {
  it('loops a task whose typed input holds an instance of a user class', async () => {
    class Point {
      constructor(readonly x: number) {}
      norm(): number {
        return Math.abs(this.x);
      }
    }
    const Input = defineContainer('PointInput', { p: field.instanceOf(Point) });
    type Input = InstanceType<typeof Input>;
    class Norm extends AbstractTask<Input, { value?: number }> {
      protected makeInput(): Input {
        return new Input();
      }
      makeOutput(): { value?: number } {
        return {};
      }
      protected body(_runtime: TaskRuntime, output: { value?: number }): void {
        output.value = this.input.p.norm();
      }
    }
    const task = new Norm();
    task.input.p = new Point(-3);
    assert.equal((await task.execute())[1].value, 3, 'the task itself runs');
    const l = new LoopTask();
    l.input.task = task;
    l.input.repeat(1);
    const [status, output] = await l.execute();
    assert.equal(String(status), 'ReturnStatus(DONE)', status.error?.message);
    assert.equal((output as { value?: number }).value, 3);
  });

  it('loops a task class that keeps #private state', async () => {
    class Scaled extends AbstractTask<{ missing(): string[] }, { value?: number }> {
      readonly #factor = 2;
      protected makeInput(): { missing(): string[] } {
        return { missing: () => [] };
      }
      makeOutput(): { value?: number } {
        return {};
      }
      protected body(_runtime: TaskRuntime, output: { value?: number }): void {
        output.value = this.#factor;
      }
    }
    assert.equal((await new Scaled().execute())[1].value, 2, 'the task itself runs');
    const l = new LoopTask();
    l.input.task = new Scaled();
    l.input.repeat(1);
    const [status, output] = await l.execute();
    assert.equal(String(status), 'ReturnStatus(DONE)', status.error?.message);
    assert.equal((output as { value?: number }).value, 2);
  });
});
