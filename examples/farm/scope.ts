/**
 * IPython's data attributes and namespace cleaning, on a worker's scope (`this.scope`, a Map that
 * outlives the task on that worker): `push` sets values before the task runs, `pull` reads values
 * back after it ran (`result.pulled`), `clearBefore` starts the task on a clean scope and
 * `clearAfter` leaves none of its values behind.
 *
 * One worker, so that every task sees the scope the previous one left.
 *
 *   npx tsx examples/farm/scope.ts [threads|processes]
 */
import { FarmTask, TaskClient, type FarmTaskOf } from '../../src/index.js';
import { backendFromArgv, double, isMain, leave, scopeNames, type Backend, type Log } from './tasks.js';

export interface ScopeResult {
  /** `double` returned the pushed x. */
  value: number;
  /** `pull: ['y', 'x']`: { y: 42, x: 21 }. */
  pulled: Record<string, unknown> | undefined;
  /** What a plain task finds in the scope after those: x, y and the clutter. */
  cluttered: string[];
  /** What a task with clearBefore finds: nothing. */
  cleanBefore: string[];
  /** What a task finds after one that used clearAfter: nothing (its secret included). */
  cleanAfter: string[];
  /** A pull of a name that is not set fails the task. */
  missingPull: Error | undefined;
}

export async function main(log: Log = console.log, { backend = 'threads' as Backend } = {}): Promise<ScopeResult> {
  await using tc = new TaskClient({ backend, workers: 1 });
  const run = async <R>(task: FarmTaskOf<R>) => tc.result<R>(tc.run(task), { block: true });

  // push before, pull after.
  const pushed = await run(new FarmTask(double).with({ push: { x: 21 }, pull: ['y', 'x'] }));
  log(`push { x: 21 } → returned ${String(pushed.value)}, pulled ${JSON.stringify(pushed.pulled)}`);

  // Values stay on the worker: a later task sees them, and clutter piles up.
  await run(new FarmTask(leave, 'clutter', [1, 2, 3]));
  const cluttered = (await run(new FarmTask(scopeNames))).value as string[];
  log(`a later task finds: [${cluttered.join(', ')}]`);

  // clearBefore: the task runs on a fresh scope.
  const cleanBefore = (await run(new FarmTask(scopeNames).with({ clearBefore: true }))).value as string[];
  log(`with clearBefore: [${cleanBefore.join(', ')}]`);

  // clearAfter: the task's values (a secret, say) do not outlive it.
  await run(new FarmTask(leave, 'secret', 's3cr3t').with({ clearAfter: true }));
  const cleanAfter = (await run(new FarmTask(scopeNames))).value as string[];
  log(`after a task with clearAfter: [${cleanAfter.join(', ')}]`);

  // Pulling a name the task did not set is an error of the task.
  const missing = await run(new FarmTask(scopeNames).with({ pull: 'nope' }));
  log(`pull 'nope': ${missing.error?.name}: ${missing.error?.message}`);

  return { value: pushed.value as number, pulled: pushed.pulled, cluttered, cleanBefore, cleanAfter, missingPull: missing.error };
}

if (isMain(import.meta.url)) await main(console.log, { backend: backendFromArgv() });
