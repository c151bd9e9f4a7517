import type { RedisConnection } from './connection.js';
import type { EngineOptions } from './engine-options.js';

/** Options of {@link RedisExecutor}. */
export interface RedisExecutorOptions {
  /** The Redis server: a URL (`redis://`, `rediss://` for TLS) or `{ url, options }`. */
  connection: RedisConnection;
  /**
   * The taskfarm queue: engines started with the same name run this executor's tasks.
   * @default 'taskfarm'
   */
  queue?: string;
  /**
   * Prefix of every Redis key, to share one Redis between unrelated farms or environments.
   * @default 'taskfarm'
   */
  prefix?: string;
  /**
   * Pack tiny tasks into one BullMQ job when many are queued at once (adaptive: slow tasks, and
   * tasks not measured yet, always travel one to a job). `false`: always one task per job.
   * @default true
   */
  batching?: boolean;
  /**
   * The most tasks one BullMQ job carries.
   * @default 256
   */
  maxBatch?: number;
  /**
   * How often the executor reads the engine registry (new engines, properties, load, engines that
   * died), in milliseconds.
   * @default 1000
   */
  registryInterval?: number;
  /**
   * Engines to start in this process, sharing this executor's connection and queue, and stopped
   * by its shutdown: a farm on one machine with the code of a cluster (and what tests use). A
   * number is a count of engines with default options.
   * @default none
   */
  localEngines?: number | LocalEngineOptions;
  /**
   * Receives the executor's log lines (connection lost and back, errors). Passwords are never in them.
   * @default no log
   */
  log?: (line: string) => void;
}

/** Options of the engines a {@link RedisExecutor} starts in its own process. */
export interface LocalEngineOptions extends Omit<EngineOptions, 'connection' | 'queue' | 'prefix' | 'id'> {
  /**
   * How many engines.
   * @default 1
   */
  count?: number;
}
