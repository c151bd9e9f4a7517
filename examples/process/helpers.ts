/**
 * Shared by the process examples (a port of the plumpy tutorial notebook): each example's `main`
 * takes a log function (console.log by default, a collector in the tests) and returns what it saw.
 */
import { inspect } from 'node:util';

export { isMain } from '../is-main.js';

export type Log = (line: string) => void;

/** Python's `time.sleep`: really blocks this thread (a timer would let other work run). */
export function blockingSleep(seconds: number): void {
  if (seconds > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, seconds * 1000);
}

/** `asyncio.sleep`. */
export function sleep(seconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, seconds * 1000));
}

/** One line for a value, as `print` shows a dict: `{ step: 3 }`. */
export function show(value: unknown): string {
  return inspect(value, { depth: Infinity, breakLength: Infinity });
}
