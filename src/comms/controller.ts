/**
 * RemoteProcessController: launches, continues and controls processes from anywhere that shares a
 * communicator with them (plumpy's RemoteProcessController). Launches go to a launchers' queue as
 * tasks; pause, play, kill and status are RPCs to the process's pid; the `*All` calls broadcast.
 */
import { randomUUID } from 'node:crypto';
import { summarizeCheckpoint, type CheckpointSummary } from '../process/checkpoint-info.js';
import type { Process, ProcessOptions } from '../process/process.js';
import { ensureRegistered } from '../process/registry.js';
import type { InputArgs } from '../process/types.js';
import { CheckpointNotFoundError } from '../persistence/errors.js';
import type { Persister } from '../persistence/types.js';
import { UnknownRecipientError } from './errors.js';
import { ProcessNotRunningError, ProcessTerminatedError, UnknownProcessError } from './remote-errors.js';
import {
  DEFAULT_PROCESS_QUEUE, INTENT_SUBJECT,
  type BroadcastIntent, type ContinueRequest, type ControlRpc, type LaunchRequest, type ProcessStatus, type RpcIntent,
} from './remote-protocol.js';
import type { Communicator } from './types.js';
import { checkMs, checkName } from './validate.js';

export interface RemoteProcessControllerOptions {
  /**
   * The launchers' queue that launch and continue requests go to.
   * @default 'processes'
   */
  queue?: string;
  /**
   * Milliseconds to wait for a process to answer `status`, `pause`, `play` or `kill` (pause and
   * kill answer once they took effect, after the current step), then CommunicatorTimeoutError.
   * @default 10_000
   */
  timeout?: number;
  /**
   * The launchers' persister, read when no live process answers to a pid: to tell a terminated
   * process (ProcessTerminatedError) and one that no launcher runs (ProcessNotRunningError) from an
   * unknown pid, and for `getStatus` to report such processes from their checkpoint.
   * @default none: every pid that no live process answers to is an UnknownProcessError
   */
  persister?: Persister;
}

export interface LaunchOptions {
  /**
   * Resolve to the pid once the process is created (and checkpointed, if the launcher has a
   * persister), instead of to its outputs when it terminates.
   * @default false
   */
  nowait?: boolean;
  /**
   * The pid to give the process.
   * @default a new random UUID
   */
  pid?: string;
  /**
   * Milliseconds to wait for the answer; then CommunicatorTimeoutError (the process goes on). A
   * request no launcher has taken by then is dropped.
   * @default undefined (no limit)
   */
  timeout?: number;
}

export type ContinueOptions = Omit<LaunchOptions, 'pid'>;

