import type { SerializedError } from '../../core/error-codec.js';
import type { TaskSpec } from '../../task/spec.js';

/**
 * Messages between the pool and a worker, the same for threads and child processes. Tasks travel in
 * batches and results come back in batches, in column form (typed arrays for numbers, one array of
 * arguments), because cloning one flat array is far cheaper than cloning many small ones.
 */

/** A batch of tasks. */
export interface RunMessage {
  t: 'run';
  /** Claim generation (threads; see claim-word.ts). */
  gen: number;
  /** Task numbers. */
  nums: Float64Array;
  /** Definition id of each task, or one id for all. */
  defIds: number[] | number;
  /** Arguments of each task; or, when every task has exactly one argument, `single`. */
  args?: unknown[][];
  single?: unknown[];
  /** Definitions the worker has not seen yet. */
  defs?: Array<[defId: number, spec: TaskSpec]>;
}

/** A batch of results, in the order the tasks ran. */
export interface ResultsMessage {
  t: 'results';
  /** Per result: task number, started at, finished at (epoch ms). */
  meta: Float64Array;
  /** Return values, or serialized errors at the indexes listed in `failed`. */
  values: unknown[];
  failed?: number[];
  /** Memory in use by the worker, in bytes (when the pool asked for it). */
  memory?: number;
}

export type ToWorker =
  | RunMessage
  | { t: 'abort'; num: number; reason: SerializedError }
  | { t: 'close' };

/** The worker is about to die (process.exit in a task, an uncaught error) and has sent its results. */
export interface DyingMessage {
  t: 'dying';
  error?: SerializedError;
}

export type FromWorker = { t: 'ready' } | ResultsMessage | DyingMessage;

/** What the pool tells a worker when it starts it. */
export interface WorkerBootData {
  workerId: string;
  /** Report memory with results, for recycling above a memory limit. */
  reportMemory: boolean;
  /** URL of tsx's ESM API, set when the parent runs under tsx so TypeScript task modules load. */
  tsxApi?: string;
  /** Modules to import before the first task (e.g. to register error classes). */
  preload?: string[];
}
