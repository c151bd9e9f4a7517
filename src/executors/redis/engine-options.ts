import { availableParallelism } from 'node:os';
import { ValidationError } from '../../core/errors.js';
import { positiveInteger } from '../options.js';
import type { PoolOptions } from '../pool/pool-options.js';
import type { RedisConnection } from './connection.js';
import { checkName, newRedisId } from './keys.js';

/** Where an engine runs tasks (see {@link EngineOptions.backend}). */
export type EngineBackend = 'threads' | 'processes' | 'async';

export const ENGINE_BACKENDS: readonly EngineBackend[] = ['threads', 'processes', 'async'];

/** Options of {@link startEngine} (and of `taskfarm worker`). */
export interface EngineOptions {
  /** The Redis server: a URL (`redis://`, `rediss://` for TLS) or `{ url, options }`. */
  connection: RedisConnection;
  /**
   * The taskfarm queue to serve: clients and engines of one farm use the same name.
   * @default 'taskfarm'
   */
  queue?: string;
  /**
   * Prefix of every Redis key, to share one Redis between unrelated farms or environments.
   * @default 'taskfarm'
   */
  prefix?: string;
  /**
   * The engine's id, as `workers()` and results show it. Letters, digits, `_`, `.`, `-`.
   * @default 'e-' and 8 random hex digits
   */
  id?: string;
  /**
   * Size of the engine's own pool: how many tasks it runs at once.
   * @default os.availableParallelism() (16 with the `async` backend)
   */
  workers?: number;
  /**
   * Where the engine runs tasks: worker threads; child processes (isolated, always killable); or
   * `async`, on the engine's own event loop, `workers` at once, like a plain BullMQ worker: no
   * thread hop, so the fastest for I/O-bound tasks (HTTP calls, queries) and tiny ones, but a task
   * that blocks the loop blocks the engine (its heartbeat, its job locks), one that exits ends it,
   * and a timeout settles the task without stopping code that ignores its signal.
   * @default 'threads'
   */
  backend?: EngineBackend;
  /**
   * The engine's properties, for placement with `where` (IPython's engine properties). JSON values.
   * @default {}
   */
  properties?: Record<string, unknown>;
  /**
   * The task modules the engine runs (paths or file: URLs; a directory allows every module under
   * it). Each file is imported when the engine starts, so that the error classes it registers come
   * back with their class. A task from any other module is refused with `TaskRefusedError`.
   * @default [] (no module: only source functions, and those only with `allowSource`)
   */
  allowModules?: readonly string[];
  /**
   * Run functions shipped as source. Anyone who can write to the queue can then run any code on
   * the engine: enable it only when every writer is trusted.
   * @default false
   */
  allowSource?: boolean;
  /**
   * BullMQ jobs the engine takes at once from each queue it consumes (the shared one and its own).
   * A job holds one task or a batch of tiny ones; more than `workers` keeps the pool busy between
   * jobs, at the cost of holding tasks another engine could run.
   * @default workers
   */
  concurrency?: number;
  /**
   * How often the engine renews its registry entry, in milliseconds.
   * @default 1000
   */
  heartbeatInterval?: number;
  /**
   * How long the entry lives without renewal, in milliseconds: an engine killed outright is seen
   * gone this long after its last heartbeat, and the tasks placed on it are placed again.
   * @default 5000
   */
  heartbeatTtl?: number;
  /**
   * BullMQ lock duration, in milliseconds: a job whose engine stopped renewing its lock this long
   * is stalled, and another engine runs it again.
   * @default 30000
   */
  lockDuration?: number;
  /**
   * How often the engine looks for stalled jobs (of engines that died), in milliseconds.
   * @default 30000
   */
  stalledInterval?: number;
  /**
   * How many times a job may stall (its engine died mid-run) and still be run again; after that
   * its tasks fail with `WorkerCrashedError`, so a task that kills engines cannot kill them all.
   * @default 1
   */
  maxStalledCount?: number;
  /** More options of the engine's pool (grace periods, memory limits, recycling). */
  pool?: Omit<PoolOptions, 'workers' | 'properties' | 'taskWorkerId' | 'placement'>;
  /**
   * Receives the engine's log lines (start, stop, connection lost and back, errors). Passwords are
   * never in them.
   * @default no log
   */
  log?: (line: string) => void;
}

