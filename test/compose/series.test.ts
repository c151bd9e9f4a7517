import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FunctionTask, ReturnStatus, SeriesInput, SeriesTask, ValidationError, type FunctionInput, type FunctionOutput } from '../../src/index.js';
import { calcFib, sqrt } from '../../examples/compose/tasks.js';
import { makeSeries } from '../../examples/compose/series.js';

describe('SeriesTask', () => {
  it('runs fib(10) → sqrt: DONE with 12, the last step\'s output', async () => {
    const [status, output] = await makeSeries(10).execute();
    assert.equal(status.code, ReturnStatus.Code.DONE);
    assert.equal((output as FunctionOutput<number>).result, 12);
  });

  it('first(t1).then(t2, transfer) chains and returns the input; transfer gets (nextInput, previousOutput)', async () => {
    const s = new SeriesTask();
    const f1 = new FunctionTask(calcFib);
    const f2 = new FunctionTask(sqrt);
    const calls: Array<[unknown, unknown]> = [];
    const chained = s.input.first(f1).then(f2, (input: FunctionInput, output: FunctionOutput<bigint>) => {
      calls.push([input, output.result]);
      input.args = [Number(output.result)];
    });
    assert.equal(chained, s.input);
    assert.deepEqual(s.input.tasks, [f1, f2]);
    f1.input.kwargs.n = 4;
    const [status, output] = await s.execute();
    assert.equal(status.code, 'done');
    assert.equal(calls.length, 1);
    assert.equal(calls[0]![0], f2.input);
    assert.equal(calls[0]![1], 8n);
    assert.equal((output as FunctionOutput<number>).result, Math.sqrt(8));
  });

  it('runs three steps in order, each transfer seeing the previous output', async () => {
    const order: string[] = [];
    const step = (name: string) => new FunctionTask((x: number) => {
      order.push(name);
      return x + 1;
    });
    const s = new SeriesTask();
    const [a, b, c] = [step('a'), step('b'), step('c')];
    a.input.args = [0];
    const pass = (input: FunctionInput, output: FunctionOutput<number>) => {
      input.args = [output.result];
    };
    s.input.first(a).then(b, pass).then(c, pass);
    const [status, output] = await s.execute();
    assert.equal(status.code, 'done');
    assert.deepEqual(order, ['a', 'b', 'c']);
    assert.equal((output as FunctionOutput<number>).result, 3);
  });

  it('a step that is not DONE aborts the series with its status as cause; later steps do not run', async () => {
    let thirdRan = false;
    const s = new SeriesTask();
    const error = new Error('step two failed');
    s.input
      .first(new FunctionTask(() => 1))
      .then(new FunctionTask(() => {
        throw error;
      }), () => undefined)
      .then(new FunctionTask(() => {
        thirdRan = true;
      }), () => undefined);
    const [status] = await s.execute();
    assert.equal(status.code, ReturnStatus.Code.ABORTED);
    assert.match(status.message ?? '', /step 2 of 3/);
    assert.ok(status.cause instanceof ReturnStatus);
    assert.equal(status.cause.code, 'aborted');
    assert.equal(status.cause.cause, error);
    assert.equal(status.error, error);
    assert.equal(thirdRan, false);
  });

  it('a transfer that throws ends the series ABORTED with that error, not a hang', async () => {
    const s = new SeriesTask();
    const error = new TypeError('cannot transfer');
    s.input.first(new FunctionTask(() => 1)).then(new FunctionTask((x: number) => x), () => {
      throw error;
    });
    const [status] = await s.execute();
    assert.equal(status.code, 'aborted');
    assert.equal(status.error, error);
  });

  it('a transfer that sets a wrong type on a typed input ends ABORTED naming the field', async () => {
    const s = makeSeries(10);
    // replace the transfer with one that gives sqrt a wrong type of args
    const f1 = s.input.tasks[0]!;
    const f2 = s.input.tasks[1]!;
    s.input.first(f1).then(f2, (input: FunctionInput) => {
      input.args = 'not an array' as never;
    });
    const [status] = await s.execute();
    assert.equal(status.code, 'aborted');
    assert.ok(status.error instanceof ValidationError);
    assert.match(status.error.message, /args/);
  });

  it('an empty series is not ready; then() before first() and a non-function transfer are refused', async () => {
    const [status] = await new SeriesTask().execute();
    assert.equal(status.code, 'aborted');
    assert.match(status.message ?? '', /'tasks'/);
    assert.throws(() => new SeriesInput().then(new FunctionTask(() => 1), () => undefined), ValidationError);
    assert.throws(() => new SeriesInput().first(new FunctionTask(() => 1)).then(new FunctionTask(() => 1), 'x' as never), ValidationError);
  });

  it('first() starts over', () => {
    const s = new SeriesTask();
    const t = new FunctionTask(() => 1);
    s.input.first(t).then(new FunctionTask(() => 2), () => undefined);
    s.input.first(t);
    assert.deepEqual(s.input.tasks, [t]);
    assert.deepEqual(s.input.transfers, []);
  });

  it('captureExceptions: false on the series lets a throwing transfer propagate', async () => {
    const s = new SeriesTask({ captureExceptions: false });
    s.input.first(new FunctionTask(() => 1)).then(new FunctionTask(() => 2), () => {
      throw new Error('transfer boom');
    });
    await assert.rejects(s.execute(), /transfer boom/);
  });
});