/** A process class to launch: the class itself (its registered name is sent) or that name. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- its constructor's inputs are typed by InputArgs<I> at the call
export type LaunchableClass<I extends object = any, O extends object = any> = abstract new (inputs?: any, options?: ProcessOptions) => Process<I, O>;

export class RemoteProcessController {
  readonly communicator: Communicator;
  readonly queue: string;
  readonly #timeout: number | undefined;
  readonly #persister: Persister | undefined;

  constructor(communicator: Communicator, options: RemoteProcessControllerOptions = {}) {
    this.communicator = communicator;
    this.queue = checkName(options.queue ?? DEFAULT_PROCESS_QUEUE, 'queue');
    this.#timeout = options.timeout === undefined ? undefined : checkMs(options.timeout, 'timeout');
    this.#persister = options.persister;
  }

  /**
   * Launches a process on a launcher and resolves to its outputs once it terminates (rejects with
   * its error, a KilledError, an UnknownProcessClassError, a PortValidationError...), or with
   * `nowait`, to its pid as soon as it exists.
   */
  launchProcess<I extends object, O extends object>(cls: LaunchableClass<I, O>, inputs: InputArgs<I> | undefined, options: LaunchOptions & { nowait: true }): Promise<string>;
  launchProcess<I extends object, O extends object>(cls: LaunchableClass<I, O>, inputs?: InputArgs<I>, options?: LaunchOptions): Promise<O>;
  launchProcess(processClass: string, inputs: Record<string, unknown> | undefined, options: LaunchOptions & { nowait: true }): Promise<string>;
  launchProcess<O = Record<string, unknown>>(processClass: string, inputs?: Record<string, unknown>, options?: LaunchOptions): Promise<O>;
  async launchProcess(cls: LaunchableClass | string, inputs?: object, options: LaunchOptions = {}): Promise<unknown> {
    // The class is registered here too, so that a name two classes share is refused before sending.
    const processClass = typeof cls === 'string' ? checkName(cls, 'the process class') : ensureRegistered(cls as never);
    const request: LaunchRequest = { intent: 'launch', processClass, pid: checkName(options.pid ?? randomUUID(), 'pid') };
    if (inputs !== undefined) request.inputs = inputs as Record<string, unknown>;
    if (options.nowait) request.nowait = true;
    return this.communicator.task(request, this.#taskOptions(options));
  }

  /**
   * Continues a checkpointed process on a launcher (with a persister) from its last checkpoint:
   * resolves to its outputs (at once for one that had finished), or with `nowait` to its pid.
   * UnknownProcessError without a checkpoint; ProcessAlreadyRunningError if a live program runs it.
   */
  continueProcess(pid: string, options: ContinueOptions & { nowait: true }): Promise<string>;
  continueProcess<O = Record<string, unknown>>(pid: string, options?: ContinueOptions): Promise<O>;
  async continueProcess(pid: string, options: ContinueOptions = {}): Promise<unknown> {
    const request: ContinueRequest = { intent: 'continue', pid: checkName(pid, 'pid') };
    if (options.nowait) request.nowait = true;
    return this.communicator.task(request, this.#taskOptions(options));
  }

  /** The status of a live process, or (with a persister) of a checkpointed one (`live: false`). */
  async getStatus(pid: string): Promise<ProcessStatus> {
    try {
      return await this.#rpc(pid, { intent: 'status' });
    } catch (error) {
      if (!(error instanceof UnknownRecipientError)) throw error;
      const summary = await this.#checkpointOf(pid);
      if (summary === undefined) throw unknown(pid, this.#persister !== undefined);
      return fromCheckpoint(summary);
    }
  }

  /** Pauses the process (before its next step); resolves to its status once paused. */
  pauseProcess(pid: string, message?: string): Promise<ProcessStatus> {
    return this.#control(pid, 'pause', message);
  }

  /** Plays a paused process; resolves to its status. */
  playProcess(pid: string): Promise<ProcessStatus> {
    return this.#control(pid, 'play');
  }

  /** Kills the process, `message` becoming its status; resolves to its status once KILLED. */
  killProcess(pid: string, message?: string): Promise<ProcessStatus> {
    return this.#control(pid, 'kill', message);
  }

  /** Pauses every process on the communicator (a broadcast: nobody answers). */
  pauseAll(message?: string): Promise<void> {
    return this.#broadcast('pause', message);
  }

  /** Plays every paused process on the communicator. */
  playAll(): Promise<void> {
    return this.#broadcast('play');
  }

  /** Kills every process on the communicator. */
  killAll(message?: string): Promise<void> {
    return this.#broadcast('kill', message);
  }

  // ---------------------------------------------------------------- helpers

  async #control(pid: string, intent: Exclude<RpcIntent, 'status'>, message?: string): Promise<ProcessStatus> {
    const rpc: ControlRpc = { intent };
    if (message !== undefined) rpc.message = message;
    try {
      return await this.#rpc(pid, rpc);
    } catch (error) {
      if (!(error instanceof UnknownRecipientError)) throw error;
      const summary = await this.#checkpointOf(pid);
      if (summary === undefined) throw unknown(pid, this.#persister !== undefined);
      if (summary.terminated) {
        throw new ProcessTerminatedError(`cannot ${intent} process ${pid}: it has terminated (${summary.state})`, { pid, state: summary.state });
      }
      throw new ProcessNotRunningError(
        `cannot ${intent} process ${pid}: it is ${summary.state} in its checkpoint but no launcher runs it; continue it first`,
        { pid },
      );
    }
  }

  #rpc(pid: string, body: ControlRpc): Promise<ProcessStatus> {
    checkName(pid, 'pid');
    return this.communicator.rpcSend<ProcessStatus>(pid, body, this.#timeout === undefined ? {} : { timeout: this.#timeout });
  }

  async #checkpointOf(pid: string): Promise<CheckpointSummary | undefined> {
    if (this.#persister === undefined) return undefined;
    try {
      return summarizeCheckpoint((await this.#persister.loadCheckpoint(pid)).bundle);
    } catch (error) {
      if (error instanceof CheckpointNotFoundError) return undefined;
      throw error;
    }
  }

  #broadcast(intent: BroadcastIntent, message?: string): Promise<void> {
    return this.communicator.broadcastSend(message === undefined ? {} : { message }, {
      subject: `${INTENT_SUBJECT}${intent}`, sender: this.communicator.id,
    });
  }

  #taskOptions(options: { timeout?: number }): { queue: string; timeout?: number } {
    return options.timeout === undefined ? { queue: this.queue } : { queue: this.queue, timeout: options.timeout };
  }
}

function unknown(pid: string, checked: boolean): UnknownProcessError {
  return new UnknownProcessError(
    checked
      ? `no process ${pid}: no live process answers to it and the persister has no checkpoint of it`
      : `no live process answers to ${pid}: it has terminated, no launcher runs it, or it never existed (a controller with a persister tells which)`,
    { pid },
  );
}

/** A checkpoint's summary as a status (`live: false`). */
export function fromCheckpoint(summary: CheckpointSummary): ProcessStatus {
  const status: ProcessStatus = {
    pid: summary.pid, processClass: summary.processClass, state: summary.state, paused: summary.paused, live: false, savedAt: summary.savedAt,
  };
  if (summary.status !== undefined) status.status = summary.status;
  if (summary.successful !== undefined) status.successful = summary.successful;
  return status;
}
