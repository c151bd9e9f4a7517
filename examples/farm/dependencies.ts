/**
 * Dependencies between tasks (beyond the seeds, which depend only on worker properties): `after`
 * starts a task once others finished as required, `follow` also runs it on their worker (to use
 * what they left in its scope). A dependency that can no longer be met fails the task with
 * ImpossibleDependencyError, without running it.
 *
 *   npx tsx examples/farm/dependencies.ts [threads|processes]
 */
import { FarmTask, TaskClient, type FarmResult } from '../../src/index.js';
import { adder, backendFromArgv, failing, isMain, leave, scopeNames, slow, type Backend, type Log } from './tasks.js';

export interface DependenciesResult {
  /** Runs once both adders succeeded. */
  afterBoth: FarmResult;
  /** Runs on the worker where `leave` ran, and sees what it left. */
  followed: FarmResult;
  leftOn: string;
  /** `all: false`: after the first of two that succeeds. */
  any: FarmResult;
  /** Runs because the task it waits for failed. */
  onFailure: FarmResult;
  /** Waits for a success that never comes. */
  impossible: FarmResult;
}

export async function main(log: Log = console.log, { backend = 'threads' as Backend } = {}): Promise<DependenciesResult> {
  await using tc = new TaskClient({ backend, workers: 2 });

  // after: a task id or a list of ids, which must all succeed.
  const a = tc.run(new FarmTask(adder, 1, 2));
  const b = tc.run(new FarmTask(adder, 3, 4));
  const both = tc.run(new FarmTask(slow, 'a and b are done', 0).with({ after: [a, b] }));

  // follow: the same worker, so the scope the first task left is there.
  const left = tc.run(new FarmTask(leave, 'model', 'trained'));
  const followed = tc.run(new FarmTask(scopeNames).with({ follow: left }));

  // all: false: the first of the two that succeeds is enough.
  const fast = tc.run(new FarmTask(slow, 'fast', 0.05));
  const slower = tc.run(new FarmTask(slow, 'slow', 0.5));
  const any = tc.run(new FarmTask(slow, 'one of them is done', 0).with({ after: { ids: [fast, slower], all: false } }));

  // success: false, failure: true: a task that runs only when another failed (a clean-up, an alert).
  const bad = tc.run(new FarmTask(failing, 'it broke'));
  const onFailure = tc.run(new FarmTask(slow, 'cleaned up after the failure', 0).with({ after: { ids: [bad], success: false, failure: true } }));

  // A task that needs `bad` to succeed can never run.
  const impossible = tc.run(new FarmTask(slow, 'never', 0).with({ after: bad }));

  await tc.barrier();
  const result = (id: number): FarmResult => tc.result(id)!;
  const show = (name: string, r: FarmResult): void => log(`${name}: ${r.ok ? String(r.value) : `${r.error.name}: ${r.error.message}`}`);
  show('after [a, b]', result(both));
  show('follow', result(followed));
  log(`  ran on ${result(followed).workerId}, as the task it follows (${result(left).workerId})`);
  show('after any of two', result(any));
  show('after a failure', result(onFailure));
  show('after a failed task', result(impossible));
  return {
    afterBoth: result(both), followed: result(followed), leftOn: result(left).workerId!, any: result(any),
    onFailure: result(onFailure), impossible: result(impossible),
  };
}

if (isMain(import.meta.url)) await main(console.log, { backend: backendFromArgv() });
