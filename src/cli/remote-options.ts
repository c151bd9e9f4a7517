/**
 * What the process commands (daemon, ps, pause, play, kill) share: the Redis and persister options,
 * opening them, and showing them without their passwords.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ValidationError } from '../core/errors.js';
import { redactUrl } from '../core/secrets.js';
import type { RedisCommunicator } from '../comms/redis/communicator.js';
import { PostgresPersister } from '../persistence/postgres.js';
import { SqlitePersister } from '../persistence/sqlite.js';
import type { Persister } from '../persistence/types.js';
import { integerOption } from './args.js';

export const DEFAULT_REDIS = 'redis://127.0.0.1:6379';
export const DEFAULT_PERSISTER = 'sqlite:taskfarm-checkpoints.db';

/** parseArgs options every process command takes to reach Redis. */
export const REDIS_OPTIONS = {
  redis: { type: 'string' },
  prefix: { type: 'string' },
  'connect-timeout': { type: 'string' },
} as const;

/** Help lines for {@link REDIS_OPTIONS}. */
export const REDIS_HELP = `      --redis URL             the Redis server: redis://[[user]:password@]host[:port][/db], or
                              rediss://... for TLS (default: $TASKFARM_REDIS, else
                              ${DEFAULT_REDIS}); the password is never printed
      --prefix NAME           prefix of every Redis key, the same for daemons and controllers
                              (default: taskfarm)
      --connect-timeout MS    give up if Redis cannot be reached by then (default: 10000)`;

/** Help lines of the --persister option. */
export const PERSISTER_HELP = `      --persister SPEC        where checkpoints are: sqlite:PATH (one machine; PATH relative to
                              the current directory) or postgres://... (a cluster; also written
                              postgres:postgres://...) (default: $TASKFARM_PERSISTER, else
                              ${DEFAULT_PERSISTER}); the password is never printed`;

export interface RedisSettings {
  url: string;
  prefix: string | undefined;
  connectTimeout: number | undefined;
}

export function redisSettings(values: { redis?: string; prefix?: string; 'connect-timeout'?: string }, env: NodeJS.ProcessEnv = process.env): RedisSettings {
  return {
    url: values.redis ?? (env.TASKFARM_REDIS || DEFAULT_REDIS),
    prefix: values.prefix,
    connectTimeout: integerOption('--connect-timeout', values['connect-timeout'], 1),
  };
}

/**
 * Connects a RedisCommunicator. Imported on demand: `ioredis` is an optional peer dependency, and
 * the commands that do not need Redis must not need it installed.
 */
export async function connectRedis(settings: RedisSettings, extra: { deadAfter?: number; onError?: (error: Error) => void } = {}): Promise<RedisCommunicator> {
  const { RedisCommunicator } = await import('../comms/redis/communicator.js');
  const options: Parameters<typeof RedisCommunicator.connect>[0] = { url: settings.url };
  if (settings.prefix !== undefined) options.prefix = settings.prefix;
  if (settings.connectTimeout !== undefined) options.connectTimeout = settings.connectTimeout;
  if (extra.deadAfter !== undefined) options.deadAfter = extra.deadAfter;
  if (extra.onError !== undefined) options.onError = extra.onError;
  return RedisCommunicator.connect(options);
}

/** A persister as given on the command line. */
export type PersisterSpec = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

/** Parses `sqlite:PATH`, `postgres://...`, `postgresql://...` or `postgres:postgres://...`. */
export function parsePersisterSpec(text: string, cwd: string): PersisterSpec {
  if (text.startsWith('sqlite:')) {
    const path = text.slice('sqlite:'.length);
    if (path === '') throw new ValidationError(`invalid --persister 'sqlite:': give a file, e.g. sqlite:checkpoints.db`);
    return { kind: 'sqlite', path: resolve(cwd, path) };
  }
  const url = text.startsWith('postgres:') && /^postgres(ql)?:\/\//.test(text.slice('postgres:'.length)) ? text.slice('postgres:'.length) : text;
  if (/^postgres(ql)?:\/\//.test(url)) return { kind: 'postgres', url };
  throw new ValidationError(`invalid --persister '${redactUrl(text)}': expected sqlite:PATH or postgres://[user[:password]@]host[:port]/database`);
}

export function persisterSpec(value: string | undefined, cwd: string, env: NodeJS.ProcessEnv = process.env): PersisterSpec {
  return parsePersisterSpec(value ?? (env.TASKFARM_PERSISTER || DEFAULT_PERSISTER), cwd);
}

/** Opens the persister (and, for PostgreSQL, connects and prepares its table now, to fail early). */
export async function openPersister(spec: PersisterSpec, options: { mustExist?: boolean } = {}): Promise<Persister> {
  if (spec.kind === 'sqlite') {
    // A listing must not create an empty database where the user mistyped a path.
    if (options.mustExist && !existsSync(spec.path)) throw new ValidationError(`no checkpoint database at ${spec.path} (--persister)`);
    return new SqlitePersister({ path: spec.path });
  }
  const persister = new PostgresPersister({ connectionString: spec.url });
  try {
    await persister.ready();
  } catch (error) {
    await persister.close().catch(() => undefined);
    throw error;
  }
  return persister;
}

/** How a persister is shown: `sqlite:/abs/path` or the URL with its password masked. */
export function shownPersister(spec: PersisterSpec): string {
  return spec.kind === 'sqlite' ? `sqlite:${spec.path}` : redactUrl(spec.url);
}
