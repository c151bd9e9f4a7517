/**
 * The engine registry: each engine renews a hash with a time to live (its heartbeat); readers list
 * the hashes that still exist. An engine that stops renewing (killed, partitioned) disappears
 * when its hash expires, and readers forget it.
 */
import type { Redis } from 'ioredis';
import type { Keys } from './keys.js';
import type { EngineRecord } from './protocol.js';

/** Writes an engine's heartbeat every `intervalMs`; its hash expires `ttlMs` after the last one. */
export class Heartbeat {
  readonly #client: Redis;
  readonly #keys: Keys;
  readonly #id: string;
  readonly #intervalMs: number;
  readonly #ttlMs: number;
  readonly #record: () => EngineRecord;
  readonly #onError: (error: Error) => void;
  #timer: NodeJS.Timeout | undefined;
  /** A beat still waiting for Redis (an outage): the next ones are skipped rather than piled up. */
  #beating = false;

  constructor(options: {
    client: Redis; keys: Keys; id: string; intervalMs: number; ttlMs: number;
    record: () => EngineRecord; onError: (error: Error) => void;
  }) {
    this.#client = options.client;
    this.#keys = options.keys;
    this.#id = options.id;
    this.#intervalMs = options.intervalMs;
    this.#ttlMs = options.ttlMs;
    this.#record = options.record;
    this.#onError = options.onError;
  }

  /** Writes the first heartbeat (with the properties), then keeps beating. */
  async start(): Promise<void> {
    const record = this.#record();
    await this.#client.multi()
      .hset(this.#keys.engine(this.#id), 'info', JSON.stringify(record), 'props', JSON.stringify(record.properties))
      .pexpire(this.#keys.engine(this.#id), this.#ttlMs)
      .zadd(this.#keys.engines, record.heartbeatAt, this.#id)
      .exec();
    this.#timer = setInterval(() => {
      if (this.#beating) return;
      this.#beating = true;
      this.beat().catch(this.#onError).finally(() => (this.#beating = false));
    }, this.#intervalMs);
    // The engine's queues keep the program alive; its heartbeat need not.
    this.#timer.unref();
  }

  async beat(): Promise<void> {
    const record = this.#record();
    const key = this.#keys.engine(this.#id);
    // HSETNX: the properties are written by whoever changes them (a client or the engine); the
    // heartbeat restores them only if the hash was lost (expired during a long Redis outage).
    await this.#client.multi()
      .hset(key, 'info', JSON.stringify(record))
      .hsetnx(key, 'props', JSON.stringify(record.properties))
      .pexpire(key, this.#ttlMs)
      .zadd(this.#keys.engines, record.heartbeatAt, this.#id)
      .exec();
  }

  /** Writes new properties at once (placement must not wait for the next beat). */
  async writeProperties(properties: Record<string, unknown>): Promise<void> {
    await this.#client.hset(this.#keys.engine(this.#id), 'props', JSON.stringify(properties));
  }

  /** Stops beating and leaves the registry: clients see the engine gone at their next read. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#client.multi().del(this.#keys.engine(this.#id)).zrem(this.#keys.engines, this.#id).exec();
  }
}

/**
 * Sets the properties of an engine, only while it is registered: a hash recreated for an engine
 * that is gone would never expire.
 */
const SET_IF_REGISTERED = `if redis.call('exists', KEYS[1]) == 1 then redis.call('hset', KEYS[1], 'props', ARGV[1]) return 1 end return 0`;

export async function writeEngineProperties(client: Redis, keys: Keys, engineId: string, properties: Record<string, unknown>): Promise<boolean> {
  return (await client.eval(SET_IF_REGISTERED, 1, keys.engine(engineId), JSON.stringify(properties))) === 1;
}

/** The engines registered now, by id; forgets (in Redis too) those whose heartbeat expired. */
export async function readEngines(client: Redis, keys: Keys): Promise<Map<string, EngineRecord>> {
  const ids = await client.zrange(keys.engines, 0, -1);
  const engines = new Map<string, EngineRecord>();
  if (ids.length === 0) return engines;
  const pipeline = client.pipeline();
  for (const id of ids) pipeline.hmget(keys.engine(id), 'info', 'props');
  const replies = (await pipeline.exec()) ?? [];
  const gone: string[] = [];
  ids.forEach((id, index) => {
    const [error, fields] = replies[index] ?? [];
    const [info, props] = (fields ?? []) as Array<string | null>;
    if (error || !info) {
      if (!error) gone.push(id);
      return;
    }
    const record = parseRecord(id, info, props ?? null);
    if (record) engines.set(id, record);
  });
  if (gone.length > 0) await client.zrem(keys.engines, ...gone);
  return engines;
}

function parseRecord(id: string, info: string, props: string | null): EngineRecord | undefined {
  try {
    const record = JSON.parse(info) as EngineRecord;
    record.id = id;
    record.properties = props ? (JSON.parse(props) as Record<string, unknown>) : (record.properties ?? {});
    return record;
  } catch {
    return undefined; // a hash written by something else: not an engine we can use
  }
}
