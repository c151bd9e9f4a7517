import type { Redis } from 'ioredis';
import { BaseCommunicator, type ConsumerSpec } from '../base.js';
import { decodeJson } from '../codec.js';
import { TaskfarmError } from '../../core/errors.js';
import { DuplicateSubscriberError, UnknownRecipientError } from '../errors.js';
import type { CommunicatorOptions } from '../types.js';
import { checkMs, checkName } from '../validate.js';
import { closeConnection, openConnection, type ConnectionSettings } from './connection.js';
import { RedisTaskConsumer } from './consumer.js';
import { InboxReader } from './inbox.js';
import { RedisKeys } from './keys.js';
import { loadIoredis } from './load.js';
import { pushScript, registerScript, rpcSendScript, unregisterScript, withdrawScript } from './scripts.js';
import { connectionError, redactUrl, secretsOf } from './secrets.js';

export interface RedisCommunicatorOptions extends CommunicatorOptions {
  /**
   * The server: `redis://[user:password@]host:port[/db]`, or `rediss://...` for TLS. The password
   * never appears in messages, errors or `inspect` output.
   * @default 'redis://127.0.0.1:6379'
   */
  url?: string;
  /**
   * Namespace of every key and channel (`<prefix>:...`). Only communicators with the same prefix
   * reach each other; an ACL can grant exactly `~<prefix>:*` and `&<prefix>:*`.
   * @default 'taskfarm'
   */
  prefix?: string;
  /**
   * Milliseconds without a heartbeat after which a communicator counts as dead: the tasks it was
   * running are redelivered to another consumer (and its RPC identifiers were already freed, after
   * 0.6 × deadAfter). Heartbeats go every `deadAfter / 5`. A handler that blocks the event loop for
   * longer than this loses its task. Communicators sharing a prefix should use the same value.
   * @default 10_000
   */
  deadAfter?: number;
  /**
   * Milliseconds to wait for the first connection (a server that is down fails at once).
   * @default 10_000
   */
  connectTimeout?: number;
  /**
   * More ioredis options for every connection, e.g. `{ tls: { ca } }` or `{ family: 6 }`.
   * @default {}
   */
  redis?: Record<string, unknown>;
}

const DEFAULT_URL = 'redis://127.0.0.1:6379';
/** An inbox nobody reads (its owner died) disappears after this long. */
const INBOX_TTL = 10 * 60_000;
/** How long a timed-out sender waits for its task to be withdrawn before it rejects anyway. */
const WITHDRAW_WAIT = 1_000;
/** How long close() waits for Redis to take back unfinished tasks before it just disconnects. */
const CLOSE_GRACE = 5_000;

interface Parts {
  settings: ConnectionSettings;
  keys: RedisKeys;
  deadAfter: number;
  command: Redis;
  inboxClient: Redis;
}

/**
 * A communicator over Redis, for programs on any number of machines:
 *
 * - tasks: a stream per queue with one consumer group (XREADGROUP / XACK, XAUTOCLAIM for the tasks
 *   of dead consumers) — nothing accepted is lost while Redis persists its data;
 * - RPC: the recipient's identifier is a key naming its communicator, kept alive by heartbeats; the
 *   request goes to that communicator's inbox list, and an unknown recipient fails at once;
 * - replies: to the sender's inbox list;
 * - broadcasts: PUB/SUB on one channel, filtered by each receiver (what is sent while a receiver is
 *   disconnected is lost to it).
 *
 * Connections: one for commands, one for the inbox, one per task subscriber (blocking reads), and
 * one for PUB/SUB once a broadcast subscriber exists. All reconnect by themselves.
 */
export class RedisCommunicator extends BaseCommunicator {
  /** The server URL with the password masked. */
  readonly url: string;
  readonly prefix: string;
  readonly #parts: Parts;
  readonly #consumers = new Map<string, RedisTaskConsumer>();
  readonly #inbox: InboxReader;
  #subscriber: Promise<Redis> | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #clockOffset = 0;

  /** Connects (loading the optional `ioredis` package) and starts receiving. */
  static async connect(options: RedisCommunicatorOptions = {}): Promise<RedisCommunicator> {
    const url = checkName(options.url ?? DEFAULT_URL, 'url');
    const prefix = checkName(options.prefix ?? 'taskfarm', 'prefix');
    const deadAfter = checkMs(options.deadAfter ?? 10_000, 'deadAfter');
    const connectTimeout = checkMs(options.connectTimeout ?? 10_000, 'connectTimeout');
    const redisOptions = { ...(options.redis ?? {}) };
    const settings: ConnectionSettings = {
      Redis: await loadIoredis(), url, shownUrl: redactUrl(url), options: redisOptions,
      secrets: secretsOf(url, redisOptions), connectTimeout,
    };
    const command = await openConnection(settings, 'command');
    let inboxClient: Redis;
    try {
      inboxClient = await openConnection(settings, 'inbox');
    } catch (error) {
      command.disconnect();
      throw error;
    }
    const communicator = new RedisCommunicator(options, { settings, keys: new RedisKeys(prefix), deadAfter, command, inboxClient });
    try {
      await communicator.#start();
    } catch (error) {
      await communicator.close();
      throw communicator.#wrap(error, 'starting');
    }
    return communicator;
  }

