import type { TransferListItem } from 'node:worker_threads';
import type { FromWorker, RunMessage, ToWorker, WorkerBootData } from './protocol.js';

/** How a worker ended. */
export interface WorkerExit {
  /** Exit code, or null when killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The uncaught error that ended a thread (e.g. ERR_WORKER_OUT_OF_MEMORY), if any. */
  error?: Error;
}

/** Options for starting one worker. */
export interface SpawnOptions {
  boot: WorkerBootData;
  /** Heap limit in MiB (threads: resourceLimits; processes: --max-old-space-size). */
  maxHeapMb?: number;
  /** Extra environment variables (processes only). */
  env?: NodeJS.ProcessEnv;
}

/**
 * One worker, thread or child process: the pool sees only this interface, so every pool feature
 * (batching, timeouts, crash recovery, recycling) works the same on both runtimes.
 */
export interface WorkerHandle {
  readonly runtime: 'thread' | 'process';
  /** OS process id (child processes) or thread id (threads). */
  readonly systemId: number | undefined;
  /**
   * Sends tasks, with the definitions the worker has not seen. Throws (and sends nothing) when an
   * argument cannot be serialized, so the caller can find which one.
   */
  sendTasks(run: RunMessage, transfer?: TransferListItem[]): void;
  send(message: ToWorker): void;
  /**
   * Takes back the sent tasks that have not started, so an idle worker can run them. Returns how many
   * (the last ones sent); 0 when the runtime cannot tell (child processes).
   */
  reclaimUnstarted(): number;
  /** How many sent tasks have started, since the start of the worker; undefined when unknown. */
  startedCount(): number | undefined;
  onMessage(handler: (message: FromWorker) => void): void;
  /** Called once when the worker is gone, whatever the reason. */
  onExit(handler: (exit: WorkerExit) => void): void;
  /** Whether the worker keeps the program alive; the pool lets go of idle workers. */
  setRef(referenced: boolean): void;
  /** Stops the worker now: terminate a thread; SIGTERM, then SIGKILL after `graceMs`, a process. */
  kill(graceMs: number): void;
}
