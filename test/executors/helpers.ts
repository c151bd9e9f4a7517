/** Small helpers for the executor tests: waiting on conditions, temp files, tracking executors. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Executor, Future, TaskResult } from '../../src/index.js';

export const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `condition` until it holds; fails with `what` after `timeoutMs` (generous by default). */
export async function waitFor(condition: () => boolean, what: string | (() => string), timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for: ${typeof what === 'function' ? what() : what}`);
    await delay(10);
  }
}

/** Rejects if `promise` has not settled within `ms`: a guard against hangs, not a speed check. */
export async function within<T>(promise: PromiseLike<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still not settled after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The result of a future, value or error, without throwing. */
export function settled<R>(future: Future<R>): Promise<TaskResult<R>> {
  return new Promise((resolve) => future.onSettled(resolve));
}

export function workerIds(executor: Executor): string[] {
  return executor.workers().map((worker) => worker.id);
}

/** A fresh temporary directory, removed by `cleanup`. */
export class TempDir {
  readonly path = mkdtempSync(join(tmpdir(), 'taskfarm-exec-test-'));
  file(name: string): string {
    return join(this.path, name);
  }
  cleanup(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}

/** Executors made by a test, all shut down after it (stopping running work, never hanging). */
export class Tracker<O> {
  readonly #made: Executor[] = [];
  constructor(private readonly factory: (options: O) => Executor) {}

  make(options: O): Executor {
    const executor = this.factory(options);
    this.#made.push(executor);
    return executor;
  }

  async shutdownAll(): Promise<void> {
    const made = this.#made.splice(0);
    await within(Promise.all(made.map((executor) => executor.shutdown({ wait: false }))), 15_000, 'shutting down the executors of the test');
  }
}