export type ResolvedEngineOptions = Required<Omit<EngineOptions, 'pool' | 'connection'>> & Pick<EngineOptions, 'pool' | 'connection'>;

export function resolveEngineOptions(options: EngineOptions): ResolvedEngineOptions {
  if (!options || typeof options !== 'object') throw new ValidationError('startEngine(options): options must be an object');
  const backend = options.backend ?? 'threads';
  if (!ENGINE_BACKENDS.includes(backend)) {
    throw new ValidationError(`Invalid option 'backend': expected ${ENGINE_BACKENDS.map((name) => `'${name}'`).join(', ')}, got ${String(backend)}`);
  }
  const workers = positiveInteger('workers', options.workers, backend === 'async' ? 16 : availableParallelism());
  const heartbeatInterval = positiveInteger('heartbeatInterval', options.heartbeatInterval, 1000);
  const heartbeatTtl = positiveInteger('heartbeatTtl', options.heartbeatTtl, 5000);
  if (heartbeatTtl <= heartbeatInterval) {
    throw new ValidationError(`Invalid option 'heartbeatTtl': it must be longer than heartbeatInterval (${heartbeatInterval} ms), got ${heartbeatTtl}`);
  }
  const properties = options.properties ?? {};
  checkJson('properties', properties);
  if (options.allowModules !== undefined && !Array.isArray(options.allowModules)) {
    throw new ValidationError(`Invalid option 'allowModules': expected an array of module paths or file: URLs`);
  }
  if (options.allowSource !== undefined && typeof options.allowSource !== 'boolean') {
    throw new ValidationError(`Invalid option 'allowSource': expected a boolean`);
  }
  return {
    connection: options.connection,
    queue: options.queue ?? 'taskfarm',
    prefix: options.prefix ?? 'taskfarm',
    id: options.id === undefined ? newRedisId('e') : checkName('id', options.id),
    workers,
    backend,
    properties: { ...properties },
    allowModules: [...(options.allowModules ?? [])],
    allowSource: options.allowSource ?? false,
    concurrency: positiveInteger('concurrency', options.concurrency, workers),
    heartbeatInterval,
    heartbeatTtl,
    lockDuration: positiveInteger('lockDuration', options.lockDuration, 30_000),
    stalledInterval: positiveInteger('stalledInterval', options.stalledInterval, 30_000),
    maxStalledCount: nonNegativeInteger('maxStalledCount', options.maxStalledCount, 1),
    pool: options.pool,
    log: options.log ?? (() => undefined),
  };
}

/** Properties travel as JSON (the registry is read by other tools too): refuse what JSON cannot hold. */
export function checkJson(option: string, value: unknown): void {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new ValidationError(`Invalid option '${option}': expected an object`);
  try {
    JSON.stringify(value);
  } catch (error) {
    throw new ValidationError(`Invalid option '${option}': it must be JSON (${(error as Error).message})`);
  }
}

function nonNegativeInteger(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(Number.isInteger(value) && (value as number) >= 0)) throw new ValidationError(`Invalid option '${name}': expected an integer >= 0, got ${String(value)}`);
  return value as number;
}

/** The engine's pool in words, for its log. */
export function describePool(backend: EngineBackend, workers: number): string {
  if (backend === 'async') return `${workers} tasks at once on its event loop`;
  const unit = backend === 'threads' ? 'thread' : 'process';
  return `${workers} ${unit}${workers === 1 ? '' : (unit === 'process' ? 'es' : 's')}`;
}
