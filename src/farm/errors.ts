import { registerErrorClass, TaskfarmError, ValidationError } from '../core/errors.js';

/** No task with that id was run by this client (or it was forgotten). */
export class UnknownTaskIdError extends ValidationError {
  override readonly code: string = 'ERR_UNKNOWN_TASK_ID';
  declare taskId?: number;

  constructor(message: string, options?: { cause?: unknown; taskId?: number }) {
    super(message, options);
    if (options?.taskId !== undefined) this.taskId = options.taskId;
  }
}

/** `abort` of a task that has already finished (IPython: "Task Already Completed"). */
export class TaskAlreadyFinishedError extends TaskfarmError {
  override readonly code: string = 'ERR_TASK_FINISHED';
}

/** A task's chain of recovery tasks comes back to a task already in it. */
export class RecoveryLoopError extends ValidationError {
  override readonly code: string = 'ERR_RECOVERY_LOOP';
}

/**
 * A task's `after` or `follow` dependency can no longer be met: a task it needs to succeed failed,
 * or the worker it must follow is gone. The task never ran.
 */
export class ImpossibleDependencyError extends TaskfarmError {
  override readonly code: string = 'ERR_IMPOSSIBLE_DEPENDENCY';
}

/** `barrier` or a blocking `result` reached its timeout with tasks unfinished (they go on running). */
export class WaitTimeoutError extends TaskfarmError {
  override readonly code: string = 'ERR_WAIT_TIMEOUT';
  /** Ids of the tasks that had not finished. */
  declare unfinished?: number[];

  constructor(message: string, options?: { cause?: unknown; unfinished?: number[] }) {
    super(message, options);
    if (options?.unfinished) this.unfinished = options.unfinished;
  }
}

for (const cls of [UnknownTaskIdError, TaskAlreadyFinishedError, RecoveryLoopError, ImpossibleDependencyError, WaitTimeoutError]) {
  registerErrorClass(cls);
}
