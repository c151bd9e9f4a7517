import { positiveInteger } from '../options.js';
import { Engine } from './engine.js';
import type { EngineViews } from './engines.js';
import type { Keys } from './keys.js';
import type { LocalEngineOptions, RedisExecutorOptions } from './redis-executor-options.js';

/**
 * Starts the engines of option `localEngines`, on the executor's connection and queue (`keys`),
 * and lists each in `views` at once: before its first heartbeat, until it fails to start.
 */
export function startLocalEngines(
  local: number | LocalEngineOptions, options: RedisExecutorOptions, keys: Keys, views: EngineViews, log: (line: string) => void,
): Engine[] {
  const { count = 1, ...engineOptions } = typeof local === 'number' ? { count: local } : local;
  positiveInteger('localEngines.count', count, 1);
  const engines: Engine[] = [];
  for (let i = 0; i < count; i += 1) {
    const engine = new Engine({
      ...engineOptions, connection: options.connection, queue: keys.queue, prefix: keys.prefix,
      log: engineOptions.log ?? options.log,
    });
    engines.push(engine);
    views.addLocal(engine.record());
    engine.ready.catch((error: unknown) => {
      // Listed until its first heartbeat; one that never starts must not hold tasks placed on it.
      views.removeLocal(engine.id);
      log(`local engine ${engine.id} did not start: ${(error as Error).message}`);
    });
  }
  return engines;
}
