import { TaskTimeoutError, ValidationError, WorkerCrashedError } from '../../core/errors.js';
import type { Future } from '../../core/future.js';
import { ProcessExecutor } from '../../executors/processes.js';
import { ThreadExecutor } from '../../executors/threads.js';
import type { Executor } from '../../executors/types.js';
import type { Call, Plugin } from '../plugin.js';
import type { Task } from '../task.js';

export interface LimitsOptions {
  /**
   * Heap limit of the workers that run the task, in MiB. A run that allocates past it crashes only
   * its worker (enforced by V8 through the pool) and emits `memoryLimitReached`.
   * @default no limit
   */
  memoryMb?: number;
  /**
   * Wall time of each run, in ms: the run is stopped (its thread terminated or process killed) and
   * `wallTimeLimitReached` emitted.
   * @default no limit
   */
  wallTimeMs?: number;
  /**
   * With `memoryMb`, the task runs on a pool of its own, of this many workers.
   * @default 1
   */
  workers?: number;
  /**
   * With `memoryMb`, the kind of that pool.
   * @default 'processes'
   */
  runtime?: 'threads' | 'processes';
}

/**
 * Memory and wall-time limits per task run, enforced by the pool (AMLTK's limits plugin): the
 * wall time is the run's timeout; the memory limit is the heap limit of a small pool the plugin
 * keeps for the task. Events: `memoryLimitReached(future, error)` and
 * `wallTimeLimitReached(future, error)`, after the task's `exception` event.
 */
export class Limits implements Plugin {
  readonly name = 'Limits';
  readonly events = ['memoryLimitReached', 'wallTimeLimitReached'] as const;
  readonly memoryMb: number | undefined;
  readonly wallTimeMs: number | undefined;
  readonly #workers: number;
  readonly #runtime: 'threads' | 'processes';
  #executor: Executor | undefined;
  #task: Task<never, unknown> | undefined;
  #memoryHits = 0;
  #wallTimeHits = 0;

  constructor(options: LimitsOptions = {}) {
    this.memoryMb = optionalPositive('memoryMb', options.memoryMb);
    this.wallTimeMs = optionalPositive('wallTimeMs', options.wallTimeMs);
    this.#workers = optionalPositive('workers', options.workers) ?? 1;
    this.#runtime = options.runtime ?? 'processes';
    if (this.#runtime !== 'threads' && this.#runtime !== 'processes') {
      throw new ValidationError(`Invalid Limits option 'runtime': expected 'threads' or 'processes', got ${String(options.runtime)}`);
    }
  }

  attach(task: Task<never, unknown>): void {
    if (this.#task) throw new ValidationError('A Limits plugin belongs to one task; make one per task');
    this.#task = task;
    // Queued, so that the limit's event follows the task's own exception callbacks.
    task.onException((future: Future<unknown>, error: Error) => task._post(() => {
      if (this.memoryMb !== undefined && error instanceof WorkerCrashedError && error.reason === 'out-of-memory') {
        this.#memoryHits += 1;
        task.emit('memoryLimitReached', future, error);
      } else if (this.wallTimeMs !== undefined && error instanceof TaskTimeoutError) {
        this.#wallTimeHits += 1;
        task.emit('wallTimeLimitReached', future, error);
      }
    }), { hidden: true });
  }

  preSubmit(call: Call): Call {
    const timeout = this.wallTimeMs === undefined ? call.options?.timeout : Math.min(this.wallTimeMs, call.options?.timeout ?? Infinity);
    return {
      ...call,
      options: timeout === undefined ? call.options : { ...call.options, timeout },
      executor: this.memoryMb === undefined ? call.executor : this.#pool(),
    };
  }

  render(): string {
    const parts: string[] = [];
    if (this.memoryMb !== undefined) parts.push(`Memory ${this.memoryMb} MiB (${this.#memoryHits} hit)`);
    if (this.wallTimeMs !== undefined) parts.push(`Wall time ${this.wallTimeMs} ms (${this.#wallTimeHits} hit)`);
    return parts.join(' · ');
  }

  snapshot(): Record<string, unknown> {
    return { memoryMb: this.memoryMb ?? null, wallTimeMs: this.wallTimeMs ?? null, memoryLimitReached: this.#memoryHits, wallTimeLimitReached: this.#wallTimeHits };
  }

  async shutdown(): Promise<void> {
    const executor = this.#executor;
    this.#executor = undefined;
    await executor?.shutdown({ wait: false });
  }

  /** The pool whose workers have the heap limit; made on first use. */
  #pool(): Executor {
    const options = { workers: this.#workers, maxHeapMb: this.memoryMb };
    this.#executor ??= this.#runtime === 'threads' ? new ThreadExecutor(options) : new ProcessExecutor(options);
    return this.#executor;
  }
}

function optionalPositive(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (!(typeof value === 'number' && Number.isFinite(value) && value > 0)) {
    throw new ValidationError(`Invalid Limits option '${name}': expected a number > 0, got ${String(value)}`);
  }
  return value;
}
