/**
 * An iterator you can push items back onto (AMLTK's Requeue): `requeue(item)` puts one in front of
 * what is left, `append(item)` behind everything. Handy for "try this config again later".
 */
export class Requeue<T> implements IterableIterator<T> {
  readonly #front: T[] = [];
  readonly #back: T[] = [];
  readonly #source: Iterator<T>;
  #sourceDone = false;

  constructor(items: Iterable<T> = []) {
    this.#source = items[Symbol.iterator]();
  }

  /** Puts `item` first: the next `next()` returns it. */
  requeue(item: T): void {
    this.#front.push(item);
  }

  /** Puts `item` last, after every item of the source. */
  append(item: T): void {
    this.#back.push(item);
  }

  next(): IteratorResult<T> {
    if (this.#front.length > 0) return { value: this.#front.pop()!, done: false };
    if (!this.#sourceDone) {
      const next = this.#source.next();
      if (!next.done) return next;
      this.#sourceDone = true;
    }
    if (this.#back.length > 0) return { value: this.#back.shift()!, done: false };
    return { value: undefined, done: true };
  }

  [Symbol.iterator](): IterableIterator<T> {
    return this;
  }
}
