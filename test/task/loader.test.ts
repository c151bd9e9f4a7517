import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TaskDefinitionError } from '../../src/index.js';
import { explainSourceError, loadTask } from '../../src/task/loader.js';

const tsModule = new URL('../fixtures/tasks.ts', import.meta.url).href;
const jsModule = new URL('../fixtures/tasks.mjs', import.meta.url).href;
const cjsModule = new URL('../fixtures/tasks.cjs', import.meta.url).href;

async function loadError(spec: Parameters<typeof loadTask>[0]): Promise<TaskDefinitionError> {
  try {
    await loadTask(spec);
  } catch (error) {
    assert.ok(error instanceof TaskDefinitionError, `expected a TaskDefinitionError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected loadTask to fail');
}

describe('loadTask: modules', () => {
  it('loads an export by name from a JS module', async () => {
    const double = await loadTask({ kind: 'module', module: jsModule, name: 'double' });
    assert.equal(double(4), 8);
  });

  it('loads a defineTask task from a TS module, by export name or by defined name', async () => {
    const fib = await loadTask({ kind: 'module', module: tsModule, name: 'fib' });
    assert.equal(fib(10), 55);
    const byDefinedName = await loadTask({ kind: 'module', module: tsModule, name: 'square' });
    assert.equal(byDefinedName(5), 25);
    const byExportName = await loadTask({ kind: 'module', module: tsModule, name: 'squareTask' });
    assert.equal(byExportName, byDefinedName);
  });

  it('loads a CommonJS export that arrives under default', async () => {
    const triple = await loadTask({ kind: 'module', module: cjsModule, name: 'triple' });
    assert.equal(triple(3), 9);
  });

  it('an unknown module names the module', async () => {
    const missing = new URL('../fixtures/no-such-module.mjs', import.meta.url).href;
    const error = await loadError({ kind: 'module', module: missing, name: 'x' });
    assert.ok(error.message.includes('no-such-module.mjs'), error.message);
    assert.ok(error.cause, 'the import error is kept as the cause');
  });

  it('an unknown export names it and lists the exported functions', async () => {
    const error = await loadError({ kind: 'module', module: jsModule, name: 'tripple' });
    assert.match(error.message, /'tripple'/);
    assert.ok(error.message.includes(jsModule), error.message);
    for (const name of ['double', 'delayedEcho', 'fails']) assert.ok(error.message.includes(name), error.message);
    assert.ok(!error.message.includes('notAFunction'), 'a non-function export is not offered');
  });

  it('an export that is not a function is refused', async () => {
    const error = await loadError({ kind: 'module', module: jsModule, name: 'notAFunction' });
    assert.match(error.message, /notAFunction/);
    const answer = await loadError({ kind: 'module', module: tsModule, name: 'answer' });
    assert.match(answer.message, /answer/);
  });

  it('an unknown export of a CommonJS module lists the functions it does export', async () => {
    const error = await loadError({ kind: 'module', module: cjsModule, name: 'quadruple' });
    assert.match(error.message, /'quadruple'/);
    assert.ok(error.message.includes('triple'), error.message);
  });

  it('a module that throws while loading fails with TaskDefinitionError', async () => {
    const broken = `data:text/javascript,${encodeURIComponent('throw new Error("module init failed");')}`;
    const error = await loadError({ kind: 'module', module: broken, name: 'x' });
    assert.match(error.message, /module init failed/);
  });
});

describe('loadTask: source', () => {
  it('compiles a function expression, with the __name helper available', async () => {
    const fn = await loadTask({ kind: 'source', name: 'f', source: 'function f(n) { const g = __name(() => n, "g"); return g() + 1; }' });
    assert.equal(fn(1), 2);
  });

  it('source that does not compile is a TaskDefinitionError naming the function', async () => {
    const error = await loadError({ kind: 'source', name: 'broken', source: 'function broken( {' });
    assert.match(error.message, /broken/);
  });
});

describe('explainSourceError', () => {
  it('turns a ReferenceError into a TaskDefinitionError that explains self-contained functions', () => {
    const original = new ReferenceError('factor is not defined');
    const explained = explainSourceError(original, 'scale');
    assert.ok(explained instanceof TaskDefinitionError);
    assert.match(explained.message, /scale/);
    assert.match(explained.message, /factor is not defined/);
    assert.equal(explained.cause, original);
  });

  it('leaves other errors alone', () => {
    const error = new TypeError('x');
    assert.equal(explainSourceError(error, 'f'), error);
    assert.equal(explainSourceError('thrown', 'f'), 'thrown');
  });
});
