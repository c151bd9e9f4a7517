import { Future } from '../core/future.js';
import { newId, now } from '../core/ids.js';
import type { StatsRecorder } from './stats.js';
import type { SubmitOptions } from './types.js';

/** Where a job is: its future's state plus the internal waiting states. */
export type JobPhase = 'queued' | 'backoff' | 'running' | 'settled';

/** One submitted task and its attempts, as every executor tracks it. */
export class Job<R = unknown> {
  readonly future: Future<R>;
  readonly submittedAt = now();
  phase: JobPhase = 'queued';
  attempts = 0;
  startedAt: number | undefined;
  workerId: string | undefined;
  /** Workers on which an attempt failed: a retry goes elsewhere while another worker exists. */
  failedOn: Set<string> | undefined;
  /** Retry or timeout timer. */
  timer: NodeJS.Timeout | undefined;
  #waitRecorded = false;

  constructor(
    readonly args: unknown[],
    readonly options: SubmitOptions,
    canceller: (job: Job<R>, error: Error) => boolean,
  ) {
    this.future = new Future<R>(newId('task'), (error) => canceller(this, error));
  }

  /** Records the start of an attempt. */
  start(workerId: string, stats: StatsRecorder, startedAt = now()): void {
    if (!this.#waitRecorded) {
      this.#waitRecorded = true;
      stats.recordWait(startedAt - this.submittedAt);
    }
    this.attempts += 1;
    this.phase = 'running';
    this.workerId = workerId;
    this.startedAt = startedAt;
    this.future._markRunning();
  }

  succeed(value: R, stats: StatsRecorder, finishedAt = now()): void {
    if (this.phase === 'settled') return;
    this.#close();
    if (this.startedAt !== undefined) stats.recordRun(finishedAt - this.startedAt);
    stats.done += 1;
    this.future._settle({ ok: true, value, ...this.#meta(finishedAt) });
  }

  fail(error: Error, stats: StatsRecorder, finishedAt = now()): void {
    if (this.phase === 'settled') return;
    const ran = this.phase === 'running';
    this.#close();
    if (ran && this.startedAt !== undefined) stats.recordRun(finishedAt - this.startedAt);
    if (this.future.settled) return;
    this.future._settle({ ok: false, error, ...this.#meta(finishedAt) });
    if (this.future.state === 'cancelled') stats.cancelled += 1;
    else stats.failed += 1;
  }

  #close(): void {
    this.phase = 'settled';
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  #meta(finishedAt: number) {
    return { id: this.future.id, workerId: this.workerId, submittedAt: this.submittedAt, startedAt: this.startedAt, finishedAt, attempts: this.attempts };
  }
}
