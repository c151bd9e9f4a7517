import { availableParallelism } from 'node:os';
import { deserializeError, serializeError } from '../../core/error-codec.js';
import {
  CancelledError, PlacementError, TaskDefinitionError, TaskTimeoutError, ValidationError, WorkerStartError,
} from '../../core/errors.js';
import { now } from '../../core/ids.js';
import { findUncloneable } from '../../task/clone-check.js';
import { taskDefinition } from '../../task/definition.js';
import type { TaskSpec } from '../../task/spec.js';
import { BaseExecutor } from '../base.js';
import { nonNegative, positiveInteger } from '../options.js';
import type { ShutdownOptions, SubmitOptions, WorkerInfo } from '../types.js';
import type { SpawnOptions, WorkerHandle } from '../runtime/handle.js';
import { readResults, type CommMessage, type FromWorker, type ResultsMessage } from '../runtime/protocol.js';
import { deliverComm } from '../messages.js';
import { BatchSizer } from './batching.js';
import { dispatchByPolicy, dispatchCustom, dispatchLeastLoad, encodeBatch, type DispatchView } from './dispatch.js';
import { PoolJob } from './pool-job.js';
import type { PoolOptions } from './pool-options.js';
import { isPlacementPolicy, type PlacementPolicy } from './placement.js';
import type { Slot } from './slot.js';
import { WorkerSet, type ResolvedPoolOptions } from './workers.js';

/** An idle worker takes the unstarted tasks of one that has shown no progress for this long. */
const STEAL_AFTER_MS = 2;

/**
 * The pool core shared by threads and processes: placement, adaptive batching, timeouts that kill,
 * crash recovery, recycling and work stealing, on top of the job lifecycle of {@link BaseExecutor}.
 * A runtime only supplies `spawn`. The workers' lifecycle (spawn, crashes, replacement, recycling,
 * shutdown) is in {@link WorkerSet}; this class dispatches tasks to them and handles their messages.
 */
export abstract class PoolExecutor extends BaseExecutor<PoolJob> {
  readonly #options: ResolvedPoolOptions;
  readonly #workers: WorkerSet;
  /** The workers' slots, by id: {@link WorkerSet.slots}, read here without a call. */
  readonly #slots: ReadonlyMap<string, Slot>;
  readonly #sizer = new BatchSizer();
  readonly #view: DispatchView;
  /** Definitions by task object (a function or a reference object, read once), by spec key. */
  readonly #defsByTask = new WeakMap<object, number>();
  readonly #defsByKey = new Map<string, number>();
  readonly #specs: TaskSpec[] = [];
  readonly #placement: PlacementPolicy;
  #assignSeq = 0;
  #nextNum = 0;
  /** Set once workers fail to start `maxBootFailures` times in a row: every task fails with it. */
  #broken: WorkerStartError | undefined;
  #pumpScheduled = false;
  #stealTimer: NodeJS.Timeout | undefined;

