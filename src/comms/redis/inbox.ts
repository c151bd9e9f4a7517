import type { Redis } from 'ioredis';

/**
 * Disconnects a client that may be blocked in a command and waits for the reading loop to end.
 * Connected, the blocked command rejects at once. Reconnecting, ioredis never settles it (the socket
 * is already gone), so the loop is not awaited: it is stopped and will never run again.
 */
export async function disconnectBlocked(client: Redis, loop: Promise<void> | undefined): Promise<void> {
  const connected = client.status === 'ready';
  client.disconnect();
  if (connected) await loop;
}

/** How long one BLPOP waits before it is issued again; a safety net for half-open connections. */
const BLOCK_SECONDS = 5;
/** Items taken per LPOP after a BLPOP returned, so a burst of replies costs few round trips. */
const DRAIN_BATCH = 100;

/**
 * Reads a communicator's inbox: one list that carries the replies to its tasks and RPCs and the RPC
 * requests addressed to its identifiers. A list (not PUB/SUB) so that what arrives while the
 * connection is down waits for it; it expires if its owner stops reading (is dead).
 */
export class InboxReader {
  readonly #client: Redis;
  readonly #key: string;
  readonly #onItem: (text: string) => void;
  readonly #report: (error: unknown, doing: string) => void;
  #stopped = false;
  #loop: Promise<void> | undefined;

  constructor(client: Redis, key: string, onItem: (text: string) => void, report: (error: unknown, doing: string) => void) {
    this.#client = client;
    this.#key = key;
    this.#onItem = onItem;
    this.#report = report;
  }

  start(): void {
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await disconnectBlocked(this.#client, this.#loop);
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      try {
        const popped = (await this.#client.call('BLPOP', this.#key, BLOCK_SECONDS)) as [string, string] | null;
        if (this.#stopped || !popped) continue;
        this.#deliver(popped[1]);
        for (;;) {
          const more = (await this.#client.call('LPOP', this.#key, DRAIN_BATCH)) as string[] | null;
          if (this.#stopped || !more) break;
          for (const item of more) this.#deliver(item);
          if (more.length < DRAIN_BATCH) break;
        }
      } catch (error) {
        if (this.#stopped) return;
        this.#report(error, 'reading the inbox');
        await new Promise((resolve) => setTimeout(resolve, 1_000).unref());
      }
    }
  }

  #deliver(text: string): void {
    try {
      this.#onItem(text);
    } catch (error) {
      this.#report(error, 'handling an inbox message');
    }
  }
}
