import { Deque } from '../../core/deque.js';

/**
 * Priority queue, FIFO within a priority (higher priority first). Entries that left the queue some
 * other way (cancelled) are dropped lazily when met, via `isLive`.
 */
export class PriorityQueue<T> {
  readonly #buckets = new Map<number, Deque<T>>();
  /** Priorities present, highest first. */
  #order: number[] = [];
  #size = 0;

  constructor(private readonly isLive: (item: T) => boolean) {}

  /** Live entries (the owner calls `forget` when an entry dies in place). */
  get size(): number {
    return this.#size;
  }

  push(item: T, priority: number): void {
    this.#bucket(priority).push(item);
    this.#size += 1;
  }

  /** Puts an entry back at the front of its priority (a task taken back from a worker). */
  pushFront(item: T, priority: number): void {
    this.#bucket(priority).unshift(item);
    this.#size += 1;
  }

  /** Tells the queue that an entry it holds is no longer live. */
  forget(): void {
    this.#size -= 1;
  }

  /**
   * Removes and returns up to `max` live entries accepted by `accept`, in priority order. Entries
   * not accepted keep their place. Scans at most `scanLimit` entries, so a queue full of tasks that
   * fit nowhere cannot make every dispatch quadratic.
   */
  take(max: number, accept: ((item: T) => boolean) | undefined, scanLimit = 1024): T[] {
    const taken: T[] = [];
    let scanned = 0;
    for (let p = 0; p < this.#order.length && taken.length < max && scanned < scanLimit; p += 1) {
      const priority = this.#order[p]!;
      const bucket = this.#buckets.get(priority)!;
      const skipped: T[] = [];
      while (taken.length < max && scanned < scanLimit && bucket.length > 0) {
        const item = bucket.shift()!;
        if (!this.isLive(item)) continue;
        scanned += 1;
        if (accept === undefined || accept(item)) {
          taken.push(item);
          this.#size -= 1;
        } else {
          skipped.push(item);
        }
      }
      for (let i = skipped.length - 1; i >= 0; i -= 1) bucket.unshift(skipped[i]!);
    }
    this.#prune();
    return taken;
  }

  /** The first live entry, without removing it. */
  peek(): T | undefined {
    for (const priority of this.#order) {
      for (const item of this.#buckets.get(priority)!) if (this.isLive(item)) return item;
    }
    return undefined;
  }

  /** Removes and returns every live entry. */
  drain(): T[] {
    const all: T[] = [];
    for (const priority of this.#order) for (const item of this.#buckets.get(priority)!) if (this.isLive(item)) all.push(item);
    this.#buckets.clear();
    this.#order = [];
    this.#size = 0;
    return all;
  }

  #bucket(priority: number): Deque<T> {
    let bucket = this.#buckets.get(priority);
    if (!bucket) {
      bucket = new Deque<T>();
      this.#buckets.set(priority, bucket);
      this.#order.push(priority);
      this.#order.sort((a, b) => b - a);
    }
    return bucket;
  }

  #prune(): void {
    if (this.#order.length <= 1) return;
    for (const priority of [...this.#order]) {
      if (this.#buckets.get(priority)!.length === 0) {
        this.#buckets.delete(priority);
        this.#order = this.#order.filter((p) => p !== priority);
      }
    }
  }
}
