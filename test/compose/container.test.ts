import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AbstractTask, defineContainer, field, ReturnStatus, ValidationError, type TaskRuntime } from '../../src/index.js';

const Settings = defineContainer('Settings', {
  time: field.number().default(10.0).doc('seconds per wait'),
  n: field.integer().default(10).doc('how many waits'),
  tags: field.array<string>().default(['a']),
  options: field.object<{ depth: number }>().default({ depth: 1 }),
  created: field.array<number>().defaultFactory(() => [Date.now()]),
  label: field.string().doc('a name, required'),
});

describe('defineContainer / field', () => {
  it('gives each field its default and leaves a required field unset', () => {
    const s = new Settings();
    assert.equal(s.time, 10);
    assert.equal(s.n, 10);
    assert.deepEqual(s.tags, ['a']);
    assert.equal(s.label, undefined);
    assert.deepEqual(s.missing(), ['label']);
  });

  it('checks the type on every set, naming the container and the field', () => {
    const s = new Settings();
    assert.throws(() => {
      s.n = 'x' as never;
    }, (error: unknown) => error instanceof ValidationError && /Settings\.n/.test(error.message) && /an integer/.test(error.message));
    assert.throws(() => {
      s.n = 2.5;
    }, /Settings\.n must be an integer, got 2\.5/);
    assert.throws(() => {
      s.time = '1' as never;
    }, /Settings\.time must be a number/);
    assert.throws(() => {
      s.tags = 'a' as never;
    }, /Settings\.tags must be an array/);
    assert.equal(s.n, 10, 'a refused value is not stored');
    s.time = 2.0;
    s.n = 3;
    assert.equal(s.time, 2);
    assert.equal(s.n, 3);
  });

  it('checks values given to the constructor, and rejects an unknown field', () => {
    assert.equal(new Settings({ n: 4, label: 'x' }).n, 4);
    assert.throws(() => new Settings({ n: 'four' as never }), /Settings\.n must be an integer/);
    assert.throws(
      () => new Settings({ nn: 4 } as never),
      (error: unknown) => error instanceof ValidationError && /Settings has no field 'nn'/.test(error.message) && /time, n, tags/.test(error.message),
    );
  });

  it('copies a default for each instance: a mutable default is never shared', () => {
    const a = new Settings();
    const b = new Settings();
    a.tags.push('changed');
    a.options.depth = 99;
    assert.deepEqual(b.tags, ['a']);
    assert.deepEqual(b.options, { depth: 1 });
    assert.deepEqual(new Settings().tags, ['a'], 'nor changed for later instances');
    assert.notEqual(a.tags, b.tags);
  });

  it('calls a default factory once per instance', () => {
    let calls = 0;
    const Counted = defineContainer('Counted', { id: field.integer().defaultFactory(() => (calls += 1)) });
    assert.equal(new Counted().id, 1);
    assert.equal(new Counted().id, 2);
    assert.equal(calls, 2);
    assert.notEqual(new Settings().created, new Settings().created);
  });

  it('documents its fields: describe() lists type, whether required, and doc', () => {
    assert.equal(Settings.name, 'Settings');
    const described = Settings.describe();
    assert.deepEqual(described.map((d) => d.name), ['time', 'n', 'tags', 'options', 'created', 'label']);
    assert.deepEqual(described[0], { name: 'time', expected: 'a number', required: false, doc: 'seconds per wait' });
    assert.deepEqual(described[5], { name: 'label', expected: 'a string', required: true, doc: 'a name, required' });
    assert.equal(described[2]!.doc, undefined);
    assert.equal(field.integer().doc('x').documentation, 'x');
  });

  it('a field builder returns a new field: a shared base is not changed', () => {
    const base = field.number();
    const withDefault = base.default(1);
    assert.equal(base.required, true);
    assert.equal(withDefault.required, false);
  });

  it('check() throws naming the first missing field; toJSON() and clone()', () => {
    const s = new Settings();
    assert.throws(() => s.check(), (error: unknown) => error instanceof ValidationError && /Settings\.label is required/.test(error.message));
    s.label = 'run';
    s.check();
    assert.equal(s.toJSON().label, 'run');
    assert.equal(s.toJSON().n, 10);
    const copy = s.clone();
    copy.tags.push('b');
    copy.n = 1;
    assert.deepEqual(s.tags, ['a']);
    assert.equal(s.n, 10);
    assert.equal(copy.label, 'run');
  });

  it('setting a required field to undefined unsets it again', () => {
    const s = new Settings({ label: 'x' });
    s.label = undefined as never;
    assert.deepEqual(s.missing(), ['label']);
  });

  it('field kinds: string, boolean, bigint, function, instanceOf, any', () => {
    const K = defineContainer('K', {
      s: field.string(), b: field.boolean(), big: field.bigint(), fn: field.function(), d: field.instanceOf(Date), x: field.any(),
    });
    const k = new K({ s: 's', b: true, big: 1n, fn: () => 1, d: new Date(0), x: null });
    assert.deepEqual(k.missing(), []);
    assert.throws(() => new K({ b: 1 as never }), /K\.b must be a boolean/);
    assert.throws(() => new K({ big: 1 as never }), /K\.big must be a bigint/);
    assert.throws(() => new K({ fn: 'f' as never }), /K\.fn must be a function/);
    assert.throws(() => new K({ d: '2020' as never }), /K\.d must be an instance of Date/);
  });
});

describe('a task whose input misses a required field', () => {
  const Input = defineContainer('SquareInput', { x: field.number().doc('the number to square'), scale: field.number().default(1) });
  type Input = InstanceType<typeof Input>;
  class Square extends AbstractTask<Input, { value?: number }> {
    ran = false;
    protected makeInput(): Input {
      return new Input();
    }
    makeOutput(): { value?: number } {
      return {};
    }
    protected body(_runtime: TaskRuntime, output: { value?: number }): void {
      this.ran = true;
      output.value = this.input.x * this.input.x * this.input.scale;
    }
  }

  it('is not ready: ABORTED with an error naming the field, and its body never runs', async () => {
    const task = new Square();
    const [status, output] = await task.execute();
    assert.equal(status.code, ReturnStatus.Code.ABORTED);
    assert.ok(status.error instanceof ValidationError);
    assert.match(status.message ?? '', /'x'/);
    assert.match(status.message ?? '', /not ready/);
    assert.equal(task.ran, false);
    assert.deepEqual(output, {});
  });

  it('with captureExceptions: false, execute() rejects with that error', async () => {
    const task = new Square({ captureExceptions: false });
    await assert.rejects(task.execute(), (error: unknown) => error instanceof ValidationError && /'x'/.test(error.message));
  });

  it('runs once the field is set', async () => {
    const task = new Square();
    task.input.x = 3;
    const [status, output] = await task.execute();
    assert.equal(status.code, 'done');
    assert.equal(output.value, 9);
  });
});

describe('container field names', () => {
  it('refuses a field named like a container method (missing, check, toJSON, clone)', () => {
    // Such a field would replace the method on the prototype: a task with a field named `missing`
    // would no longer be checked for readiness, and one named `clone` could not be looped.
    for (const name of ['missing', 'check', 'toJSON', 'clone']) {
      assert.throws(() => defineContainer('Reserved', { [name]: field.number() }), ValidationError, name);
    }
  });
});
