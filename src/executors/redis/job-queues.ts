import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Libraries } from './connection.js';
import type { Keys } from './keys.js';
import type { JobData } from './protocol.js';

/** BullMQ runs lower numbers first, from 1 to 2^21; taskfarm runs higher priorities first, 0 in the middle. */
const PRIORITY_ZERO = 2 ** 20;
const PRIORITY_MAX = 2 ** 21;

/** A BullMQ job to add: its id, its tasks as they travel, and their taskfarm priority. */
export interface NewJob {
  id: string;
  data: JobData;
  priority: number;
}

/**
 * The BullMQ queues a client adds jobs to: the shared one that every engine consumes, and the
 * own queue of each engine that tasks were placed on, opened on first use.
 */
export class JobQueues {
  readonly #libs: Libraries;
  readonly #command: Redis;
  readonly #keys: Keys;
  readonly #shared: Queue;
  readonly #engineQueues = new Map<string, Queue>();

  constructor(libs: Libraries, command: Redis, keys: Keys) {
    this.#libs = libs;
    this.#command = command;
    this.#keys = keys;
    this.#shared = this.#open(keys.queue);
  }

  /** The queue of a route: `''` for the shared queue, else an engine id. */
  of(route: string): Queue {
    if (!route) return this.#shared;
    let queue = this.#engineQueues.get(route);
    if (!queue) {
      queue = this.#open(this.#keys.engineQueue(route));
      this.#engineQueues.set(route, queue);
    }
    return queue;
  }

  /** Adds jobs to the queue of `route`, in one round trip; settles when they are in Redis. */
  add(route: string, jobs: NewJob[]): Promise<void> {
    return this.of(route).addBulk(jobs.map(({ id, data, priority }) => ({
      name: 'tasks',
      data,
      // Keeping finished jobs or not is the engines' setting; the less a job carries, the cheaper it is.
      opts: { jobId: id, priority: Math.min(PRIORITY_MAX, Math.max(1, PRIORITY_ZERO - Math.round(priority))) },
    }))).then(() => undefined);
  }

  /**
   * Engine `id` is gone: takes the jobs `withdrawn` out of its queue, then removes the queue if
   * nobody else's jobs are left in it.
   */
  dropEngine(id: string, withdrawn: string[]): void {
    const queue = this.#engineQueues.get(id);
    if (!queue) return;
    this.#engineQueues.delete(id);
    void Promise.all(withdrawn.map((jobId) => queue.remove(jobId)))
      .then(() => queue.getJobCountByTypes('waiting', 'active', 'delayed', 'prioritized'))
      .then((count) => (count === 0 ? queue.obliterate({ force: true }) : undefined))
      .catch(() => undefined)
      .finally(() => queue.close().catch(() => undefined));
  }

  /** Closes every queue (their errors are ignored: the client is going away). */
  async close(): Promise<void> {
    await Promise.all([this.#shared, ...this.#engineQueues.values()].map((queue) => queue.close().catch(() => undefined)));
  }

  #open(name: string): Queue {
    const queue = new this.#libs.Queue(name, { connection: this.#command, prefix: this.#keys.prefix });
    // Its errors are those of the connection, which is watched already; unheard, BullMQ prints them.
    queue.on('error', () => undefined);
    return queue;
  }
}
