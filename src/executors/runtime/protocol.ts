import type { SerializedError } from '../../core/error-codec.js';
import type { TaskSpec } from '../../task/spec.js';

/**
 * Messages between the pool and a worker, the same for threads and child processes. Tasks and
 * results travel in batches, as flat arrays: cloning one flat array costs a fraction of cloning an
 * object per message or per task (measured: a round trip of an object message is 8–15 µs slower
 * than of a flat array), and that is most of what a tiny task costs. The layouts live only here.
 */

/** `[RUN, gen, defs | null, count, (num, defId, argc, ...args) × count]`; `gen` is the claim generation (threads). */
export type RunMessage = unknown[];
export const RUN = 0;
const RUN_HEADER = 4;

/** `[RESULTS, memory | null, count, (num, ok 1/0, startedAt, finishedAt, value or serialized error) × count]`. */
export type ResultsMessage = unknown[];
export const RESULTS = 1;
const RESULTS_HEADER = 3;
const RESULT_WIDTH = 5;

/** A running task's message (no `id`) or request (`id`) to the host. */
export interface CommMessage {
  t: 'comm';
  num: number;
  id?: number;
  payload: unknown;
}

/** The host's answer to a request; `payload` is a serialized error when `ok` is false. */
export interface ReplyMessage {
  t: 'reply';
  id: number;
  ok: boolean;
  payload: unknown;
}

export type ToWorker =
  | RunMessage
  | { t: 'abort'; num: number; reason: SerializedError }
  | ReplyMessage
  | { t: 'close' };

/** The worker is about to die (process.exit in a task, an uncaught error) and has sent its results. */
export interface DyingMessage {
  t: 'dying';
  error?: SerializedError;
}

export type FromWorker = ResultsMessage | { t: 'ready' } | DyingMessage | CommMessage;

/** What the pool tells a worker when it starts it. */
export interface WorkerBootData {
  workerId: string;
  /** Report memory with results, for recycling above a memory limit. */
  reportMemory: boolean;
  /** URL of tsx's ESM API, set when the parent runs under tsx so TypeScript task modules load. */
  tsxApi?: string;
  /** Modules to import before the first task (e.g. to register error classes). */
  preload?: string[];
  /** How long an idle thread worker polls for its next message before it sleeps, in µs. */
  idleSpinMicros: number;
}

// ---- tasks ---------------------------------------------------------------------------------

/** Starts a run message; add tasks with {@link addTask}. */
export function newRun(defs: Array<[defId: number, spec: TaskSpec]> | undefined): RunMessage {
  return [RUN, 0, defs ?? null, 0];
}

export function addTask(run: RunMessage, num: number, defId: number, args: unknown[]): void {
  run.push(num, defId, args.length, ...args);
  (run[3] as number) += 1;
}

export function runCount(run: RunMessage): number {
  return run[3] as number;
}

export function setRunGeneration(run: RunMessage, gen: number): void {
  run[1] = gen;
}

export function runDefs(run: RunMessage): Array<[number, TaskSpec]> | null {
  return run[2] as Array<[number, TaskSpec]> | null;
}

/** Reads a run message task by task. */
export class RunReader {
  #at = RUN_HEADER;
  readonly gen: number;

  constructor(private readonly run: RunMessage) {
    this.gen = run[1] as number;
  }

  get done(): boolean {
    return this.#at >= this.run.length;
  }

  /** The next task; its arguments are a fresh array. */
  next(): { num: number; defId: number; args: unknown[] } {
    const run = this.run;
    const at = this.#at;
    const argc = run[at + 2] as number;
    this.#at = at + 3 + argc;
    return { num: run[at] as number, defId: run[at + 1] as number, args: run.slice(at + 3, at + 3 + argc) };
  }
}

// ---- results -------------------------------------------------------------------------------

export function newResults(): ResultsMessage {
  return [RESULTS, null, 0];
}

export function addResult(results: ResultsMessage, num: number, ok: boolean, startedAt: number, finishedAt: number, value: unknown): void {
  results.push(num, ok ? 1 : 0, startedAt, finishedAt, value);
  (results[2] as number) += 1;
}

export function resultCount(results: ResultsMessage): number {
  return results[2] as number;
}

export function setResultsMemory(results: ResultsMessage, memory: number): void {
  results[1] = memory;
}

/** Calls `visit` for each result of a results message, in order; returns the memory it reports. */
export function readResults(
  results: ResultsMessage,
  visit: (num: number, ok: boolean, startedAt: number, finishedAt: number, value: unknown) => void,
): number | undefined {
  const count = results[2] as number;
  for (let i = 0, at = RESULTS_HEADER; i < count; i += 1, at += RESULT_WIDTH) {
    visit(results[at] as number, results[at + 1] === 1, results[at + 2] as number, results[at + 3] as number, results[at + 4]);
  }
  return (results[1] as number | null) ?? undefined;
}

/** Each result of a message as a message of its own (to find a value that cannot be sent). */
export function splitResults(results: ResultsMessage): ResultsMessage[] {
  const single: ResultsMessage[] = [];
  readResults(results, (num, ok, startedAt, finishedAt, value) => {
    const one = newResults();
    addResult(one, num, ok, startedAt, finishedAt, value);
    single.push(one);
  });
  return single;
}
