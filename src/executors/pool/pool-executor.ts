import { availableParallelism } from 'node:os';
import { deserializeError, serializeError } from '../../core/error-codec.js';
import {
  CancelledError, ExecutorClosedError, PlacementError, TaskDefinitionError, TaskTimeoutError,
  ValidationError, WorkerCrashedError, WorkerStartError,
} from '../../core/errors.js';
import type { Future, TaskResult } from '../../core/future.js';
import { now } from '../../core/ids.js';
import { findUncloneable } from '../../task/clone-check.js';
import { toTaskSpec, type TaskLike } from '../../task/define.js';
import { specKey, type TaskSpec } from '../../task/spec.js';
import { mapWith } from '../map.js';
import { positiveInteger, validateSubmitOptions } from '../options.js';
import { retryDelay } from '../retry.js';
import { StatsRecorder } from '../stats.js';
import type { Executor, ExecutorStats, MapOptions, ShutdownOptions, SubmitOptions, WorkerInfo } from '../types.js';
import type { SpawnOptions, WorkerExit, WorkerHandle } from '../runtime/handle.js';
import type { FromWorker, ResultsMessage } from '../runtime/protocol.js';
import { tsxApiUrl } from '../runtime/tsx.js';
import { BatchSizer } from './batching.js';
import { PoolJob } from './pool-job.js';
import type { Job } from '../job.js';
import { PriorityQueue } from './queue.js';
import { describeExit, Slot } from './slot.js';

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
  /** Modules every worker imports before its first task (e.g. to register error classes). */
  preload?: string[];
}

/** An idle worker takes the unstarted tasks of one that has shown no progress for this long. */
const STEAL_AFTER_MS = 2;

/**
 * The pool core shared by threads and processes: priority queue, placement, adaptive batching,
 * timeouts that kill, retries with backoff, crash recovery, recycling and stats. A runtime only
 * supplies `spawn`.
 */
export abstract class PoolExecutor implements Executor {
  abstract readonly kind: string;
  readonly #spawnHandle: (options: SpawnOptions) => WorkerHandle;
  readonly #size: number;
  readonly #options: Required<Pick<PoolOptions, 'abortGraceMs' | 'killGraceMs' | 'maxBootFailures' | 'maxTasksPerWorker'>> & PoolOptions;
  readonly #slots = new Map<string, Slot>();
  readonly #queue = new PriorityQueue<PoolJob>((job) => job.phase === 'queued');
  readonly #backoff = new Set<PoolJob>();
  readonly #stats = new StatsRecorder();
  readonly #sizer = new BatchSizer();
  readonly #defsByFunction = new WeakMap<Function, number>();
  readonly #defsByKey = new Map<string, number>();
  readonly #specs: TaskSpec[] = [];
  #nextNum = 0;
  #spawned = 0;
  #bootFailures = 0;
  #broken: WorkerStartError | undefined;
  #pumpScheduled = false;
  #stealTimer: NodeJS.Timeout | undefined;
  #closing = false;
  /** Whether the workers keep the program alive: only while there is work. */
  #referenced = true;
  #shutdown: Promise<void> | undefined;
  #drained: (() => void) | undefined;

  constructor(spawn: (options: SpawnOptions) => WorkerHandle, options: PoolOptions = {}) {
    this.#spawnHandle = spawn;
    this.#size = positiveInteger('workers', options.workers, availableParallelism());
    this.#options = {
      ...options,
      abortGraceMs: options.abortGraceMs ?? 100,
      killGraceMs: options.killGraceMs ?? 1000,
      maxBootFailures: positiveInteger('maxBootFailures', options.maxBootFailures, 3),
      maxTasksPerWorker: options.maxTasksPerWorker === undefined ? Infinity : positiveInteger('maxTasksPerWorker', options.maxTasksPerWorker, Infinity),
    };
    for (let index = 0; index < this.#size; index += 1) this.#spawn(index);
  }

  get closed(): boolean {
    return this.#closing;
  }

