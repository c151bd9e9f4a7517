import { setTimeout as sleep } from 'node:timers/promises';
import type { TaskResult } from '../core/future.js';
import { Deque } from '../core/deque.js';
import type { TaskReference } from '../task/define.js';
import type { Executor, SubmitOptions } from '../executors/types.js';
import type { InputSource } from './inputs.js';
import { errorLine, valueLine } from './json-line.js';
import type { LineWriter } from './output.js';
import type { ProgressReporter } from '../core/progress.js';

export interface FarmOptions {
  executor: Executor;
  task: TaskReference;
  inputs: InputSource;
  /** Applied to every task (timeout, retry). */
  submit: SubmitOptions;
  writer: LineWriter;
  progress: ProgressReporter;
  /** Aborted on Ctrl-C: stop submitting, stop the workers, write what is done, return. */
  stop: AbortSignal;
}

export interface FarmOutcome {
  /** True when `stop` was aborted: the output may hold only a prefix of the results. */
  interrupted: boolean;
}

/**
 * How long a worker killed by SIGINT waits for our own SIGINT. Ctrl-C in a terminal signals the
 * whole process group, child-process workers included, and their deaths can be seen here before
 * our own signal handler runs; they are the interruption, not failures of their tasks.
 */
const SIGNAL_GRACE_MS = 250;

/**
 * Runs the task on every input with `executor.map` (ordered, so memory stays bounded by its
 * lookahead) and writes one result line per input, in input order.
 *
 * When `stop` is aborted, nothing more is submitted and the executor is shut down without waiting,
 * which settles every unfinished task as cancelled at once. The results that were finished before
 * continue to be written, in order, up to the first task the stop cut short; the output is then a
 * prefix of what a full run would have written.
 */
export async function farmToLines(options: FarmOptions): Promise<FarmOutcome> {
  const { executor, writer, progress, stop } = options;
  const awaitingResult = new Deque<unknown>();
  const onStop = (): void => void executor.shutdown({ wait: false, cancelPending: true });
  stop.addEventListener('abort', onStop, { once: true });
  try {
    const inputs = remember(options.inputs.values(stop), awaitingResult);
    for await (const result of executor.map(options.task, inputs, { ...options.submit, ordered: true })) {
      if (!result.ok && (await cutShortByStop(result, stop))) break;
      const input = awaitingResult.shift();
      const wait = writer.write(result.ok ? valueLine(input, result.value) : errorLine(input, result.error));
      progress.tick(result.ok);
      if (wait) await wait;
    }
  } catch (error) {
    // A submit racing the shutdown of a stop is part of stopping, not a failure.
    if (!stop.aborted) throw error;
  } finally {
    stop.removeEventListener('abort', onStop);
  }
  return { interrupted: stop.aborted };
}

/** True when a failure is the stop itself rather than a failure of the task. */
async function cutShortByStop(result: TaskResult<unknown>, stop: AbortSignal): Promise<boolean> {
  const error = result.error as Error & { code?: string; signal?: string | null };
  const killedBySignal = error.code === 'ERR_WORKER_CRASHED' && (error.signal === 'SIGINT' || error.signal === 'SIGTERM');
  if (killedBySignal && !stop.aborted) await sleep(SIGNAL_GRACE_MS);
  if (!stop.aborted) return false;
  return error.code === 'ERR_CANCELLED' || killedBySignal;
}

/** Passes the inputs through, remembering each one until its result is written. */
function remember(
  inputs: Iterable<unknown> | AsyncIterable<unknown>,
  queue: Deque<unknown>,
): Iterable<unknown> | AsyncIterable<unknown> {
  if (Symbol.asyncIterator in inputs) {
    return (async function* () {
      for await (const input of inputs) {
        queue.push(input);
        yield input;
      }
    })();
  }
  return (function* () {
    for (const input of inputs) {
      queue.push(input);
      yield input;
    }
  })();
}
