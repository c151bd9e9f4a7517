/**
 * mplite's "how to test worker functions": `task.execute()` runs a task right here, in this thread,
 * so its inputs can be checked before thousands of copies go to the workers. It returns the value
 * or throws the task's own error (no worker, no TaskError wrapper in between).
 *
 *   npx tsx examples/farm/execute.ts
 */
import { FarmTask } from '../../src/index.js';
import { f, isMain, type Log } from './tasks.js';

export interface ExecuteResult {
  value: number;
  error: Error | undefined;
}

export async function main(log: Log = console.log): Promise<ExecuteResult> {
  const t = new FarmTask(f, 0.01, { hello: 1 });
  const value = await t.execute();
  log(`${String(t)}.execute() = ${value}`);

  // A badly formed task fails here, with its own error class, before it was ever farmed.
  // (Arguments of the wrong type do not even compile: FarmTask checks them against f's signature.)
  const bad = new FarmTask(f, 0.01, { hello: 0 });
  let error: Error | undefined;
  try {
    await bad.execute();
  } catch (e) {
    error = e as Error;
    log(`${String(bad)}.execute() throws ${error.name}: ${error.message}`);
  }
  return { value, error };
}

if (isMain(import.meta.url)) await main();
