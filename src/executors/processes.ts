import { PoolExecutor } from './pool/pool-executor.js';
import type { PoolOptions } from './pool/pool-options.js';
import { ProcessHandle } from './runtime/process-handle.js';

/** Options of {@link ProcessExecutor}. */
export interface ProcessExecutorOptions extends PoolOptions {
  /** Extra environment variables for the worker processes (added to this process's). */
  env?: NodeJS.ProcessEnv;
}

/**
 * Runs tasks in child processes: full isolation (a crash, a leak or native code cannot hurt the
 * program) and work that can always be killed (SIGTERM, then SIGKILL).
 */
export class ProcessExecutor extends PoolExecutor {
  readonly kind = 'processes';

  constructor(options: ProcessExecutorOptions = {}) {
    super((spawn) => new ProcessHandle({ ...spawn, env: options.env }), options);
  }
}
