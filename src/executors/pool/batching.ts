/**
 * Adaptive batching: several tasks share one message to a worker only while they are short, so tiny
 * tasks are fast and heavy ones keep all their parallelism. Each task definition's run time is
 * learned from the results; an unknown definition is treated as heavy until it is measured.
 */

/** A batch should hold about this much work, in microseconds. */
const TARGET_BATCH_US = 1000;
/** At most this many tasks per message. */
const MAX_BATCH = 512;
/** Tasks this long or longer are sent one at a time, without pipelining. */
const HEAVY_US = 1000;

export interface BatchPlan {
  /** Tasks to put into one message. */
  size: number;
  /** Tasks a worker may hold at once (running plus waiting there), so it never idles between messages. */
  window: number;
}

const SINGLE: BatchPlan = { size: 1, window: 1 };

export class BatchSizer {
  readonly #estimates = new Map<number, number>();

  /** Records a measured run time of a task of definition `defId`. */
  observe(defId: number, runMs: number): void {
    const us = runMs * 1000;
    const previous = this.#estimates.get(defId);
    // The larger of the average and the last run: one slow run makes batches small at once, while it
    // takes several fast runs to make them large again.
    this.#estimates.set(defId, previous === undefined ? us : Math.max(us, previous * 0.8 + us * 0.2));
  }

  plan(defId: number): BatchPlan {
    const estimate = this.#estimates.get(defId);
    if (estimate === undefined || estimate >= HEAVY_US) return SINGLE;
    const size = Math.max(1, Math.min(MAX_BATCH, Math.floor(TARGET_BATCH_US / Math.max(estimate, 1))));
    return { size, window: size * 2 };
  }
}
