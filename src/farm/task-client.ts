import { CancelledError, PlacementError, ValidationError } from '../core/errors.js';
import type { Future, TaskResult } from '../core/future.js';
import { createExecutor, type BackendName } from '../executors/create.js';
import type { PoolOptions } from '../executors/pool/pool-options.js';
import type { Executor, SubmitOptions, WorkerInfo } from '../executors/types.js';
import { taskDefinition } from '../task/definition.js';
import { evaluateDependency, type Outcome } from './dependencies.js';
import { ImpossibleDependencyError, TaskAlreadyFinishedError, UnknownTaskIdError, WaitTimeoutError } from './errors.js';
import type { FarmResult } from './result.js';
import { scopedCall, scopeSteps, type ScopedOutcome } from './scoped.js';
import { normalizeDependency, validateFarmTask, type AnyFarmTask } from './task.js';

export interface TaskClientOptions extends PoolOptions {
  /**
   * The executor to farm on. The client does not shut down an executor it was given.
   * @default a new executor of `backend`, with the pool options given here
   */
  executor?: Executor;
  /**
   * Backend of the executor the client makes when none is given.
   * @default 'threads'
   */
  backend?: BackendName;
}

/** Counts of `queueStatus()`, or ids with `{ verbose: true }`. */
export interface QueueStatus<T = number> {
  /** Run and not started: waiting for dependencies, for a worker, or in the queue. */
  scheduled: T;
  /** Running now. */
  pending: T;
  succeeded: T;
  /** Failed, aborted, or never able to run. */
  failed: T;
}

interface TaskRecord {
  readonly id: number;
  readonly submitted: number;
  /** The task of the chain that runs now (the one run, then its recovery tasks). */
  current: AnyFarmTask;
  phase: 'waiting' | 'scheduled' | 'finished';
  future?: Future<unknown>;
  /** The placement constraint it was submitted with (`where` and `follow` together). */
  where?: (worker: WorkerInfo) => boolean;
  /** Set while the task waits for a worker that its `where`/`follow` accepts. */
  placementTimer?: NodeJS.Timeout;
  held?: boolean;
  aborted?: boolean;
  /** The executor's copy was cancelled to place the task again (`spin`). */
  replacing?: boolean;
  attempts: number;
  failures: Error[];
  result?: FarmResult;
  waiters?: Array<() => void>;
}

const safely = (where: (worker: WorkerInfo) => boolean, worker: WorkerInfo): boolean => {
  try {
    return where(worker) === true;
  } catch {
    return false;
  }
};

/**
 * IPython's task farming over any executor: `run` a task and get an id, then `result`, `barrier`,
 * `queueStatus`, `abort` and `spin`. Tasks carry retries, recovery tasks, placement on worker
 * properties, `after`/`follow` dependencies, priorities and timeouts (see FarmTask).
 */
export class TaskClient implements AsyncDisposable {
  readonly executor: Executor;
  readonly #ownsExecutor: boolean;
  readonly #records = new Map<number, TaskRecord>();
  /** What dependencies need of forgotten tasks, so that a task may still wait for or follow them. */
  readonly #forgotten = new Map<number, Outcome>();
  /** Waiting tasks by the id of a task they wait for. */
  readonly #dependents = new Map<number, Set<TaskRecord>>();
  /** Tasks waiting for a worker that their placement accepts. */
  readonly #held = new Set<TaskRecord>();
  /** Tasks in the executor with a placement constraint, for `spin`. */
  readonly #placed = new Set<TaskRecord>();
  #nextId = 0;

  constructor(options: TaskClientOptions = {}) {
    const { executor, backend, ...pool } = options;
    this.executor = executor ?? createExecutor(backend, pool);
    this.#ownsExecutor = executor === undefined;
  }

