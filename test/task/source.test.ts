/**
 * Closure detection for functions shipped to workers as source. Functions here are written in the
 * test file, so (like users' functions under tsx) their source is what esbuild made of them,
 * `__name(...)` helpers included.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TaskDefinitionError } from '../../src/index.js';
import { loadTask } from '../../src/task/loader.js';
import { sourceSpecOf } from '../../src/task/source.js';

/** Ships `fn` the way an executor does, and compiles it the way a worker does. */
async function shipped(fn: Function): Promise<Function> {
  const spec = sourceSpecOf(fn);
  assert.equal(spec.kind, 'source');
  return loadTask(structuredClone(spec));
}

function rejects(fn: Function, ...names: string[]): TaskDefinitionError {
  let caught: unknown;
  try {
    sourceSpecOf(fn);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof TaskDefinitionError, `expected a TaskDefinitionError, got ${String(caught)}`);
  for (const name of names) assert.ok(caught.message.includes(`'${name}'`), `message names '${name}': ${caught.message}`);
  return caught;
}

describe('sourceSpecOf: self-contained functions are accepted', () => {
  it('an arrow function', async () => {
    const fn = (a: number, b: number): number => a + b;
    assert.equal((await shipped(fn))(2, 3), 5);
  });

  it('a named function expression (recursive by its own name)', async () => {
    const fn = function fact(n: number): number {
      return n <= 1 ? 1 : n * fact(n - 1);
    };
    const spec = sourceSpecOf(fn);
    assert.equal(spec.name, 'fact');
    assert.equal((await shipped(fn))(5), 120);
  });

  it('a function declaration', async () => {
    function square(n: number): number {
      return n * n;
    }
    assert.equal((await shipped(square))(7), 49);
  });

  it('an async function and an async arrow', async () => {
    const arrow = async (n: number): Promise<number> => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return n + 1;
    };
    async function later(n: number): Promise<number> {
      return n * 10;
    }
    assert.equal(await (await shipped(arrow))(1), 2);
    assert.equal(await (await shipped(later))(2), 20);
  });

  it('a generator function', async () => {
    function* count(n: number): Generator<number> {
      for (let i = 0; i < n; i += 1) yield i;
    }
    assert.deepEqual([...(await shipped(count))(3)], [0, 1, 2]);
  });

  it('an async generator function', async () => {
    async function* tick(n: number): AsyncGenerator<number> {
      for (let i = 0; i < n; i += 1) yield i;
    }
    const out: number[] = [];
    for await (const value of (await shipped(tick))(3) as AsyncGenerator<number>) out.push(value);
    assert.deepEqual(out, [0, 1, 2]);
  });

  it('method shorthand, async method shorthand and generator method shorthand', async () => {
    const tools = {
      double(n: number): number {
        return n * 2;
      },
      async half(n: number): Promise<number> {
        return n / 2;
      },
      *pair(n: number): Generator<number> {
        yield n;
        yield n;
      },
    };
    assert.equal((await shipped(tools.double))(21), 42);
    assert.equal(await (await shipped(tools.half))(8), 4);
    assert.deepEqual([...(await shipped(tools.pair))(3)], [3, 3]);
  });

  it('async generator method shorthand', async () => {
    const tools = {
      async *stream(n: number): AsyncGenerator<number> {
        for (let i = 0; i < n; i += 1) yield i * 2;
      },
    };
    const out: number[] = [];
    for await (const value of (await shipped(tools.stream))(3) as AsyncGenerator<number>) out.push(value);
    assert.deepEqual(out, [0, 2, 4]);
  });

  it('a class method (prototype method shorthand)', async () => {
    class Tasks {
      triple(n: number): number {
        return n * 3;
      }
    }
    assert.equal((await shipped(new Tasks().triple))(3), 9);
  });

  it('globals: Math, JSON, console, process, Buffer, structuredClone, timers, URL, Promise...', async () => {
    const fn = async (s: string) => {
      const parsed = JSON.parse(JSON.stringify({ s, n: Math.max(1, 2) }));
      const copy = structuredClone(parsed);
      const bytes = Buffer.from(s).length + new TextEncoder().encode(s).length;
      const url = new URL('https://example.org/a').pathname;
      await new Promise((resolve) => setTimeout(resolve, 0));
      const controller = new AbortController();
      if (typeof console.log !== 'function' || typeof process.pid !== 'number') throw new Error('no globals');
      return [copy, bytes, url, controller.signal.aborted, Number.isFinite(1), Array.isArray([]), new Date(0).getTime(),
        Object.keys({ a: 1 }), new Map([[1, 2]]).size, typeof globalThis, typeof undefined, Number.isNaN(NaN), Infinity > 0];
    };
    const result = await (await shipped(fn))('hi');
    assert.deepEqual(result, [{ s: 'hi', n: 2 }, 4, '/a', false, true, true, 0, ['a'], 1, 'object', 'undefined', true, true]);
  });

  it('this, arguments and new.target', async () => {
    const fn = function argsCount(this: unknown): number {
      if (new.target) return -1;
      return arguments.length;
    };
    assert.equal((await shipped(fn))(1, 2, 3), 3);
  });

  it('destructured parameters, rest and defaults referencing other parameters', async () => {
    const fn = ({ a, b: [c = 0, d = c], ...rest }: { a: number; b: number[]; e: number }, f = a + c, ...more: number[]): number[] =>
      [a, c, d, rest.e, f, more.length];
    assert.deepEqual((await shipped(fn))({ a: 1, b: [2], e: 5 }), [1, 2, 2, 5, 3, 0]);
  });

  it('catch parameters (plain and destructured) and catch without a binding', async () => {
    const fn = (): string[] => {
      const out: string[] = [];
      try {
        throw new Error('one');
      } catch (error) {
        out.push((error as Error).message);
      }
      try {
        throw { message: 'two' };
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a catch binding may only be typed any or unknown
      } catch ({ message }: any) {
        out.push(message as string);
      }
      try {
        throw new Error('three');
      } catch {
        out.push('three');
      }
      return out;
    };
    assert.deepEqual((await shipped(fn))(), ['one', 'two', 'three']);
  });

  it('labels with break and continue', async () => {
    const fn = (n: number): number => {
      let found = 0;
      outer: for (let i = 0; i < n; i += 1) {
        inner: for (let j = 0; j < n; j += 1) {
          if (j > i) continue outer;
          if (i * j > 6) break outer;
          if (j === 1) continue inner;
          found += 1;
        }
      }
      return found;
    };
    assert.equal((await shipped(fn))(5), fn(5));
  });

  it('nested functions, arrows and classes (with fields, static blocks and extends)', async () => {
    const fn = (n: number): number => {
      function helper(x: number): number {
        return x + 1;
      }
      const twice = (x: number): number => helper(helper(x));
      class Base {
        value = 1;
        static created = 0;
        static {
          Base.created = 0;
        }
        get doubled(): number {
          return this.value * 2;
        }
      }
      class Derived extends Base {
        override value = n;
        #secret = 3;
        reveal(): number {
          return this.#secret;
        }
      }
      const d = new Derived();
      return twice(d.doubled) + d.reveal() + Base.created;
    };
    assert.equal((await shipped(fn))(4), 4 * 2 + 2 + 3);
  });

  it('variables declared with var, let, const, for-of, for-in and hoisted functions', async () => {
    const fn = (items: string[]): string => {
      // eslint-disable-next-line no-var -- var declarations are what this case is about
      var out = '';
      for (const item of items) out += item;
      for (const key in { k: 1 }) out += key;
      for (let i = 0; i < 1; i += 1) out += later();
      function later(): string {
        return '!';
      }
      let [x, y] = [1, 2];
      [x, y] = [y, x];
      return `${out}${x}${y}`;
    };
    assert.equal((await shipped(fn))(['a', 'b']), 'abk!21');
  });

  it('property names, object keys and member access are not references', async () => {
    const fn = (o: { factor: number }): unknown => {
      const obj = { factor: o.factor, other: 1, ['computed' + 1]: 2 };
      return { ...obj, nested: obj.other };
    };
    assert.deepEqual((await shipped(fn))({ factor: 3 }), { factor: 3, other: 1, computed1: 2, nested: 1 });
  });

  it('a dynamic import inside the function', async () => {
    const fn = async (): Promise<string> => {
      const path = await import('node:path');
      return path.posix.join('a', 'b');
    };
    assert.equal(await (await shipped(fn))(), 'a/b');
  });

  it('a shadowed global and a local named like an outer variable are fine', async () => {
    const factor = 10;
    void factor;
    const fn = (n: number): number => {
      const factor = 2;
      const Math = { max: () => 99 };
      return n * factor + Math.max();
    };
    assert.equal((await shipped(fn))(1), 101);
  });

  it('returns the same spec for the same function (cached)', () => {
    const fn = (n: number): number => n;
    assert.equal(sourceSpecOf(fn), sourceSpecOf(fn));
  });

  it('an anonymous function gets a name for messages', () => {
    const spec = sourceSpecOf([(n: number) => n][0]!);
    assert.equal(typeof spec.name, 'string');
    assert.ok(spec.name.length > 0);
  });
});

