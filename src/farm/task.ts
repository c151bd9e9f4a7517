import { inspect } from 'node:util';
import { ValidationError } from '../core/errors.js';
import { InlineExecutor } from '../executors/local.js';
import { validateSubmitOptions } from '../executors/options.js';
import type { Backoff, WorkerInfo } from '../executors/types.js';
import { workerScope } from '../executors/runtime/context.js';
import type { TaskLike } from '../task/define.js';
import { taskDefinition } from '../task/definition.js';
import { RecoveryLoopError } from './errors.js';
import { scopedCall, scopeSteps } from './scoped.js';

/**
 * Task ids a task waits for. A bare id or list means: all of them, and each must succeed.
 * Dependencies must be ids this client already gave out, so they cannot form a cycle.
 */
export type Dependency = number | readonly number[] | DependencySpec;

export interface DependencySpec {
  ids: readonly number[];
  /**
   * `true`: every task in `ids` must finish as wanted; `false`: one is enough.
   * @default true
   */
  all?: boolean;
  /**
   * A task that succeeded counts.
   * @default true
   */
  success?: boolean;
  /**
   * A task that failed (or was aborted) counts.
   * @default false
   */
  failure?: boolean;
}

/** What a farm task can say about how it runs; every option can also be set as a property. */
export interface FarmTaskOptions {
  /**
   * Extra attempts after a failure (a thrown error, a crash, a timeout). Each retry goes to a worker
   * that has not failed this task, while one exists.
   * @default 0
   */
  retries?: number;
  /**
   * Delay before each retry.
   * @default no delay
   */
  backoff?: Backoff;
  /**
   * A task run in this one's place when it still fails after its retries; it may have its own
   * recovery task (a chain), but a chain that loops is refused.
   * @default none
   */
  recovery?: AnyFarmTask;
  /**
   * Runs only on workers for which this returns true (IPython's `depend` on engine properties); a
   * predicate that throws counts as false.
   * @default any worker
   */
  where?: (worker: WorkerInfo) => boolean;
  /**
   * When no worker can take the task (by `where` or `follow`), how long it may wait for one (after a
   * property change, say) before it fails with `PlacementError`, in milliseconds. 0: fail at once.
   * @default 0
   */
  placementTimeout?: number;
  /**
   * Starts only once these tasks have finished as required; if that can no longer happen, the task
   * fails with `ImpossibleDependencyError` without running.
   * @default none
   */
  after?: Dependency;
  /**
   * Like `after`, and the task runs on the worker where those tasks ran (one of them, with
   * `all: false`): to use values they left in that worker's scope.
   * @default none
   */
  follow?: Dependency;
  /**
   * Higher runs first.
   * @default 0
   */
  priority?: number;
  /**
   * How long the task may wait in the executor's queue before it starts, in milliseconds; then it
   * fails with `QueueTimeoutError` without running. Time spent waiting for dependencies does not count.
   * @default no limit
   */
  queueTimeout?: number;
  /**
   * Run time limit of each attempt, in milliseconds; a task that overruns is stopped (its thread or
   * process is killed) and fails with `TaskTimeoutError` (and is retried if it has retries).
   * @default no limit
   */
  timeout?: number;
  /**
   * Values set in the worker's scope before the task runs (the task reads them with
   * `this.scope.get(name)` or `taskContext().scope`).
   * @default none
   */
  push?: Record<string, unknown>;
  /**
   * Names of values to read from the worker's scope after the task ran; they come back as
   * `result.pulled`. A name that is not set fails the task.
   * @default none
   */
  pull?: string | readonly string[];
  /**
   * Empty the worker's scope before the task runs (the task starts on a clean worker).
   * @default false
   */
  clearBefore?: boolean;
  /**
   * Empty the worker's scope after the task ran (its values stay private).
   * @default false
   */
  clearAfter?: boolean;
}

