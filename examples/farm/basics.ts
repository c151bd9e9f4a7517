/**
 * mplite's showcase: fifty tasks `f(arg / 10, { hello: arg })` over `args = range(10) * 5` on one
 * TaskManager, with a progress bar on stderr. The five tasks with arg 0 divide by zero: their slots
 * hold their errors, and the other 45 hold 0.1 (give or take a float). Then three `broken` tasks on
 * the SAME manager (the same workers) come back as errors with their name, message and remote stack.
 *
 *   npx tsx examples/farm/basics.ts [threads|processes]
 */
import { FarmTask, TaskManager, type ProgressMode, type ProgressOptions } from '../../src/index.js';
import { backendFromArgv, broken, f, isMain, type Backend, type Log } from './tasks.js';

export interface BasicsOptions {
  backend?: Backend;
  /**
   * The seed's TaskManager() has one worker per core. The tasks sleep rather than compute, so they
   * do not need a core each: ten workers keep the example short on a small machine.
   * @default 10
   */
  workers?: number;
  /** @default 'auto' (a bar on a terminal) */
  progress?: ProgressMode | Omit<ProgressOptions, 'total'>;
}

export interface BasicsResult {
  /** `String(tasks[0])`: `Task(f, 0, { hello: 0 })`. */
  taskString: string;
  /** What `execute` returned for the 50 tasks, in task order. */
  results: Array<number | Error>;
  seconds: number;
  /** What `execute` returned for the three broken tasks. */
  expectedErrors: Array<number | Error>;
}

export async function main(log: Log = console.log, { backend = 'threads', workers = 10, progress = 'auto' }: BasicsOptions = {}): Promise<BasicsResult> {
  const args = Array.from({ length: 5 }, () => Array.from({ length: 10 }, (_, i) => i)).flat();
  const start = performance.now();

  await using tm = new TaskManager({ backend, workers, progress });
  // Add the first tasks.
  const tasks = args.map((arg) => new FarmTask(f, arg / 10, { hello: arg }));
  log(`an example of a task is available as string:\n\t ${String(tasks[0])}`);

  const results = await tm.execute(tasks); // this will contain results and errors!

  const seconds = (performance.now() - start) / 1000;
  log(`did nothing for ${seconds.toFixed(2)} seconds, producing ${results.length} results`);
  log(`hereof ${results.filter((result) => result instanceof Error).length} had errors.`);
  log(`the rest were results: [${results.filter((result) => !(result instanceof Error)).join(', ')}]`);

  // Add more tasks to the SAME pool of workers:
  const expectedErrors = await tm.execute([0, 1, 2].map((i) => new FarmTask(broken, i)));
  log('More expected errors:');
  for (const result of expectedErrors) {
    // The remote stack starts with the error's name and message, then the frames in the worker.
    log(`expected --> ${result instanceof Error ? result.stack : String(result)}`);
  }
  return { taskString: String(tasks[0]), results, seconds, expectedErrors };
}

if (isMain(import.meta.url)) await main(console.log, { backend: backendFromArgv() });
