/**
 * The functions the scheduler examples compute (a port of AMLTK's scheduling guide), and two small
 * helpers for the examples themselves.
 *
 * The examples run their work on child processes (`Scheduler.withProcesses`), so every function
 * here is made shippable with `defineTask(import.meta.url, function name ...)`: the worker imports
 * this module and looks the function up by its export name. Importing this module has no side
 * effects, so workers load it cheaply.
 */
import { defineTask } from '../../src/index.js';

/** Where an example prints: `console.log` when run directly, a collector in tests. */
export type Log = (line: string) => void;

export { isMain } from '../is-main.js';

/** Prints through `log` and keeps what was printed, which an example's main() returns. */
export function printer(log: Log): { print: Log; printed: string[] } {
  const printed: string[] = [];
  return {
    printed,
    print: (line) => {
      printed.push(line);
      log(line);
    },
  };
}

/**
 * Event counts as one line, leaving out events that never happened, e.g.
 * `events: empty 1, start 1, finishing 1, finished 1`. (The guide shows them in a rendered tree.)
 */
export function describeCounts(counts: Record<string, number>): string {
  const happened = Object.entries(counts).filter(([, n]) => n > 0);
  return `events: ${happened.map(([event, n]) => `${event} ${n}`).join(', ') || 'none'}`;
}

/** Blocks this thread for `seconds`, like Python's `time.sleep`. */
function blockFor(seconds: number): void {
  if (seconds > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, seconds * 1000);
}

/**
 * Python's ValueError. Thrown in a worker, it comes back to the main process as a TaskError named
 * `ValueError`, with its message and remote stack.
 */
export class ValueError extends Error {
  override name = 'ValueError';
}

/** One step of the Collatz sequence: n / 2 for an even n, 3n + 1 for an odd one. */
export const collatz = defineTask(import.meta.url, function collatz(n: number): number {
  return n % 2 === 0 ? n / 2 : 3 * n + 1;
});

/** The guide's `expensive_function(x)`: 2 ** x. */
export const expensiveFunction = defineTask(import.meta.url, function expensiveFunction(x: number): number {
  return 2 ** x;
});

/** The `max_calls` example's `expensive_function(x)`: x ** 2. */
export const squareFunction = defineTask(import.meta.url, function squareFunction(x: number): number {
  return x ** 2;
});

/** Sleeps for `sleepFor` seconds (blocking its worker, as `time.sleep` does). */
export const sleepFunction = defineTask(import.meta.url, function sleepFunction(sleepFor: number): void {
  blockFor(sleepFor);
});

/** The timeout example's `expensive_function()`: sleeps 0.1 s and returns 42. */
export const slowAnswer = defineTask(import.meta.url, function slowAnswer(): number {
  blockFor(0.1);
  return 42;
});

export const failingComputeFunction = defineTask(import.meta.url, function failingComputeFunction(errMsg: string): never {
  throw new ValueError(errMsg);
});

export const echo = defineTask(import.meta.url, function echo(msg: string): string {
  return msg;
});

export const expensiveThing1 = defineTask(import.meta.url, function expensiveThing1(x: number): number {
  return x * 2;
});

export const expensiveThing2 = defineTask(import.meta.url, function expensiveThing2(x: number): number {
  return x ** 2;
});

export const myFunc = defineTask(import.meta.url, function myFunc(x: number): number {
  return x;
});
