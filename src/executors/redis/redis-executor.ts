import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { deserializeError, serializeError } from '../../core/error-codec.js';
import {
  CancelledError, PlacementError, QueueTimeoutError, TaskDefinitionError, TaskfarmError, ValidationError, WorkerCrashedError,
} from '../../core/errors.js';
import { now } from '../../core/ids.js';
import { findUncloneable } from '../../task/clone-check.js';
import { taskDefinition } from '../../task/definition.js';
import type { TaskSpec } from '../../task/spec.js';
import { BaseExecutor } from '../base.js';
import { Job } from '../job.js';
import { deliverComm } from '../messages.js';
import { positiveInteger } from '../options.js';
import type { ExecutorStats, ShutdownOptions, SubmitOptions, WorkerInfo } from '../types.js';
import { JobSizer } from './batching.js';
import { closeClient, loadLibraries, RedisEndpoint, type Libraries, type RedisConnection } from './connection.js';
import { Engine, type EngineHandle } from './engine.js';
import { checkJson, type EngineOptions } from './engine-options.js';
import { EngineViews, type EngineView } from './engines.js';
import { RedisConnectionError } from './errors.js';
import { Keys, newRedisId } from './keys.js';
import {
  decode, encode, encodeJobData, type ControlMessage, type DoneMessage, type EngineMessage, type JobData,
  type JobPayload, type StartMessage, type TaskMessage, type WireTask,
} from './protocol.js';
import { readEngines, writeEngineProperties } from './registry.js';

/** Options of {@link RedisExecutor}. */
export interface RedisExecutorOptions {
  /** The Redis server: a URL (`redis://`, `rediss://` for TLS) or `{ url, options }`. */
  connection: RedisConnection;
  /**
   * The taskfarm queue: engines started with the same name run this executor's tasks.
   * @default 'taskfarm'
   */
  queue?: string;
  /**
   * Prefix of every Redis key, to share one Redis between unrelated farms or environments.
   * @default 'taskfarm'
   */
  prefix?: string;
  /**
   * Pack tiny tasks into one BullMQ job when many are queued at once (adaptive: slow tasks, and
   * tasks not measured yet, always travel one to a job). `false`: always one task per job.
   * @default true
   */
  batching?: boolean;
  /**
   * The most tasks one BullMQ job carries.
   * @default 256
   */
  maxBatch?: number;
  /**
   * How often the executor reads the engine registry (new engines, properties, load, engines that
   * died), in milliseconds.
   * @default 1000
   */
  registryInterval?: number;
  /**
   * Engines to start in this process, sharing this executor's connection and queue, and stopped
   * by its shutdown: a farm on one machine with the code of a cluster (and what tests use). A
   * number is a count of engines with default options.
   * @default none
   */
  localEngines?: number | LocalEngineOptions;
  /**
   * Receives the executor's log lines (connection lost and back, errors). Passwords are never in them.
   * @default no log
   */
  log?: (line: string) => void;
}

/** Options of the engines a {@link RedisExecutor} starts in its own process. */
export interface LocalEngineOptions extends Omit<EngineOptions, 'connection' | 'queue' | 'prefix' | 'id'> {
  /**
   * How many engines.
   * @default 1
   */
  count?: number;
}

/** BullMQ runs lower numbers first, from 1 to 2^21; taskfarm runs higher priorities first, 0 in the middle. */
const PRIORITY_ZERO = 2 ** 20;
const PRIORITY_MAX = 2 ** 21;
/** The result stream is trimmed after this many entries read (and whenever nothing is left in flight). */
const TRIM_EVERY = 500;

/** One BullMQ job this executor added: the tasks it carries that have not finished. */
interface SentJob {
  id: string;
  /** `''` for the shared queue, else the engine whose own queue holds it. */
  route: string;
  jobs: Set<RedisJob>;
  /** BullMQ's start count of the job at the latest start seen: a rerun after a stall has a higher one. */
  run: number;
  /** Settles when the job is in Redis. */
  added: Promise<void>;
}

