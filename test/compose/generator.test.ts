import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  FunctionTask, ReturnStatus, TaskGenerator, ValidationError, type FunctionOutput, type Outcome, type TaskSteps,
} from '../../src/index.js';
import { WaitGenerator, WaitInput, WaitOutput } from '../../examples/compose/wait-generator.js';

type Ready = { missing(): string[] };
const ready: Ready = { missing: () => [] };

/** A generator whose steps are given as a function, to test the protocol. */
class Steps<O extends object = { total?: number }> extends TaskGenerator<Ready, O> {
  constructor(readonly make: (output: O) => TaskSteps<O>, options?: { captureExceptions?: boolean }) {
    super(options);
  }
  protected makeInput(): Ready {
    return ready;
  }
  makeOutput(): O {
    return {} as O;
  }
  protected steps(output: O): TaskSteps<O> {
    return this.make(output);
  }
}

const value = (x: number) => {
  const t = new FunctionTask((v: number) => v);
  t.input.args = [x];
  return t;
};

describe('TaskGenerator', () => {
  it('yields batches and receives their [status, output] pairs in the order of the batch', async () => {
    const received: Outcome[][] = [];
    const g = new Steps(function* (output) {
      const first = yield [value(1), value(2), value(3)];
      received.push(first);
      // the next batch depends on what came back
      const sum = first.reduce((s, [, o]) => s + (o as FunctionOutput<number>).result!, 0);
      const second = yield [value(sum)];
      received.push(second);
      output.total = (second[0]![1] as FunctionOutput<number>).result;
      return ReturnStatus.done('summed');
    });
    const [status, output] = await g.execute();
    assert.equal(String(status), 'ReturnStatus(DONE, summed)');
    assert.equal(output.total, 6);
    assert.equal(received.length, 2);
    assert.deepEqual(received[0]!.map(([s]) => s.code), ['done', 'done', 'done']);
    assert.deepEqual(received[0]!.map(([, o]) => (o as FunctionOutput<number>).result), [1, 2, 3]);
  });

  it('receives an aborted inner task as its outcome and decides itself', async () => {
    const g = new Steps(function* () {
      const [[status]] = (yield [new FunctionTask(() => {
        throw new Error('inner');
      })]) as [Outcome];
      return status.isDone() ? ReturnStatus.done() : ReturnStatus.warning(`inner task ${status.code}`);
    });
    assert.equal(String((await g.execute())[0]), 'ReturnStatus(WARNING, inner task aborted)');
  });

  it('returning nothing means DONE; returning [status, output] hands back that output', async () => {
    let [status] = await new Steps(function* () {
      yield [value(1)];
    }).execute();
    assert.equal(status.code, 'done');
    const own = { total: 42 };
    const [s2, out] = await new Steps(function* (): TaskSteps<{ total?: number }> {
      yield [];
      return [ReturnStatus.notConverged('not yet'), own];
    }).execute();
    status = s2;
    assert.equal(status.code, ReturnStatus.Code.NOT_CONVERGED);
    assert.equal(out, own);
  });

  it('a generator that throws ends ABORTED with its error, also after a batch', async () => {
    const error = new Error('generator failed');
    // eslint-disable-next-line require-yield -- throws before its first batch, on purpose
    let [status] = await new Steps(function* () {
      throw error;
    }).execute();
    assert.equal(status.code, 'aborted');
    assert.equal(status.error, error);

    [status] = await new Steps(function* () {
      yield [value(1)];
      throw error;
    }).execute();
    assert.equal(status.code, 'aborted');
    assert.equal(status.error, error);
  });

  it('with captureExceptions: false, a throwing generator rejects execute()', async () => {
    // eslint-disable-next-line require-yield -- throws before its first batch, on purpose
    const g = new Steps(function* () {
      throw new Error('visible');
    }, { captureExceptions: false });
    await assert.rejects(g.execute(), /visible/);
  });

  it('is closed (its finally blocks run) when an inner task of a batch throws with captureExceptions: false', async () => {
    let closed = false;
    const g = new Steps(function* () {
      try {
        yield [new FunctionTask(() => {
          throw new Error('inner, not captured');
        }, { captureExceptions: false })];
      } finally {
        closed = true;
      }
    });
    const [status] = await g.execute();
    assert.equal(status.code, 'aborted');
    assert.match(status.message ?? '', /inner, not captured/);
    assert.equal(closed, true, 'the generator was left suspended');
  });

  it('yielding something other than an array of tasks ends ABORTED with a clear ValidationError', async () => {
    let finallyRan = false;
    for (const bad of [5, value(1), [value(1), 'not a task'], null]) {
      finallyRan = false;
      const [status] = await new Steps(function* () {
        try {
          yield bad as never;
        } finally {
          finallyRan = true;
        }
      }).execute();
      assert.equal(status.code, 'aborted');
      assert.ok(status.error instanceof ValidationError);
      assert.match(status.message ?? '', /must yield arrays of tasks/);
      assert.equal(finallyRan, true, 'the generator is closed');
    }
  });
});

describe('WaitGenerator (the notebook\'s implementation example)', () => {
  it('has typed input with defaults and docs, and an empty output', () => {
    const wait = new WaitGenerator();
    assert.ok(wait.input instanceof WaitInput);
    assert.equal(wait.input.time, 10.0);
    assert.equal(wait.input.n, 10);
    assert.deepEqual(WaitInput.describe().map((d) => [d.name, d.expected, d.doc]), [
      ['time', 'a number', 'seconds each wait takes'],
      ['n', 'an integer', 'how many waits'],
    ]);
    assert.ok(wait.makeOutput() instanceof WaitOutput);
    assert.throws(() => {
      wait.input.n = 2.5;
    }, /WaitInput\.n must be an integer/);
    assert.throws(() => {
      wait.input.time = '2' as never;
    }, /WaitInput\.time must be a number/);
  });

  it('yields n waits and receives n DONE outcomes', async () => {
    const wait = new WaitGenerator({ captureExceptions: false });
    wait.input.time = 0.001;
    wait.input.n = 4;
    const [status, output] = await wait.execute();
    assert.equal(status.code, 'done');
    assert.ok(output instanceof WaitOutput);
    assert.equal(wait.received.length, 4);
    assert.ok(wait.received.every(([s]) => s.isDone()));
  });
});
