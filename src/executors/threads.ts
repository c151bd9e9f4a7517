import { PoolExecutor } from './pool/pool-executor.js';
import type { PoolOptions } from './pool/pool-options.js';
import { ThreadHandle } from './runtime/thread-handle.js';

/** Options of {@link ThreadExecutor}. */
export type ThreadExecutorOptions = PoolOptions;

/**
 * Runs tasks on a pool of worker threads: the fastest backend for CPU-bound work. A task that
 * times out or is cancelled has its thread terminated; a thread that dies is replaced.
 */
export class ThreadExecutor extends PoolExecutor {
  readonly kind = 'threads';

  constructor(options: ThreadExecutorOptions = {}) {
    super((spawn) => new ThreadHandle(spawn), options);
  }
}
