/**
 * Applies asynchronous operations in the order they were called, while letting operations on
 * different keys run at once. A pooled database runs concurrent queries on different connections,
 * so without this an un-awaited save could land after a later one and leave an older "latest"
 * checkpoint behind.
 */
export class CallOrder {
  /** Settles when every operation called before the last forAll() has. */
  #barrier: Promise<unknown> = Promise.resolve();
  /** Per key: settles when the last operation on that key has. */
  readonly #tails = new Map<string, Promise<unknown>>();

  /** Runs `operation` after every earlier operation on `key` and every earlier forAll(). */
  forKey<T>(key: string, operation: () => Promise<T>): Promise<T> {
    const result = (this.#tails.get(key) ?? this.#barrier).then(operation);
    const tail = result.catch(() => undefined);
    this.#tails.set(key, tail);
    // Forget finished keys, so a long-lived persister does not keep one entry per pid ever seen.
    void tail.then(() => { if (this.#tails.get(key) === tail) this.#tails.delete(key); });
    return result;
  }

  /** Runs `operation` after every earlier operation; later ones wait for it. */
  forAll<T>(operation: () => Promise<T>): Promise<T> {
    const result = Promise.all([this.#barrier, ...this.#tails.values()]).then(operation);
    this.#barrier = result.catch(() => undefined);
    this.#tails.clear();
    return result;
  }
}
