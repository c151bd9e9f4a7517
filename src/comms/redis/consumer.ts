import type { Redis } from 'ioredis';
import type { ConsumerSpec, TaskSettlement } from '../base.js';
import { disconnectBlocked } from './inbox.js';
import type { RedisKeys } from './keys.js';
import { claimScript, giveBackScript, settleScript, touchScript } from './scripts.js';

/** What a consumer needs from its communicator. */
export interface ConsumerContext {
  /** The shared command connection (never blocked). */
  command: Redis;
  /** Opens a connection of its own for the blocking reads. */
  openBlocking(): Promise<Redis>;
  keys: RedisKeys;
  communicatorId: string;
  deadAfter: number;
  inboxTtl: number;
  report(error: unknown, doing: string): void;
}

type Fields = string[] | null;
type Delivery = [id: string, fields: Fields, deliveries: number];

/**
 * One task subscriber on Redis: a consumer of the queue stream's group, with a blocking connection
 * of its own.
 *
 * - New tasks come with XREADGROUP (`>`); each is acknowledged (and deleted) together with its reply
 *   in one script when its handler settles.
 * - While a handler runs, the heartbeat resets the task's idle time; tasks idle longer than
 *   `deadAfter` belong to a dead (or frozen) consumer, and XAUTOCLAIM hands them to a live one.
 * - After a reconnect it first re-reads its own pending entries: a delivery whose reply was lost
 *   with the connection is run now, not after `deadAfter`.
 */
export class RedisTaskConsumer {
  readonly name: string;
  readonly #ctx: ConsumerContext;
  readonly #spec: ConsumerSpec;
  readonly #stream: string;
  readonly #inFlight = new Set<string>();
  #blocking: Redis | undefined;
  #loop: Promise<void> | undefined;
  /** running → draining (removed: running tasks finish) or abandoned (closed: running tasks were given back). */
  #state: 'running' | 'draining' | 'abandoned' = 'running';
  #wake: (() => void) | undefined;
  #claimCursor = '0-0';
  #nextClaimAt = 0;
  #readHistory = true;
  /** Tasks settled while a read of our own pending entries was under way: that read may still list them. */
  #settledDuringHistory: Set<string> | undefined;
  #drained: (() => void) | undefined;

  constructor(ctx: ConsumerContext, spec: ConsumerSpec) {
    this.#ctx = ctx;
    this.#spec = spec;
    this.name = `${ctx.communicatorId}:${spec.id}`;
    this.#stream = ctx.keys.queue(spec.queue);
  }

  get id(): string {
    return this.#spec.id;
  }

