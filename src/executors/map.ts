import type { Future, TaskResult } from '../core/future.js';
import type { TaskLike } from '../task/define.js';
import type { Executor, MapOptions } from './types.js';

/**
 * `Executor.map` for every backend: submits ahead of the consumer up to `lookahead` tasks, yields
 * results in input order or as they complete, and cancels what is left if the consumer stops early.
 */
export async function* mapWith<A, R>(
  executor: Executor,
  task: TaskLike<[A], R>,
  inputs: Iterable<A> | AsyncIterable<A>,
  options: MapOptions = {},
): AsyncGenerator<TaskResult<Awaited<R>>> {
  const { ordered = true, lookahead = 4096, ...submitOptions } = options;
  const iterator = Symbol.asyncIterator in inputs
    ? (inputs as AsyncIterable<A>)[Symbol.asyncIterator]()
    : (inputs as Iterable<A>)[Symbol.iterator]();
  // Ordered: futures in input order. Unordered: the set of futures not yet settled.
  const pending: Array<Future<Awaited<R>>> = [];
  const unsettled = new Set<Future<Awaited<R>>>();
  const completed: Array<TaskResult<Awaited<R>>> = [];
  let wake: (() => void) | undefined;
  let exhausted = false;

  const fill = async (): Promise<void> => {
    while (!exhausted && (ordered ? pending.length : unsettled.size + completed.length) < lookahead) {
      const next = await iterator.next();
      if (next.done) {
        exhausted = true;
        return;
      }
      const future = executor.submit(task, [next.value], submitOptions);
      if (ordered) {
        pending.push(future);
      } else {
        unsettled.add(future);
        future.onSettled((result) => {
          completed.push(result);
          unsettled.delete(future);
          wake?.();
        });
      }
    }
  };

  try {
    for (;;) {
      await fill();
      if (ordered) {
        const head = pending[0];
        if (!head) return;
        const result = head.result ?? (await new Promise<TaskResult<Awaited<R>>>((resolve) => head.onSettled(resolve)));
        pending.shift();
        yield result;
      } else {
        if (completed.length === 0) {
          if (unsettled.size === 0) return;
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
        }
        yield completed.shift()!;
      }
    }
  } finally {
    for (const future of [...pending, ...unsettled]) future.cancel('cancelled: the map consumer stopped');
    if (!exhausted) await iterator.return?.();
  }
}
