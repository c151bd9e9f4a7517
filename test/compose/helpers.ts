import { after, before } from 'node:test';
import { InlineExecutor, ProcessExecutor, TaskExecutor, ThreadExecutor, type Executor } from '../../src/index.js';

/** Each way to run composite tasks: the shared test bodies run once per kind. */
export interface ExecutorKind {
  name: 'foreground' | 'inline' | 'threads' | 'processes';
  /** True when function tasks are shipped to workers (threads, processes). */
  pool: boolean;
  /** The underlying executor, or undefined in the foreground. */
  make(): Executor | undefined;
}

export const executorKinds: readonly ExecutorKind[] = [
  { name: 'foreground', pool: false, make: () => undefined },
  { name: 'inline', pool: false, make: () => new InlineExecutor() },
  { name: 'threads', pool: true, make: () => new ThreadExecutor({ workers: 2 }) },
  { name: 'processes', pool: true, make: () => new ProcessExecutor({ workers: 2 }) },
];

/**
 * A TaskExecutor of this kind for the enclosing suite: made before its tests, shut down after them.
 * The executor is made by the test (not TaskExecutor.threads()) so the test can look at its stats.
 */
export function useExecutor(kind: ExecutorKind): { exe: () => TaskExecutor; executor: () => Executor | undefined } {
  let executor: Executor | undefined;
  let exe: TaskExecutor | undefined;
  before(() => {
    executor = kind.make();
    exe = new TaskExecutor(executor, { own: true });
  });
  after(async () => {
    await exe?.shutdown();
  });
  return {
    exe: () => exe!,
    executor: () => executor,
  };
}

/** Rejects if `promise` has not settled within `ms`: a hang becomes a failure that says so. */
export async function settlesWithin<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms (a hang)`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
