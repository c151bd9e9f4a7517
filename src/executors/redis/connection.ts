import type { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { ValidationError } from '../../core/errors.js';
import { redactUrl, scrub, secretsOf } from '../../core/secrets.js';
import { MissingDependencyError } from '../../comms/errors.js';
import { RedisConnectionError } from './errors.js';

/** Where Redis is and how to reach it. */
export interface RedisConnectionOptions {
  /**
   * `redis://[[user]:password@]host[:port][/db]`, or `rediss://...` for TLS. A user name selects a
   * Redis 6 ACL user. The password never appears in messages or logs.
   */
  url: string;
  /**
   * More ioredis options, applied to every connection (e.g. `tls: { ca }` for a private CA).
   * @default {}
   */
  options?: Record<string, unknown>;
  /**
   * How long the first connection may take, in milliseconds; after it, the executor fails its tasks
   * (and an engine its start) with `RedisConnectionError`. Once connected, outages are waited through.
   * @default 10000
   */
  connectTimeout?: number;
}

/** A connection given as a URL, or as options. */
export type RedisConnection = string | RedisConnectionOptions;

export interface Libraries {
  Redis: typeof Redis;
  Queue: typeof Queue;
  Worker: typeof Worker;
}


let loading: Promise<Libraries> | undefined;

/**
 * Loads bullmq and ioredis, optional peer dependencies: only programs that use Redis install them.
 * `importer` lets a test take the missing-package path without uninstalling anything.
 */
export function loadLibraries(importer?: (name: string) => Promise<unknown>): Promise<Libraries> {
  if (importer) return load(importer);
  loading ??= load((name) => import(name));
  return loading;
}

async function load(importer: (name: string) => Promise<unknown>): Promise<Libraries> {
  const [bullmq, ioredis] = await Promise.all([importer('bullmq'), importer('ioredis')].map((p) => p.catch((error: unknown) => {
    const code = (error as { code?: unknown }).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw error;
    throw new MissingDependencyError(
      'The Redis executor and engines need the bullmq and ioredis packages, optional peer dependencies of taskfarm: run `npm install bullmq ioredis`',
      { cause: error, dependency: 'bullmq, ioredis' },
    );
  }))) as [{ Queue?: typeof Queue; Worker?: typeof Worker }, { Redis?: typeof Redis; default?: typeof Redis }];
  const RedisClass = ioredis.Redis ?? ioredis.default;
  if (typeof bullmq.Queue !== 'function' || typeof bullmq.Worker !== 'function' || typeof RedisClass !== 'function') {
    throw new MissingDependencyError('bullmq or ioredis was found but does not export what taskfarm needs; install bullmq 6 and ioredis 5', { dependency: 'bullmq, ioredis' });
  }
  return { Redis: RedisClass, Queue: bullmq.Queue, Worker: bullmq.Worker };
}

/**
 * A Redis server as taskfarm talks to it: the URL, its redacted form for every message, and the
 * secrets to scrub from any text that comes from ioredis.
 */
export class RedisEndpoint {
  readonly url: string;
  /** The URL with its password masked: the only form that is ever shown. */
  readonly shown: string;
  readonly options: Record<string, unknown>;
  readonly connectTimeout: number;
  readonly #secrets: string[];

  private constructor(url: string, options: Record<string, unknown>, connectTimeout: number) {
    this.url = url;
    this.options = options;
    this.connectTimeout = connectTimeout;
    this.shown = redactUrl(url);
    this.#secrets = secretsOf(url, options);
  }

  static from(connection: RedisConnection | undefined, what: string): RedisEndpoint {
    const options: RedisConnectionOptions | undefined = typeof connection === 'string' ? { url: connection } : connection;
    if (!options || typeof options.url !== 'string') {
      throw new ValidationError(`${what} needs 'connection': a Redis URL (redis://host:6379) or { url, options }`);
    }
    let parsed: URL;
    try {
      parsed = new URL(options.url);
    } catch {
      // Never echo a URL that does not parse: it may hold a password in a shape we cannot mask.
      throw new ValidationError(`${what}: the Redis connection URL does not parse; expected redis://[user:password@]host[:port][/db] or rediss://...`);
    }
    if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
      throw new ValidationError(`${what}: the Redis URL must start with redis:// or rediss:// (TLS), got ${parsed.protocol}//`);
    }
    const connectTimeout = options.connectTimeout ?? 10_000;
    if (!(typeof connectTimeout === 'number' && connectTimeout > 0)) {
      throw new ValidationError(`${what}: invalid 'connectTimeout': expected milliseconds > 0, got ${String(connectTimeout)}`);
    }
    return new RedisEndpoint(options.url, { ...options.options }, connectTimeout);
  }

  /** `text` with every spelling of the password masked. */
  scrub(text: string): string {
    return scrub(text, this.#secrets);
  }

  /**
   * A connection error that is safe to show. The original is NOT kept as `cause`: ioredis attaches
   * the failed command with its arguments (`AUTH user password`) to its errors.
   */
  error(message: string, cause: unknown): RedisConnectionError {
    const text = cause instanceof Error ? cause.message : String(cause);
    return new RedisConnectionError(this.scrub(`${message} at ${this.shown}: ${text}`));
  }

  /**
   * A new ioredis client, not connected yet. Commands wait through an outage
   * (`maxRetriesPerRequest: null`) rather than failing after a few reconnections: what they do
   * (add a task, deliver a result) must happen once Redis is back.
   */
  client(libs: Libraries, name: string): Redis {
    const client = new libs.Redis(this.url, { maxRetriesPerRequest: null, connectionName: name, ...this.options, lazyConnect: true });
    // Without a listener ioredis prints every failed reconnection, unscrubbed; callers watch it.
    client.on('error', () => undefined);
    return client;
  }

  /** Connects `client`, failing with a scrubbed `RedisConnectionError` after `connectTimeout`. */
  async connect(client: Redis, role: string): Promise<void> {
    let lastError: unknown;
    const onError = (error: unknown): void => {
      lastError = error;
    };
    client.on('error', onError);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        client.connect(),
        new Promise((_resolve, reject) => {
          timer = setTimeout(() => reject(new Error(`not connected after ${this.connectTimeout} ms`)), this.connectTimeout);
        }),
      ]);
    } catch (error) {
      client.disconnect();
      // connect() itself only says "Connection is closed"; the last error event says why.
      throw this.error(`Cannot connect (${role}) to Redis`, lastError ?? error);
    } finally {
      clearTimeout(timer);
      client.off('error', onError);
    }
  }

  /**
   * Reports, once each, that a connected client lost Redis and that it is back: ioredis raises an
   * error for every failed reconnection, which would flood a log.
   */
  watch(client: Redis, role: string, log: (line: string) => void): void {
    let down = false;
    client.on('error', (error: unknown) => {
      if (down) return;
      down = true;
      log(this.scrub(`lost the ${role} connection to Redis at ${this.shown} (${(error as Error)?.message ?? String(error)}); reconnecting`));
    });
    client.on('ready', () => {
      if (!down) return;
      down = false;
      log(`the ${role} connection to Redis at ${this.shown} is back`);
    });
  }
}

/** Closes a client: politely (after its queued commands) when it is up, at once otherwise. */
export async function closeClient(client: Redis, graceMs = 1000): Promise<void> {
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([client.quit(), new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
  } catch {
    // already closing
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}
