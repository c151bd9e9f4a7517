import type { WorkerExitReason } from '../../core/errors.js';
import type { WorkerExit, WorkerHandle } from '../runtime/handle.js';
import type { WorkerInfo } from '../types.js';
import type { PoolJob } from './pool-job.js';

export type SlotState = 'starting' | 'ready' | 'retiring' | 'dead';

/** The pool's view of one worker: its handle, the tasks it holds, and its counters. */
export class Slot {
  state: SlotState = 'starting';
  /** Tasks sent to the worker, in the order sent (the worker runs them in that order). */
  readonly inflight: PoolJob[] = [];
  /** Task definitions the worker has already been sent. */
  readonly knownDefs = new Set<number>();
  /** Tasks whose outcome no longer matters (timed out or cancelled) but that may still be running. */
  readonly abandoned = new Set<number>();
  /** Set while the worker runs a task that must run alone (one with a timeout or transfers). */
  exclusive = false;
  /** Tasks sent over the worker's life, for recycling after `maxTasksPerWorker`. */
  assigned = 0;
  done = 0;
  failed = 0;
  /** Memory the worker reported last, in bytes. */
  memory = 0;
  /** When the worker last sent results or was given work while idle (performance.now()). */
  lastProgressAt = performance.now();
  /** When the worker was last given work, as a pool-wide sequence number (for round-robin placement). */
  lastAssignedSeq = 0;
  /** Why the pool is stopping this worker, if it is. */
  stopping: 'kill' | 'retire' | undefined;
  killTimer: NodeJS.Timeout | undefined;
  /** Set when the worker said it is dying (after flushing its results), with the error that killed it. */
  dying: { error: Error | undefined } | undefined;

  constructor(
    readonly id: string,
    readonly index: number,
    public properties: Record<string, unknown>,
    readonly handle: WorkerHandle,
  ) {}

  /** Can take new work now. */
  get open(): boolean {
    return this.state === 'ready' && !this.exclusive && this.abandoned.size === 0;
  }

  /** Holds no task at all, finished or abandoned. */
  get idle(): boolean {
    return this.inflight.length === 0 && this.abandoned.size === 0;
  }

  info(): WorkerInfo {
    return {
      id: this.id,
      properties: this.properties,
      inFlight: this.inflight.length,
      busy: !this.idle,
      done: this.done,
      failed: this.failed,
      runtime: this.handle.runtime,
      systemId: this.handle.systemId,
    };
  }

  /**
   * When the worker is gone: splits the tasks it held into those that may have run (they fail or
   * retry) and those that certainly did not (they go back to the queue).
   */
  releaseHeld(): { victims: PoolJob[]; unstarted: PoolJob[] } {
    const reclaimed = this.handle.reclaimUnstarted();
    const unstarted = this.inflight.splice(this.inflight.length - reclaimed, reclaimed);
    let victims = this.inflight.splice(0);
    if (this.handle.startedCount() === undefined && victims.length > 1 && (this.dying || this.stopping === 'kill')) {
      // A child process runs its tasks in order and cannot say which it started. When it reported
      // its death after flushing its results, or the pool killed it for an abandoned task, only
      // the first task it held can have been running (none, if the abandoned one came first).
      // When it died silently (out of memory, a signal from outside), any of them may have run:
      // they all fail, since none may run twice.
      const running = Math.min(...this.abandoned) < victims[0]!.num ? 0 : 1;
      unstarted.unshift(...victims.slice(running));
      victims = victims.slice(0, running);
    }
    return { victims, unstarted };
  }

  removeInflight(job: PoolJob): boolean {
    const at = this.inflight.indexOf(job);
    if (at < 0) return false;
    this.inflight.splice(at, 1);
    return true;
  }
}

/** Why a worker ended. */
export function exitReason(exit: WorkerExit): WorkerExitReason {
  const error = exit.error as (Error & { code?: string }) | undefined;
  if (error?.code === 'ERR_WORKER_OUT_OF_MEMORY' || /out of memory/i.test(error?.message ?? '')) return 'out-of-memory';
  if (exit.signal === 'SIGABRT' || exit.code === 134) return 'out-of-memory';
  if (exit.signal) return 'signal';
  return error ? 'uncaught-error' : 'exit';
}

/** Says in words how a worker ended, for the error of the tasks it held. */
export function describeExit(exit: WorkerExit): string {
  switch (exitReason(exit)) {
    case 'out-of-memory':
      return exit.error ? 'ran out of memory' : 'aborted (most often: out of memory)';
    case 'signal':
      return `was killed by ${exit.signal}`;
    case 'uncaught-error':
      return `died of an error thrown outside any task: ${exit.error!.message}`;
    default:
      return `exited with code ${exit.code}`;
  }
}
