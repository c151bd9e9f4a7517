import type { AnyFarmTask } from './task.js';

interface FarmResultMeta {
  /** The id `run` gave the task. */
  id: number;
  /** The task that produced this outcome: the one run, or the recovery task that ran in its place. */
  task: AnyFarmTask;
  /** The worker of the last attempt (undefined when nothing ran). */
  workerId?: string;
  submitted: Date;
  /** Start of the last attempt (undefined when nothing ran). */
  started?: Date;
  completed: Date;
  /** Run time of the last attempt, in milliseconds (0 when nothing ran). */
  duration: number;
  /** Attempts made, retries and recovery tasks included. */
  attempts: number;
  /** Errors of the tasks that failed before a recovery task took over, in order. */
  failures: Error[];
  /** The values named by the task's `pull`, read from its worker's scope after it ran. */
  pulled?: Record<string, unknown>;
}

export interface FarmSuccess<R> extends FarmResultMeta {
  ok: true;
  value: R;
  error?: undefined;
}

export interface FarmFailure extends FarmResultMeta {
  ok: false;
  value?: undefined;
  /** What went wrong: the task's own error (a `TaskError` with the remote name and stack), a crash, a timeout... */
  error: Error;
}

/** The outcome of a farmed task with IPython's metadata: never thrown, always returned. */
export type FarmResult<R = unknown> = FarmSuccess<R> | FarmFailure;
