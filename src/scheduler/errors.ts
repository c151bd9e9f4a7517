import { TaskfarmError, registerErrorClass } from '../core/errors.js';

/** `submit` was called while the scheduler is not running. */
export class SchedulerNotRunningError extends TaskfarmError {
  override readonly code: string = 'ERR_SCHEDULER_NOT_RUNNING';
}

/** `run` was called while the scheduler runs. */
export class SchedulerAlreadyRunningError extends TaskfarmError {
  override readonly code: string = 'ERR_SCHEDULER_RUNNING';
}

registerErrorClass(SchedulerNotRunningError);
registerErrorClass(SchedulerAlreadyRunningError);
