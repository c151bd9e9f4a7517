/**
 * How many tasks one BullMQ job carries. A job costs a few Redis round trips whatever it holds, so
 * tiny tasks travel many to a job; a task that is slow, or not measured yet, travels alone so
 * that engines share the work. A job never holds more than its share of what is queued, so a
 * small burst still spreads over every engine.
 */

/** A job should hold about this much work, in microseconds. */
const TARGET_JOB_US = 20_000;
/** Tasks this long or longer travel one to a job. */
const HEAVY_US = 20_000;

export class JobSizer {
  readonly #estimates = new Map<string, number>();

  /** Records a run time (on the engine's pool) of a task of definition `key`. */
  observe(key: string, runMs: number): void {
    const us = runMs * 1000;
    const previous = this.#estimates.get(key);
    // As the local pools do: one slow run shrinks jobs at once; it takes several fast ones to grow them.
    this.#estimates.set(key, previous === undefined ? us : Math.max(us, previous * 0.8 + us * 0.2));
  }

  /** True when tasks of `key` are known to be tiny enough to share a job. */
  tiny(key: string): boolean {
    const estimate = this.#estimates.get(key);
    return estimate !== undefined && estimate < HEAVY_US;
  }

  /**
   * Tasks of definition `key` to put in one job, with `queued` tasks waiting and engines running
   * `capacity` tasks at once, at most `max`.
   */
  size(key: string, queued: number, capacity: number, max: number): number {
    const estimate = this.#estimates.get(key);
    if (estimate === undefined || estimate >= HEAVY_US) return 1;
    const byTime = Math.floor(TARGET_JOB_US / Math.max(estimate, 1));
    const share = Math.ceil(queued / Math.max(1, capacity));
    return Math.max(1, Math.min(byTime, share, max));
  }
}
