import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FarmTask, RecoveryLoopError, ValidationError, type FarmResult } from '../../src/index.js';
import { evaluateDependency } from '../../src/farm/dependencies.js';
import { validateFarmTask } from '../../src/farm/task.js';

const id = (n: number): number => n;

describe('FarmTask options', () => {
  it('with() sets options and returns the task; every option can also be set as a property', () => {
    const recovery = new FarmTask(id, 0);
    const task = new FarmTask(id, 1).with({ retries: 2, recovery, priority: 5, timeout: 100, pull: 'a', after: [0, 1] });
    assert.equal(task.retries, 2);
    assert.strictEqual(task.recovery, recovery);
    task.clearAfter = true;
    validateFarmTask(task);
  });

  const invalid: Array<[string, Record<string, unknown>, RegExp]> = [
    ['unknown option', { retry: 2 }, /Unknown farm task option 'retry'/],
    ['negative retries', { retries: -1 }, /'retries': expected an integer >= 0/],
    ['fractional retries', { retries: 1.5 }, /'retries'/],
    ['recovery not a task', { recovery: () => 1 }, /'recovery': expected a FarmTask/],
    ['bad dependency', { after: 'x' }, /'after': expected a task id/],
    ['empty dependency', { follow: [] }, /'follow': expected at least one task id/],
    ['negative id', { after: [-1] }, /'after': expected task ids/],
    ['nothing counts', { after: { ids: [0], success: false } }, /'after': expected success or failure/],
    ['bad all', { after: { ids: [0], all: 'yes' } }, /'after.all': expected a boolean/],
    ['push not an object', { push: [1] }, /'push'/],
    ['pull not names', { pull: [1] }, /'pull'/],
    ['clearBefore not boolean', { clearBefore: 1 }, /'clearBefore'/],
    ['timeout 0', { timeout: 0 }, /'timeout'/],
    ['queueTimeout negative', { queueTimeout: -5 }, /'queueTimeout'/],
    ['placementTimeout negative', { placementTimeout: -1 }, /'placementTimeout'/],
    ['where not a function', { where: 'gpu' }, /'where'/],
    ['priority NaN', { priority: Number.NaN }, /'priority'/],
  ];
  for (const [what, options, message] of invalid) {
    it(`refuses ${what} with a ValidationError naming the option`, () => {
      assert.throws(() => new FarmTask(id, 1).with(options as never), (e: unknown) => e instanceof ValidationError && message.test(e.message));
    });
  }

  it('refuses a task that is not a function or reference', () => {
    assert.throws(() => new FarmTask(42 as never), /fn must be a function or \{ module, export \}/);
    assert.throws(() => validateFarmTask({ fn: id } as never), /Expected a FarmTask/);
  });

  it('finds recovery loops of any length', () => {
    const a = new FarmTask(id, 1);
    const b = new FarmTask(id, 2);
    const c = new FarmTask(id, 3);
    a.recovery = b;
    b.recovery = c;
    validateFarmTask(a);
    c.recovery = b;
    assert.throws(() => validateFarmTask(a), (e: unknown) => e instanceof RecoveryLoopError && /recovery task 3 is Task\(id, 2\) again \(task 1 of the chain\)/.test(e.message));
  });

  it('invalid options deep in a recovery chain are found', () => {
    const bad = new FarmTask(id, 2);
    bad.retries = -3;
    assert.throws(() => validateFarmTask(new FarmTask(id, 1).with({ recovery: bad })), /'retries'/);
  });

  it('prints like mplite: the function and its arguments', () => {
    assert.equal(String(new FarmTask(id, 1)), 'Task(id, 1)');
    assert.equal(String(new FarmTask({ module: './m.js', export: 'f' }, 'x')), "Task(./m.js#f, 'x')");
    assert.equal(String(new FarmTask(() => 1)), 'Task(anonymous)');
  });
});

describe('dependencies', () => {
  const at = (ok: boolean, workerId?: string) => (taskId: number): FarmResult => ({
    id: taskId, ok, value: ok ? 1 : undefined, error: ok ? undefined : new Error(`e${taskId}`), workerId, task: new FarmTask(id, 0),
    submitted: new Date(), completed: new Date(), duration: 0, attempts: 1, failures: [],
  }) as FarmResult;
  const outcomes = (map: Record<number, ((taskId: number) => FarmResult) | undefined>) => (taskId: number) => map[taskId]?.(taskId);

  it('all + success: unmet while any runs, met when all succeeded, impossible once one failed', () => {
    assert.deepEqual(evaluateDependency('after', [1, 2], outcomes({ 1: at(true) })), { kind: 'unmet', waitingOn: [2] });
    assert.equal(evaluateDependency('after', [1, 2], outcomes({ 1: at(true), 2: at(true) })).kind, 'met');
    const state = evaluateDependency('after', [1, 2], outcomes({ 2: at(false) }));
    assert.equal(state.kind, 'impossible');
    assert.match((state as { reason: string }).reason, /task 2 failed \(e2\), and it had to succeed/);
  });

  it('any: met by the first that counts, impossible only when none can', () => {
    assert.equal(evaluateDependency('after', { ids: [1, 2], all: false }, outcomes({ 1: at(false), 2: at(true) })).kind, 'met');
    assert.equal(evaluateDependency('after', { ids: [1, 2], all: false }, outcomes({ 1: at(false) })).kind, 'unmet');
    assert.equal(evaluateDependency('after', { ids: [1, 2], all: false }, outcomes({ 1: at(false), 2: at(false) })).kind, 'impossible');
  });

  it('failure-only and success-or-failure dependencies', () => {
    assert.equal(evaluateDependency('after', { ids: [1], success: false, failure: true }, outcomes({ 1: at(false) })).kind, 'met');
    assert.equal(evaluateDependency('after', { ids: [1], success: false, failure: true }, outcomes({ 1: at(true) })).kind, 'impossible');
    assert.equal(evaluateDependency('after', { ids: [1, 2], failure: true }, outcomes({ 1: at(false), 2: at(true) })).kind, 'met');
  });

  it('follow needs the tasks that count to share a worker (all) or offers their workers (any)', () => {
    assert.deepEqual(evaluateDependency('follow', [1, 2], outcomes({ 1: at(true, 'w1'), 2: at(true, 'w1') })), { kind: 'met', workers: new Set(['w1']) });
    assert.equal(evaluateDependency('follow', [1, 2], outcomes({ 1: at(true, 'w1'), 2: at(true, 'w2') })).kind, 'impossible');
    assert.deepEqual(evaluateDependency('follow', { ids: [1, 2], all: false }, outcomes({ 1: at(true, 'w1'), 2: at(true, 'w2') })), { kind: 'met', workers: new Set(['w1', 'w2']) });
    const never = evaluateDependency('follow', { ids: [1], failure: true }, outcomes({ 1: at(false) }));
    assert.match((never as { reason: string }).reason, /never ran on a worker/);
  });
});
