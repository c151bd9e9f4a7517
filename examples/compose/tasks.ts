/**
 * Task functions shared by the composite-task examples (a port of the pyiron tinybase notebook).
 *
 * Everything here that a FunctionTask runs may be sent to a worker thread or a child process, so it
 * is made shippable with `defineTask(import.meta.url, function name ...)`: the worker imports this
 * module and looks the function up by its export name. Such a function may use the module's scope
 * (the `blockingSleep` helper below) and its imports; a plain closure could not.
 *
 * Importing this module has no side effects, so workers can load it cheaply.
 */
import { defineTask, type Executor } from '../../src/index.js';

/**
 * Blocks this thread for `seconds` (Python's `time.sleep`). `Atomics.wait` on a fresh shared
 * buffer never gets notified, so it simply times out; unlike `await setTimeout(...)` it really
 * blocks, which makes a foreground run sequential like the notebook's.
 */
export function blockingSleep(seconds: number): void {
  if (seconds > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, seconds * 1000);
}

/** Keyword arguments of {@link calcFib}, set on `task.input.kwargs`. */
export interface FibOptions {
  /** How many steps to take: calcFib({ n: 10 }) is 144. */
  n: number;
  /**
   * Seconds to sleep per step. The notebook sleeps 0.1 s per step to make the task slow enough to
   * watch in the background; the examples use a small value or none.
   * @default 0
   */
  stepSeconds?: number;
}

/**
 * The notebook's `calc_fib`: starts from 1, 1 and takes `n` steps. Python integers do not overflow,
 * so this returns a BigInt: calcFib({ n: 100 }) is 927372692193078999176n, past 2^53.
 */
export const calcFib = defineTask(import.meta.url, function calcFib({ n, stepSeconds = 0 }: FibOptions): bigint {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`calcFib needs an integer n >= 1, got ${String(n)}`);
  let n1 = 1n;
  let n2 = 1n;
  let x = 0n;
  for (let i = 0; i < n; i += 1) {
    blockingSleep(stepSeconds);
    x = n1 + n2;
    n1 = n2;
    n2 = x;
  }
  return x;
});

/**
 * `np.sqrt`. `new FunctionTask(Math.sqrt)` works in the foreground, but `Math.sqrt` is a native
 * function: it has no source to ship and no module to load it from, so on a pool the task ends
 * ABORTED with a TaskDefinitionError. Wrap it, as here or as `(x: number) => Math.sqrt(x)`.
 */
export const sqrt = defineTask(import.meta.url, function sqrt(x: number): number {
  return Math.sqrt(x);
});

/** `np.random.rand()`: a number in [0, 1). */
export const random = defineTask(import.meta.url, function random(): number {
  return Math.random();
});

/** `time.sleep(seconds)`, blocking the thread or process it runs on. */
export const sleep = defineTask(import.meta.url, function sleep(seconds: number): void {
  blockingSleep(seconds);
});

/**
 * Starts every worker of a pool by running a short task on each. Workers of a fresh pool load
 * their runtime (and, under tsx, the TypeScript loader) first; without a warm-up that start-up is
 * timed along with the work. Resolves once each worker has finished at least one task.
 */
export async function warmUp(executor: Executor, { seconds = 0.02, maxRounds = 50 } = {}): Promise<void> {
  for (let round = 0; round < maxRounds; round += 1) {
    const cold = executor.workers().filter((worker) => worker.done === 0);
    if (cold.length === 0) return;
    // As many sleeps as workers: a task not measured yet only goes to an idle worker, so they spread.
    await Promise.all(executor.workers().map(() => executor.submit(sleep, [seconds])));
  }
  throw new Error(`warmUp: some workers still had no task after ${maxRounds} rounds`);
}

export { isMain } from '../is-main.js';

/** Where examples print: console.log by default, a collector in tests. */
export type Log = (line: string) => void;
