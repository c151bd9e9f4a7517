import type { Redis } from 'ioredis';
import { CancelledError, PlacementError, QueueTimeoutError, TaskfarmError, ValidationError, WorkerCrashedError } from '../../core/errors.js';
import { now } from '../../core/ids.js';
import { taskDefinition } from '../../task/definition.js';
import { BaseExecutor } from '../base.js';
import { positiveInteger } from '../options.js';
import type { ExecutorStats, ShutdownOptions, SubmitOptions, WorkerInfo } from '../types.js';
import { JobSizer } from './batching.js';
import { closeClient, loadLibraries, RedisEndpoint } from './connection.js';
import { ControlPublisher } from './control.js';
import { packBatch, takeBatch } from './dispatch.js';
import type { Engine, EngineHandle } from './engine.js';
import { checkJson } from './engine-options.js';
import { EngineViews } from './engines.js';
import { RedisConnectionError } from './errors.js';
import { InFlight, RedisJob, type SentJob } from './in-flight.js';
import { JobQueues } from './job-queues.js';
import { Keys, newRedisId } from './keys.js';
import { startLocalEngines } from './local-engines.js';
import type { JobData } from './protocol.js';
import type { RedisExecutorOptions } from './redis-executor-options.js';
import { RegistryPoll } from './registry-poll.js';
import { readResults } from './result-reader.js';
import { ResultHandler } from './results.js';

/**
 * Runs tasks on engines anywhere, through a BullMQ queue on Redis. Engines are `taskfarm worker`
 * processes (or {@link startEngine}) started with the same queue; each runs tasks on its own
 * thread or process pool, and heartbeats its properties and load, which `workers()` lists.
 *
 * Tasks run at least once and settle exactly once: a task whose engine dies mid-run runs again
 * on another engine (BullMQ's stalled-job recovery), and only its first result counts.
 */
export class RedisExecutor extends BaseExecutor<RedisJob> {
  readonly kind = 'redis';
  readonly #endpoint: RedisEndpoint;
  readonly #keys: Keys;
  readonly #clientId = newRedisId('c');
  readonly #batching: boolean;
  readonly #maxBatch: number;
  readonly #registryInterval: number;
  readonly #log: (line: string) => void;
  readonly #views = new EngineViews();
  readonly #sizer = new JobSizer();
  readonly #inFlight = new InFlight(this.#clientId, this.#views);
  readonly #control: ControlPublisher;
  readonly #results: ResultHandler;
  readonly #localEngines: Engine[];
  readonly #ready: Promise<void>;
  #command: Redis | undefined;
  #reader: Redis | undefined;
  #queues: JobQueues | undefined;
  #registry: RegistryPoll | undefined;
  #connected = false;
  #broken: Error | undefined;
  #pumpScheduled = false;
  #closing: Promise<void> | undefined;
  #closed = false;
  #stopEnginesNow = false;

