import type { PlacementPolicy } from './placement.js';

/** Options shared by the thread and process pools. */
export interface PoolOptions {
  /**
   * Number of workers.
   * @default os.availableParallelism()
   */
  workers?: number;
  /**
   * Properties of each worker, for placement with `where`: one object for all, or one per index.
   * @default {}
   */
  properties?: Record<string, unknown> | ((index: number) => Record<string, unknown>);
  /**
   * Replace a worker after it ran this many tasks (guards against leaks in task code).
   * @default Infinity
   */
  maxTasksPerWorker?: number;
  /**
   * Replace a worker, between tasks, once it uses more memory than this (heap for threads, RSS for
   * processes), in MiB.
   * @default no limit
   */
  recycleAboveMemoryMb?: number;
  /**
   * Hard heap limit of each worker, in MiB: a task that allocates past it crashes its worker
   * (`WorkerCrashedError`), not the program.
   * @default Node's default
   */
  maxHeapMb?: number;
  /**
   * After a timeout or cancel, how long a running task may take to honour its aborted signal before
   * its worker is killed, in milliseconds.
   * @default 100
   */
  abortGraceMs?: number;
  /**
   * How long a child process may take to exit after SIGTERM before SIGKILL, and a closing worker to
   * leave before it is killed, in milliseconds.
   * @default 1000
   */
  killGraceMs?: number;
  /**
   * Workers that die before they are ready this many times in a row make the pool fail its tasks
   * with `WorkerStartError` instead of restarting them forever.
   * @default 3
   */
  maxBootFailures?: number;
  /**
   * How a task (or a batch of tiny tasks) chooses among the workers that can take it:
   * `least-load`, `round-robin` (least recently used), `random`, `weighted` (by each worker's
   * `weight` property) or your own function. See {@link PlacementPolicy}.
   * @default 'least-load'
   */
  placement?: PlacementPolicy;
  /**
   * The worker id tasks see in their context (`this.workerId`) when it must not be the pool's own
   * id of each worker: a Redis engine gives its tasks its own id, the one their results carry.
   * @default each worker's own id (`w1`, `w2`, ...)
   */
  taskWorkerId?: string;
  /** Modules every worker imports before its first task (e.g. to register error classes). */
  preload?: string[];
  /**
   * How long a thread worker that ran out of work keeps polling for the next task before it sleeps,
   * in microseconds. Waking a sleeping thread costs tens of microseconds on most machines (about
   * 45 µs of a 53 µs round trip, measured on a 2-core VM); a short poll makes back-to-back tasks
   * answer in a fraction of that, for at most this much CPU each time the worker goes idle.
   * 0 turns it off. Child processes do not poll.
   * @default 50
   */
  idleSpinMicros?: number;
}
