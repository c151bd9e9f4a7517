import type { Redis } from 'ioredis';
import type { EngineViews } from './engines.js';
import type { Keys } from './keys.js';
import { readEngines } from './registry.js';

/** What {@link RegistryPoll} reads with and tells. */
export interface RegistryPollOptions {
  command: Redis;
  keys: Keys;
  /** The views the reads update. */
  views: EngineViews;
  /** Milliseconds between reads. */
  intervalMs: number;
  /** True once the client closes: no read starts then. */
  closing: () => boolean;
  /** After a read: the engines that are gone, and whether anything else changed. */
  onRead: (gone: string[], changed: boolean) => void;
  /** Logs a failed read (the line is not scrubbed here). */
  log: (line: string) => void;
}

/** Reads the engine registry into a client's views: once at start, then at an interval, one read at a time. */
export class RegistryPoll {
  readonly #options: RegistryPollOptions;
  #timer: NodeJS.Timeout | undefined;
  #reading = false;

  constructor(options: RegistryPollOptions) {
    this.#options = options;
  }

  /** Reads the registry, then keeps reading it at the interval. */
  async start(): Promise<void> {
    await this.#read();
    this.#timer = setInterval(() => void this.#read(), this.#options.intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  async #read(): Promise<void> {
    const { command, keys, views, closing, onRead, log } = this.#options;
    if (this.#reading || closing()) return;
    this.#reading = true;
    try {
      const epoch = views.beginRead();
      const records = await readEngines(command, keys);
      const { gone, changed } = views.apply(records, epoch);
      onRead(gone, changed);
    } catch (error) {
      log(`cannot read the engine registry: ${(error as Error).message}`);
    } finally {
      this.#reading = false;
    }
  }
}
