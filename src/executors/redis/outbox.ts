import type { Redis } from 'ioredis';
import { serializeError } from '../../core/error-codec.js';
import { TaskDefinitionError } from '../../core/errors.js';
import type { Keys } from './keys.js';
import { encode, type EngineMessage } from './protocol.js';

/** How long a result stream outlives its last write: a client that vanished must not leak it forever. */
const STREAM_TTL_MS = 24 * 60 * 60 * 1000;
/** The time to live is renewed at most this often per stream: once per write would double the writes. */
const RENEW_TTL_MS = 60 * 1000;
/**
 * Starts wait this long for company: a tiny task's start and result then travel in one write. A
 * client sees the task running that much later; a cancel meanwhile still reaches it (broadcast).
 */
const START_DELAY_MS = 5;
/** Wait before writing again after Redis refused a write (not an outage: those are waited through). */
const RETRY_MS = 1000;

/**
 * An engine's messages to clients, written in one stream entry per client per turn of the event
 * loop: a batch of 256 tiny tasks costs a few writes, not 512, and its first results still leave
 * before its last task has run.
 */
export class Outbox {
  readonly #client: Redis;
  readonly #keys: Keys;
  readonly #onError: (error: Error) => void;
  #pending = new Map<string, EngineMessage[]>();
  /** A flush is scheduled: at once (`now`: setImmediate) or after the start delay (`later`). */
  #scheduled: false | 'now' | 'later' = false;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  /** When the time to live of each client's stream was last renewed. */
  readonly #renewed = new Map<string, number>();
  /** Settles when what is pending now has been written. */
  #next: { promise: Promise<void>; resolve: () => void } | undefined;
  /** Settles when what is pending now has been sent (not yet answered). */
  #sending: { promise: Promise<void>; resolve: () => void } | undefined;
  #last: Promise<void> = Promise.resolve();

  constructor(client: Redis, keys: Keys, onError: (error: Error) => void) {
    this.#client = client;
    this.#keys = keys;
    this.#onError = onError;
  }

  /** Drops what is still pending and writes nothing more (the engine stopped). */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#pending.clear();
    this.#next?.resolve();
    this.#next = undefined;
    this.#sending?.resolve();
    this.#sending = undefined;
  }

  push(clientId: string, message: EngineMessage): void {
    if (this.#closed) return;
    let list = this.#pending.get(clientId);
    if (!list) this.#pending.set(clientId, (list = []));
    list.push(message);
    this.#schedule(message.t === 'start' ? START_DELAY_MS : 0);
  }

  /** Resolves once every message pushed so far is in Redis. */
  flushed(): Promise<void> {
    if (this.#pending.size === 0) return this.#last;
    this.#next ??= deferred();
    return this.#next.promise;
  }

  /**
   * Resolves once every message pushed so far has been sent, at the end of this turn of the event
   * loop, with what other jobs pushed meanwhile (one write for them all), without waiting for Redis
   * to answer. Commands on one connection run in the order they were sent, so a BullMQ command sent
   * after this on the same connection (the completion of the job these results belong to) runs
   * after these writes: a job is never seen completed without its results, and the engine need not
   * wait a round trip before completing it.
   */
  sent(): Promise<void> {
    if (this.#pending.size === 0) return Promise.resolve();
    this.#schedule(0);
    this.#sending ??= deferred();
    return this.#sending.promise;
  }

  #schedule(delay: number): void {
    if (this.#scheduled === 'now' || (this.#scheduled === 'later' && delay > 0)) return;
    if (this.#scheduled === 'later') clearTimeout(this.#timer);
    this.#scheduled = delay === 0 ? 'now' : 'later';
    this.#next ??= deferred();
    const run = (): void => this.#flush();
    if (delay === 0) setImmediate(run);
    else this.#timer = setTimeout(run, delay);
  }

  #flush(): void {
    if (this.#closed) return;
    if (this.#scheduled === 'later') clearTimeout(this.#timer);
    this.#scheduled = false;
    const batch = this.#pending;
    const done = this.#next;
    this.#pending = new Map();
    this.#next = undefined;
    // Its waiters run after this function has sent the writes below.
    this.#sending?.resolve();
    this.#sending = undefined;
    if (batch.size === 0) {
      done?.resolve();
      return;
    }
    // Plain commands, not a pipeline: ioredis copies every script defined on the connection (BullMQ
    // defines dozens) into each pipeline it makes, which costs more than the writes themselves.
    const writes: Array<Promise<unknown>> = [];
    const at = Date.now();
    for (const [clientId, messages] of batch) {
      const key = this.#keys.results(clientId);
      writes.push(this.#client.xadd(key, '*', 'm', encodeAll(messages)));
      if ((this.#renewed.get(clientId) ?? 0) + RENEW_TTL_MS < at) {
        this.#renewed.set(clientId, at);
        writes.push(this.#client.pexpire(key, STREAM_TTL_MS));
      }
    }
    const written = Promise.all(writes).then(() => undefined);
    this.#last = written.then(() => done?.resolve(), (error: unknown) => {
      this.#onError(error as Error);
      // Put the messages back in front, and settle this flush when the retry does.
      for (const [clientId, messages] of batch) this.#pending.set(clientId, [...messages, ...(this.#pending.get(clientId) ?? [])]);
      const retry = this.flushed();
      this.#schedule(RETRY_MS);
      return retry.then(() => done?.resolve());
    });
  }
}

/** The messages as one value; one that cannot be encoded becomes the failure of its task. */
function encodeAll(messages: EngineMessage[]): Buffer {
  try {
    return encode(messages);
  } catch {
    return encode(messages.map((message) => {
      try {
        encode(message);
        return message;
      } catch (error) {
        if (message.t === 'done') {
          const failure = new TaskDefinitionError(`The return value of task ${message.n} cannot be sent to the client: ${(error as Error).message}`);
          return { ...message, ok: false, v: serializeError(failure) };
        }
        return message.t === 'msg' ? { ...message, p: `<message that cannot be sent: ${(error as Error).message}>` } : message;
      }
    }));
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
