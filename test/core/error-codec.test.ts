import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  CancelledError, deserializeError, ExecutorClosedError, PlacementError, registerErrorClass, serializeError,
  TaskDefinitionError, TaskError, TaskfarmError, TaskTimeoutError, ValidationError, WorkerCrashedError,
  WorkerStartError, type SerializedError,
} from '../../src/index.js';

/** What crossing a thread, a process or Redis does to an error: serialize, clone, rebuild. */
function roundTrip(error: unknown): Error {
  return deserializeError(structuredClone(serializeError(error)));
}

/** The same through JSON (Redis, persistence). */
function jsonRoundTrip(error: unknown): Error {
  return deserializeError(JSON.parse(JSON.stringify(serializeError(error))) as SerializedError);
}

function systemError(): NodeJS.ErrnoException {
  try {
    readFileSync('/definitely/not/here/taskfarm-test');
  } catch (error) {
    return error as NodeJS.ErrnoException;
  }
  throw new Error('expected readFileSync to fail');
}

describe('error codec: registered classes', () => {
  const cases: Array<[string, () => TaskfarmError, new (...args: never[]) => TaskfarmError, string]> = [
    ['TaskfarmError', () => new TaskfarmError('base'), TaskfarmError, 'ERR_TASKFARM'],
    ['TaskError', () => new TaskError('task'), TaskError, 'ERR_TASK_FAILED'],
    ['WorkerCrashedError', () => new WorkerCrashedError('crashed', { workerId: 'w3', exitCode: 9, signal: 'SIGKILL' }), WorkerCrashedError, 'ERR_WORKER_CRASHED'],
    ['TaskTimeoutError', () => new TaskTimeoutError('slow', { timeout: 250 }), TaskTimeoutError, 'ERR_TASK_TIMEOUT'],
    ['CancelledError', () => new CancelledError('stop'), CancelledError, 'ERR_CANCELLED'],
    ['TaskDefinitionError', () => new TaskDefinitionError('bad def'), TaskDefinitionError, 'ERR_TASK_DEFINITION'],
    ['ValidationError', () => new ValidationError('bad option'), ValidationError, 'ERR_VALIDATION'],
    ['ExecutorClosedError', () => new ExecutorClosedError('closed'), ExecutorClosedError, 'ERR_EXECUTOR_CLOSED'],
    ['WorkerStartError', () => new WorkerStartError('no start'), WorkerStartError, 'ERR_WORKER_START'],
    ['PlacementError', () => new PlacementError('nowhere'), PlacementError, 'ERR_PLACEMENT'],
  ];

  for (const [name, create, errorClass, code] of cases) {
    it(`${name} comes back as itself with name, code, message and stack`, () => {
      const original = create();
      for (const back of [roundTrip(original), jsonRoundTrip(original)]) {
        assert.ok(back instanceof errorClass, `${name}: got ${back.constructor.name}`);
        assert.ok(back instanceof TaskfarmError);
        assert.equal(back.name, name);
        assert.equal((back as TaskfarmError).code, code);
        assert.equal(back.message, original.message);
        assert.equal(back.stack, original.stack, 'the original (remote) stack is kept');
      }
    });
  }

  it('keeps the extra fields of a class (timeout, workerId, exitCode, signal)', () => {
    const timeout = roundTrip(new TaskTimeoutError('slow', { timeout: 250 })) as TaskTimeoutError;
    assert.equal(timeout.timeout, 250);
    const crashed = roundTrip(new WorkerCrashedError('crashed', { workerId: 'w3', exitCode: 9, signal: 'SIGKILL' })) as WorkerCrashedError;
    assert.equal(crashed.workerId, 'w3');
    assert.equal(crashed.exitCode, 9);
    assert.equal(crashed.signal, 'SIGKILL');
  });

  it('marks registered classes with their registered name and does not send their code as a prop', () => {
    const data = serializeError(new ValidationError('x'));
    assert.equal(data.registered, 'ValidationError');
    assert.equal(data.name, 'ValidationError');
    assert.equal(data.props?.code, undefined);
  });

  it('a user class registered with registerErrorClass comes back as itself', () => {
    class QuotaError extends TaskfarmError {
      override readonly code: string = 'ERR_QUOTA';
      limit?: number;
    }
    registerErrorClass(QuotaError);
    const original = Object.assign(new QuotaError('over quota'), { limit: 10 });
    const back = roundTrip(original);
    assert.ok(back instanceof QuotaError, `got ${back.constructor.name}`);
    assert.equal((back as QuotaError).code, 'ERR_QUOTA');
    assert.equal((back as QuotaError).limit, 10);
    assert.equal(back.message, 'over quota');
  });

  it('a class registered under an explicit name comes back as itself', () => {
    class RateLimited extends TaskfarmError {
      override readonly code: string = 'ERR_RATE_LIMITED';
    }
    registerErrorClass(RateLimited, 'acme.RateLimited');
    const back = roundTrip(new RateLimited('slow down'));
    assert.ok(back instanceof RateLimited, `got ${back.constructor.name} named ${back.name}`);
    assert.equal((back as RateLimited).code, 'ERR_RATE_LIMITED');
    assert.equal(back.message, 'slow down');
  });

  it('an Error merely named like a taskfarm class is not promoted to that class', () => {
    const impostor = new Error('pretending');
    impostor.name = 'ValidationError';
    const back = roundTrip(impostor);
    assert.ok(!(back instanceof ValidationError));
    assert.ok(back instanceof TaskError);
    assert.equal(back.name, 'ValidationError');
  });
});