  private constructor(options: CommunicatorOptions, parts: Parts) {
    super(options);
    this.#parts = parts;
    this.url = parts.settings.shownUrl;
    this.prefix = parts.keys.prefix;
    this.#inbox = new InboxReader(parts.inboxClient, parts.keys.inbox(this.id), (text) => this.#onInbox(text), (e, doing) => this.#report(e, doing));
    // One report per outage, from the command connection (the others share its fate). A server
    // that dies closes the socket without an 'error' event; retries then fail with ECONNREFUSED.
    let down = false;
    let lastError: unknown;
    parts.command.on('error', (error: unknown) => { lastError = error; });
    parts.command.on('reconnecting', () => {
      if (down || this.closed) return;
      down = true;
      this.reportError(connectionError(
        `Lost the connection to Redis at ${this.url}; reconnecting (commands wait until it is back)`,
        lastError ?? new Error('the connection closed'), parts.settings.secrets,
      ));
    });
    parts.command.on('ready', () => {
      down = false;
      lastError = undefined;
      void this.#beat(); // re-claim identifiers at once: after a long outage they may have expired
    });
  }

  async #start(): Promise<void> {
    // Expiry times are compared on Redis's clock, so machines with skewed clocks agree. The server
    // read its clock about halfway through the round trip.
    const sent = Date.now();
    const [seconds, micros] = (await this.#parts.command.call('TIME')) as [string, string];
    const received = Date.now();
    this.#clockOffset = Number(seconds) * 1_000 + Number(micros) / 1_000 - (sent + received) / 2;
    this.#inbox.start();
    this.#heartbeat = setInterval(() => void this.#beat(), Math.max(10, Math.floor(this.#parts.deadAfter / 5)));
    this.#heartbeat.unref();
  }

