import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FunctionInput, FunctionOutput, FunctionTask, ReturnStatus, ValidationError } from '../../src/index.js';
import { calcFib } from '../../examples/compose/tasks.js';

describe('FunctionTask', () => {
  it('starts with empty args and kwargs', () => {
    const f = new FunctionTask(calcFib);
    assert.ok(f.input instanceof FunctionInput);
    assert.deepEqual(f.input.args, []);
    assert.deepEqual(f.input.kwargs, {});
    assert.ok(f.makeOutput() instanceof FunctionOutput);
  });

  it('calls the function with args, then kwargs as one final options object', async () => {
    const seen: unknown[][] = [];
    const f = new FunctionTask((...args: unknown[]) => {
      seen.push(args);
      return args.length;
    });
    f.input.args = [1, 'two'];
    f.input.kwargs = { n: 3, flag: true };
    const [status, output] = await f.execute();
    assert.equal(status.code, 'done');
    assert.equal(output.result, 3);
    assert.deepEqual(seen[0], [1, 'two', { n: 3, flag: true }]);
  });

  it('passes no options object when kwargs is empty', async () => {
    const f = new FunctionTask((...args: unknown[]) => args);
    f.input.args = [1, 2];
    const [, output] = await f.execute();
    assert.deepEqual(output.result, [1, 2]);
    const none = new FunctionTask((...args: unknown[]) => args.length);
    assert.equal((await none.execute())[1].result, 0);
  });

  it('runs the notebook example: kwargs n = 10 gives 144 with status DONE', async () => {
    const f = new FunctionTask(calcFib);
    f.input.kwargs.n = 10;
    const [status, output] = await f.execute();
    assert.equal(status.code, ReturnStatus.Code.DONE);
    assert.equal(output.result, 144n);
  });

  it('awaits an async function', async () => {
    const f = new FunctionTask(async (x: number) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return x * 2;
    });
    f.input.args = [21];
    assert.equal((await f.execute())[1].result, 42);
  });

  it('an exception becomes ABORTED, keeping the error; the output stays unset', async () => {
    const error = new RangeError('bad n');
    const f = new FunctionTask(() => {
      throw error;
    });
    const [status, output] = await f.execute();
    assert.equal(status.code, ReturnStatus.Code.ABORTED);
    assert.equal(status.message, 'bad n');
    assert.equal(status.cause, error);
    assert.equal(status.error, error);
    assert.equal(output.result, undefined);
  });

  it('a thrown non-Error value is wrapped in an Error', async () => {
    const f = new FunctionTask(() => {
      throw 'plain string';
    });
    const [status] = await f.execute();
    assert.equal(status.code, 'aborted');
    assert.ok(status.error instanceof Error);
    assert.match(status.error.message, /plain string/);
  });

  it('captureExceptions: false lets the exception propagate from execute()', async () => {
    const error = new RangeError('bad n');
    const f = new FunctionTask(() => {
      throw error;
    }, { captureExceptions: false });
    assert.equal(f.captureExceptions, false);
    await assert.rejects(f.execute(), (thrown: unknown) => thrown === error);
  });

  it('args or kwargs of the wrong type: ABORTED with a ValidationError naming them', async () => {
    const f = new FunctionTask((x: unknown) => x);
    f.input.args = 5 as never;
    let [status] = await f.execute();
    assert.equal(status.code, 'aborted');
    assert.ok(status.error instanceof ValidationError);
    assert.match(status.message ?? '', /args must be an array/);

    const g = new FunctionTask((x: unknown) => x);
    g.input.kwargs = [1] as never;
    [status] = await g.execute();
    assert.ok(status.error instanceof ValidationError);
    assert.match(status.message ?? '', /kwargs must be an object/);
  });

  it('refuses a non-function at construction', () => {
    assert.throws(() => new FunctionTask(42 as never), ValidationError);
  });

  it('input.clone() is a deep copy', () => {
    const f = new FunctionTask((x: unknown) => x);
    f.input.args = [[1, 2]];
    f.input.kwargs = { deep: { a: 1 } };
    const copy = f.input.clone();
    (copy.args[0] as number[]).push(3);
    (copy.kwargs.deep as { a: number }).a = 2;
    assert.deepEqual(f.input.args, [[1, 2]]);
    assert.deepEqual(f.input.kwargs, { deep: { a: 1 } });
  });

  it('can be executed again with changed input', async () => {
    const f = new FunctionTask(calcFib);
    f.input.kwargs.n = 3;
    assert.equal((await f.execute())[1].result, 5n);
    f.input.kwargs.n = 4;
    assert.equal((await f.execute())[1].result, 8n);
  });
});