  /**
   * Farms a task and returns its id. Throws at once (and keeps nothing) for an invalid task: a bad
   * option, a recovery loop, a dependency on an unknown id, a closure that cannot travel.
   */
  run(task: AnyFarmTask): number {
    this.check(task);
    const record: TaskRecord = { id: this.#nextId, submitted: Date.now(), current: task, phase: 'waiting', attempts: 0, failures: [] };
    this.#records.set(record.id, record);
    try {
      this.#advance(record, true);
    } catch (error) {
      this.#records.delete(record.id);
      throw error;
    }
    this.#nextId += 1;
    return record.id;
  }

  /** Throws what `run` would throw for `task`, without running it. */
  check(task: AnyFarmTask): void {
    validateFarmTask(task);
    for (let t: AnyFarmTask | undefined = task; t; t = t.recovery) {
      for (const dependency of [t.after, t.follow]) {
        if (dependency === undefined) continue;
        for (const id of normalizeDependency(dependency).ids) if (!this.#forgotten.has(id)) this.#record(id, `a dependency of ${t}`);
      }
      taskDefinition(t.fn); // a closure fails here, not later in a recovery chain
    }
  }

  /** The result if the task finished, else `undefined`. */
  result<R = unknown>(id: number, options?: { block?: false }): FarmResult<R> | undefined;
  /** Waits for the task and returns its result; rejects with `WaitTimeoutError` after `timeout` ms. */
  result<R = unknown>(id: number, options: { block: true; timeout?: number }): Promise<FarmResult<R>>;
  result<R = unknown>(id: number, options: { block?: boolean; timeout?: number } = {}): FarmResult<R> | undefined | Promise<FarmResult<R>> {
    const record = this.#record(id);
    if (!options.block) return record.result as FarmResult<R> | undefined;
    return this.#wait([record], options.timeout).then(() => record.result as FarmResult<R>);
  }

  /**
   * Waits until every task in `ids` (default: every task run so far) has finished, successfully or
   * not. Rejects with `WaitTimeoutError` naming the unfinished tasks after `timeout` ms.
   */
  async barrier(ids?: number | readonly number[], options: { timeout?: number } = {}): Promise<void> {
    const records = ids === undefined ? [...this.#records.values()] : (typeof ids === 'number' ? [ids] : ids).map((id) => this.#record(id));
    await this.#wait(records, options.timeout);
  }

  /** How many tasks are scheduled, running, succeeded and failed; their ids with `verbose`. */
  queueStatus(options?: { verbose?: false }): QueueStatus<number>;
  queueStatus(options: { verbose: true }): QueueStatus<number[]>;
  queueStatus(options: { verbose?: boolean } = {}): QueueStatus<number> | QueueStatus<number[]> {
    const ids: QueueStatus<number[]> = { scheduled: [], pending: [], succeeded: [], failed: [] };
    for (const record of this.#records.values()) {
      if (record.phase === 'finished') (record.result!.ok ? ids.succeeded : ids.failed).push(record.id);
      else if (record.future?.state === 'running') ids.pending.push(record.id);
      else ids.scheduled.push(record.id);
    }
    if (options.verbose) return ids;
    return { scheduled: ids.scheduled.length, pending: ids.pending.length, succeeded: ids.succeeded.length, failed: ids.failed.length };
  }

  /**
   * Aborts a task: a waiting or queued task is removed, a running one is stopped; it fails with
   * `CancelledError` and runs no recovery task. A finished task throws `TaskAlreadyFinishedError`.
   */
  abort(id: number): void {
    const record = this.#record(id);
    if (record.phase === 'finished') {
      throw new TaskAlreadyFinishedError(`Task ${id} has already finished (${record.result!.ok ? 'succeeded' : 'failed'}); there is nothing to abort`);
    }
    record.aborted = true;
    if (record.phase === 'scheduled') {
      record.future!.cancel('aborted');
      return;
    }
    this.#finish(record, { ok: false, error: new CancelledError(`Task ${id} aborted before it ran`) });
  }

  /**
   * Re-evaluates placement: tasks waiting for a worker are placed if one now fits (after a property
   * change, say), and queued tasks that no worker fits any more are taken back to wait or fail.
   */
  spin(): void {
    const workers = this.executor.workers();
    for (const record of [...this.#placed]) {
      if (record.future?.state !== 'pending' || this.#fits(record, workers)) continue;
      record.replacing = true;
      record.future.cancel('taken back to be placed again');
    }
    for (const record of [...this.#held]) this.#advance(record, false);
  }

  workers(): WorkerInfo[] {
    return this.executor.workers();
  }

  /** Replaces a worker's properties (`where` looks at them) and re-evaluates placement. */
  setWorkerProperties(workerId: string, properties: Record<string, unknown>): void {
    this.executor.setWorkerProperties(workerId, properties);
    this.spin();
  }

  /**
   * Drops finished tasks' results to free memory: `result`, `abort` and `barrier` no longer know
   * them, but new tasks may still depend on them (only their outcome and worker are kept).
   */
  forget(ids: number | readonly number[]): void {
    for (const id of typeof ids === 'number' ? [ids] : ids) {
      const record = this.#record(id);
      if (record.phase !== 'finished') throw new ValidationError(`Task ${id} has not finished; only finished tasks can be forgotten`);
      this.#records.delete(id);
      const { ok, workerId, error } = record.result!;
      this.#forgotten.set(id, { id, ok, workerId, error });
    }
  }

  /**
   * `wait` (default): lets every task finish, then shuts down the executor the client made.
   * `wait: false`: aborts what has not finished first.
   */
  async shutdown({ wait = true }: { wait?: boolean } = {}): Promise<void> {
    if (!wait) for (const record of this.#records.values()) if (record.phase !== 'finished') this.abort(record.id);
    await this.#wait([...this.#records.values()], undefined);
    if (this.#ownsExecutor) await this.executor.shutdown();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }

  // ---- the life of a task ------------------------------------------------------------------

  #record(id: number, role = 'a task'): TaskRecord {
    const record = this.#records.get(id);
    if (!record) {
      const known = this.#nextId === 0 ? 'no task has been run yet' : `ids run so far: 0..${this.#nextId - 1}`;
      throw new UnknownTaskIdError(`No task with id ${String(id)} (${role}); ${known}${id < this.#nextId ? ', and this one was forgotten' : ''}`, { taskId: id });
    }
    return record;
  }

  /** Moves the current task of `record` as far as it can go: dependencies, placement, executor. */
  #advance(record: TaskRecord, first: boolean): void {
    const task = record.current;
    const outcomeOf = (id: number): Outcome | undefined => this.#records.get(id)?.result ?? this.#forgotten.get(id);
    let follow: Set<string> | undefined;
    for (const kind of ['after', 'follow'] as const) {
      const dependency = task[kind];
      if (dependency === undefined) continue;
      const state = evaluateDependency(kind, dependency, outcomeOf);
      if (state.kind === 'impossible') return this.#failCurrent(record, new ImpossibleDependencyError(`Task ${record.id} cannot run: its ${state.reason}`));
      if (state.kind === 'unmet') {
        for (const id of state.waitingOn) {
          let waiting = this.#dependents.get(id);
          if (!waiting) this.#dependents.set(id, (waiting = new Set()));
          waiting.add(record);
        }
        return;
      }
      if (kind === 'follow') follow = state.workers;
    }
    const where = combine(task.where, follow);
    if (where) {
      const workers = this.executor.workers();
      if (follow && !workers.some((worker) => follow!.has(worker.id))) {
        return this.#failCurrent(record, new ImpossibleDependencyError(`Task ${record.id} cannot run: the worker it must follow (${[...follow].join(' or ')}) is gone`));
      }
      if (!workers.some((worker) => safely(where, worker))) return this.#hold(record, workers);
    }
    this.#unhold(record);
    this.#submit(record, where, first);
  }

  #submit(record: TaskRecord, where: ((worker: WorkerInfo) => boolean) | undefined, first: boolean): void {
    const task = record.current;
    const options: SubmitOptions = {
      timeout: task.timeout, queueTimeout: task.queueTimeout, priority: task.priority, where,
      retry: task.retries ? { attempts: task.retries + 1, backoff: task.backoff ?? { type: 'fixed', delay: 0 } } : undefined,
    };
    const steps = scopeSteps(task);
    let future: Future<unknown>;
    try {
      future = steps
        ? this.executor.submit(scopedCall, [taskDefinition(task.fn).spec, task.args, steps], options) as Future<unknown>
        : this.executor.submit(task.fn as never, task.args as never, options);
    } catch (error) {
      if (first) throw error; // `run` reports it, and keeps nothing
      return this.#failCurrent(record, error as Error);
    }
    record.phase = 'scheduled';
    record.future = future;
    record.where = where;
    if (where) this.#placed.add(record);
    future.onSettled((result) => this.#settled(record, result, steps !== undefined));
  }

  #settled(record: TaskRecord, result: TaskResult<unknown>, scoped: boolean): void {
    this.#placed.delete(record);
    record.attempts += result.attempts;
    record.future = undefined;
    if (record.replacing && !record.aborted) {
      record.replacing = false;
      record.phase = 'waiting';
      this.#advance(record, false);
      return;
    }
    if (result.ok) {
      const outcome = scoped ? (result.value as ScopedOutcome) : { value: result.value };
      this.#finish(record, { ok: true, value: outcome.value, pulled: outcome.pulled }, result);
    } else {
      this.#failCurrent(record, result.error, result);
    }
  }

  /** The current task failed: its recovery task takes over, or the task fails. */
  #failCurrent(record: TaskRecord, error: Error, ran?: TaskResult<unknown>): void {
    this.#unhold(record);
    const recovery = record.current.recovery;
    if (recovery === undefined || record.aborted) {
      this.#finish(record, { ok: false, error }, ran);
      return;
    }
    record.failures.push(error);
    record.current = recovery;
    record.phase = 'waiting';
    this.#advance(record, false);
  }

  #finish(
    record: TaskRecord,
    outcome: { ok: true; value: unknown; pulled?: Record<string, unknown> } | { ok: false; error: Error },
    ran?: TaskResult<unknown>,
  ): void {
    this.#unhold(record);
    this.#placed.delete(record);
    record.phase = 'finished';
    const completed = ran?.finishedAt ?? Date.now();
    const meta = {
      id: record.id, task: record.current, workerId: ran?.workerId, submitted: new Date(record.submitted),
      started: ran?.startedAt === undefined ? undefined : new Date(ran.startedAt), completed: new Date(completed),
      duration: ran?.startedAt === undefined ? 0 : completed - ran.startedAt, attempts: record.attempts, failures: record.failures,
    };
    record.result = outcome.ok
      ? { ...meta, ok: true, value: outcome.value, ...(outcome.pulled && { pulled: outcome.pulled }) }
      : { ...meta, ok: false, error: outcome.error };
    for (const waiter of record.waiters?.splice(0) ?? []) waiter();
    const dependents = this.#dependents.get(record.id);
    if (dependents) {
      this.#dependents.delete(record.id);
      for (const dependent of dependents) if (dependent.phase === 'waiting' && !dependent.held) this.#advance(dependent, false);
    }
    // A worker may have been replaced or changed meanwhile: tasks waiting for one look again.
    for (const held of [...this.#held]) this.#advance(held, false);
  }

  /** No worker fits the task now: it waits `placementTimeout` for one, or fails at once. */
  #hold(record: TaskRecord, workers: WorkerInfo[]): void {
    const fail = (): void => {
      const seen = workers.map((w) => `${w.id} ${JSON.stringify(w.properties)}`).join(', ') || 'none';
      const waited = record.current.placementTimeout ? ` within ${record.current.placementTimeout} ms (placementTimeout)` : '';
      this.#failCurrent(record, new PlacementError(`Task ${record.id} (${record.current}) fits no worker${waited}: its 'where' rejects every worker (workers: ${seen})`));
    };
    if (!record.current.placementTimeout) return fail();
    if (record.held) return;
    record.held = true;
    record.phase = 'waiting';
    this.#held.add(record);
    record.placementTimer = setTimeout(() => {
      this.#unhold(record);
      workers = this.executor.workers();
      fail();
    }, record.current.placementTimeout);
  }

  #unhold(record: TaskRecord): void {
    if (!record.held) return;
    record.held = false;
    clearTimeout(record.placementTimer);
    this.#held.delete(record);
  }

  #fits(record: TaskRecord, workers: WorkerInfo[]): boolean {
    const { where } = record;
    return where === undefined || workers.some((worker) => safely(where, worker));
  }

  #wait(records: TaskRecord[], timeout: number | undefined): Promise<void> {
    const open = records.filter((record) => record.phase !== 'finished');
    if (open.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      let left = open.length;
      const timer = timeout === undefined ? undefined : setTimeout(() => {
        const unfinished = open.filter((record) => record.phase !== 'finished').map((record) => record.id);
        reject(new WaitTimeoutError(`Waited ${timeout} ms; tasks still unfinished: ${unfinished.join(', ')}`, { unfinished }));
      }, timeout);
      for (const record of open) {
        (record.waiters ??= []).push(() => {
          left -= 1;
          if (left > 0) return;
          clearTimeout(timer);
          resolve();
        });
      }
    });
  }
}

function combine(where: ((worker: WorkerInfo) => boolean) | undefined, follow: Set<string> | undefined): ((worker: WorkerInfo) => boolean) | undefined {
  if (!follow) return where;
  if (!where) return (worker) => follow.has(worker.id);
  return (worker) => follow.has(worker.id) && where(worker);
}