describe('error codec: other errors', () => {
  it('a built-in Error comes back as a TaskError with its name, message and stack', () => {
    const original = new RangeError('out of range');
    const back = roundTrip(original);
    assert.ok(back instanceof TaskError);
    assert.equal((back as TaskError).code, 'ERR_TASK_FAILED');
    assert.equal(back.name, 'RangeError');
    assert.equal(back.message, 'out of range');
    assert.equal(back.stack, original.stack);
  });

  it('a custom Error subclass keeps its name', () => {
    class ParseFailure extends Error {
      override name = 'ParseFailure';
    }
    const back = roundTrip(new ParseFailure('line 3'));
    assert.ok(back instanceof TaskError);
    assert.equal(back.name, 'ParseFailure');
    assert.equal(back.message, 'line 3');
  });

  it('an error with an empty message or no stack survives', () => {
    const noStack = new Error('');
    delete (noStack as { stack?: string }).stack;
    // Without a stack it is not error-like by shape, but it is an Error instance.
    const back = roundTrip(noStack);
    assert.equal(back.message, '');
    assert.equal(back.name, 'Error');
  });

  it('own properties are kept in details (a system error keeps code, errno, syscall, path)', () => {
    const original = systemError();
    for (const back of [roundTrip(original), jsonRoundTrip(original)]) {
      assert.ok(back instanceof TaskError);
      assert.equal(back.name, 'Error');
      assert.match(back.message, /ENOENT/);
      assert.equal(back.details?.code, 'ENOENT');
      assert.equal(back.details?.errno, original.errno);
      assert.equal(back.details?.syscall, 'open');
      assert.equal(back.details?.path, '/definitely/not/here/taskfarm-test');
    }
  });

  it('an uncloneable prop becomes its description instead of breaking the codec', () => {
    const original = Object.assign(new Error('with callback'), { callback: () => 42, count: 3 });
    const data = serializeError(original);
    assert.doesNotThrow(() => structuredClone(data));
    const back = deserializeError(structuredClone(data)) as TaskError;
    assert.equal(back.details?.count, 3);
    assert.equal(typeof back.details?.callback, 'string');
  });

  it('an error-like object (message and stack strings) is treated as an error', () => {
    const back = roundTrip({ name: 'FetchError', message: 'socket hang up', stack: 'FetchError: socket hang up\n    at x' });
    assert.ok(back instanceof TaskError);
    assert.equal(back.name, 'FetchError');
    assert.equal(back.message, 'socket hang up');
    assert.equal((back as TaskError).thrown, undefined);
  });

  it('serialized errors are structured-cloneable and JSON-safe', () => {
    const original = new Error('outer', { cause: systemError() });
    const data = serializeError(original);
    assert.doesNotThrow(() => structuredClone(data));
    assert.deepEqual(JSON.parse(JSON.stringify(data)), JSON.parse(JSON.stringify(structuredClone(data))));
  });
});

describe('error codec: causes', () => {
  it('a cause chain survives with names and messages', () => {
    const root = new TypeError('root');
    const middle = new ValidationError('middle', { cause: root });
    const outer = new Error('outer', { cause: middle });
    const back = roundTrip(outer);
    assert.equal(back.message, 'outer');
    const backMiddle = back.cause as Error;
    assert.ok(backMiddle instanceof ValidationError, 'a registered cause keeps its class');
    assert.equal(backMiddle.message, 'middle');
    const backRoot = backMiddle.cause as Error;
    assert.ok(backRoot instanceof TaskError);
    assert.equal(backRoot.name, 'TypeError');
    assert.equal(backRoot.message, 'root');
    assert.equal(backRoot.stack, root.stack);
  });

  it('a non-Error cause is kept', () => {
    const back = roundTrip(new Error('outer', { cause: 'because' }));
    const cause = back.cause as TaskError;
    assert.ok(cause instanceof TaskError);
    assert.equal(cause.thrown, 'because');
    assert.match(cause.message, /because/);
  });

  it('a cyclic cause does not hang, and the chain is cut at a finite depth', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    const data = serializeError(a);
    let depth = 0;
    for (let node: SerializedError | undefined = data; node; node = node.cause) depth += 1;
    assert.ok(depth >= 2 && depth <= 64, `depth ${depth}`);
    const back = deserializeError(structuredClone(data));
    assert.equal(back.message, 'a');
    assert.equal((back.cause as Error).message, 'b');
  });

  it('an error that is its own cause does not hang', () => {
    const self = new Error('self');
    (self as { cause?: unknown }).cause = self;
    const back = roundTrip(self);
    assert.equal(back.message, 'self');
  });
});

