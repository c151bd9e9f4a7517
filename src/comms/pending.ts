import { decodeOutcome, unwrapOutcome } from './codec.js';
import { CommunicatorTimeoutError, type MessageKind } from './errors.js';

interface Waiter {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer?: NodeJS.Timeout;
}

/**
 * The senders waiting for a reply, by message id. The first reply for an id settles it; any later
 * one (a task that ran twice after a redelivery) is ignored, so a sender sees exactly one result.
 */
export class PendingReplies {
  readonly #waiters = new Map<string, Waiter>();

  get size(): number {
    return this.#waiters.size;
  }

  /**
   * Waits for the reply to `id`; rejects with CommunicatorTimeoutError after `timeout` ms, if given,
   * once `onTimeout` (which withdraws the message if nobody took it yet) has finished.
   */
  wait(id: string, kind: MessageKind, timeout: number | undefined, describe: string, onTimeout?: () => Promise<void>): Promise<unknown> {
    const reply = new Promise((resolve, reject) => {
      const waiter: Waiter = { resolve, reject };
      if (timeout !== undefined) {
        waiter.timer = setTimeout(() => {
          this.#waiters.delete(id);
          const error = new CommunicatorTimeoutError(`No reply to ${describe} within ${timeout} ms`, { timeout, kind });
          void (onTimeout ?? (async () => undefined))().catch(() => undefined).then(() => reject(error));
        }, timeout);
      }
      this.#waiters.set(id, waiter);
    });
    // The sender awaits this only after the message is sent; a close or timeout meanwhile must not
    // count as unhandled. The caller still gets the rejection through the promise it is given.
    reply.catch(() => undefined);
    return reply;
  }

  /** Settles the waiter of `id` with an encoded outcome; false if nobody waits for it (any more). */
  settle(id: string, outcomeText: string): boolean {
    const waiter = this.#take(id);
    if (!waiter) return false;
    try {
      waiter.resolve(unwrapOutcome(decodeOutcome(outcomeText)));
    } catch (error) {
      waiter.reject(error as Error);
    }
    return true;
  }

  /** Rejects the waiter of `id` (the message could not be sent). */
  fail(id: string, error: Error): void {
    this.#take(id)?.reject(error);
  }

  /** Rejects every waiter (the communicator closes). */
  failAll(error: Error): void {
    for (const id of [...this.#waiters.keys()]) this.fail(id, error);
  }

  #take(id: string): Waiter | undefined {
    const waiter = this.#waiters.get(id);
    if (!waiter) return undefined;
    this.#waiters.delete(id);
    clearTimeout(waiter.timer);
    return waiter;
  }
}