describe('sourceSpecOf: closures are rejected with the variable named', () => {
  const factor = 3;
  const limit = { max: 10 };
  let _counter = 0;
  const helper = (n: number): number => n + 1;

  it('a captured const', () => {
    const error = rejects((n: number) => n * factor, 'factor');
    assert.match(error.message, /argument|defineTask/, 'the message says how to fix it');
  });

  it('several captured variables are all named', () => {
    rejects((n: number) => helper(n) * factor + limit.max, 'helper', 'factor', 'limit');
  });

  it('a captured variable that is written, not read', () => {
    rejects(() => {
      _counter += 1;
    }, '_counter');
  });

  it('a variable used only in a nested function, a default value, a template or a computed key', () => {
    rejects(() => () => factor, 'factor');
    rejects((n = factor) => n, 'factor');
    rejects((n: number) => `${n}${factor}`, 'factor');
    rejects(() => ({ [factor]: 1 }), 'factor');
    rejects((o: Record<number, number>) => o[factor], 'factor');
  });

  it('an object shorthand property reads the variable', () => {
    rejects(() => ({ factor }), 'factor');
  });

  it('a captured class or imported binding', () => {
    rejects(() => new TaskDefinitionError('x'), 'TaskDefinitionError');
    rejects(() => assert.ok(true), 'assert');
  });

  it('a destructuring default that reads an outer variable', () => {
    rejects(({ a = factor }: { a?: number }) => a, 'factor');
  });

  it('a method shorthand that captures', () => {
    const tools = {
      scale(n: number): number {
        return n * factor;
      },
    };
    rejects(tools.scale, 'factor');
  });
});

describe('sourceSpecOf: functions without shippable source are rejected', () => {
  it('a native function', () => {
    const error = rejects(Math.max);
    assert.match(error.message, /native|bound/);
    rejects(JSON.parse);
    rejects(setTimeout);
  });

  it('a bound function', () => {
    const error = rejects(((n: number) => n).bind(null));
    assert.match(error.message, /native|bound/);
  });

  it('a class', () => {
    class NotATask {}
    const error = rejects(NotATask);
    assert.match(error.message, /class/);
  });
});
