import type { CancelledError } from '../core/errors.js';
import { Future, type ResultMetaSource } from '../core/future.js';
import { now } from '../core/ids.js';
import type { StatsRecorder } from './stats.js';
import type { SubmitOptions } from './types.js';

/** Where a job is: its future's state plus the internal waiting states. */
export type JobPhase = 'queued' | 'backoff' | 'running' | 'settled';

/** The executor a job asks to cancel it. */
export interface JobOwner {
  cancelJob(job: Job, error: CancelledError): boolean;
}

/**
 * One submitted task and its attempts, as every executor tracks it. It is the future the caller
 * holds (only the Future members are public), so a task costs one object, not three.
 */
export class Job<R = unknown> extends Future<R> implements ResultMetaSource {
  readonly submittedAt = now();
  phase: JobPhase = 'queued';
  attempts = 0;
  startedAt: number | undefined;
  workerId: string | undefined;
  /** Workers on which an attempt failed: a retry goes elsewhere while another worker exists. */
  failedOn: Set<string> | undefined;
  /** Retry or timeout timer. */
  timer: NodeJS.Timeout | undefined;
  /** Fails the job if it is still queued when its `queueTimeout` passes. */
  queueTimer: NodeJS.Timeout | undefined;
  #waitRecorded = false;

  constructor(
    readonly args: unknown[],
    readonly options: SubmitOptions,
    private readonly owner: JobOwner,
  ) {
    super();
  }

  protected override _cancel(error: CancelledError): boolean {
    return this.owner.cancelJob(this as unknown as Job, error);
  }

  protected override _meta(): ResultMetaSource {
    return this;
  }

  /**
   * Records the start of an attempt: the task is on a worker. `running` is false for a task sent
   * behind others in a batch; its future shows `running` once the worker gets to it (`_markRunning`).
   */
  start(workerId: string, stats: StatsRecorder, startedAt = now(), running = true): void {
    if (!this.#waitRecorded) {
      this.#waitRecorded = true;
      stats.recordWait(startedAt - this.submittedAt);
    }
    if (this.queueTimer !== undefined) {
      clearTimeout(this.queueTimer);
      this.queueTimer = undefined;
    }
    this.attempts += 1;
    this.phase = 'running';
    this.workerId = workerId;
    this.startedAt = startedAt;
    if (running) this._markRunning();
  }

  succeed(value: R, stats: StatsRecorder, finishedAt = now()): void {
    if (this.phase === 'settled') return;
    this.#close();
    if (this.startedAt !== undefined) stats.recordRun(finishedAt - this.startedAt);
    stats.done += 1;
    this._settle(true, value, finishedAt);
  }

  /** Ends a failed attempt that will be tried again after a backoff. */
  awaitRetry(stats: StatsRecorder, finishedAt = now()): void {
    if (this.phase === 'running' && this.startedAt !== undefined) stats.recordRun(finishedAt - this.startedAt);
    stats.retried += 1;
    clearTimeout(this.timer);
    this.phase = 'backoff';
    this._markPending();
  }

  fail(error: Error, stats: StatsRecorder, finishedAt = now()): void {
    if (this.phase === 'settled') return;
    const ran = this.phase === 'running';
    this.#close();
    if (ran && this.startedAt !== undefined) stats.recordRun(finishedAt - this.startedAt);
    if (!this._settle(false, error, finishedAt)) return;
    if (this.state === 'cancelled') stats.cancelled += 1;
    else stats.failed += 1;
  }

  #close(): void {
    this.phase = 'settled';
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.queueTimer !== undefined) clearTimeout(this.queueTimer);
  }
}
