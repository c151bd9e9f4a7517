import type { SerializedError } from '../../core/error-codec.js';
import type { TaskSpec } from '../../task/spec.js';

/**
 * Messages between the pool and a worker, the same for threads and child processes. Tasks travel in
 * batches (`run`) and results come back in batches (`results`), which is what makes tiny tasks fast.
 */

/** One task in a batch: [task number, definition id, arguments]. */
export type WireTask = [num: number, defId: number, args: unknown[]];

/** One result: [task number, 1 = value / 0 = error, value or error, startedAt, finishedAt]. */
export type WireResult = [num: number, ok: 1 | 0, payload: unknown, startedAt: number, finishedAt: number];

export type ToWorker =
  | { t: 'run'; gen: number; tasks: WireTask[]; defs?: Array<[defId: number, spec: TaskSpec]> }
  | { t: 'abort'; num: number; reason: SerializedError }
  | { t: 'close' };

export type FromWorker =
  | { t: 'ready' }
  | { t: 'results'; results: WireResult[]; memory?: number };

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