  constructor(options: RedisExecutorOptions) {
    super();
    if (!options || typeof options !== 'object') throw new ValidationError('new RedisExecutor(options): options must be an object with a connection');
    this.#endpoint = RedisEndpoint.from(options.connection, 'RedisExecutor');
    this.#keys = new Keys(options.prefix ?? 'taskfarm', options.queue ?? 'taskfarm');
    if (options.batching !== undefined && typeof options.batching !== 'boolean') throw new ValidationError(`Invalid option 'batching': expected a boolean`);
    this.#batching = options.batching ?? true;
    this.#maxBatch = positiveInteger('maxBatch', options.maxBatch, 256);
    this.#registryInterval = positiveInteger('registryInterval', options.registryInterval, 1000);
    this.#log = options.log ?? (() => undefined);
    this.#control = new ControlPublisher(this.#clientId, this.#keys, () => this.#command);
    this.#results = new ResultHandler({
      inFlight: this.#inFlight, views: this.#views, sizer: this.#sizer, control: this.#control, recorder: this.recorder,
      failAttempt: (job, error, engine) => this.failAttempt(job, error, engine),
    });
    this.#localEngines = options.localEngines === undefined
      ? []
      : startLocalEngines(options.localEngines, options, this.#keys, this.#views, this.#log);
    this.#ready = this.#connect();
    this.#ready.then(() => {
      if (this.#closing) return;
      this.#connected = true;
      this.wake();
    }, (error: unknown) => this.#break(error as Error));
  }

  /** This executor's id in Redis (its result stream, the BullMQ job ids it makes). */
  get clientId(): string {
    return this.#clientId;
  }

  /** Resolves once connected to Redis and the engine registry was read; rejects if it cannot connect. */
  ready(): Promise<void> {
    return this.#ready;
  }

  workers(): WorkerInfo[] {
    return this.#views.all().map((view) => view.info());
  }

  setWorkerProperties(workerId: string, properties: Record<string, unknown>): void {
    if (!this.#views.get(workerId)) {
      throw new ValidationError(`No engine '${workerId}'; engines are: ${this.#views.ids().join(', ') || 'none'}`);
    }
    checkJson('properties', properties);
    this.#views.setProperties(workerId, properties);
    const publish = async (): Promise<void> => {
      await this.#ready;
      await this.#control.properties(workerId, properties);
    };
    publish().catch((error: unknown) => this.#warn(`cannot publish the properties of engine ${workerId}: ${(error as Error).message}`));
    this.wake();
  }

  override stats(): ExecutorStats {
    const stats = super.stats();
    // Tasks in Redis that no engine has started yet are queued, as far as a caller can tell.
    return { ...stats, queued: stats.queued + this.#inFlight.size - this.#inFlight.startedCount };
  }

  override shutdown(options: ShutdownOptions = {}): Promise<void> {
    if (!this.closed) {
      if (options.wait === false) this.#stopEnginesNow = true;
      if (options.cancelPending || options.wait === false) {
        for (const job of this.#inFlight.jobs()) {
          if (!job.started) this.stopRunning(job, new CancelledError(`Task ${job.id} cancelled: the executor shut down`));
        }
      }
    }
    const done = super.shutdown(options);
    this.wake(); // tasks that fit no engine are failed once nothing else can change
    return done;
  }

  // ---- the job lifecycle's hooks -----------------------------------------------------------

  protected createJob(task: unknown, args: unknown[], options: SubmitOptions): RedisJob {
    const job = new RedisJob(args, options, this);
    const definition = taskDefinition(task);
    job.spec = definition.spec;
    job.defKey = definition.key;
    return job;
  }

  protected override refuse(): Error | undefined {
    return this.#broken;
  }

  protected wake(): void {
    if (this.#pumpScheduled) return;
    this.#pumpScheduled = true;
    // A microtask later, so that a synchronous burst of submits shares jobs and one round trip.
    queueMicrotask(() => this.#pump());
  }

  protected runningCount(): number {
    return this.#inFlight.startedCount;
  }

  protected stopAll(error: (job: RedisJob) => CancelledError): void {
    for (const job of this.#inFlight.jobs()) this.stopRunning(job, error(job));
  }

  protected finishShutdown(): boolean {
    if (this.#inFlight.size > 0) return false;
    this.#closing ??= this.#close().then(() => {
      this.#closed = true;
      this.checkDrained();
    });
    return this.#closed;
  }

  /**
   * Stops a task that is in Redis: one no engine started is withdrawn (its job removed once all
   * its tasks are gone) and settles without an attempt; a running one is aborted by its engine.
   */
  protected stopRunning(job: RedisJob, error: Error): void {
    const sent = job.sent;
    if (!sent) return;
    const num = job.num!;
    const engine = job.workerId;
    const started = this.#inFlight.forget(job);
    if (started && engine !== undefined) {
      this.#control.cancel(engine, num);
      this.failAttempt(job, error, engine);
      return;
    }
    // Not started: an engine that takes its job meanwhile must skip it.
    this.#control.cancel(sent.route, num);
    if (sent.jobs.size === 0 && sent.run === 0) {
      const queue = this.#queues?.of(sent.route);
      void sent.added.then(() => queue?.remove(sent.id)).catch(() => undefined);
    }
    job.fail(error, this.recorder);
    this.wake();
  }

  // ---- connecting --------------------------------------------------------------------------

  async #connect(): Promise<void> {
    const libs = await loadLibraries();
    this.#command = this.#endpoint.client(libs, `taskfarm:${this.#clientId}`);
    this.#reader = this.#endpoint.client(libs, `taskfarm:${this.#clientId}:results`);
    await Promise.all([
      this.#endpoint.connect(this.#command, 'client'),
      this.#endpoint.connect(this.#reader, 'client results'),
    ]);
    if (this.#closing) return;
    this.#endpoint.watch(this.#command, 'client', this.#log);
    this.#queues = new JobQueues(libs, this.#command, this.#keys);
    this.#registry = new RegistryPoll({
      command: this.#command, keys: this.#keys, views: this.#views, intervalMs: this.#registryInterval,
      closing: () => this.#closing !== undefined,
      onRead: (gone, changed) => {
        for (const id of gone) this.#engineGone(id);
        if (changed || gone.length > 0) this.wake();
      },
      log: (line) => this.#warn(line),
    });
    await this.#registry.start();
    void readResults({
      reader: this.#reader,
      command: this.#command,
      key: this.#keys.results(this.#clientId),
      onMessage: (message) => this.#results.handle(message),
      afterRead: () => this.checkDrained(),
      idle: () => this.#inFlight.size === 0,
      closing: () => this.#closing !== undefined,
      log: (line) => this.#warn(line),
    });
  }

  #break(error: Error): void {
    this.#broken = error instanceof TaskfarmError ? error : new RedisConnectionError(this.#endpoint.scrub(`Cannot use Redis at ${this.#endpoint.shown}: ${error?.message ?? String(error)}`));
    this.#log(this.#broken.message);
    // One of the two connections may have come up: a broken executor must not hold the program open.
    this.#reader?.disconnect();
    this.#command?.disconnect();
    for (const job of [...this.queue.drain(), ...this.backoff]) job.fail(this.#broken, this.recorder);
    this.backoff.clear();
    this.checkDrained();
  }

  async #close(): Promise<void> {
    this.#registry?.stop();
    await this.#ready.catch(() => undefined);
    await Promise.all(this.#localEngines.map((engine) => engine.stop({ wait: !this.#stopEnginesNow })));
    await this.#queues?.close();
    this.#reader?.disconnect();
    if (this.#command?.status === 'ready') await this.#command.del(this.#keys.results(this.#clientId)).catch(() => undefined);
    if (this.#command) await closeClient(this.#command);
  }

  /** Logs a line that may hold the connection's password, without it. */
  #warn(line: string): void {
    this.#log(this.#endpoint.scrub(line));
  }

  // ---- engines -----------------------------------------------------------------------------

  /**
   * An engine stopped heartbeating. Tasks on the shared queue need nothing: another engine reruns
   * the ones it was running once their lock expires. Tasks placed on its own queue would wait
   * forever: those it had not started go back to placement; those it was running failed with it.
   */
  #engineGone(id: string): void {
    const { unstarted, withdrawn } = this.#inFlight.dropEngine(id, (job) => {
      this.failAttempt(job, new WorkerCrashedError(`Engine ${id} is gone (its heartbeat expired) while running task ${job.id}`, { workerId: id }), id);
    });
    for (let i = unstarted.length - 1; i >= 0; i -= 1) {
      const job = unstarted[i]!;
      job.phase = 'queued';
      job._markPending();
      this.queue.pushFront(job, job.options.priority ?? 0);
    }
    this.#queues?.dropEngine(id, withdrawn);
    this.wake();
    this.checkDrained();
  }

  // ---- dispatch ----------------------------------------------------------------------------

  #pump(): void {
    this.#pumpScheduled = false;
    if (this.#connected && !this.#broken && this.queue.size > 0) {
      const adds = new Map<string, Array<{ sent: SentJob; data: JobData; priority: number }>>();
      while (this.queue.size > 0) {
        const head = this.queue.peek()!;
        const limit = this.#batching ? this.#sizer.size(head.defKey, this.queue.size, this.#views.capacity(), this.#maxBatch) : 1;
        const taken = takeBatch(this.queue, limit, this.#views, this.#sizer);
        if (!taken) break;
        const { batch, route, priority } = taken;
        const prepared = this.#prepare(batch, route);
        if (!prepared) continue;
        let list = adds.get(route);
        if (!list) adds.set(route, (list = []));
        list.push({ ...prepared, priority });
      }
      for (const [route, list] of adds) this.#add(route, list);
    }
    if (this.shuttingDown) this.#failUnplaceable();
    this.checkDrained();
  }

  /** Gives each task its wire number and encodes the job; a task whose arguments cannot travel fails alone. */
  #prepare(batch: RedisJob[], route: string): { sent: SentJob; data: JobData } | undefined {
    const packed = packBatch(batch, this.#clientId, () => this.#inFlight.nextNum(), this.recorder);
    if (!packed) return undefined;
    const sent = this.#inFlight.add(route, packed.batch, packed.data.n);
    for (const job of packed.batch) {
      job.startedAt = undefined;
      // Owned by Redis now, not by the local queue; `started` tells whether an engine took it.
      job.phase = 'running';
      if (job.queueTimer !== undefined) this.#moveQueueTimer(job);
    }
    return { sent, data: packed.data };
  }

  #add(route: string, list: Array<{ sent: SentJob; data: JobData; priority: number }>): void {
    const added = this.#queues!.add(route, list.map(({ sent, data, priority }) => ({ id: sent.id, data, priority })));
    for (const { sent } of list) sent.added = added;
    added.catch((error: unknown) => {
      const refused = new RedisConnectionError(this.#endpoint.scrub(`Redis refused to queue tasks: ${(error as Error).message}`));
      for (const { sent } of list) {
        for (const job of [...sent.jobs]) {
          if (this.#inFlight.forget(job)) continue; // an engine took it after all
          job.fail(refused, this.recorder);
        }
      }
      this.checkDrained();
    });
  }

  /**
   * The base queue timer only watches the local queue; a task waiting in Redis still has not
   * started, so its timer follows it there.
   */
  #moveQueueTimer(job: RedisJob): void {
    clearTimeout(job.queueTimer);
    const queueTimeout = job.options.queueTimeout!;
    const left = Math.max(0, job.submittedAt + queueTimeout - now());
    job.queueTimer = setTimeout(() => {
      job.queueTimer = undefined;
      if (job.phase === 'running' && !job.started) {
        this.stopRunning(job, new QueueTimeoutError(`Task ${job.id} waited ${queueTimeout} ms in the queue without starting (queueTimeout)`, { queueTimeout }));
        this.checkDrained();
      } else if (job.phase === 'queued') {
        this.queue.forget();
        job.fail(new QueueTimeoutError(`Task ${job.id} waited ${queueTimeout} ms in the queue without starting (queueTimeout)`, { queueTimeout }), this.recorder);
        this.checkDrained();
      }
    }, left);
    job.queueTimer.unref();
  }

  /** During shutdown, tasks that fit no engine would wait forever: fail them once nothing else runs. */
  #failUnplaceable(): void {
    if (this.queue.size === 0 || this.backoff.size > 0 || this.#inFlight.size > 0 || !this.#connected || this.#pumpScheduled) return;
    for (const job of this.queue.drain()) {
      job.fail(new PlacementError(`Task ${job.id} fits no engine (its 'where' rejects them all) and the executor is shutting down`), this.recorder);
    }
  }
}

export type { EngineHandle };