  /** How long a blocking read waits; it also paces the search for dead consumers' tasks. */
  get #blockMs(): number {
    return Math.round(Math.min(Math.max(this.#ctx.deadAfter / 2, 50), 5_000));
  }

  async start(): Promise<void> {
    await this.#ensureGroup();
    this.#blocking = await this.#ctx.openBlocking();
    this.#blocking.on('ready', () => { this.#readHistory = true; });
    this.#loop = this.#run();
  }

  /** Resets the idle time of the tasks this consumer runs, so that nobody claims them. */
  async heartbeat(): Promise<void> {
    if (this.#inFlight.size === 0 || this.#state === 'abandoned') return;
    await touchScript.run(this.#ctx.command, [this.#stream], [this.#ctx.keys.group, this.name, ...this.#inFlight]);
  }

  /**
   * Stops reading. Deliveries that never reached a handler go back to the queue, and running tasks
   * either finish and are settled (`drain`: the subscriber was removed) or go back too (`give-back`:
   * the communicator closes). `abandon` (closing while Redis is away) only stops: what this consumer
   * held is claimed by others after deadAfter.
   */
  async stop(mode: 'drain' | 'give-back' | 'abandon'): Promise<void> {
    if (this.#state === 'abandoned' || (this.#state === 'draining' && mode === 'drain')) return;
    const wasRunning = this.#state === 'running';
    // A draining consumer whose communicator closes gives its running tasks back too.
    this.#state = mode === 'drain' ? 'draining' : 'abandoned';
    if (wasRunning) {
      this.#wake?.();
      if (this.#blocking) await disconnectBlocked(this.#blocking, this.#loop);
    }
    if (mode === 'abandon') return;
    const keep = mode === 'drain' ? [...this.#inFlight] : [];
    await giveBackScript.run(this.#ctx.command, [this.#stream], [this.#ctx.keys.group, this.name, ...keep]);
  }

  /** Resolves once no task of this consumer is running (after `stop('drain')`). */
  whenDrained(): Promise<void> {
    if (this.#inFlight.size === 0) return Promise.resolve();
    return new Promise((resolve) => { this.#drained = resolve; });
  }

  /** Deletes the drained consumer from the group (nothing of it is pending any more). */
  async forget(): Promise<void> {
    await giveBackScript.run(this.#ctx.command, [this.#stream], [this.#ctx.keys.group, this.name]);
  }

  async #run(): Promise<void> {
    while (this.#state === 'running') {
      const free = this.#spec.concurrency - this.#inFlight.size;
      if (free <= 0) {
        await new Promise<void>((resolve) => { this.#wake = resolve; });
        continue;
      }
      try {
        const batch = await this.#next(free);
        // Read after stop: left pending, and given back by stop().
        if (this.#state !== 'running') return;
        for (const delivery of batch) this.#handle(delivery);
      } catch (error) {
        if (this.#state !== 'running') return;
        if (String((error as Error).message).includes('NOGROUP')) {
          // The stream or its group vanished (a Redis without persistence restarted, a key was deleted).
          await this.#ensureGroup().catch((e: unknown) => this.#ctx.report(e, `recreating the group of queue '${this.#spec.queue}'`));
          continue;
        }
        this.#ctx.report(error, `reading queue '${this.#spec.queue}'`);
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
          setTimeout(resolve, 1_000).unref();
        });
      }
    }
  }

  async #next(free: number): Promise<Delivery[]> {
    if (this.#readHistory) {
      this.#readHistory = false;
      const settled = new Set<string>();
      this.#settledDuringHistory = settled;
      let own: Delivery[];
      try {
        own = await this.#read('0', this.#inFlight.size + free, undefined);
      } finally {
        this.#settledDuringHistory = undefined;
      }
      const lost = own.filter(([id]) => !this.#inFlight.has(id) && !settled.has(id));
      if (lost.length > free) this.#readHistory = true; // the rest next time, within concurrency
      if (lost.length > 0) return lost.slice(0, free);
    }
    if (Date.now() >= this.#nextClaimAt) {
      const claimed = await this.#claim(free);
      if (claimed.length > 0) return claimed;
    }
    return this.#read('>', free, this.#blockMs);
  }

  async #read(from: string, count: number, block: number | undefined): Promise<Delivery[]> {
    const args: Array<string | number> = ['GROUP', this.#ctx.keys.group, this.name, 'COUNT', count];
    if (block !== undefined) args.push('BLOCK', block);
    args.push('STREAMS', this.#stream, from);
    const reply = (await this.#blocking!.call('XREADGROUP', ...args)) as Array<[string, Array<[string, Fields]>]> | null;
    const entries = reply?.[0]?.[1] ?? [];
    return entries.map(([id, fields]) => [id, fields, deliveriesOf(fields, 1)]);
  }

  async #claim(count: number): Promise<Delivery[]> {
    const [cursor, entries] = (await claimScript.run(
      this.#ctx.command, [this.#stream],
      [this.#ctx.keys.group, this.name, this.#ctx.deadAfter, this.#claimCursor, count],
    )) as [string, Array<[string, Fields, number]>];
    this.#claimCursor = cursor;
    // A full batch may mean more are waiting: look again at once. Otherwise rest until the next round.
    this.#nextClaimAt = entries.length === count && cursor !== '0-0' ? 0 : Date.now() + this.#blockMs;
    return entries
      // Our own running tasks whose heartbeat came late: still ours, and already running.
      .filter(([id]) => !this.#inFlight.has(id))
      .map(([id, fields, times]) => [id, fields, deliveriesOf(fields, times)]);
  }

  #handle([id, fields, deliveries]: Delivery): void {
    const text = field(fields, 'm');
    this.#inFlight.add(id);
    if (text === undefined) {
      // Deleted meanwhile, or not ours (someone wrote to our stream): acknowledge and move on.
      void this.#settle(id, {});
      return;
    }
    void this.#spec.run(text, deliveries).then((settlement) => this.#settle(id, settlement));
  }

  async #settle(id: string, settlement: TaskSettlement): Promise<void> {
    try {
      if (this.#state === 'abandoned') return; // given back at close: another consumer answers
      const keys = [this.#stream];
      const args: Array<string | number> = [this.#ctx.keys.group, id];
      if (settlement.replyTo !== undefined && settlement.id !== undefined && settlement.outcome !== undefined) {
        keys.push(this.#ctx.keys.inbox(settlement.replyTo));
        args.push(JSON.stringify({ reply: settlement.id, outcome: settlement.outcome }), this.#ctx.inboxTtl);
      }
      await settleScript.run(this.#ctx.command, keys, args);
    } catch (error) {
      if (this.#state !== 'abandoned') this.#ctx.report(error, `acknowledging a task of queue '${this.#spec.queue}'`);
    } finally {
      this.#inFlight.delete(id);
      this.#settledDuringHistory?.add(id);
      this.#wake?.();
      if (this.#inFlight.size === 0) this.#drained?.();
    }
  }

  async #ensureGroup(): Promise<void> {
    try {
      // From 0: tasks sent before any consumer existed are delivered (acknowledged ones are deleted).
      await this.#ctx.command.call('XGROUP', 'CREATE', this.#stream, this.#ctx.keys.group, '0', 'MKSTREAM');
    } catch (error) {
      if (!String((error as Error).message).startsWith('BUSYGROUP')) throw error;
    }
  }
}

function field(fields: Fields, name: string): string | undefined {
  if (!fields) return undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

/** Deliveries so far: those before the task was last given back (`d`) plus this entry's own. */
function deliveriesOf(fields: Fields, times: number): number {
  return Number(field(fields, 'd') ?? 0) + times;
}
