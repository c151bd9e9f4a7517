/**
 * IPython's "QuickStart Task Farming": a thousand tasks `a = n`, each pulling `a` back; run them,
 * wait at a barrier, then look at the results and their metadata (worker, times, duration).
 *
 * IPython's task is a string of Python run in the engine's namespace. Here it is a function that
 * sets `a` in its worker's scope (`this.scope`), and `pull: 'a'` reads it back after it ran.
 *
 *   npx tsx examples/farm/quick-start.ts [threads|processes]
 */
import { FarmTask, TaskClient, type FarmResult } from '../../src/index.js';
import { backendFromArgv, isMain, setA, type Backend, type Log } from './tasks.js';

export interface QuickStartResult {
  taskIds: number[];
  taskResults: FarmResult[];
  /** The result of task 73. */
  tr: FarmResult;
  /** Worker ids of the pool, to check `tr.workerId` against. */
  workers: string[];
}

export async function main(log: Log = console.log, { backend = 'threads' as Backend, workers = 4 } = {}): Promise<QuickStartResult> {
  await using tc = new TaskClient({ backend, workers });

  // Wrap the commands to run in tasks.
  const tasklist = Array.from({ length: 1000 }, (_, n) => new FarmTask(setA, n).with({ pull: 'a' }));

  // Submit them: each run gives back the id that tracks the task and its result.
  const taskIds = tasklist.map((t) => tc.run(t));

  // Block until all of them have finished.
  await tc.barrier(taskIds);

  // The results, with their metadata.
  const taskResults = taskIds.map((id) => tc.result(id)!);
  const tr = taskResults[73]!;
  log(`TaskResult[ID:${tr.id}]: ${JSON.stringify(tr.pulled)}`); // {"a":73}
  log(`workerId: ${tr.workerId}`);
  log(`submitted, completed, duration: ${tr.submitted.toISOString()}, ${tr.completed.toISOString()}, ${tr.duration.toFixed(3)} ms`);
  log(`pulled.a: ${String(tr.pulled?.a)}`); // 73
  return { taskIds, taskResults, tr, workers: tc.workers().map((w) => w.id) };
}

if (isMain(import.meta.url)) await main(console.log, { backend: backendFromArgv() });