const OPTION_NAMES: ReadonlySet<string> = new Set([
  'retries', 'backoff', 'recovery', 'where', 'placementTimeout', 'after', 'follow', 'priority', 'queueTimeout',
  'timeout', 'push', 'pull', 'clearBefore', 'clearAfter',
]);

/**
 * A function and its arguments, to run on a farm: `new FarmTask(fn, ...args)` (mplite's `Task`).
 * Options (IPython's task attributes) are set with {@link FarmTask.with} or as properties.
 * A task is a description: it can be run any number of times, by any client or manager.
 */
export class FarmTask<A extends unknown[] = unknown[], R = unknown> implements FarmTaskOptions {
  readonly fn: TaskLike<A, R>;
  readonly args: A;
  retries?: number;
  backoff?: Backoff;
  recovery?: AnyFarmTask;
  where?: (worker: WorkerInfo) => boolean;
  placementTimeout?: number;
  after?: Dependency;
  follow?: Dependency;
  priority?: number;
  queueTimeout?: number;
  timeout?: number;
  push?: Record<string, unknown>;
  pull?: string | readonly string[];
  clearBefore?: boolean;
  clearAfter?: boolean;

  constructor(fn: TaskLike<A, R>, ...args: A) {
    if (typeof fn !== 'function' && (typeof fn !== 'object' || fn === null)) {
      throw new ValidationError(`new FarmTask(fn, ...args): fn must be a function or { module, export }, got ${fn === null ? 'null' : typeof fn}`);
    }
    this.fn = fn;
    this.args = args;
  }

  /**
   * Sets options and returns this task. They are checked now: an unknown or invalid option throws
   * `ValidationError` (a recovery loop `RecoveryLoopError`) and leaves the task as it was.
   */
  with(options: FarmTaskOptions): this {
    if (typeof options !== 'object' || options === null) throw new ValidationError(`FarmTask.with(options): options must be an object`);
    for (const key of Object.keys(options)) {
      if (!OPTION_NAMES.has(key)) throw new ValidationError(`Unknown farm task option '${key}'; options are: ${[...OPTION_NAMES].join(', ')}`);
    }
    const self = this as Record<string, unknown>;
    const before = Object.keys(options).map((key) => [key, self[key]] as const);
    Object.assign(this, options);
    try {
      validateFarmTask(this);
    } catch (error) {
      for (const [key, value] of before) self[key] = value;
      throw error;
    }
    return this;
  }

  /**
   * Runs the task here, in this thread, and returns its value (or throws its error): to check that
   * its inputs are right before farming thousands of them.
   */
  async execute(): Promise<Awaited<R>> {
    const executor = new InlineExecutor();
    const steps = scopeSteps(this);
    // The task runs in this thread, whose scope inline and async executors share: leave it as it was.
    const scope = workerScope();
    const saved = new Map(scope);
    try {
      if (!steps) return await executor.submit(this.fn, this.args, { timeout: this.timeout });
      const outcome = await executor.submit(scopedCall, [taskDefinition(this.fn).spec, this.args, steps], { timeout: this.timeout });
      return outcome.value as Awaited<R>;
    } finally {
      scope.clear();
      for (const [name, value] of saved) scope.set(name, value);
      await executor.shutdown();
    }
  }

