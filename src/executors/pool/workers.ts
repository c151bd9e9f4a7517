import { ValidationError, WorkerCrashedError, WorkerStartError } from '../../core/errors.js';
import type { SpawnOptions, WorkerExit, WorkerHandle } from '../runtime/handle.js';
import { tsxApiUrl } from '../runtime/tsx.js';
import type { WorkerInfo } from '../types.js';
import type { PoolJob } from './pool-job.js';
import type { PoolOptions } from './pool-options.js';
import { describeExit, exitReason, Slot } from './slot.js';

/** The pool's options, with the defaults filled in by the pool's constructor. */
export type ResolvedPoolOptions = Required<Pick<PoolOptions, 'abortGraceMs' | 'killGraceMs' | 'maxBootFailures' | 'maxTasksPerWorker' | 'idleSpinMicros'>> & PoolOptions;

/** What the workers' lifecycle needs from the pool it serves. Called on worker events, never per task. */
export interface WorkerHost {
  /** Routes a new worker's messages (results, comm, ready, dying) to the pool. */
  listen(slot: Slot): void;
  /** Whether the pool is shut down (it takes no more tasks). */
  closed(): boolean;
  /** Whether tasks wait in the queue or for a retry. */
  waiting(): boolean;
  /** Puts tasks that never started back at the front of the queue, in their order. */
  requeue(jobs: PoolJob[]): void;
  /** An attempt of a task a dead worker held failed: retry it or settle it. */
  failAttempt(job: PoolJob, error: Error, workerId: string): void;
  /** Workers fail to start: the pool refuses new tasks and fails those waiting with `error`. */
  broken(error: WorkerStartError): void;
  /** A worker became ready, or work may move on: dispatch. */
  wake(): void;
  /** During shutdown, the pool may be done now. */
  checkDrained(): void;
}

/**
 * The workers' lifecycle: spawning, boot failures, crashes and their replacement, recycling,
 * closing and killing, and whether the workers keep the program alive. The pool dispatches to the
 * slots it reads in {@link WorkerSet.slots}; only this set adds and removes them.
 */
export class WorkerSet {
  readonly #spawnHandle: (options: SpawnOptions) => WorkerHandle;
  readonly #options: ResolvedPoolOptions;
  readonly #host: WorkerHost;
  readonly #slots = new Map<string, Slot>();
  /** Properties by worker index, so that a replacement worker keeps what `setWorkerProperties` set. */
  readonly #properties: Array<Record<string, unknown>> = [];
  #spawned = 0;
  #bootFailures = 0;
  /** Whether the workers keep the program alive: only while there is work. */
  #referenced = true;

  constructor(spawn: (options: SpawnOptions) => WorkerHandle, options: ResolvedPoolOptions, host: WorkerHost) {
    this.#spawnHandle = spawn;
    this.#options = options;
    this.#host = host;
  }

  /** The live workers, by id. */
  get slots(): ReadonlyMap<string, Slot> {
    return this.#slots;
  }

  /** Starts workers `0` to `size - 1`. */
  start(size: number): void {
    for (let index = 0; index < size; index += 1) this.#spawn(index);
  }

  info(): WorkerInfo[] {
    return [...this.#slots.values()].map((slot) => slot.info());
  }

  setProperties(workerId: string, properties: Record<string, unknown>): void {
    const slot = this.#slots.get(workerId);
    if (!slot) throw new ValidationError(`No worker '${workerId}'; workers are: ${[...this.#slots.keys()].join(', ')}`);
    slot.properties = { ...properties };
    this.#properties[slot.index] = slot.properties;
  }

  /** The worker said it is ready for tasks. */
  ready(slot: Slot): void {
    if (slot.state !== 'starting') return;
    slot.state = 'ready';
    this.#bootFailures = 0;
    this.#host.wake();
  }

  /** Stops a worker now (its running task is lost: callers settle it first). */
  kill(slot: Slot): void {
    if (slot.state === 'dead' || slot.stopping === 'kill') return;
    slot.stopping = 'kill';
    clearTimeout(slot.killTimer);
    slot.handle.kill(this.#options.killGraceMs);
  }

  /** During shutdown: once no worker holds a task, stops them all; true when none is left. */
  stopIdle(): boolean {
    for (const slot of this.#slots.values()) if (!slot.idle) return false;
    for (const slot of this.#slots.values()) {
      if (slot.state === 'starting') this.kill(slot);
      else this.#close(slot);
    }
    return this.#slots.size === 0;
  }

  /** After a worker's results: replaces it, once idle, if it ran its share of tasks or grew too large. */
  maybeRecycle(slot: Slot): void {
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

  /**
   * An idle pool must not keep the program alive (a forgotten shutdown would hang it), and a busy
   * one must, or the program could end while a caller still awaits a result. `pending`: the pool
   * has tasks that no worker holds yet, or is shutting down.
   */
  updateRef(pending: boolean): void {
    let busy = pending;
    if (!busy) for (const slot of this.#slots.values()) if (!slot.idle) busy = true;
    if (busy === this.#referenced) return;
    this.#referenced = busy;
    for (const slot of this.#slots.values()) slot.handle.setRef(busy);
  }

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
    this.#host.listen(slot);
    handle.onExit((exit) => this.#onExit(slot, exit));
  }

  #bootFailed(index: number, reason: string, cause: unknown): void {
    this.#bootFailures += 1;
    if (this.#bootFailures >= this.#options.maxBootFailures) {
      this.#host.broken(new WorkerStartError(`Workers fail to start (${this.#bootFailures} times in a row); the last one ${reason}`, { cause }));
    } else if (!this.#host.closed()) {
      this.#spawn(index);
    }
  }

  #onExit(slot: Slot, exit: WorkerExit): void {
    const host = this.#host;
    const wasStarting = slot.state === 'starting';
    slot.state = 'dead';
    clearTimeout(slot.killTimer);
    this.#slots.delete(slot.id);
    const { victims, unstarted } = slot.releaseHeld();
    host.requeue(unstarted);
    const cause = exit.error ?? slot.dying?.error;
    const description = describeExit({ ...exit, error: cause });
    for (const job of victims) {
      const error = new WorkerCrashedError(`Worker ${slot.id} ${description} while running task ${job.id}`, {
        workerId: slot.id, exitCode: exit.code, signal: exit.signal, cause, reason: exitReason({ ...exit, error: cause }),
      });
      host.failAttempt(job, error, slot.id);
    }
    const moreWork = host.waiting();
    if (wasStarting && slot.stopping === undefined) this.#bootFailed(slot.index, description, cause);
    else if (!host.closed() || moreWork) this.#spawn(slot.index);
    host.wake();
    host.checkDrained();
  }

  /** Asks an idle worker to leave, and kills it if it does not. */
  #close(slot: Slot): void {
    if (slot.state === 'dead' || slot.stopping) return;
    slot.stopping = 'retire';
    slot.state = 'retiring';
    slot.handle.send({ t: 'close' });
    slot.killTimer = setTimeout(() => this.kill(slot), this.#options.killGraceMs);
    slot.killTimer.unref();
  }
}
