import type { TaskSpec } from '../../task/spec.js';
import { Job } from '../job.js';
import type { EngineViews } from './engines.js';

/** One BullMQ job this executor added: the tasks it carries that have not finished. */
export interface SentJob {
  id: string;
  /** `''` for the shared queue, else the engine whose own queue holds it. */
  route: string;
  jobs: Set<RedisJob>;
  /** BullMQ's start count of the job at the latest start seen: a rerun after a stall has a higher one. */
  run: number;
  /** Settles when the job is in Redis. */
  added: Promise<void>;
}

export class RedisJob<R = unknown> extends Job<R> {
  spec!: TaskSpec;
  defKey!: string;
  /** Wire number of the current submission (a retry gets a new one). */
  num: number | undefined;
  sent: SentJob | undefined;
  /** The current submission started on an engine. */
  started = false;
}

/**
 * The bookkeeping of a client's tasks in Redis (queued there or running on an engine): by wire
 * number, grouped by the BullMQ job that carries them, and how many an engine started.
 */
export class InFlight {
  readonly #clientId: string;
  readonly #views: EngineViews;
  /** Tasks in Redis (queued there or running on an engine), by wire number. */
  readonly #byNum = new Map<number, RedisJob>();
  readonly #sent = new Map<string, SentJob>();
  #numSeq = 0;
  #jobSeq = 0;
  #startedCount = 0;

  /** `views` count the tasks placed on each engine's own queue. */
  constructor(clientId: string, views: EngineViews) {
    this.#clientId = clientId;
    this.#views = views;
  }

  /** Tasks in Redis. */
  get size(): number {
    return this.#byNum.size;
  }

  /** Tasks in Redis that an engine started. */
  get startedCount(): number {
    return this.#startedCount;
  }

  get(num: number): RedisJob | undefined {
    return this.#byNum.get(num);
  }

  /** The tasks in Redis, as a copy: settling them while going through it is safe. */
  jobs(): RedisJob[] {
    return [...this.#byNum.values()];
  }

  /** A new wire number, for a task about to travel. */
  nextNum(): number {
    return (this.#numSeq += 1);
  }

  /** Records a new BullMQ job to `route` carrying `batch`, whose wire numbers are `nums` (in order). */
  add(route: string, batch: RedisJob[], nums: number[]): SentJob {
    const sent: SentJob = { id: `${this.#clientId}-${(this.#jobSeq += 1)}`, route, jobs: new Set(batch), run: 0, added: Promise.resolve() };
    this.#sent.set(sent.id, sent);
    const view = route ? this.#views.get(route) : undefined;
    nums.forEach((num, i) => {
      const job = batch[i]!;
      job.num = num;
      this.#byNum.set(num, job);
      job.sent = sent;
      job.started = false;
      if (view) view.placed += 1;
    });
    return sent;
  }

  /** Counts the current submission of a task as started on an engine (once). */
  markStarted(job: RedisJob): void {
    if (job.started) return;
    job.started = true;
    this.#startedCount += 1;
  }

  /**
   * Engine `id` is gone: forgets the tasks placed on its own queue, calling `started` with each
   * one it had started as it is forgotten. Returns the tasks it had not started, and the ids of
   * its jobs that no engine started (to take out of its queue).
   */
  dropEngine(id: string, started: (job: RedisJob) => void): { unstarted: RedisJob[]; withdrawn: string[] } {
    const unstarted: RedisJob[] = [];
    const withdrawn: string[] = [];
    for (const sent of [...this.#sent.values()]) {
      if (sent.route !== id) continue;
      if (sent.run === 0) withdrawn.push(sent.id);
      for (const job of [...sent.jobs]) {
        if (this.forget(job)) started(job);
        else unstarted.push(job);
      }
    }
    return { unstarted, withdrawn };
  }

  /** Forgets the current submission of a task; returns whether an engine had started it. */
  forget(job: RedisJob): boolean {
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
}