describe('error codec: non-Error thrown values', () => {
  it('a string becomes a TaskError whose message is the string', () => {
    const back = roundTrip('plain failure') as TaskError;
    assert.ok(back instanceof TaskError);
    assert.equal(back.code, 'ERR_TASK_FAILED');
    assert.equal(back.message, 'plain failure');
    assert.equal(back.thrown, 'plain failure');
  });

  it('undefined and null become TaskErrors naming them, with `thrown` set', () => {
    const fromUndefined = roundTrip(undefined) as TaskError;
    assert.ok(fromUndefined instanceof TaskError);
    assert.match(fromUndefined.message, /undefined/);
    assert.ok('thrown' in fromUndefined);
    assert.equal(fromUndefined.thrown, undefined);
    const fromNull = roundTrip(null) as TaskError;
    assert.match(fromNull.message, /null/);
    assert.equal(fromNull.thrown, null);
  });

  it('numbers, BigInt, objects and arrays are kept as values', () => {
    for (const value of [42, 0, -1.5, 10n, true, { reason: 'bad', nested: [1, 2] }, [1, 'two'], new Map([[1, 2]])]) {
      const back = roundTrip(value) as TaskError;
      assert.ok(back instanceof TaskError);
      assert.deepEqual(back.thrown, value);
      assert.ok(back.message.length > 0);
    }
  });

  it('an uncloneable thrown value (a function, a symbol) is described instead', () => {
    for (const value of [function namedThrowable() {}, Symbol('thrown-symbol'), { fn: () => 1 }]) {
      const data = serializeError(value);
      assert.doesNotThrow(() => structuredClone(data));
      const back = deserializeError(structuredClone(data)) as TaskError;
      assert.ok(back instanceof TaskError);
      assert.equal(typeof back.thrown, 'string');
    }
    const back = roundTrip(Symbol('thrown-symbol')) as TaskError;
    assert.match(back.message, /thrown-symbol/);
  });

  it('serializeError never throws on odd objects (null prototype, WeakMap, class instances)', () => {
    class Point {
      #secret = 1;
      constructor(public x: number) {}
      get secret(): number {
        return this.#secret;
      }
    }
    for (const value of [Object.create(null), new WeakMap(), new Point(3), new Promise(() => undefined)]) {
      const data = serializeError(value);
      assert.doesNotThrow(() => structuredClone(data));
      assert.ok(deserializeError(data) instanceof TaskError);
    }
  });

  it('serializeError never throws on an error whose property getter throws', () => {
    // A task can throw this; if the codec throws, the worker dies instead of reporting a failure.
    const error = new Error('has a broken getter');
    Object.defineProperty(error, 'code', { enumerable: true, get() { throw new Error('getter trap'); } });
    let data: SerializedError | undefined;
    assert.doesNotThrow(() => (data = serializeError(error)));
    assert.equal(data?.message, 'has a broken getter');
  });

  it('serializeError never throws on an error whose name getter throws', () => {
    const error = new Error('has a broken name');
    Object.defineProperty(error, 'name', { get() { throw new Error('name trap'); } });
    let data: SerializedError | undefined;
    assert.doesNotThrow(() => (data = serializeError(error)));
    assert.equal(data?.message, 'has a broken name');
  });

  it('serializeError never throws on a throwing or revoked Proxy', () => {
    const hostile = new Proxy({}, { get() { throw new Error('trap'); }, ownKeys() { throw new Error('trap'); } });
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    for (const [label, value] of [['throwing proxy', hostile], ['revoked proxy', revoked.proxy]] as const) {
      assert.doesNotThrow(() => serializeError(value), label);
    }
  });
});

describe('error codec: idempotence', () => {
  it('an error that crosses twice (worker -> pool -> Redis) keeps its details', () => {
    const once = roundTrip(systemError()) as TaskError;
    const twice = roundTrip(once) as TaskError;
    assert.ok(twice instanceof TaskError);
    assert.equal(twice.name, 'Error');
    assert.equal(twice.message, once.message);
    assert.equal(twice.details?.code, 'ENOENT', `details after two crossings: ${JSON.stringify(twice.details)}`);
    assert.equal(twice.stack, once.stack);
  });

  it('a thrown string that crosses twice keeps its `thrown` value', () => {
    const twice = roundTrip(roundTrip('plain')) as TaskError;
    assert.ok(twice instanceof TaskError);
    assert.equal(twice.message, 'plain');
    assert.equal(twice.thrown, 'plain');
  });

  it('a custom-named error that crosses twice keeps its name and cause', () => {
    const original = new RangeError('outer', { cause: new Error('inner') });
    const twice = roundTrip(roundTrip(original));
    assert.equal(twice.name, 'RangeError');
    assert.equal((twice.cause as Error).message, 'inner');
  });
});