  submit<A extends unknown[], R>(task: TaskLike<A, R>, args: A, options: SubmitOptions = {}): Future<Awaited<R>> {
    if (this.#closing) throw new ExecutorClosedError(`The ${this.kind} executor is shut down; it takes no more tasks`);
    if (!Array.isArray(args)) throw new ValidationError(`submit(task, args): args must be an array, got ${typeof args}`);
    validateSubmitOptions(options);
    const job = new PoolJob(args, options, this);
    const future = job as unknown as Future<Awaited<R>>;
    job.defId = this.#defIdOf(task);
    job.num = this.#nextNum++;
    if (this.#broken) {
      job.fail(this.#broken, this.#stats);
      return future;
    }
    const { signal } = options;
    if (signal) {
      if (signal.aborted) {
        job.fail(new CancelledError(`Task ${job.id} cancelled: its signal was already aborted`, { cause: signal.reason }), this.#stats);
        return future;
      }
      const onAbort = (): void => void job.cancel('cancelled by its signal');
      signal.addEventListener('abort', onAbort, { once: true });
      job.onSettled(() => signal.removeEventListener('abort', onAbort));
    }
    this.#queue.push(job, options.priority ?? 0);
    this.#schedulePump();
    return future;
  }

  map<A, R>(task: TaskLike<[A], R>, inputs: Iterable<A> | AsyncIterable<A>, options?: MapOptions): AsyncIterable<TaskResult<Awaited<R>>> {
    return mapWith(this, task, inputs, options);
  }

  workers(): WorkerInfo[] {
    return [...this.#slots.values()].filter((slot) => slot.state !== 'dead').map((slot) => slot.info());
  }

  setWorkerProperties(workerId: string, properties: Record<string, unknown>): void {
    const slot = this.#slots.get(workerId);
    if (!slot) throw new ValidationError(`No worker '${workerId}'; workers are: ${[...this.#slots.keys()].join(', ')}`);
    slot.properties = { ...properties };
    this.#schedulePump();
  }

  stats(): ExecutorStats {
    let running = 0;
    for (const slot of this.#slots.values()) running += slot.inflight.length;
    return this.#stats.snapshot(this.#queue.size + this.#backoff.size, running);
  }

  shutdown({ wait = true, cancelPending = false }: ShutdownOptions = {}): Promise<void> {
    if (this.#shutdown) return this.#shutdown;
    this.#closing = true;
    if (cancelPending || !wait) this.#cancelWaiting();
    if (!wait) {
      for (const slot of this.#slots.values()) {
        for (const job of slot.inflight.splice(0)) job.fail(new CancelledError(`Task ${job.id} cancelled: the executor shut down`), this.#stats);
        this.#kill(slot);
      }
    }
    this.#shutdown = new Promise<void>((resolve) => (this.#drained = resolve));
    this.#updateRef(); // the workers must keep the program alive until they are gone
    this.#checkDrained();
    return this.#shutdown;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }

  // ---- definitions -------------------------------------------------------------------------

  #defIdOf(task: unknown): number {
    if (typeof task === 'function') {
      const known = this.#defsByFunction.get(task);
      if (known !== undefined) return known;
    }
    const spec = toTaskSpec(task);
    const key = specKey(spec);
    let id = this.#defsByKey.get(key);
    if (id === undefined) {
      id = this.#specs.push(spec) - 1;
      this.#defsByKey.set(key, id);
    }
    if (typeof task === 'function') this.#defsByFunction.set(task, id);
    return id;
  }

  // ---- workers -----------------------------------------------------------------------------

  #spawn(index: number): void {
    this.#spawned += 1;
    const id = `w${this.#spawned}`;
    const { properties, maxHeapMb, recycleAboveMemoryMb, preload } = this.#options;
    const props = typeof properties === 'function' ? properties(index) : { ...properties };
    let handle: WorkerHandle;
    try {
      handle = this.#spawnHandle({
        boot: { workerId: id, reportMemory: recycleAboveMemoryMb !== undefined, tsxApi: tsxApiUrl(), preload },
        maxHeapMb,
      });
    } catch (error) {
      this.#bootFailed(index, `could not be started: ${(error as Error).message}`, error);
      return;
    }
    const slot = new Slot(id, index, props, handle);
    this.#slots.set(id, slot);
    if (!this.#referenced) handle.setRef(false);
    handle.onMessage((message: FromWorker) => {
      if (message.t === 'results') this.#onResults(slot, message);
      else if (message.t === 'ready') this.#onReady(slot);
      else slot.dying = { error: message.error && deserializeError(message.error) };
    });
    handle.onExit((exit) => this.#onExit(slot, exit));
  }

  #onReady(slot: Slot): void {
    if (slot.state !== 'starting') return;
    slot.state = 'ready';
    this.#bootFailures = 0;
    if (this.#closing && this.#queue.size === 0 && this.#backoff.size === 0) this.#close(slot);
    else this.#schedulePump();
  }

  #bootFailed(index: number, reason: string, cause: unknown): void {
    this.#bootFailures += 1;
    if (this.#bootFailures >= this.#options.maxBootFailures) {
      this.#broken = new WorkerStartError(`Workers fail to start (${this.#bootFailures} times in a row); the last one ${reason}`, { cause });
      for (const job of [...this.#queue.drain(), ...this.#backoff]) job.fail(this.#broken, this.#stats);
      this.#backoff.clear();
      this.#checkDrained();
    } else if (!this.#closing) {
      this.#spawn(index);
    }
  }

  #onExit(slot: Slot, exit: WorkerExit): void {
    const wasStarting = slot.state === 'starting';
    slot.state = 'dead';
    clearTimeout(slot.killTimer);
    this.#slots.delete(slot.id);
    const reclaimed = slot.handle.reclaimUnstarted();
    const unstarted = slot.inflight.splice(slot.inflight.length - reclaimed, reclaimed);
    let victims = slot.inflight.splice(0);
    if (slot.handle.startedCount() === undefined && victims.length > 1 && (slot.dying || slot.stopping === 'kill')) {
      // A child process runs its tasks in order and cannot say which it started. When it reported
      // its death after flushing its results, or the pool killed it for an abandoned task, only
      // the first task it held can have been running (none, if the abandoned one came first).
      // When it died silently (out of memory, a signal from outside), any of them may have run:
      // they all fail, since none may run twice.
      const firstAbandoned = Math.min(...slot.abandoned);
      const running = firstAbandoned < victims[0]!.num ? 0 : 1;
      unstarted.unshift(...victims.slice(running));
      victims = victims.slice(0, running);
    }
    this.#requeue(unstarted);
    const description = describeExit({ ...exit, error: exit.error ?? slot.dying?.error });
    for (const job of victims) {
      const error = new WorkerCrashedError(`Worker ${slot.id} ${description} while running task ${job.id}`, {
        workerId: slot.id, exitCode: exit.code, signal: exit.signal, cause: exit.error ?? slot.dying?.error,
      });
      this.#failAttempt(job, slot, error);
    }
    const moreWork = this.#queue.size > 0 || this.#backoff.size > 0;
    if (wasStarting && slot.stopping === undefined) this.#bootFailed(slot.index, description, exit.error);
    else if (!this.#closing || moreWork) this.#spawn(slot.index);
    this.#schedulePump();
    this.#checkDrained();
  }

  /** Stops a worker now (its running task is lost: callers settle it first). */
  #kill(slot: Slot): void {
    if (slot.state === 'dead' || slot.stopping === 'kill') return;
    slot.stopping = 'kill';
    clearTimeout(slot.killTimer);
    slot.handle.kill(this.#options.killGraceMs);
  }

  /** Asks an idle worker to leave, and kills it if it does not. */
  #close(slot: Slot): void {
    if (slot.state === 'dead' || slot.stopping) return;
    slot.stopping = 'retire';
    slot.state = 'retiring';
    slot.handle.send({ t: 'close' });
    slot.killTimer = setTimeout(() => this.#kill(slot), this.#options.killGraceMs);
    slot.killTimer.unref();
  }

  // ---- dispatch ----------------------------------------------------------------------------

  #schedulePump(): void {
    if (this.#pumpScheduled) return;
    this.#pumpScheduled = true;
    // A microtask later, so that a synchronous burst of submits is batched together.
    queueMicrotask(() => this.#pump());
  }

  #pump(): void {
    this.#pumpScheduled = false;
    if (this.#queue.size > 0) {
      const open = [...this.#slots.values()].filter((slot) => slot.open);
      open.sort((a, b) => a.inflight.length - b.inflight.length);
      let progress = true;
      while (progress && this.#queue.size > 0) {
        progress = false;
        for (const slot of open) if (this.#fill(slot, open.length)) progress = true;
      }
    }
    this.#maybeSteal();
    this.#updateRef();
    this.#checkDrained();
  }

  /**
   * An idle pool must not keep the program alive (a forgotten shutdown would hang it), and a busy
   * one must, or the program could end while a caller still awaits a result.
   */
  #updateRef(): void {
    let busy = this.#queue.size > 0 || this.#backoff.size > 0 || this.#closing;
    if (!busy) for (const slot of this.#slots.values()) if (!slot.idle) busy = true;
    if (busy === this.#referenced) return;
    this.#referenced = busy;
    for (const slot of this.#slots.values()) slot.handle.setRef(busy);
  }

  /** Sends one batch to `slot`; false when it can take nothing now. */
  #fill(slot: Slot, openCount: number): boolean {
    if (!slot.open) return false;
    const head = this.#queue.peek();
    if (!head) return false;
    // Nothing waits behind a task that is heavy or not measured yet: a child process could not give
    // it back, and a thread would have to.
    const running = slot.inflight[0];
    if (running && this.#sizer.plan(running.defId).window === 1) return false;
    const plan = this.#sizer.plan(head.defId);
    const room = Math.min(plan.window - slot.inflight.length, this.#options.maxTasksPerWorker - slot.assigned);
    if (room <= 0) return false;
    const fairShare = Math.ceil(this.#queue.size / openCount);
    // A task that must run alone (timeout, transfers) or may be slow (heavy, not measured yet) is
    // sent only as the first task to an idle worker, and ends the batch, so dispatch stays FIFO.
    let ended = false;
    let batchSize = 0;
    const batch = this.#queue.take(Math.min(plan.size, room, fairShare), (job) => {
      if (ended || !this.#eligible(job, slot)) return false;
      if (job.exclusive || this.#sizer.plan(job.defId).window === 1) {
        ended = true;
        if (slot.inflight.length > 0 || batchSize > 0) return false;
      }
      batchSize += 1;
      return true;
    });
    if (batch.length === 0) return false;
    this.#send(slot, batch);
    return true;
  }

  #eligible(job: PoolJob, slot: Slot): boolean {
    const { where } = job.options;
    if (where && !this.#matches(where, slot)) return false;
    if (job.failedOn?.has(slot.id)) {
      // Prefer a worker that has not failed this task, while one that could take it exists.
      for (const other of this.#slots.values()) {
        if (other.state !== 'dead' && !job.failedOn.has(other.id) && (!where || this.#matches(where, other))) return false;
      }
    }
    return true;
  }

  #matches(where: (worker: WorkerInfo) => boolean, slot: Slot): boolean {
    try {
      return where(slot.info()) === true;
    } catch {
      return false;
    }
  }

  #send(slot: Slot, batch: PoolJob[]): void {
    const count = batch.length;
    const nums = new Float64Array(count);
    const firstDef = batch[0]!.defId;
    let defIds: number[] | number = firstDef;
    let single: unknown[] | undefined = [];
    let defs: Array<[number, TaskSpec]> | undefined;
    for (let i = 0; i < count; i += 1) {
      const job = batch[i]!;
      nums[i] = job.num;
      if (job.defId !== firstDef && typeof defIds === 'number') defIds = batch.map((j) => j.defId);
      if (single && job.args.length === 1) single.push(job.args[0]);
      else single = undefined;
      if (!slot.knownDefs.has(job.defId) && !defs?.some(([id]) => id === job.defId)) (defs ??= []).push([job.defId, this.#specs[job.defId]!]);
    }
    try {
      slot.handle.sendTasks(
        { nums, defIds, defs, single, args: single ? undefined : batch.map((job) => job.args) },
        count === 1 ? batch[0]!.options.transfer : undefined,
      );
    } catch (error) {
      if (count > 1) {
        for (const job of batch) this.#send(slot, [job]); // find the task that cannot be sent
      } else {
        const job = batch[0]!;
        const where = findUncloneable(job.args) ?? (error as Error).message;
        job.fail(new TaskDefinitionError(
          `Task ${job.id} cannot be sent to a worker: ${where}. Arguments must be structured-cloneable (no functions, symbols, class instances with private state, streams...).`,
          { cause: error },
        ), this.#stats);
      }
      return;
    }
    if (defs) for (const [id] of defs) slot.knownDefs.add(id);
    if (slot.idle) slot.lastProgressAt = performance.now();
    const startedAt = now();
    for (const job of batch) {
      job.slot = slot;
      job.start(slot.id, this.#stats, startedAt);
      slot.inflight.push(job);
      slot.assigned += 1;
      const { timeout } = job.options;
      if (timeout !== undefined) {
        slot.exclusive = true;
        job.timer = setTimeout(() => {
          job.timer = undefined;
          this.#stopRunning(job, new TaskTimeoutError(`Task ${job.id} timed out after ${timeout} ms`, { timeout }));
        }, timeout);
      } else if (job.options.transfer) {
        slot.exclusive = true;
      }
    }
  }

  /** Lets an idle worker take the unstarted tasks of a worker stuck on a slow one (threads only). */
  #maybeSteal(): void {
    if (this.#queue.size > 0 || this.#stealTimer) return;
    let idle = false;
    let holder: Slot | undefined;
    for (const slot of this.#slots.values()) {
      if (slot.open && slot.idle) idle = true;
      else if (slot.state === 'ready' && slot.inflight.length > 1 && slot.handle.startedCount() !== undefined) holder ??= slot;
    }
    if (!idle || !holder) return;
    const waited = performance.now() - holder.lastProgressAt;
    if (waited >= STEAL_AFTER_MS) {
      const count = holder.handle.reclaimUnstarted();
      this.#requeue(holder.inflight.splice(holder.inflight.length - count, count));
      if (count > 0) this.#schedulePump();
      return;
    }
    this.#stealTimer = setTimeout(() => {
      this.#stealTimer = undefined;
      this.#maybeSteal();
    }, Math.max(1, STEAL_AFTER_MS - waited));
    this.#stealTimer.unref();
  }

  /** Puts tasks that never started back at the front of the queue, in their order. */
  #requeue(jobs: PoolJob[]): void {
    for (let i = jobs.length - 1; i >= 0; i -= 1) {
      const job = jobs[i]!;
      clearTimeout(job.timer);
      job.timer = undefined;
      job.slot = undefined;
      job.attempts -= 1;
      job.phase = 'queued';
      job._markPending();
      this.#queue.pushFront(job, job.options.priority ?? 0);
    }
  }

  // ---- results -----------------------------------------------------------------------------

  #onResults(slot: Slot, message: ResultsMessage): void {
    slot.lastProgressAt = performance.now();
    if (message.memory !== undefined) slot.memory = message.memory;
    const { meta, values, failed } = message;
    let nextFailed = failed?.[0] ?? -1;
    let failedAt = 0;
    for (let i = 0; i < values.length; i += 1) {
      const num = meta[i * 3]!;
      const startedAt = meta[i * 3 + 1]!;
      const finishedAt = meta[i * 3 + 2]!;
      const ok = i !== nextFailed;
      if (!ok) nextFailed = failed![++failedAt] ?? -1;
      if (slot.abandoned.delete(num)) {
        if (slot.abandoned.size === 0 && slot.stopping === undefined) clearTimeout(slot.killTimer);
        continue;
      }
      let job = slot.inflight[0];
      if (job?.num === num) slot.inflight.shift();
      else {
        job = slot.inflight.find((j) => j.num === num);
        if (!job) continue;
        slot.removeInflight(job);
      }
      this.#sizer.observe(job.defId, finishedAt - startedAt);
      job.startedAt = startedAt;
      job.slot = undefined;
      if (ok) {
        slot.done += 1;
        job.succeed(values[i], this.#stats, finishedAt);
      } else {
        slot.failed += 1;
        this.#failAttempt(job, slot, deserializeError(values[i] as never), finishedAt);
      }
    }
    if (slot.exclusive && slot.idle) slot.exclusive = false;
    this.#maybeRecycle(slot);
    this.#schedulePump();
  }

  #maybeRecycle(slot: Slot): void {
    if (slot.state === 'retiring') {
      if (slot.idle) this.#close(slot); // it reached its limit while it still held tasks
      return;
    }
    if (slot.state !== 'ready') return;
    const limitMb = this.#options.recycleAboveMemoryMb;
    const spent = slot.assigned >= this.#options.maxTasksPerWorker;
    const bloated = limitMb !== undefined && slot.memory > limitMb * 1024 * 1024;
    if (!spent && !bloated) return;
    slot.state = 'retiring';
    if (slot.idle) this.#close(slot);
  }

  /** An attempt failed: retry it after its backoff, or settle it with the error. */
  #failAttempt(job: PoolJob, slot: Slot, error: Error, finishedAt = now()): void {
    clearTimeout(job.timer);
    job.timer = undefined;
    job.slot = undefined;
    const delay = this.#broken ? undefined : retryDelay(job.options.retry, job.attempts, error);
    if (delay === undefined) {
      job.fail(error, this.#stats, finishedAt);
    } else {
      job.awaitRetry(this.#stats, finishedAt);
      (job.failedOn ??= new Set()).add(slot.id);
      this.#backoff.add(job);
      job.timer = setTimeout(() => {
        job.timer = undefined;
        this.#backoff.delete(job);
        job.phase = 'queued';
        this.#queue.push(job, job.options.priority ?? 0);
        this.#schedulePump();
      }, delay);
    }
    if (slot.state === 'retiring' && slot.idle) this.#close(slot);
  }

  // ---- cancel, timeout, shutdown -----------------------------------------------------------

  /** @internal */
  cancelJob(job: Job, error: CancelledError): boolean {
    return this.#cancel(job as PoolJob, error);
  }

  #cancel(job: PoolJob, error: Error): boolean {
    switch (job.phase) {
      case 'queued':
        this.#queue.forget();
        job.fail(error, this.#stats);
        this.#checkDrained();
        return true;
      case 'backoff':
        this.#backoff.delete(job);
        job.fail(error, this.#stats);
        this.#checkDrained();
        return true;
      case 'running':
        this.#stopRunning(job, error);
        return true;
      default:
        return false;
    }
  }

  /**
   * Stops a task that a worker holds: a thread gives it back if it has not started; otherwise its
   * signal is aborted and, if it is still running after `abortGraceMs`, the worker is killed.
   */
  #stopRunning(job: PoolJob, error: Error): void {
    const slot = job.slot;
    if (!slot) return;
    const reclaimed = slot.handle.reclaimUnstarted();
    if (reclaimed > 0) {
      const taken = slot.inflight.splice(slot.inflight.length - reclaimed, reclaimed);
      const mine = taken.indexOf(job);
      if (mine >= 0) {
        taken.splice(mine, 1);
        this.#requeue(taken);
        job.attempts -= 1;
        job.slot = undefined;
        job.fail(error, this.#stats);
        this.#schedulePump();
        return;
      }
      this.#requeue(taken);
    }
    // A thread that kept the task has started it. A child process runs its tasks in order, so one
    // behind the first has not started: the worker skips it, and nothing is killed for it.
    const started = slot.handle.startedCount() !== undefined || slot.inflight[0] === job;
    slot.removeInflight(job);
    slot.abandoned.add(job.num);
    slot.handle.send({ t: 'abort', num: job.num, reason: serializeError(error) });
    if (started) {
      clearTimeout(slot.killTimer);
      slot.killTimer = setTimeout(() => this.#kill(slot), this.#options.abortGraceMs);
      slot.killTimer.unref();
    }
    if (error instanceof CancelledError) job.fail(error, this.#stats);
    else this.#failAttempt(job, slot, error);
    this.#schedulePump();
  }

  #cancelWaiting(): void {
    for (const job of [...this.#queue.drain(), ...this.#backoff]) {
      job.fail(new CancelledError(`Task ${job.id} cancelled: the executor shut down`), this.#stats);
    }
    this.#backoff.clear();
  }

  /** During shutdown: once no work is left, close the workers; once they are gone, resolve. */
  #checkDrained(): void {
    if (!this.#closing || !this.#drained) return;
    let busy = false;
    let starting = false;
    for (const slot of this.#slots.values()) {
      if (!slot.idle) busy = true;
      if (slot.state === 'starting' && slot.stopping === undefined) starting = true;
    }
    if (this.#queue.size > 0 && !busy && !starting && !this.#pumpScheduled && this.#backoff.size === 0) {
      // Nothing runs and nothing can start: what is left fits no worker there is.
      for (const job of this.#queue.drain()) {
        job.fail(new PlacementError(`Task ${job.id} fits no worker (its 'where' rejects them all) and the executor is shutting down`), this.#stats);
      }
    }
    if (this.#queue.size > 0 || this.#backoff.size > 0 || busy) return;
    for (const slot of this.#slots.values()) {
      if (slot.state === 'starting') this.#kill(slot);
      else this.#close(slot);
    }
    if (this.#slots.size === 0) {
      clearTimeout(this.#stealTimer);
      const drained = this.#drained;
      this.#drained = undefined;
      drained();
    }
  }
}