  /** e.g. `Task(adder, 1, 2)`. */
  toString(): string {
    const fn = this.fn as { name?: unknown; module?: unknown; export?: unknown };
    const name = typeof this.fn === 'function' ? (this.fn.name || 'anonymous') : `${String(fn.module)}#${String(fn.export)}`;
    const args = this.args.map((arg) => inspect(arg, { depth: 2, breakLength: Infinity }));
    return `Task(${[name, ...args].join(', ')})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** A farm task of any signature (what clients and managers accept). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- function parameters are contravariant: only `any` accepts every task
export type AnyFarmTask = FarmTask<any, any>;
/** A farm task that returns `R`, whatever its arguments. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
export type FarmTaskOf<R> = FarmTask<any, R>;

/** The ids of a dependency, and how they count. */
export function normalizeDependency(dependency: Dependency): Required<DependencySpec> {
  if (typeof dependency === 'number') return { ids: [dependency], all: true, success: true, failure: false };
  if (Array.isArray(dependency)) return { ids: dependency, all: true, success: true, failure: false };
  const spec = dependency as DependencySpec;
  return { ids: spec.ids, all: spec.all ?? true, success: spec.success ?? true, failure: spec.failure ?? false };
}

function invalid(name: string, expected: string, value: unknown): never {
  throw new ValidationError(`Invalid farm task option '${name}': expected ${expected}, got ${inspect(value, { depth: 1 })}`);
}

function checkDependency(name: string, value: Dependency | undefined): void {
  if (value === undefined) return;
  const ok = typeof value === 'number' || Array.isArray(value) || (typeof value === 'object' && value !== null && Array.isArray((value as DependencySpec).ids));
  if (!ok) invalid(name, 'a task id, a list of ids or { ids, all?, success?, failure? }', value);
  const spec = normalizeDependency(value);
  if (spec.ids.length === 0) invalid(name, 'at least one task id', value);
  for (const id of spec.ids) if (!Number.isInteger(id) || id < 0) invalid(name, 'task ids (integers >= 0)', id);
  for (const key of ['all', 'success', 'failure'] as const) if (typeof spec[key] !== 'boolean') invalid(`${name}.${key}`, 'a boolean', spec[key]);
  if (!spec.success && !spec.failure) invalid(name, 'success or failure (or both) to count', value);
}

/**
 * Checks a task's options (they may have been set as properties) and its recovery chain; throws
 * `ValidationError` naming the option, or `RecoveryLoopError`.
 */
export function validateFarmTask(task: AnyFarmTask): void {
  if (!(task instanceof FarmTask)) throw new ValidationError(`Expected a FarmTask (new FarmTask(fn, ...args)), got ${inspect(task, { depth: 0 })}`);
  const seen: AnyFarmTask[] = [];
  for (let current: AnyFarmTask | undefined = task; current !== undefined; current = current.recovery) {
    if (seen.includes(current)) {
      throw new RecoveryLoopError(`The recovery chain of ${task} loops: recovery task ${seen.length} is ${current} again (task ${seen.indexOf(current)} of the chain); recovery chains must end`);
    }
    seen.push(current);
    checkOptions(current);
  }
}

function checkOptions(task: AnyFarmTask): void {
  const { retries, recovery, placementTimeout, push, pull, clearBefore, clearAfter } = task;
  if (retries !== undefined && !(Number.isInteger(retries) && retries >= 0)) invalid('retries', 'an integer >= 0', retries);
  if (recovery !== undefined && !(recovery instanceof FarmTask)) invalid('recovery', 'a FarmTask', recovery);
  if (placementTimeout !== undefined && !(typeof placementTimeout === 'number' && placementTimeout >= 0 && placementTimeout <= 2 ** 31 - 1)) {
    invalid('placementTimeout', 'milliseconds between 0 and 2^31-1', placementTimeout);
  }
  checkDependency('after', task.after);
  checkDependency('follow', task.follow);
  if (push !== undefined && (typeof push !== 'object' || push === null || Array.isArray(push))) invalid('push', 'an object of named values', push);
  if (pull !== undefined && typeof pull !== 'string' && !(Array.isArray(pull) && pull.every((name) => typeof name === 'string'))) {
    invalid('pull', 'a name or a list of names', pull);
  }
  for (const [name, value] of [['clearBefore', clearBefore], ['clearAfter', clearAfter]] as const) {
    if (value !== undefined && typeof value !== 'boolean') invalid(name, 'a boolean', value);
  }
  // The rest are the executor's own options: one validator for all faces.
  validateSubmitOptions({
    timeout: task.timeout, queueTimeout: task.queueTimeout, priority: task.priority, where: task.where,
    retry: retries ? { attempts: retries + 1, backoff: task.backoff } : undefined,
  });
}
