/** How a task ended, as tinybase's ReturnStatus codes. */
export type ReturnCode = 'done' | 'aborted' | 'warning' | 'not_converged';

/**
 * The status a task returns with its output. A task never throws by default: an exception becomes
 * an ABORTED status that keeps the error (see `captureExceptions`).
 */
export class ReturnStatus {
  /** The codes, for comparisons such as `status.code === ReturnStatus.Code.DONE`. */
  static readonly Code = { DONE: 'done', ABORTED: 'aborted', WARNING: 'warning', NOT_CONVERGED: 'not_converged' } as const;

  constructor(
    readonly code: ReturnCode,
    readonly message?: string,
    /** Why: the error that aborted the task, or the status of the inner task that did. */
    readonly cause?: Error | ReturnStatus,
  ) {}

  static done(message?: string): ReturnStatus {
    return new ReturnStatus('done', message);
  }

  static aborted(message?: string, cause?: Error | ReturnStatus): ReturnStatus {
    return new ReturnStatus('aborted', message, cause);
  }

  static warning(message?: string): ReturnStatus {
    return new ReturnStatus('warning', message);
  }

  static notConverged(message?: string): ReturnStatus {
    return new ReturnStatus('not_converged', message);
  }

  isDone(): boolean {
    return this.code === 'done';
  }

  /** The error at the root of an aborted status, following inner statuses. */
  get error(): Error | undefined {
    return this.cause instanceof ReturnStatus ? this.cause.error : this.cause;
  }

  toString(): string {
    return `ReturnStatus(${this.code.toUpperCase()}${this.message === undefined ? '' : `, ${this.message}`})`;
  }
}
