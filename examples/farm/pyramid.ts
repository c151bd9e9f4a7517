/**
 * mplite's incremental workload: add up 1..10 as a pyramid of pairwise additions. Five tasks add
 * 1+2, 3+4, ..., 9+10; then, whenever two results are in hand, a new task adds them, until one
 * number is left: 55. Results arrive in whatever order the workers finish, so the pairs (and the
 * printed tasks after the first five) may differ from run to run; the sum may not.
 *
 * Two forms: the seed's polling loop with the non-blocking `take()`, and the same loop awaiting
 * `next()` (or `for await (const result of tm)`), which sleeps instead of polling.
 *
 *   npx tsx examples/farm/pyramid.ts [threads|processes]
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { FarmTask, TaskManager, type AnyFarmTask, type FarmResult } from '../../src/index.js';
import { adder, backendFromArgv, isMain, type Backend, type Log } from './tasks.js';

export interface PyramidResult {
  /** Every task submitted, as printed: 5 first, then 4 more. */
  printed: string[];
  a: number | undefined;
  b: number | undefined;
}

const CHECKSUM = 55;

/** The value of a result, or its error thrown: an adder never fails, so a failure is a bug. */
function valueOf(result: FarmResult): number {
  if (!result.ok) throw result.error;
  return result.value as number;
}

/** The seed's loop: `take()` returns a result or `undefined` at once, so the loop polls. */
export async function polling(log: Log = console.log, { backend = 'threads' as Backend } = {}): Promise<PyramidResult> {
  const printed: string[] = [];
  await using tm = new TaskManager({ backend, workers: 2 });
  const submit = (task: AnyFarmTask): void => {
    printed.push(String(task));
    log(String(task));
    tm.submit(task);
  };

  // 1. Create the initial workload.
  for (let a = 1; a < 10; a += 2) submit(new FarmTask(adder, a, a + 1));

  // 2. Create the incremental workload.
  let a: number | undefined;
  let b: number | undefined;
  for (;;) {
    const result = tm.take();
    if (result === undefined) {
      if (tm.openTasks === 0) break;
      // Unlike Python's mplite, results reach this thread through its event loop: a polling loop
      // must give the loop a turn, or no result could ever arrive.
      await yieldToEventLoop();
      continue;
    }
    if (a === undefined) a = valueOf(result);
    else b = valueOf(result);

    if (a !== undefined && b !== undefined) {
      submit(new FarmTask(adder, a, b));
      a = b = undefined;
    }
  }
  log(`${a} ${b}`);
  if (a !== CHECKSUM && b !== CHECKSUM) throw new Error(`the pyramid does not add up: ${a} ${b}, expected ${CHECKSUM}`);
  return { printed, a, b };
}

/** The same with `for await`: each turn waits for the next result; the loop ends when none is left. */
export async function awaiting(log: Log = console.log, { backend = 'threads' as Backend } = {}): Promise<PyramidResult> {
  const printed: string[] = [];
  await using tm = new TaskManager({ backend, workers: 2 });
  const submit = (task: AnyFarmTask): void => {
    printed.push(String(task));
    log(String(task));
    tm.submit(task);
  };

  for (let a = 1; a < 10; a += 2) submit(new FarmTask(adder, a, a + 1));

  let a: number | undefined;
  let b: number | undefined;
  // Tasks submitted inside the loop are waited for too: it ends once every submitted task was taken.
  for await (const result of tm) {
    if (a === undefined) a = valueOf(result);
    else b = valueOf(result);
    if (a !== undefined && b !== undefined) {
      submit(new FarmTask(adder, a, b));
      a = b = undefined;
    }
  }
  log(`${a} ${b}`);
  if (a !== CHECKSUM && b !== CHECKSUM) throw new Error(`the pyramid does not add up: ${a} ${b}, expected ${CHECKSUM}`);
  return { printed, a, b };
}

export async function main(log: Log = console.log, options: { backend?: Backend } = {}): Promise<{ polling: PyramidResult; awaiting: PyramidResult }> {
  log('-- polling take() --');
  const first = await polling(log, options);
  log('-- awaiting next() --');
  const second = await awaiting(log, options);
  return { polling: first, awaiting: second };
}

if (isMain(import.meta.url)) await main(console.log, { backend: backendFromArgv() });
