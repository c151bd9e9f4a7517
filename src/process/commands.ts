/**
 * Commands: what a step returns to say what the process does next. `run()` and every later step
 * may return one; returning nothing (or any other value) is `Stop(value, true)`.
 */
import { InvalidCommandError } from './errors.js';
import type { ProcessState } from './states.js';

const COMMAND = Symbol('taskfarm.process.command');

/** A method of the process to run as a step. It must be a method (on the class), so a checkpoint can name it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- steps take whatever arguments their command gives
export type StepMethod = (...args: any[]) => unknown;

/** Run `step(...args)` next, without leaving RUNNING and without yielding to the event loop. */
export interface ContinueCommand {
  readonly [COMMAND]: true;
  readonly kind: 'continue';
  readonly step: StepMethod;
  readonly args: readonly unknown[];
}

/** Go WAITING until `resume(value)`; then run `step(value)`. */
export interface WaitCommand {
  readonly [COMMAND]: true;
  readonly kind: 'wait';
  readonly step: StepMethod;
  /** Shown as the process's `status` while it waits. */
  readonly message: string | undefined;
}

/** Finish: FINISHED with `result`; `successful: false` marks a failure that is not an exception. */
export interface StopCommand {
  readonly [COMMAND]: true;
  readonly kind: 'stop';
  readonly result: unknown;
  readonly successful: boolean;
}

/** Kill the process: KILLED, with `message` as its status. */
export interface KillCommand {
  readonly [COMMAND]: true;
  readonly kind: 'kill';
  readonly message: string | undefined;
}

export type Command = ContinueCommand | WaitCommand | StopCommand | KillCommand;

function checkStep(step: unknown, command: string): StepMethod {
  if (typeof step !== 'function') {
    throw new InvalidCommandError(`${command}(step) needs a method of the process as its step, got ${step === null ? 'null' : typeof step}`);
  }
  return step as StepMethod;
}

/** Continue with another step: `return Continue(this.nextStep)`. Arguments go into checkpoints, so keep them JSON. */
export function Continue<A extends unknown[]>(step: (...args: A) => unknown, ...args: A): ContinueCommand {
  return Object.freeze({ [COMMAND]: true as const, kind: 'continue' as const, step: checkStep(step, 'Continue'), args: Object.freeze([...args]) });
}

/** Wait to be resumed: `return Wait(this.afterResume, 'waiting for the user')`. */
export function Wait(step: StepMethod, message?: string): WaitCommand {
  return Object.freeze({ [COMMAND]: true as const, kind: 'wait' as const, step: checkStep(step, 'Wait'), message });
}

/** Finish now with `result`. */
export function Stop(result: unknown = undefined, successful = true): StopCommand {
  return Object.freeze({ [COMMAND]: true as const, kind: 'stop' as const, result, successful: Boolean(successful) });
}

/** Kill the process; the message becomes its status. */
export function Kill(message?: string): KillCommand {
  return Object.freeze({ [COMMAND]: true as const, kind: 'kill' as const, message });
}

export function isCommand(value: unknown): value is Command {
  return typeof value === 'object' && value !== null && (value as Partial<Command>)[COMMAND] === true;
}

/** The state each command leads to. */
export const COMMAND_TARGET: Readonly<Record<Command['kind'], ProcessState>> = { continue: 'RUNNING', wait: 'WAITING', stop: 'FINISHED', kill: 'KILLED' };
