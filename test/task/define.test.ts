import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { defineTask, parseTaskReference, TaskDefinitionError } from '../../src/index.js';
import { toTaskSpec } from '../../src/task/define.js';
import { fib, squareTask } from '../fixtures/tasks.js';

const here = import.meta.url;

describe('defineTask', () => {
  it('names the task by module URL and function name', () => {
    const task = defineTask(here, function addOne(n: number): number {
      return n + 1;
    });
    assert.deepEqual(toTaskSpec(task), { kind: 'module', module: here, name: 'addOne' });
  });

  it('the returned function is the same function, still callable locally', async () => {
    const original = function twice(n: number): number {
      return n * 2;
    };
    const task = defineTask(here, original);
    assert.equal(task, original);
    assert.equal(task(21), 42);
    const asyncTask = defineTask(here, async function later(n: number): Promise<number> {
      return n;
    });
    assert.equal(await asyncTask(5), 5);
    assert.equal(fib(10), 55);
    assert.equal(squareTask(4), 16);
  });

  it('keeps the function name and arity, and adds no enumerable property', () => {
    const task = defineTask(here, function pair(a: number, b: number): number[] {
      return [a, b];
    });
    assert.equal(task.name, 'pair');
    assert.equal(task.length, 2);
    assert.deepEqual(Object.keys(task), []);
  });

  it('needs a name: an anonymous function is refused unless { name } is given', () => {
    assert.throws(() => defineTask(here, [(n: number) => n][0]!), (error: unknown) => {
      assert.ok(error instanceof TaskDefinitionError);
      assert.match(error.message, /name/);
      return true;
    });
    const named = defineTask(here, [(n: number) => n][0]!, { name: 'identity' });
    assert.equal(toTaskSpec(named).kind, 'module');
    assert.equal((toTaskSpec(named) as { name: string }).name, 'identity');
  });

  it('{ name } overrides the function name (the export name workers look up)', () => {
    const task = defineTask(here, function internalName(): number {
      return 1;
    }, { name: 'exportedName' });
    assert.equal((toTaskSpec(task) as { name: string }).name, 'exportedName');
  });

  it('accepts an absolute path and turns it into a file: URL', () => {
    const path = fileURLToPath(here);
    const task = defineTask(path, function fromPath(): number {
      return 1;
    });
    assert.equal((toTaskSpec(task) as { module: string }).module, pathToFileURL(path).href);
  });

  it('refuses a relative module path, naming it and the fix', () => {
    for (const bad of ['./tasks.js', 'tasks.js', '../x.ts', '']) {
      assert.throws(() => defineTask(bad, function rel(): number {
        return 1;
      }), (error: unknown) => {
        assert.ok(error instanceof TaskDefinitionError, `${bad}: ${String(error)}`);
        assert.match(error.message, /import\.meta\.url|absolute/);
        return true;
      });
    }
  });

  it('refuses a non-function', () => {
    for (const bad of [42, 'fib', null, undefined, {}]) {
      assert.throws(() => defineTask(here, bad as never), TaskDefinitionError);
    }
  });
});

describe('toTaskSpec', () => {
  it('a plain function is shipped as source; a defined one by module', () => {
    assert.equal(toTaskSpec((n: number) => n).kind, 'source');
    assert.deepEqual(toTaskSpec(fib), { kind: 'module', module: new URL('../fixtures/tasks.ts', here).href, name: 'fib' });
    assert.equal((toTaskSpec(squareTask) as { name: string }).name, 'square');
  });

  it('a { module, export } reference: URL or absolute path accepted', () => {
    const url = new URL('../fixtures/tasks.mjs', here).href;
    assert.deepEqual(toTaskSpec({ module: url, export: 'double' }), { kind: 'module', module: url, name: 'double' });
    assert.deepEqual(toTaskSpec({ module: fileURLToPath(url), export: 'double' }), { kind: 'module', module: url, name: 'double' });
  });

  it('a bad reference is a TaskDefinitionError', () => {
    for (const bad of [
      { module: '', export: 'x' }, { module: 'file:///x.js', export: '' }, { module: 1, export: 'x' },
      { module: './relative.js', export: 'x' }, { module: 'file:///x.js' }, { export: 'x' }, 5, 'a#b', null, undefined,
    ]) {
      assert.throws(() => toTaskSpec(bad), TaskDefinitionError, JSON.stringify(bad));
    }
  });
});

describe('parseTaskReference', () => {
  const cwd = '/srv/project';

  it('parses a relative path against cwd', () => {
    assert.deepEqual(parseTaskReference('./tasks.js#fib', cwd), { module: pathToFileURL('/srv/project/tasks.js').href, export: 'fib' });
    assert.deepEqual(parseTaskReference('lib/tasks.mjs#run', cwd), { module: pathToFileURL('/srv/project/lib/tasks.mjs').href, export: 'run' });
    assert.deepEqual(parseTaskReference('../other/t.js#go', cwd), { module: pathToFileURL('/srv/other/t.js').href, export: 'go' });
  });

  it('defaults cwd to process.cwd()', () => {
    assert.equal(parseTaskReference('tasks.js#fib').module, pathToFileURL(join(process.cwd(), 'tasks.js')).href);
  });

  it('keeps an absolute path and a file: URL', () => {
    assert.deepEqual(parseTaskReference('/abs/tasks.js#fib', cwd), { module: pathToFileURL('/abs/tasks.js').href, export: 'fib' });
    assert.deepEqual(parseTaskReference('file:///abs/tasks.js#fib', cwd), { module: 'file:///abs/tasks.js', export: 'fib' });
  });

  it('splits at the last #', () => {
    const ref = parseTaskReference('/abs/we#ird/tasks.js#fib', cwd);
    assert.equal(ref.export, 'fib');
    assert.equal(fileURLToPath(ref.module), '/abs/we#ird/tasks.js');
  });

  it('refuses text without a module or an export, saying the expected form', () => {
    for (const bad of ['tasks.js', '#fib', 'tasks.js#', '', '#']) {
      assert.throws(() => parseTaskReference(bad, cwd), (error: unknown) => {
        assert.ok(error instanceof TaskDefinitionError, `${bad}: ${String(error)}`);
        assert.match(error.message, /<module>#<export>/);
        return true;
      });
    }
  });

  it('a parsed reference is accepted by toTaskSpec', () => {
    const ref = parseTaskReference('test/fixtures/tasks.mjs#double', process.cwd());
    assert.deepEqual(toTaskSpec(ref), { kind: 'module', module: ref.module, name: 'double' });
  });
});