class RedisJob<R = unknown> extends Job<R> {
  spec!: TaskSpec;
  defKey!: string;
  /** Wire number of the current submission (a retry gets a new one). */
  num: number | undefined;
  sent: SentJob | undefined;
  /** The current submission started on an engine. */
  started = false;
}

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
  /** Tasks in Redis (queued there or running on an engine), by wire number. */
  readonly #byNum = new Map<number, RedisJob>();
  readonly #sent = new Map<string, SentJob>();
  readonly #engineQueues = new Map<string, Queue>();
  /** Cancellations to publish, by channel, written once per turn of the event loop. */
  readonly #cancels = new Map<string, number[]>();
  readonly #localEngines: Engine[] = [];
  readonly #ready: Promise<void>;
  #libs: Libraries | undefined;
  #command: Redis | undefined;
  #reader: Redis | undefined;
  #shared: Queue | undefined;
  #connected = false;
  #broken: Error | undefined;
  #numSeq = 0;
  #jobSeq = 0;
  #startedCount = 0;
  #pumpScheduled = false;
  #registryTimer: NodeJS.Timeout | undefined;
  #reading = false;
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
    if (options.localEngines !== undefined) this.#startLocalEngines(options.localEngines, options);
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
      await writeEngineProperties(this.#command!, this.#keys, workerId, properties);
      await this.#command!.publish(this.#keys.engineControl(workerId), encode({ t: 'props', props: properties } satisfies ControlMessage));
    };
    publish().catch((error: unknown) => this.#log(this.#endpoint.scrub(`cannot publish the properties of engine ${workerId}: ${(error as Error).message}`)));
    this.wake();
  }

  override stats(): ExecutorStats {
    const stats = super.stats();
    // Tasks in Redis that no engine has started yet are queued, as far as a caller can tell.
    return { ...stats, queued: stats.queued + this.#byNum.size - this.#startedCount };
  }

  override shutdown(options: ShutdownOptions = {}): Promise<void> {
    if (!this.closed) {
      if (options.wait === false) this.#stopEnginesNow = true;
      if (options.cancelPending || options.wait === false) {
        for (const job of [...this.#byNum.values()]) {
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
    return this.#startedCount;
  }

  protected stopAll(error: (job: RedisJob) => CancelledError): void {
    for (const job of [...this.#byNum.values()]) this.stopRunning(job, error(job));
  }

  protected finishShutdown(): boolean {
    if (this.#byNum.size > 0) return false;
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
    const started = this.#forget(job);
    if (started && engine !== undefined) {
      this.#publishCancel(this.#keys.engineControl(engine), num);
      this.failAttempt(job, error, engine);
      return;
    }
    // Not started: an engine that takes its job meanwhile must skip it.
    this.#publishCancel(sent.route ? this.#keys.engineControl(sent.route) : this.#keys.control, num);
    if (sent.jobs.size === 0 && sent.run === 0) {
      const queue = this.#queueOf(sent.route);
      void sent.added.then(() => queue?.remove(sent.id)).catch(() => undefined);
    }
    job.fail(error, this.recorder);
    this.wake();
  }

  // ---- connecting --------------------------------------------------------------------------

  #startLocalEngines(local: number | LocalEngineOptions, options: RedisExecutorOptions): void {
    const { count = 1, ...engineOptions } = typeof local === 'number' ? { count: local } : local;
    positiveInteger('localEngines.count', count, 1);
    for (let i = 0; i < count; i += 1) {
      const engine = new Engine({
        ...engineOptions, connection: options.connection, queue: this.#keys.queue, prefix: this.#keys.prefix,
        log: engineOptions.log ?? options.log,
      });
      this.#localEngines.push(engine);
      this.#views.addLocal(engine.record());
      engine.ready.catch((error: unknown) => {
        // Listed until its first heartbeat; one that never starts must not hold tasks placed on it.
        this.#views.removeLocal(engine.id);
        this.#log(`local engine ${engine.id} did not start: ${(error as Error).message}`);
      });
    }
  }

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
    this.#libs = libs;
    this.#shared = this.#openQueue(this.#keys.queue);
    await this.#refresh();
    this.#registryTimer = setInterval(() => void this.#refresh(), this.#registryInterval);
    this.#registryTimer.unref();
    void this.#readResults();
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
    clearInterval(this.#registryTimer);
    await this.#ready.catch(() => undefined);
    await Promise.all(this.#localEngines.map((engine) => engine.stop({ wait: !this.#stopEnginesNow })));
    await Promise.all([this.#shared, ...this.#engineQueues.values()].map((queue) => queue?.close().catch(() => undefined)));
    this.#reader?.disconnect();
    if (this.#command?.status === 'ready') await this.#command.del(this.#keys.results(this.#clientId)).catch(() => undefined);
    if (this.#command) await closeClient(this.#command);
  }

  // ---- engines -----------------------------------------------------------------------------

  async #refresh(): Promise<void> {
    if (this.#reading || !this.#command || this.#closing) return;
    this.#reading = true;
    try {
      const epoch = this.#views.beginRead();
      const records = await readEngines(this.#command, this.#keys);
      const { gone, changed } = this.#views.apply(records, epoch);
      for (const id of gone) this.#engineGone(id);
      if (changed || gone.length > 0) this.wake();
    } catch (error) {
      this.#log(this.#endpoint.scrub(`cannot read the engine registry: ${(error as Error).message}`));
    } finally {
      this.#reading = false;
    }
  }

  /**
   * An engine stopped heartbeating. Tasks on the shared queue need nothing: another engine reruns
   * the ones it was running once their lock expires. Tasks placed on its own queue would wait
   * forever: those it had not started go back to placement; those it was running failed with it.
   */
  #engineGone(id: string): void {
    const unstarted: RedisJob[] = [];
    const withdrawn: string[] = [];
    for (const sent of [...this.#sent.values()]) {
      if (sent.route !== id) continue;
      if (sent.run === 0) withdrawn.push(sent.id);
      for (const job of [...sent.jobs]) {
        if (this.#forget(job)) {
          this.failAttempt(job, new WorkerCrashedError(`Engine ${id} is gone (its heartbeat expired) while running task ${job.id}`, { workerId: id }), id);
        } else {
          unstarted.push(job);
        }
      }
    }
    for (let i = unstarted.length - 1; i >= 0; i -= 1) {
      const job = unstarted[i]!;
      job.phase = 'queued';
      job._markPending();
      this.queue.pushFront(job, job.options.priority ?? 0);
    }
    const queue = this.#engineQueues.get(id);
    if (queue) {
      this.#engineQueues.delete(id);
      // Take our jobs out of its queue, then remove the queue if nobody else's jobs are left in it.
      void Promise.all(withdrawn.map((jobId) => queue.remove(jobId)))
        .then(() => queue.getJobCountByTypes('waiting', 'active', 'delayed', 'prioritized'))
        .then((count) => (count === 0 ? queue.obliterate({ force: true }) : undefined))
        .catch(() => undefined)
        .finally(() => queue.close().catch(() => undefined));
    }
    this.wake();
    this.checkDrained();
  }

  #queueOf(route: string): Queue | undefined {
    if (!route) return this.#shared;
    let queue = this.#engineQueues.get(route);
    if (!queue && this.#libs && this.#command) {
      queue = this.#openQueue(this.#keys.engineQueue(route));
      this.#engineQueues.set(route, queue);
    }
    return queue;
  }

  #openQueue(name: string): Queue {
    const queue = new this.#libs!.Queue(name, { connection: this.#command!, prefix: this.#keys.prefix });
    // Its errors are those of the connection, which is watched already; unheard, BullMQ prints them.
    queue.on('error', () => undefined);
    return queue;
  }

  // ---- dispatch ----------------------------------------------------------------------------

  #pump(): void {
    this.#pumpScheduled = false;
    if (this.#connected && !this.#broken && this.queue.size > 0) {
      const adds = new Map<string, Array<{ sent: SentJob; data: JobData; priority: number }>>();
      while (this.queue.size > 0) {
        const head = this.queue.peek()!;
        const limit = this.#batching ? this.#sizer.size(head.defKey, this.queue.size, this.#views.capacity(), this.#maxBatch) : 1;
        let route: string | undefined;
        let priority = 0;
        const batch = this.queue.take(limit, (job) => {
          const to = this.#route(job);
          if (to === undefined) return false; // fits no engine now: waits for one
          if (route === undefined) {
            route = to;
            priority = job.options.priority ?? 0;
            return true;
          }
          return to === route && (job.options.priority ?? 0) === priority && this.#sizer.tiny(job.defKey);
        });
        if (batch.length === 0) break;
        const prepared = this.#prepare(batch, route!);
        if (!prepared) continue;
        let list = adds.get(route!);
        if (!list) adds.set(route!, (list = []));
        list.push({ ...prepared, priority });
      }
      for (const [route, list] of adds) this.#add(route, list);
    }
    if (this.shuttingDown) this.#failUnplaceable();
    this.checkDrained();
  }

  /**
   * Where a task goes: `''` (the shared queue, any engine), an engine id (its own queue), or
   * undefined when no engine can take it now. A task with `where` goes to the least loaded engine
   * it accepts; a retry avoids the engines it failed on while another one exists.
   */
  #route(job: RedisJob): string | undefined {
    const { where } = job.options;
    const failedOn = job.failedOn;
    if (!where && !failedOn) return '';
    const live = this.#views.all();
    let candidates = where ? live.filter((view) => accepts(where, view)) : live;
    if (candidates.length === 0) return where ? undefined : '';
    if (failedOn) {
      const fresh = candidates.filter((view) => !failedOn.has(view.id));
      if (fresh.length > 0) candidates = fresh;
      if (!where && candidates.length === live.length) return '';
    }
    let best: EngineView = candidates[0]!;
    for (const view of candidates) if (view.load < best.load) best = view;
    return best.id;
  }

  /** Gives each task its wire number and encodes the job; a task whose arguments cannot travel fails alone. */
  #prepare(batch: RedisJob[], route: string): { sent: SentJob; data: JobData } | undefined {
    let data: JobData;
    try {
      data = encodeJobData(this.#clientId, this.#payloadOf(batch));
    } catch {
      // One encoding for the whole job is the fast path; when it fails, find the tasks that cannot travel.
      batch = batch.filter((job) => {
        try {
          encode(job.args);
          return true;
        } catch (error) {
          const where = findUncloneable(job.args) ?? (error as Error).message;
          job.fail(new TaskDefinitionError(
            `Task ${job.id} cannot be sent to an engine: ${where}. Arguments must be structured-cloneable (no functions, symbols, class instances with private state, streams...).`,
            { cause: error },
          ), this.recorder);
          return false;
        }
      });
      if (batch.length === 0) return undefined;
      data = encodeJobData(this.#clientId, this.#payloadOf(batch));
    }
    const sent: SentJob = { id: `${this.#clientId}-${(this.#jobSeq += 1)}`, route, jobs: new Set(batch), run: 0, added: Promise.resolve() };
    this.#sent.set(sent.id, sent);
    const view = route ? this.#views.get(route) : undefined;
    data.n.forEach((num, i) => {
      const job = batch[i]!;
      job.num = num;
      this.#byNum.set(num, job);
      job.sent = sent;
      job.started = false;
      job.startedAt = undefined;
      // Owned by Redis now, not by the local queue; `started` tells whether an engine took it.
      job.phase = 'running';
      if (job.queueTimer !== undefined) this.#moveQueueTimer(job);
      if (view) view.placed += 1;
    });
    return { sent, data };
  }

  /** The tasks of a job as they travel, each with a new wire number. */
  #payloadOf(batch: RedisJob[]): JobPayload {
    const specs: TaskSpec[] = [];
    const specIndex = new Map<string, number>();
    const tasks = batch.map((job): WireTask => {
      let d = specIndex.get(job.defKey);
      if (d === undefined) {
        d = specs.push(job.spec) - 1;
        specIndex.set(job.defKey, d);
      }
      const wire: WireTask = { n: (this.#numSeq += 1), d, a: job.args };
      if (job.options.timeout !== undefined) wire.t = job.options.timeout;
      if (job.options.messages) wire.m = true;
      return wire;
    });
    return { specs, tasks };
  }

  #add(route: string, list: Array<{ sent: SentJob; data: JobData; priority: number }>): void {
    const queue = this.#queueOf(route)!;
    const added = queue.addBulk(list.map(({ sent, data, priority }) => ({
      name: 'tasks',
      data,
      // Keeping finished jobs or not is the engines' setting; the less a job carries, the cheaper it is.
      opts: { jobId: sent.id, priority: Math.min(PRIORITY_MAX, Math.max(1, PRIORITY_ZERO - Math.round(priority))) },
    }))).then(() => undefined);
    for (const { sent } of list) sent.added = added;
    added.catch((error: unknown) => {
      const refused = new RedisConnectionError(this.#endpoint.scrub(`Redis refused to queue tasks: ${(error as Error).message}`));
      for (const { sent } of list) {
        for (const job of [...sent.jobs]) {
          if (this.#forget(job)) continue; // an engine took it after all
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
    if (this.queue.size === 0 || this.backoff.size > 0 || this.#byNum.size > 0 || !this.#connected || this.#pumpScheduled) return;
    for (const job of this.queue.drain()) {
      job.fail(new PlacementError(`Task ${job.id} fits no engine (its 'where' rejects them all) and the executor is shutting down`), this.recorder);
    }
  }

  /** Forgets the current submission of a task; returns whether an engine had started it. */
  #forget(job: RedisJob): boolean {
    const started = job.started;
    if (job.num !== undefined) this.#byNum.delete(job.num);
    if (started) this.#startedCount -= 1;
    job.num = undefined;
    job.started = false;
    const sent = job.sent;
    job.sent = undefined;
    if (sent && sent.jobs.delete(job)) {
      const view = sent.route ? this.#views.get(sent.route) : undefined;
      if (view) view.placed -= 1;
      if (sent.jobs.size === 0) this.#sent.delete(sent.id);
    }
    return started;
  }

  #publishCancel(channel: string, num: number): void {
    let list = this.#cancels.get(channel);
    if (!list) {
      this.#cancels.set(channel, (list = []));
      if (this.#cancels.size === 1) queueMicrotask(() => this.#flushCancels());
    }
    list.push(num);
  }

  #flushCancels(): void {
    const command = this.#command;
    for (const [channel, nums] of this.#cancels) {
      const message: ControlMessage = { t: 'cancel', c: this.#clientId, n: nums, reason: 'cancelled by its client' };
      command?.publish(channel, encode(message)).catch(() => undefined);
    }
    this.#cancels.clear();
  }

  // ---- results -----------------------------------------------------------------------------

  /** Reads this client's stream: one blocking read per batch of entries, from every engine. */
  async #readResults(): Promise<void> {
    const key = this.#keys.results(this.#clientId);
    let last = '0-0';
    let read = 0;
    while (!this.#closing) {
      let reply: Array<[Buffer, Array<[Buffer, Buffer[]]>]> | null;
      try {
        reply = await this.#reader!.xreadBuffer('COUNT', 1000, 'BLOCK', 5000, 'STREAMS', key, last) as typeof reply;
      } catch (error) {
        if (this.#closing) return;
        this.#log(this.#endpoint.scrub(`cannot read results: ${(error as Error).message}`));
        await new Promise((resolve) => setTimeout(resolve, 250));
        continue;
      }
      if (!reply) continue;
      for (const [, entries] of reply) {
        for (const [id, fields] of entries) {
          last = id.toString();
          const value = fields[1];
          if (!value) continue;
          let messages: EngineMessage[];
          try {
            messages = decode<EngineMessage[]>(value);
          } catch {
            continue; // not ours
          }
          for (const message of messages) this.#onMessage(message);
        }
      }
      // What is read is done with: keep the stream short, without a trim per read.
      read += reply.reduce((sum, [, entries]) => sum + entries.length, 0);
      if (read >= TRIM_EVERY || this.#byNum.size === 0) {
        read = 0;
        this.#command?.xtrim(key, 'MINID', last).catch(() => undefined);
      }
      this.checkDrained();
    }
  }

  #onMessage(message: EngineMessage): void {
    switch (message.t) {
      case 'start':
        this.#onStart(message);
        break;
      case 'done':
        this.#onDone(message);
        break;
      case 'msg':
        this.#onTaskMessage(message);
        break;
      case 'lost':
        for (const num of message.n) {
          const job = this.#byNum.get(num);
          if (!job) continue;
          this.#forget(job);
          this.failAttempt(job, deserializeError(message.error), message.e);
        }
        break;
    }
  }

  #onStart(message: StartMessage): void {
    const unknown: number[] = [];
    for (const num of message.n) {
      const job = this.#byNum.get(num);
      if (!job) {
        unknown.push(num);
        continue;
      }
      const sent = job.sent!;
      if (message.r < sent.run) continue; // an older start, read late
      if (job.started && job.workerId === message.e && message.r === sent.run) continue; // the same start, written twice
      sent.run = message.r;
      if (!job.started) {
        job.started = true;
        this.#startedCount += 1;
      }
      job.start(message.e, this.recorder, now());
    }
    // Settled here already (cancelled, or finished before a rerun): the engine need not run it.
    for (const num of unknown) this.#publishCancel(this.#keys.engineControl(message.e), num);
  }

  #onDone(message: DoneMessage): void {
    const job = this.#byNum.get(message.n);
    if (!job) return; // settled already: a rerun's result, or a cancelled task's
    if (!job.started) this.#onStart({ t: 'start', j: job.sent!.id, e: message.e, n: [message.n], r: job.sent!.run });
    this.#forget(job);
    this.#sizer.observe(job.defKey, message.ms);
    job.workerId = message.e;
    const view = this.#views.get(message.e);
    if (message.ok) {
      if (view) view.done += 1;
      job.succeed(message.v, this.recorder);
    } else {
      if (view) view.failed += 1;
      this.failAttempt(job, deserializeError(message.v as never), message.e);
    }
  }

  #onTaskMessage(message: TaskMessage): void {
    const job = this.#byNum.get(message.n);
    deliverComm(job?.options.messages, message.id !== undefined, message.p, (ok, value) => {
      let reply: Buffer;
      try {
        reply = encode({ t: 'reply', id: message.id!, ok, p: ok ? value : serializeError(value) } satisfies ControlMessage);
      } catch (error) {
        reply = encode({ t: 'reply', id: message.id!, ok: false, p: serializeError(new TaskDefinitionError(`The answer cannot be sent to the engine: ${(error as Error).message}`)) } satisfies ControlMessage);
      }
      this.#command?.publish(this.#keys.engineControl(message.e), reply).catch(() => undefined);
    });
  }
}

function accepts(where: (worker: WorkerInfo) => boolean, view: EngineView): boolean {
  try {
    return where(view.info()) === true;
  } catch {
    return false; // a predicate that throws counts as false
  }
}

export type { EngineHandle };
