/**
 * Errors of remote control (launcher, controller, processes answering RPCs). Each has a stable
 * `code` and is registered, so one raised in a daemon reaches the controller with its class.
 */
import { registerErrorClass, type TaskfarmErrorOptions } from '../core/errors.js';
import { ProcessError } from '../process/errors.js';

/** Options of the remote-control errors: which process is concerned. */
export interface RemoteProcessErrorOptions extends TaskfarmErrorOptions {
  pid?: string;
}

/** Base of the remote-control errors; `pid` names the process when one is concerned. */
export class RemoteProcessError extends ProcessError {
  override readonly code: string = 'ERR_REMOTE_PROCESS';
  declare pid?: string;

  constructor(message: string, options?: RemoteProcessErrorOptions) {
    super(message, options);
    if (options?.pid !== undefined) this.pid = options.pid;
  }
}

/** No process with that pid is known: no live process answers to it, and no checkpoint has it. */
export class UnknownProcessError extends RemoteProcessError {
  override readonly code: string = 'ERR_PROCESS_UNKNOWN';
}

/** The process has already terminated (FINISHED, EXCEPTED or KILLED): it cannot be paused, played or killed. */
export class ProcessTerminatedError extends RemoteProcessError {
  override readonly code: string = 'ERR_PROCESS_TERMINATED';
  /** The state it terminated in. */
  declare state?: string;

  constructor(message: string, options?: RemoteProcessErrorOptions & { state?: string }) {
    super(message, options);
    if (options?.state !== undefined) this.state = options.state;
  }
}

/**
 * The process has a checkpoint and has not terminated, but no program runs it now (no launcher has
 * taken it, or the one that ran it stopped): continue it with `continueProcess(pid)`.
 */
export class ProcessNotRunningError extends RemoteProcessError {
  override readonly code: string = 'ERR_PROCESS_NOT_RUNNING';
}

/** Another live program already runs the process (it answers to its pid): it is not run twice. */
export class ProcessAlreadyRunningError extends RemoteProcessError {
  override readonly code: string = 'ERR_PROCESS_ALREADY_RUNNING';
}

/** A launcher was asked to continue a process, or to launch one without waiting, but has no persister. */
export class MissingPersisterError extends RemoteProcessError {
  override readonly code: string = 'ERR_LAUNCHER_NO_PERSISTER';
}

/** A task or RPC message that is not a process-control message (a wrong intent, a missing pid...). */
export class InvalidControlMessageError extends RemoteProcessError {
  override readonly code: string = 'ERR_REMOTE_MESSAGE';
}

for (const errorClass of [
  RemoteProcessError, UnknownProcessError, ProcessTerminatedError, ProcessNotRunningError, ProcessAlreadyRunningError,
  MissingPersisterError, InvalidControlMessageError,
]) registerErrorClass(errorClass);
