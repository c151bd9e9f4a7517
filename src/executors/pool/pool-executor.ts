import { availableParallelism } from 'node:os';
import { deserializeError, serializeError } from '../../core/error-codec.js';
import {
  CancelledError, PlacementError, TaskDefinitionError, TaskTimeoutError, ValidationError, WorkerCrashedError,
  WorkerStartError,
} from '../../core/errors.js';
import { now } from '../../core/ids.js';
import { findUncloneable } from '../../task/clone-check.js';
import { taskDefinition } from '../../task/definition.js';
import type { TaskSpec } from '../../task/spec.js';
import { BaseExecutor } from '../base.js';
import { nonNegative, positiveInteger } from '../options.js';
import type { ShutdownOptions, SubmitOptions, WorkerInfo } from '../types.js';
import type { SpawnOptions, WorkerExit, WorkerHandle } from '../runtime/handle.js';
import { readResults, type CommMessage, type FromWorker, type ResultsMessage } from '../runtime/protocol.js';
import { deliverComm } from '../messages.js';
import { tsxApiUrl } from '../runtime/tsx.js';
import { BatchSizer } from './batching.js';
import { dispatchByPolicy, dispatchCustom, dispatchLeastLoad, encodeBatch, type DispatchView } from './dispatch.js';
import { PoolJob } from './pool-job.js';
import type { PoolOptions } from './pool-options.js';
import { isPlacementPolicy, type PlacementPolicy } from './placement.js';
import { describeExit, exitReason, Slot } from './slot.js';

/** An idle worker takes the unstarted tasks of one that has shown no progress for this long. */
const STEAL_AFTER_MS = 2;

/**
 * The pool core shared by threads and processes: placement, adaptive batching, timeouts that kill,
 * crash recovery, recycling and work stealing, on top of the job lifecycle of {@link BaseExecutor}.
 * A runtime only supplies `spawn`.
 */
export abstract class PoolExecutor extends BaseExecutor<PoolJob> {
  readonly #spawnHandle: (options: SpawnOptions) => WorkerHandle;
  readonly #options: Required<Pick<PoolOptions, 'abortGraceMs' | 'killGraceMs' | 'maxBootFailures' | 'maxTasksPerWorker' | 'idleSpinMicros'>> & PoolOptions;
  readonly #slots = new Map<string, Slot>();
  readonly #sizer = new BatchSizer();
  readonly #view: DispatchView;
  /** Definitions by task object (a function or a reference object, read once), by spec key. */
  readonly #defsByTask = new WeakMap<object, number>();
  readonly #defsByKey = new Map<string, number>();
  readonly #specs: TaskSpec[] = [];
  /** Properties by worker index, so that a replacement worker keeps what `setWorkerProperties` set. */
  readonly #properties: Array<Record<string, unknown>> = [];
  readonly #placement: PlacementPolicy;
  #assignSeq = 0;
  #nextNum = 0;
  #spawned = 0;
  #bootFailures = 0;
  #broken: WorkerStartError | undefined;
  #pumpScheduled = false;
  #stealTimer: NodeJS.Timeout | undefined;
  /** Whether the workers keep the program alive: only while there is work. */
  #referenced = true;

  constructor(spawn: (options: SpawnOptions) => WorkerHandle, options: PoolOptions = {}) {
    super();
    this.#spawnHandle = spawn;
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
    this.#view = { queue: this.queue, sizer: this.#sizer, slots: this.#slots, maxTasksPerWorker: this.#options.maxTasksPerWorker };
    for (let index = 0; index < size; index += 1) this.#spawn(index);
  }

  workers(): WorkerInfo[] {
    return [...this.#slots.values()].map((slot) => slot.info());
  }

  setWorkerProperties(workerId: string, properties: Record<string, unknown>): void {
    const slot = this.#slots.get(workerId);
    if (!slot) throw new ValidationError(`No worker '${workerId}'; workers are: ${[...this.#slots.keys()].join(', ')}`);
    slot.properties = { ...properties };
    this.#properties[slot.index] = slot.properties;
    this.wake();
  }

  override shutdown(options?: ShutdownOptions): Promise<void> {
    const done = super.shutdown(options);
    this.#updateRef(); // the workers must keep the program alive until they are gone
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
      this.#kill(slot);
    }
  }

