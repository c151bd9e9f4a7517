import { hostname } from 'node:os';
import type { Job as BullJob, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { deserializeError, serializeError } from '../../core/error-codec.js';
import { TaskDefinitionError, TaskError, WorkerCrashedError } from '../../core/errors.js';
import type { Future } from '../../core/future.js';
import type { TaskSpec } from '../../task/spec.js';
import { createExecutor } from '../create.js';
import type { Executor, SubmitOptions, TaskMessages } from '../types.js';
import { closeClient, loadLibraries, RedisEndpoint, type Libraries } from './connection.js';
import { checkJson, describePool, resolveEngineOptions, type EngineOptions, type ResolvedEngineOptions } from './engine-options.js';
import { EngineDefinitions, type Definition } from './engine-definitions.js';
import { Keys } from './keys.js';
import { Outbox } from './outbox.js';
import { TaskPolicy } from './policy.js';
import {
  clientOf, decode, decodeJobData, type ControlMessage, type DoneMessage, type EngineRecord, type JobData, type WireTask,
} from './protocol.js';
import { Heartbeat } from './registry.js';

/** Cancellations remembered for tasks not seen yet (the cancel can arrive before the job). */
const REMEMBERED_CANCELS = 100_000;
/** A running engine, as {@link startEngine} returns it. */
export interface EngineHandle extends AsyncDisposable {
  readonly id: string;
  /** Resolves once the engine takes tasks; rejects if it cannot start (Redis unreachable, a bad task module). */
  readonly ready: Promise<void>;
  /** Its properties now. */
  properties(): Record<string, unknown>;
  /** Replaces its properties (clients see them at their next registry read). */
  setProperties(properties: Record<string, unknown>): Promise<void>;
  /** Tasks it holds now, and how many succeeded and failed since it started. */
  load(): { inFlight: number; done: number; failed: number };
  /**
   * Leaves the farm. `wait` (default) takes no new job and finishes the running ones; `wait: false`
   * abandons them (they stall, and another engine runs them after `lockDuration`).
   */
  stop(options?: { wait?: boolean }): Promise<void>;
}

/**
 * Starts an engine: it joins the farm on Redis and runs the tasks clients queue there, on its own
 * thread or process pool, while it heartbeats its properties and load. Returns at once; await
 * `ready` to know it started.
 */
export function startEngine(options: EngineOptions): EngineHandle {
  return new Engine(options);
}

/** @internal An engine; {@link startEngine} is the public way to make one. */
export class Engine implements EngineHandle {
  readonly id: string;
  readonly ready: Promise<void>;
  readonly #options: ResolvedEngineOptions;
  readonly #endpoint: RedisEndpoint;
  readonly #keys: Keys;
  readonly #policy: TaskPolicy;
  readonly #definitions: EngineDefinitions;
  readonly #startedAt = Date.now();
  #properties: Record<string, unknown>;
  #command: Redis | undefined;
  #subscriber: Redis | undefined;
  #local: Executor | undefined;
  #heartbeat: Heartbeat | undefined;
  #outbox: Outbox | undefined;
  #workers: Worker[] = [];
  #libs: Libraries | undefined;
  /** Local futures of the tasks running here, by `client:number`. */
  readonly #running = new Map<string, Future<unknown>>();
  readonly #cancelled = new Set<string>();
  /** Requests of running tasks waiting for their client's reply, by request id. */
  readonly #requests = new Map<number, { task: string; resolve: (value: unknown) => void; reject: (error: unknown) => void }>();
  #requestSeq = 0;
  #done = 0;
  #failed = 0;
  /** Set by a stop without waiting: the tasks it abandons must not report (another engine reruns them). */
  #abandoning = false;
  #stopping: Promise<void> | undefined;
  #lastQueueError: { line: string; at: number } | undefined;

  constructor(options: EngineOptions) {
    this.#options = resolveEngineOptions(options);
    this.id = this.#options.id;
    this.#endpoint = RedisEndpoint.from(options.connection, 'startEngine');
    this.#keys = new Keys(this.#options.prefix, this.#options.queue);
    this.#policy = new TaskPolicy(this.id, this.#options.allowModules, this.#options.allowSource);
    this.#definitions = new EngineDefinitions(this.id, this.#policy);
    this.#properties = this.#options.properties;
    this.ready = this.#start();
    this.ready.catch(() => undefined); // the caller awaits `ready`; an unobserved failure must not crash
  }

  properties(): Record<string, unknown> {
    return { ...this.#properties };
  }

  async setProperties(properties: Record<string, unknown>): Promise<void> {
    checkJson('properties', properties);
    this.#properties = { ...properties };
    await this.ready;
    await this.#heartbeat?.writeProperties(this.#properties);
  }

  load(): { inFlight: number; done: number; failed: number } {
    return { inFlight: this.#running.size, done: this.#done, failed: this.#failed };
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  #log(line: string): void {
    this.#options.log(this.#endpoint.scrub(`engine ${this.id}: ${line}`));
  }

  /**
   * Logs an error of a queue, but the same one at most once a minute: BullMQ reports every failed
   * reconnection during an outage, which would flood the log.
   */
  #logQueueError(queue: string, error: Error): void {
    const line = `queue ${queue}: ${error.message}`;
    const at = Date.now();
    if (this.#lastQueueError?.line === line && at - this.#lastQueueError.at < 60_000) return;
    this.#lastQueueError = { line, at };
    this.#log(line);
  }

  // ---- start and stop ------------------------------------------------------------------------

  async #start(): Promise<void> {
    try {
      const libs = await loadLibraries();
      this.#libs = libs;
      // Task modules first: a missing one is a usage error, found before joining the farm.
      await this.#preload();
      this.#command = this.#endpoint.client(libs, `taskfarm:${this.id}`);
      this.#subscriber = this.#endpoint.client(libs, `taskfarm:${this.id}:control`);
      await Promise.all([
        this.#endpoint.connect(this.#command, 'engine'),
        this.#endpoint.connect(this.#subscriber, 'engine control'),
      ]);
      if (this.#stopping) return;
      this.#endpoint.watch(this.#command, 'engine', (line) => this.#log(line));
      this.#outbox = new Outbox(this.#command, this.#keys, (error) => this.#log(`cannot write results: ${error.message}`));
      this.#subscriber.on('messageBuffer', (_channel: Buffer, message: Buffer) => this.#onControl(message));
      // Listening before taking jobs: a cancel must not slip past a task that starts meanwhile.
      await this.#subscriber.subscribe(this.#keys.control, this.#keys.engineControl(this.id));
      const { workers, backend, pool } = this.#options;
      this.#local = createExecutor(backend, { ...pool, workers, taskWorkerId: this.id });
      this.#heartbeat = new Heartbeat({
        client: this.#command, keys: this.#keys, id: this.id,
        intervalMs: this.#options.heartbeatInterval, ttlMs: this.#options.heartbeatTtl,
        record: () => this.record(), onError: (error) => this.#log(`heartbeat failed: ${error.message}`),
      });
      await this.#heartbeat.start();
      this.#workers = [this.#keys.queue, this.#keys.engineQueue(this.id)].map((name) => this.#consume(libs, name));
      await Promise.all(this.#workers.map((worker) => worker.waitUntilReady()));
      this.#log(`ready on ${this.#endpoint.shown}, queue '${this.#options.queue}', ${describePool(backend, workers)}`);
    } catch (error) {
      await this.#close(false);
      throw error;
    }
  }

  /** Imports the task modules here too: the error classes they register must be known to this process. */
  async #preload(): Promise<void> {
    for (const url of this.#policy.files) {
      try {
        await import(url);
      } catch (error) {
        throw new TaskDefinitionError(`Engine ${this.id} cannot load its task module ${url}: ${(error as Error)?.message ?? String(error)}`, { cause: error });
      }
    }
  }

  #consume(libs: Libraries, name: string): Worker {
    const { concurrency, lockDuration, stalledInterval, maxStalledCount, prefix } = this.#options;
    const worker = new libs.Worker(name, (job: BullJob) => this.#process(job), {
      connection: this.#command!, prefix, concurrency, lockDuration, stalledInterval, maxStalledCount,
      // Results travel through the clients' streams; finished jobs need not stay in Redis.
      removeOnComplete: { count: 0 }, removeOnFail: { count: 1000 },
      // After Redis comes back, get going again within a second, not BullMQ's default 15.
      runRetryDelay: 1000,
    });
    worker.on('error', (error: Error) => this.#logQueueError(name, error));
    worker.on('failed', (job: BullJob | undefined, error: Error) => this.#jobFailed(job, error));
    return worker;
  }

  stop({ wait = true }: { wait?: boolean } = {}): Promise<void> {
    this.#stopping ??= this.ready.then(() => this.#close(wait), () => undefined);
    return this.#stopping;
  }

  async #close(wait: boolean): Promise<void> {
    if (!wait) this.#abandoning = true;
    // No new job; with `wait`, the running ones finish and report first.
    await Promise.all(this.#workers.map((worker) => worker.close(!wait).catch((error: Error) => this.#log(`closing a queue: ${error.message}`))));
    await this.#heartbeat?.stop().catch(() => undefined);
    await this.#removeOwnQueue();
    await this.#local?.shutdown({ wait, cancelPending: !wait });
    await this.#outbox?.flushed();
    this.#outbox?.close();
    for (const request of this.#requests.values()) request.reject(new Error('the engine stopped'));
    this.#requests.clear();
    await Promise.all([this.#subscriber, this.#command].map((client) => client && closeClient(client)));
    if (this.#heartbeat) this.#log('stopped');
  }

  /**
   * Removes the engine's own queue from Redis when nothing is left in it: engine ids are new at
   * every start, and their queues must not pile up. Jobs that clients placed on it are theirs to
   * take back once they see the engine gone, and the last one to do so removes the queue.
   */
  async #removeOwnQueue(): Promise<void> {
    if (!this.#libs || !this.#command || this.#command.status !== 'ready') return;
    const queue = new this.#libs.Queue(this.#keys.engineQueue(this.id), { connection: this.#command, prefix: this.#options.prefix });
    queue.on('error', () => undefined);
    try {
      if ((await queue.getJobCountByTypes('waiting', 'active', 'delayed', 'prioritized')) === 0) await queue.obliterate({ force: true });
    } catch (error) {
      this.#log(`cannot remove its queue: ${(error as Error).message}`);
    } finally {
      await queue.close().catch(() => undefined);
    }
  }

  /** @internal Its registry record now (a client that started it lists it before its first heartbeat). */
  record(): EngineRecord {
    return {
      id: this.id, host: hostname(), pid: process.pid, backend: this.#options.backend, workers: this.#options.workers,
      concurrency: this.#options.concurrency, startedAt: this.#startedAt, heartbeatAt: Date.now(),
      inFlight: this.#running.size, done: this.#done, failed: this.#failed, allowSource: this.#options.allowSource,
      tasks: [...this.#options.allowModules], properties: this.#properties,
    };
  }

  // ---- jobs ----------------------------------------------------------------------------------

  async #process(job: BullJob): Promise<number> {
    const { client, payload } = decodeJobData(job.data as JobData);
    const outbox = this.#outbox!;
    outbox.push(client, { t: 'start', j: job.id!, e: this.id, n: payload.tasks.map((task) => task.n), r: job.attemptsStarted });
    const definitions = payload.specs.map((spec) => this.#definitions.get(spec));
    await Promise.all(payload.tasks.map((task) => this.#run(client, definitions, payload.specs, task)));
    // The results are written before BullMQ completes the job (same connection, in order): an
    // engine dying in between leaves a stalled job that runs again, never a completed job whose
    // results are lost.
    await outbox.sent();
    return payload.tasks.length;
  }

  /** Runs one task and reports its outcome; never rejects. */
  #run(client: string, definitions: Definition[], specs: TaskSpec[], task: WireTask): Promise<void> {
    const key = `${client}:${task.n}`;
    if (this.#cancelled.has(key)) return Promise.resolve(); // its client settled it already
    const report = (ok: boolean, value: unknown, ms: number): void => {
      if (ok) this.#done += 1;
      else this.#failed += 1;
      if (this.#abandoning || this.#cancelled.has(key)) return;
      const done: DoneMessage = { t: 'done', n: task.n, e: this.id, ok, ms };
      if (!ok) done.v = serializeError(value);
      else if (value !== undefined) done.v = value;
      this.#outbox!.push(client, done);
    };
    let future: Future<unknown>;
    try {
      const definition = definitions[task.d];
      const args = task.a;
      if (!definition || !Array.isArray(args)) throw new TaskDefinitionError(`Task ${task.n} is malformed (no definition, or arguments that are not an array)`);
      const refusal = definition.wrapper ? this.#policy.refuse(specs[task.d]!, args) : definition.refusal;
      if (refusal) throw refusal;
      const options: SubmitOptions = {};
      if (task.t !== undefined) options.timeout = task.t;
      if (task.m) options.messages = this.#messagesOf(client, task.n, key);
      future = this.#local!.submit(definition.target as never, args as never, options);
    } catch (error) {
      report(false, error, 0);
      return Promise.resolve();
    }
    this.#running.set(key, future);
    return new Promise((resolve) => {
      future.onSettled((result) => {
        this.#running.delete(key);
        this.#forgetRequests(key);
        const ms = result.startedAt === undefined ? 0 : result.finishedAt - result.startedAt;
        report(result.ok, result.ok ? result.value : result.error, ms);
        resolve();
      });
    });
  }

  /** A job BullMQ failed (it stalled too often, or could not be read): its tasks are lost. */
  #jobFailed(job: BullJob | undefined, error: Error): void {
    const client = clientOf(job?.data);
    const numbers = (job?.data as { n?: unknown } | undefined)?.n;
    if (!job || !client || !Array.isArray(numbers)) {
      this.#log(`job ${job?.id ?? '?'} failed and cannot be reported: ${error.message}`);
      return;
    }
    const stalled = /stalled/.test(error.message);
    const lost = stalled
      ? new WorkerCrashedError(`The engines running job ${job.id} stopped (killed, or cut off from Redis) more than maxStalledCount times; its tasks are not run again`, { workerId: this.id, cause: error })
      : new TaskError(`Engine ${this.id} could not run job ${job.id}: ${error.message}`, { cause: error });
    this.#outbox?.push(client, { t: 'lost', j: job.id!, e: this.id, n: numbers as number[], error: serializeError(lost) });
  }

  // ---- messages of running tasks, and control ------------------------------------------------

  #messagesOf(client: string, n: number, key: string): TaskMessages {
    return {
      message: (payload) => this.#outbox!.push(client, { t: 'msg', n, e: this.id, p: payload }),
      request: (payload) => new Promise((resolve, reject) => {
        const id = (this.#requestSeq += 1);
        this.#requests.set(id, { task: key, resolve, reject });
        this.#outbox!.push(client, { t: 'msg', n, e: this.id, id, p: payload });
      }),
    };
  }

  #forgetRequests(task: string): void {
    for (const [id, request] of this.#requests) {
      if (request.task !== task) continue;
      this.#requests.delete(id);
      request.reject(new Error('the task ended'));
    }
  }

  #onControl(bytes: Buffer): void {
    let message: ControlMessage;
    try {
      message = decode<ControlMessage>(bytes);
    } catch {
      return; // not ours
    }
    switch (message.t) {
      case 'cancel':
        for (const n of message.n) {
          const key = `${message.c}:${n}`;
          this.#cancelled.add(key);
          this.#running.get(key)?.cancel(message.reason);
        }
        while (this.#cancelled.size > REMEMBERED_CANCELS) this.#cancelled.delete(this.#cancelled.values().next().value!);
        break;
      case 'reply': {
        const request = this.#requests.get(message.id);
        if (!request) break;
        this.#requests.delete(message.id);
        if (message.ok) request.resolve(message.p);
        else request.reject(deserializeError(message.p as never));
        break;
      }
      case 'props':
        this.#properties = { ...message.props };
        break;
    }
  }
}
