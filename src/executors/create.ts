import { ValidationError } from '../core/errors.js';
import { AsyncExecutor, InlineExecutor } from './local.js';
import type { PoolOptions } from './pool/pool-options.js';
import { ProcessExecutor } from './processes.js';
import { ThreadExecutor } from './threads.js';
import type { Executor } from './types.js';

/** The backends a face can create by name. */
export type BackendName = 'threads' | 'processes' | 'inline' | 'async';

const BACKENDS: readonly BackendName[] = ['threads', 'processes', 'inline', 'async'];

/**
 * Makes an executor by backend name. Pool options apply to threads and processes; `inline` and
 * `async` take only `properties` and `taskWorkerId` (and `workers` as the async concurrency).
 */
export function createExecutor(backend: BackendName = 'threads', options: PoolOptions = {}): Executor {
  switch (backend) {
    case 'threads':
      return new ThreadExecutor(options);
    case 'processes':
      return new ProcessExecutor(options);
    case 'inline':
      return new InlineExecutor({ properties: propertiesOfOne(options), taskWorkerId: options.taskWorkerId });
    case 'async':
      return new AsyncExecutor({ concurrency: options.workers, properties: propertiesOfOne(options), taskWorkerId: options.taskWorkerId });
    default:
      throw new ValidationError(`Unknown backend '${String(backend)}'; expected one of: ${BACKENDS.join(', ')}`);
  }
}

/** The properties of the one worker of an in-process executor. */
function propertiesOfOne(options: PoolOptions): Record<string, unknown> | undefined {
  return typeof options.properties === 'function' ? options.properties(0) : options.properties;
}