  /**
   * Identifiers live 0.6 × deadAfter past the last heartbeat (3 heartbeats of margin), tasks become
   * claimable after deadAfter: when a communicator dies, its identifiers are free before its tasks
   * are redelivered, so whoever takes over a task (a process continued elsewhere) can take over its
   * identifier too — even one subscribed shortly after the task was delivered.
   */
  get #identifierTtl(): number {
    return Math.max(1, Math.round(this.#parts.deadAfter * 0.6));
  }

  protected override now(): number {
    return Date.now() + this.#clockOffset;
  }

  // ---- tasks -------------------------------------------------------------------------------------

  protected async enqueueTask(queue: string, text: string): Promise<unknown> {
    return this.#redis('sending a task', () => this.#parts.command.call('XADD', this.#parts.keys.queue(queue), '*', 'm', text));
  }

  protected async withdrawTask(queue: string, entryId: unknown): Promise<void> {
    const { command, keys } = this.#parts;
    const withdrawn = withdrawScript.run(command, [keys.queue(queue)], [keys.group, String(entryId)]);
    withdrawn.catch((error: unknown) => this.#report(error, 'withdrawing a timed-out task'));
    // Connected, the sender's rejection waits for the withdrawal (then the task surely never runs).
    // During an outage it is queued and the rejection does not wait; consumers also drop expired tasks.
    if (command.status === 'ready') {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([withdrawn.catch(() => undefined), new Promise((resolve) => { timer = setTimeout(resolve, WITHDRAW_WAIT); })]);
      clearTimeout(timer);
    }
  }

  protected async subscribeTasks(spec: ConsumerSpec): Promise<void> {
    const consumer = new RedisTaskConsumer({
      command: this.#parts.command,
      openBlocking: () => openConnection(this.#parts.settings, 'task consumer'),
      keys: this.#parts.keys,
      communicatorId: this.id,
      deadAfter: this.#parts.deadAfter,
      inboxTtl: INBOX_TTL,
      report: (e, doing) => this.#report(e, doing),
    }, spec);
    await this.#redis('subscribing to a queue', () => consumer.start());
    this.#consumers.set(spec.id, consumer);
  }

  protected async unsubscribeTasks(id: string): Promise<void> {
    const consumer = this.#consumers.get(id);
    if (!consumer) return;
    await this.#redis('removing a task subscriber', () => consumer.stop('drain'));
    // It keeps its heartbeat until its running tasks are settled, then leaves the group.
    void consumer.whenDrained().then(async () => {
      this.#consumers.delete(id);
      if (!this.closed) await consumer.forget();
    }).catch((error: unknown) => this.#report(error, 'removing a task subscriber'));
  }

  // ---- rpc ---------------------------------------------------------------------------------------

  protected async registerRpc(identifier: string): Promise<void> {
    const ok = await this.#redis('subscribing an RPC identifier', () =>
      registerScript.run(this.#parts.command, [this.#parts.keys.rpc(identifier)], [this.id, this.#identifierTtl]));
    if (ok !== 1) {
      throw new DuplicateSubscriberError(`RPC identifier '${identifier}' is already subscribed by another live communicator`, { identifier });
    }
  }

  protected async unregisterRpc(identifier: string): Promise<void> {
    await this.#redis('removing an RPC identifier', () =>
      unregisterScript.run(this.#parts.command, [this.#parts.keys.rpc(identifier)], [this.id]));
  }

  protected async sendRpc(recipient: string, text: string): Promise<void> {
    const { keys, command } = this.#parts;
    const ok = await this.#redis('sending an RPC', () =>
      rpcSendScript.run(command, [keys.rpc(recipient)], [keys.inboxPrefix, JSON.stringify({ rpc: text }), INBOX_TTL]));
    if (ok !== 1) throw new UnknownRecipientError(`No live RPC subscriber '${recipient}' under prefix '${keys.prefix}'`, { recipient });
  }

  #onInbox(text: string): void {
    const item = decodeJson(text, 'An inbox message') as { reply?: string; outcome?: string; rpc?: string };
    if (typeof item.reply === 'string' && typeof item.outcome === 'string') {
      this.receiveReply(item.reply, item.outcome);
    } else if (typeof item.rpc === 'string') {
      void this.answerRpc(item.rpc).then(async (settlement) => {
        if (settlement?.replyTo === undefined || this.closed) return;
        const reply = JSON.stringify({ reply: settlement.id, outcome: settlement.outcome });
        await pushScript.run(this.#parts.command, [this.#parts.keys.inbox(settlement.replyTo)], [reply, INBOX_TTL]);
      }).catch((error: unknown) => this.#report(error, 'answering an RPC'));
    }
  }

  // ---- broadcast ---------------------------------------------------------------------------------

  protected async subscribeBroadcasts(): Promise<void> {
    this.#subscriber ??= (async () => {
      const client = await openConnection(this.#parts.settings, 'broadcast');
      client.on('message', (_channel: string, message: string) => this.deliverBroadcast(message));
      await client.subscribe(this.#parts.keys.broadcast);
      return client;
    })();
    try {
      await this.#redis('subscribing to broadcasts', () => this.#subscriber!);
    } catch (error) {
      this.#subscriber = undefined;
      throw error;
    }
  }

  protected async publish(text: string): Promise<void> {
    await this.#redis('broadcasting', () => this.#parts.command.call('PUBLISH', this.#parts.keys.broadcast, text));
  }

  // ---- heartbeat and lifecycle --------------------------------------------------------------------

  /** Keeps this communicator visibly alive: its RPC identifiers and its running tasks. */
  async #beat(): Promise<void> {
    const { command, keys } = this.#parts;
    if (this.closed || command.status !== 'ready') return;
    const jobs: Array<Promise<unknown>> = [];
    for (const identifier of this.rpcIdentifiers()) {
      jobs.push(registerScript.run(command, [keys.rpc(identifier)], [this.id, this.#identifierTtl]).then((ok) => {
        if (ok !== 1 && this.hasRpcSubscriber(identifier)) {
          this.#report(new DuplicateSubscriberError(
            `RPC identifier '${identifier}' was taken over by another communicator while this one looked dead`, { identifier }), 'heartbeat');
        }
      }));
    }
    for (const consumer of this.#consumers.values()) jobs.push(consumer.heartbeat());
    const results = await Promise.allSettled(jobs);
    for (const result of results) if (result.status === 'rejected' && !this.closed) this.#report(result.reason, 'heartbeat');
  }

  protected async shutdown(identifiers: string[]): Promise<void> {
    clearInterval(this.#heartbeat);
    const { command, keys } = this.#parts;
    const release = async (): Promise<void> => {
      await Promise.allSettled([...this.#consumers.values()].map((c) => c.stop('give-back')));
      await Promise.allSettled(identifiers.map((id) => unregisterScript.run(command, [keys.rpc(id)], [this.id])));
    };
    if (command.status === 'ready') {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([release(), new Promise((resolve) => { timer = setTimeout(resolve, CLOSE_GRACE); })]);
      clearTimeout(timer);
    } else {
      // Redis is away: nothing can be given back now. Stop reading; running tasks will be claimed by
      // other consumers after deadAfter, and identifiers expire as heartbeats stop.
      await Promise.allSettled([...this.#consumers.values()].map((c) => c.stop('abandon')));
    }
    await this.#inbox.stop();
    const subscriber = await this.#subscriber?.catch(() => undefined);
    subscriber?.disconnect();
    await closeConnection(command, CLOSE_GRACE);
  }

  // ---- errors ------------------------------------------------------------------------------------

  /** Runs a Redis call; its failure becomes a CommunicatorConnectionError without the password. */
  async #redis<T>(doing: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw this.#wrap(error, doing);
    }
  }

  #wrap(error: unknown, doing: string): Error {
    if (error instanceof TaskfarmError) return error; // ours already (a duplicate identifier...), and password-free
    return connectionError(`Redis at ${this.url} failed while ${doing}`, error, this.#parts.settings.secrets);
  }

  #report(error: unknown, doing: string): void {
    if (this.closed) return; // what fails while closing (a late acknowledgement, a reply) is expected
    this.reportError(this.#wrap(error, doing));
  }
}
