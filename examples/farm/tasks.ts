/**
 * The functions the farm examples run (ports of mplite's README and IPython's task interface), and
 * two small helpers for the examples themselves.
 *
 * The examples farm their work on worker threads or child processes, so every task here is made
 * shippable with `defineTask(import.meta.url, function name ...)`: a worker imports this module and
 * looks the function up by its export name. Importing this module has no side effects besides
 * registering one error class, so workers load it cheaply.
 */
import { isMainThread } from 'node:worker_threads';
import { defineTask, registerErrorClass, TaskfarmError, type TaskContext } from '../../src/index.js';

/** Where an example prints: `console.log` when run directly, a collector in tests. */
export type Log = (line: string) => void;

export { isMain } from '../is-main.js';

/** The backends the examples accept (`npx tsx examples/farm/x.ts processes` picks one). */
export type Backend = 'threads' | 'processes';

/** The backend named on the command line, else threads. */
export function backendFromArgv(): Backend {
  return process.argv[2] === 'processes' ? 'processes' : 'threads';
}

/** Blocks this thread for `seconds`, like Python's `time.sleep` (an `await` would not keep the worker busy). */
export function blockingSleep(seconds: number): void {
  if (seconds > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, seconds * 1000);
}

// ---- mplite ----------------------------------------------------------------------------------

/**
 * Python's ZeroDivisionError. A plain Error subclass: thrown in a worker, it comes back as a
 * `TaskError` whose `name` is still `ZeroDivisionError`, with its message and the remote stack.
 */
export class ZeroDivisionError extends Error {
  override name = 'ZeroDivisionError';
}

/**
 * Python's NotImplementedError, registered: registered classes come back from a worker as
 * themselves, so `error instanceof NotImplementedError` holds on the main thread too. Registration
 * must happen on both sides, which importing this module does (workers import it to run `broken`).
 */
export class NotImplementedError extends TaskfarmError {
  override readonly code: string = 'ERR_NOT_IMPLEMENTED';
}
registerErrorClass(NotImplementedError);

/** JavaScript divides by zero into Infinity or NaN; Python raises, and the seed relies on that. */
function divide(a: number, b: number): number {
  if (b === 0) throw new ZeroDivisionError('float division by zero');
  return a / b;
}

/** mplite's `f(*args, **kwargs)`: sleeps `seconds`, then divides it by `hello` (so 0.1, or an error for 0). */
export const f = defineTask(import.meta.url, function f(seconds: number, kwargs: { hello: number }): number {
  blockingSleep(seconds);
  return divide(seconds, kwargs.hello);
});

/** mplite's `broken`: a task that always fails. */
export const broken = defineTask(import.meta.url, function broken(_i: number): never {
  throw new NotImplementedError('this task must fail!');
});

/** The pyramid's adder. */
export const adder = defineTask(import.meta.url, function adder(a: number, b: number): number {
  return a + b;
});

/**
 * The "calls" experiment's `fun`: burns time in a loop of `rng` divisions and returns the last
 * quotient with the time the loop took (in seconds, as the seed).
 */
export const fun = defineTask(import.meta.url, function fun(callId: number, rng: number): [number, number] {
  const start = performance.now();
  let t = 0;
  for (let i = 0; i < rng; i += 1) t = i / callId;
  return [t, (performance.now() - start) / 1000];
});

/** The "sleep" experiment's adder: sleeps `sleep` seconds, then adds. */
export const sleepyAdder = defineTask(import.meta.url, function sleepyAdder(a: number, b: number, sleep: number): number {
  blockingSleep(sleep);
  return a + b;
});

// ---- IPython ---------------------------------------------------------------------------------

/**
 * IPython's `Task("a = %i" % n, pull="a")`: the task sets `a` in its worker's scope (IPython's
 * engine namespace), and `pull: 'a'` brings it back. `this` is the task's context in a `function`.
 */
export const setA = defineTask(import.meta.url, function setA(this: TaskContext, n: number): void {
  this.scope.set('a', n);
});

/** Sleeps `seconds` and returns `value`: a task that takes a while. */
export const slow = defineTask(import.meta.url, function slow<T>(value: T, seconds: number): T {
  blockingSleep(seconds);
  return value;
});

/** A task that fails after `seconds`, with `message`. */
export const failing = defineTask(import.meta.url, function failing(message: string, seconds?: number): never {
  blockingSleep(seconds ?? 0);
  throw new Error(message);
});

/** Reads `x` from the worker's scope (pushed by the task's `push`) and leaves `y = 2x` there to pull. */
export const double = defineTask(import.meta.url, function double(this: TaskContext): number {
  const x = this.scope.get('x') as number;
  this.scope.set('y', 2 * x);
  return x;
});

/** Leaves `name = value` in the worker's scope (clutter, or a secret). */
export const leave = defineTask(import.meta.url, function leave(this: TaskContext, name: string, value: unknown): void {
  this.scope.set(name, value);
});

/** The names set in the worker's scope right now. */
export const scopeNames = defineTask(import.meta.url, function scopeNames(this: TaskContext): string[] {
  return [...this.scope.keys()];
});

/**
 * Fails until it has been tried `failures` times on this worker, then returns the attempt number:
 * a task that a retry or two gets through. (It counts in the worker's scope, so run it on one worker.)
 */
export const flaky = defineTask(import.meta.url, function flaky(this: TaskContext, failures: number): number {
  const attempt = ((this.scope.get('flaky attempts') as number | undefined) ?? 0) + 1;
  this.scope.set('flaky attempts', attempt);
  if (attempt <= failures) throw new Error(`flaky: attempt ${attempt} failed`);
  return attempt;
});

/**
 * IPython's canonical bad example, `os.kill(os.getpid(), 9)`: kills the worker it runs on. In a child
 * process it kills that process (SIGKILL, as the seed); in a worker thread `process.exit` ends only
 * the thread. On the main thread (an inline executor) it refuses, rather than kill the program.
 */
export const killWorker = defineTask(import.meta.url, function killWorker(): never {
  if (process.send !== undefined) process.kill(process.pid, 'SIGKILL');
  else if (!isMainThread) process.exit(9);
  throw new Error('killWorker runs only on a worker: it would kill the main program');
});

/** The id of the worker that ran the task. */
export const whoAmI = defineTask(import.meta.url, function whoAmI(this: TaskContext, seconds?: number): string {
  blockingSleep(seconds ?? 0);
  return this.workerId;
});