  constructor(spawn: (options: SpawnOptions) => WorkerHandle, options: PoolOptions = {}) {
    super();
    const size = positiveInteger('workers', options.workers, availableParallelism());
    this.#options = {
      ...options,
      abortGraceMs: options.abortGraceMs ?? 100,
      killGraceMs: options.killGraceMs ?? 1000,
      maxBootFailures: positiveInteger('maxBootFailures', options.maxBootFailures, 3),
      idleSpinMicros: nonNegative('idleSpinMicros', options.idleSpinMicros, 50),
      maxTasksPerWorker: options.maxTasksPerWorker === undefined ? Infinity : positiveInteger('maxTasksPerWorker', options.maxTasksPerWorker, Infinity),
    };
    const placement = options.placement ?? 'least-load';
    if (!isPlacementPolicy(placement)) {
      throw new ValidationError(`Invalid option 'placement': expected 'least-load', 'round-robin', 'random', 'weighted' or a function, got ${String(placement)}`);
    }
    this.#placement = placement;
    this.#workers = new WorkerSet(spawn, this.#options, {
      listen: (slot) => this.#listen(slot),
      closed: () => this.closed,
      waiting: () => this.queue.size > 0 || this.backoff.size > 0,
      requeue: (jobs) => this.#requeue(jobs),
      failAttempt: (job, error, workerId) => this.failAttempt(job, error, workerId),
      broken: (error) => this.#break(error),
      wake: () => this.wake(),
      checkDrained: () => this.checkDrained(),
    });
    this.#slots = this.#workers.slots;
    this.#view = { queue: this.queue, sizer: this.#sizer, slots: this.#slots, maxTasksPerWorker: this.#options.maxTasksPerWorker };
    this.#workers.start(size);
  }

  workers(): WorkerInfo[] {
    return this.#workers.info();
  }

  setWorkerProperties(workerId: string, properties: Record<string, unknown>): void {
    this.#workers.setProperties(workerId, properties);
    this.wake();
  }

  override shutdown(options?: ShutdownOptions): Promise<void> {
    const done = super.shutdown(options);
    this.#workers.updateRef(true); // the workers must keep the program alive until they are gone
    return done;
  }

  // ---- the job lifecycle's hooks -----------------------------------------------------------

  protected createJob(task: unknown, args: unknown[], options: SubmitOptions): PoolJob {
    const defId = this.#defIdOf(task);
    const job = new PoolJob(args, options, this);
    job.defId = defId;
    job.num = this.#nextNum++;
    return job;
  }

  protected override refuse(): Error | undefined {
    return this.#broken;
  }

  protected wake(): void {
    if (this.#pumpScheduled) return;
    this.#pumpScheduled = true;
    // A microtask later, so that a synchronous burst of submits is batched together.
    queueMicrotask(() => this.#pump());
  }

  protected runningCount(): number {
    let running = 0;
    for (const slot of this.#slots.values()) running += slot.inflight.length;
    return running;
  }

  protected stopAll(error: (job: PoolJob) => CancelledError): void {
    for (const slot of this.#slots.values()) {
      for (const job of slot.inflight.splice(0)) job.fail(error(job), this.recorder);
      this.#workers.kill(slot);
    }
  }

  protected finishShutdown(): boolean {
    if (!this.#workers.stopIdle()) return false;
    clearTimeout(this.#stealTimer);
    return true;
  }

  protected override failAttempt(job: PoolJob, error: Error, workerId: string | undefined, finishedAt = now()): void {
    job.slot = undefined;
    if (this.#broken) job.fail(error, this.recorder, finishedAt);
    else super.failAttempt(job, error, workerId, finishedAt);
  }

  /**
   * Stops a task that a worker holds: a thread gives it back if it has not started; otherwise its
   * signal is aborted and, if it is still running after `abortGraceMs`, the worker is killed.
   */
  protected stopRunning(job: PoolJob, error: Error): void {
    const slot = job.slot;
    if (!slot) return;
    const reclaimed = slot.handle.reclaimUnstarted();
    if (reclaimed > 0) {
      const taken = slot.inflight.splice(slot.inflight.length - reclaimed, reclaimed);
      const mine = taken.indexOf(job);
      if (mine >= 0) taken.splice(mine, 1);
      this.#requeue(taken);
      if (mine >= 0) {
        job.attempts -= 1;
        job.slot = undefined;
        job.fail(error, this.recorder);
        this.wake();
        return;
      }
    }
    // A thread that kept the task has started it. A child process runs its tasks in order, so one
    // behind the first has not started: the worker skips it, and nothing is killed for it.
    const started = slot.handle.startedCount() !== undefined || slot.inflight[0] === job;
    slot.removeInflight(job);
    markHeadRunning(slot);
    slot.abandoned.add(job.num);
    slot.handle.send({ t: 'abort', num: job.num, reason: serializeError(error) });
    if (started) {
      clearTimeout(slot.killTimer);
      slot.killTimer = setTimeout(() => this.#workers.kill(slot), this.#options.abortGraceMs);
      slot.killTimer.unref();
    }
    this.failAttempt(job, error, slot.id);
    this.wake();
  }

  // ---- definitions -------------------------------------------------------------------------

  #defIdOf(task: unknown): number {
    const cacheable = typeof task === 'function' || (typeof task === 'object' && task !== null);
    if (cacheable) {
      const known = this.#defsByTask.get(task);
      if (known !== undefined) return known;
    }
    const { spec, key } = taskDefinition(task);
    let id = this.#defsByKey.get(key);
    if (id === undefined) {
      id = this.#specs.push(spec) - 1;
      this.#defsByKey.set(key, id);
    }
    if (cacheable) this.#defsByTask.set(task, id);
    return id;
  }

  // ---- workers -----------------------------------------------------------------------------

  /** Routes a new worker's messages: results and comm messages here, readiness to its lifecycle. */
  #listen(slot: Slot): void {
    slot.handle.onMessage((message: FromWorker) => {
      if (Array.isArray(message)) this.#onResults(slot, message);
      else if (message.t === 'ready') this.#workers.ready(slot);
      else if (message.t === 'comm') this.#onComm(slot, message);
      else slot.dying = { error: message.error && deserializeError(message.error) };
    });
  }

  /** Workers fail to start: new tasks are refused, and those waiting fail. */
  #break(error: WorkerStartError): void {
    this.#broken = error;
    for (const job of [...this.queue.drain(), ...this.backoff]) job.fail(error, this.recorder);
    this.backoff.clear();
  }

  // ---- dispatch ----------------------------------------------------------------------------

  #pump(): void {
    this.#pumpScheduled = false;
    if (this.queue.size > 0) {
      const open = [...this.#slots.values()].filter((slot) => slot.open);
      const send = (slot: Slot, batch: PoolJob[]): void => this.#send(slot, batch);
      const placement = this.#placement;
      if (placement === 'least-load') dispatchLeastLoad(this.#view, open, send);
      else if (typeof placement === 'function') dispatchCustom(this.#view, placement, open, send, (job, error) => job.fail(error, this.recorder));
      else dispatchByPolicy(this.#view, placement, open, send);
    }
    this.#maybeSteal();
    this.#workers.updateRef(this.queue.size > 0 || this.backoff.size > 0 || this.closed);
    if (this.shuttingDown) this.#failUnplaceable();
    this.checkDrained();
  }

  #send(slot: Slot, batch: PoolJob[]): void {
    try {
      slot.handle.sendTasks(encodeBatch(batch, slot, this.#specs), batch.length === 1 ? batch[0]!.options.transfer : undefined);
    } catch (error) {
      if (batch.length > 1) {
        for (const job of batch) this.#send(slot, [job]); // find the task that cannot be sent
      } else {
        const job = batch[0]!;
        const where = findUncloneable(job.args) ?? (error as Error).message;
        job.fail(new TaskDefinitionError(
          `Task ${job.id} cannot be sent to a worker: ${where}. Arguments must be structured-cloneable (no functions, symbols, class instances with private state, streams...).`,
          { cause: error },
        ), this.recorder);
      }
      return;
    }
    for (const job of batch) slot.knownDefs.add(job.defId);
    if (slot.idle) slot.lastProgressAt = performance.now();
    slot.lastAssignedSeq = ++this.#assignSeq;
    const startedAt = now();
    for (const job of batch) {
      job.slot = slot;
      job.start(slot.id, this.recorder, startedAt, slot.inflight.length === 0);
      slot.inflight.push(job);
      slot.assigned += 1;
      const { timeout } = job.options;
      if (timeout !== undefined) {
        job.timer = setTimeout(() => {
          job.timer = undefined;
          this.stopRunning(job, new TaskTimeoutError(`Task ${job.id} timed out after ${timeout} ms`, { timeout }));
        }, timeout);
      }
      if (job.exclusive) slot.exclusive = true;
    }
  }

  /** Lets an idle worker take the unstarted tasks of a worker stuck on a slow one (threads only). */
  #maybeSteal(): void {
    if (this.queue.size > 0 || this.#stealTimer) return;
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
      if (count > 0) this.wake();
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
      this.queue.pushFront(job, job.options.priority ?? 0);
    }
  }

  /** During shutdown, tasks that fit no worker there is would wait forever: fail them. */
  #failUnplaceable(): void {
    if (this.queue.size === 0 || this.backoff.size > 0 || this.#pumpScheduled) return;
    for (const slot of this.#slots.values()) {
      if (!slot.idle || (slot.state === 'starting' && slot.stopping === undefined)) return;
    }
    for (const job of this.queue.drain()) {
      job.fail(new PlacementError(`Task ${job.id} fits no worker (its 'where' rejects them all) and the executor is shutting down`), this.recorder);
    }
  }

  // ---- results -----------------------------------------------------------------------------

  #onResults(slot: Slot, message: ResultsMessage): void {
    slot.lastProgressAt = performance.now();
    const memory = readResults(message, (num, ok, startedAt, finishedAt, value) => {
      if (slot.abandoned.delete(num)) {
        if (slot.abandoned.size === 0 && slot.stopping === undefined) clearTimeout(slot.killTimer);
        return;
      }
      let job = slot.inflight[0];
      if (job?.num === num) slot.inflight.shift();
      else {
        job = slot.inflight.find((j) => j.num === num);
        if (!job) return;
        slot.removeInflight(job);
      }
      this.#sizer.observe(job.defId, finishedAt - startedAt);
      job.startedAt = startedAt;
      job.slot = undefined;
      if (ok) {
        slot.done += 1;
        job.succeed(value, this.recorder, finishedAt);
      } else {
        slot.failed += 1;
        this.failAttempt(job, deserializeError(value as never), slot.id, finishedAt);
      }
    });
    if (memory !== undefined) slot.memory = memory;
    markHeadRunning(slot);
    if (slot.exclusive && slot.idle) slot.exclusive = false;
    this.#workers.maybeRecycle(slot);
    this.wake();
  }

  /** A running task's message or request: to its `messages` handler; a request gets a reply. */
  #onComm(slot: Slot, { num, id, payload }: CommMessage): void {
    const job = slot.inflight.find((j) => j.num === num);
    const reply = (ok: boolean, value: unknown): void => {
      if (id !== undefined) slot.handle.send({ t: 'reply', id, ok, payload: ok ? value : serializeError(value) });
    };
    deliverComm(job?.options.messages, id !== undefined, payload, reply);
  }
}

/** A worker runs its tasks in order: the first it holds is the one running. */
function markHeadRunning(slot: Slot): void {
  const head = slot.inflight[0];
  if (head?.state === 'pending') head._markRunning();
}
