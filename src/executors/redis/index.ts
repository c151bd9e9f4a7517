// The Redis backend's public API, for src/index.ts to re-export.
export { RedisExecutor } from './redis-executor.js';
export type { RedisExecutorOptions, LocalEngineOptions } from './redis-executor-options.js';
export { startEngine } from './engine.js';
export type { EngineHandle } from './engine.js';
export type { EngineBackend, EngineOptions } from './engine-options.js';
export type { RedisConnection, RedisConnectionOptions } from './connection.js';
export { redactUrl } from '../../core/secrets.js';
export { TaskRefusedError, RedisConnectionError } from './errors.js';
export { inspectFarm } from './inspect.js';
export type { FarmStatus, JobCounts } from './inspect.js';
export type { EngineRecord } from './protocol.js';