  protected finishShutdown(): boolean {
    for (const slot of this.#slots.values()) if (!slot.idle) return false;
    for (const slot of this.#slots.values()) {
      if (slot.state === 'starting') this.#kill(slot);
      else this.#close(slot);
    }
    if (this.#slots.size > 0) return false;
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
      slot.killTimer = setTimeout(() => this.#kill(slot), this.#options.abortGraceMs);
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

  #spawn(index: number): void {
    this.#spawned += 1;
    const id = `w${this.#spawned}`;
    const { properties, maxHeapMb, recycleAboveMemoryMb, preload } = this.#options;
    const props = (this.#properties[index] ??= typeof properties === 'function' ? { ...properties(index) } : { ...properties });
    let handle: WorkerHandle;
    try {
      handle = this.#spawnHandle({
        boot: { workerId: this.#options.taskWorkerId ?? id, reportMemory: recycleAboveMemoryMb !== undefined, tsxApi: tsxApiUrl(), preload, idleSpinMicros: this.#options.idleSpinMicros },
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
      if (Array.isArray(message)) this.#onResults(slot, message);
      else if (message.t === 'ready') this.#onReady(slot);
      else if (message.t === 'comm') this.#onComm(slot, message);
      else slot.dying = { error: message.error && deserializeError(message.error) };
    });
    handle.onExit((exit) => this.#onExit(slot, exit));
  }

  #onReady(slot: Slot): void {
    if (slot.state !== 'starting') return;
    slot.state = 'ready';
    this.#bootFailures = 0;
    this.wake();
  }

  #bootFailed(index: number, reason: string, cause: unknown): void {
    this.#bootFailures += 1;
    if (this.#bootFailures >= this.#options.maxBootFailures) {
      this.#broken = new WorkerStartError(`Workers fail to start (${this.#bootFailures} times in a row); the last one ${reason}`, { cause });
      for (const job of [...this.queue.drain(), ...this.backoff]) job.fail(this.#broken, this.recorder);
      this.backoff.clear();
    } else if (!this.closed) {
      this.#spawn(index);
    }
  }

  #onExit(slot: Slot, exit: WorkerExit): void {
    const wasStarting = slot.state === 'starting';
    slot.state = 'dead';
    clearTimeout(slot.killTimer);
    this.#slots.delete(slot.id);
    const { victims, unstarted } = slot.releaseHeld();
    this.#requeue(unstarted);
    const cause = exit.error ?? slot.dying?.error;
    const description = describeExit({ ...exit, error: cause });
    for (const job of victims) {
      const error = new WorkerCrashedError(`Worker ${slot.id} ${description} while running task ${job.id}`, {
        workerId: slot.id, exitCode: exit.code, signal: exit.signal, cause, reason: exitReason({ ...exit, error: cause }),
      });
      this.failAttempt(job, error, slot.id);
    }
    const moreWork = this.queue.size > 0 || this.backoff.size > 0;
    if (wasStarting && slot.stopping === undefined) this.#bootFailed(slot.index, description, cause);
    else if (!this.closed || moreWork) this.#spawn(slot.index);
    this.wake();
    this.checkDrained();
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
    this.#updateRef();
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

  /**
   * An idle pool must not keep the program alive (a forgotten shutdown would hang it), and a busy
   * one must, or the program could end while a caller still awaits a result.
   */
  #updateRef(): void {
    let busy = this.queue.size > 0 || this.backoff.size > 0 || this.closed;
    if (!busy) for (const slot of this.#slots.values()) if (!slot.idle) busy = true;
    if (busy === this.#referenced) return;
    this.#referenced = busy;
    for (const slot of this.#slots.values()) slot.handle.setRef(busy);
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
    this.#maybeRecycle(slot);
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
}

/** A worker runs its tasks in order: the first it holds is the one running. */
function markHeadRunning(slot: Slot): void {
  const head = slot.inflight[0];
  if (head?.state === 'pending') head._markRunning();
}
