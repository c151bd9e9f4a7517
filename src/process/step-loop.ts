/**
 * The stepping loop: it runs the process's steps and applies the commands they return, until the
 * process terminates.
 *
 * The loop is synchronous: the steps of one process run back to back without yielding to the event
 * loop, so several processes interleave only where one waits (or is paused). That is what makes
 * printed orders deterministic, and it is why nothing in the loop `await`s unless it must.
 */
import { COMMAND_TARGET, isCommand, Stop, type Command } from './commands.js';
import { InvalidCommandError } from './errors.js';
import type { MachineControl } from './machine-control.js';
import type { MachineRecord } from './machine-record.js';
import { assertTransition, ProcessState } from './states.js';
import { methodName, methodNamed } from './steps.js';
import { isPromiseLike } from './util.js';

type Outcome = { value: unknown } | { error: unknown };
type Turn = 'again' | 'sleep' | Promise<void>;

/** What the loop needs of its process. */
export interface LoopHost {
  /** The process: its step methods are found on it and run with it as `this`. */
  readonly target: object;
  getName(): string;
  /** The process as messages name it (`getName() pid`). */
  describe(): string;
  /** The ON_DRIVE hook. */
  onDrive(): void;
  /** A failure found outside the loop, which excepts the process at the next turn. */
  pendingFailure(): unknown;
  /** What the loop awaits once terminated (checkpoint writes). */
  flush(): Promise<void>;
}

export class StepLoop<P> {
  readonly #record: MachineRecord<P>;
  readonly #control: MachineControl<P>;
  readonly #host: LoopHost;
  #driving: Promise<void> | undefined;
  #driveEntered = false;
  #startScheduled = false;
  #wake: (() => void) | undefined;

  constructor(record: MachineRecord<P>, control: MachineControl<P>, host: LoopHost) {
    this.#record = record;
    this.#control = control;
    this.#host = host;
  }

  /** Runs the loop once: a second call returns the same promise. */
  run(): Promise<void> {
    if (this.#driving === undefined) {
      // A listener calling this during the first, synchronous stretch of the loop joins it.
      if (this.#driveEntered) return this.settled();
      this.#driving = this.#drive();
    }
    return this.#driving;
  }

  /** Resolves once terminated and the loop (with its checkpoint writes) is done. */
  settled(): Promise<void> {
    return this.#record.terminated.then(() => this.#driving);
  }

  /** Calls `start` on a microtask, unless the loop runs or is about to. */
  ensureStarted(start: () => Promise<void>): void {
    if (this.#startScheduled || this.#driveEntered) return;
    this.#startScheduled = true;
    queueMicrotask(() => { start().catch(() => undefined); });
  }

  wakeUp(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  async #drive(): Promise<void> {
    this.#driveEntered = true;
    this.#host.onDrive();
    while (!this.#record.hasTerminated) {
      const failure = this.#host.pendingFailure();
      if (failure !== undefined) {
        this.#record.enterExcepted(failure);
        break;
      }
      if (this.#record.paused) {
        await this.#sleep();
        continue;
      }
      const next = this.#advance();
      if (next === 'sleep') await this.#sleep();
      else if (next !== 'again') await next;
    }
    await this.#host.flush();
  }

  #sleep(): Promise<void> {
    return new Promise((resolve) => { this.#wake = resolve; });
  }

  /** One turn of the loop: a state change or a step. A promise only when the step is asynchronous. */
  #advance(): Turn {
    this.#control.beginTurn();
    let next: Turn = 'again';
    try {
      switch (this.#record.state) {
        case ProcessState.CREATED:
          this.#record.enterRunning({ name: 'run', args: [] });
          break;
        case ProcessState.RUNNING:
          next = this.#runStep();
          break;
        case ProcessState.WAITING:
          if (!this.#record.runResumed()) next = 'sleep';
          break;
        default:
          break;
      }
    } catch (error) {
      this.#record.enterExcepted(error);
    }
    if (next instanceof Promise) return next.then(() => this.#control.endTurn());
    this.#control.endTurn();
    return next;
  }

  #runStep(): 'again' | Promise<void> {
    const step = this.#record.step!;
    const target = this.#host.target;
    const method = methodNamed(target, step.name) as ((...args: unknown[]) => unknown) | undefined;
    let value: unknown;
    try {
      if (method === undefined) throw new InvalidCommandError(`${this.#host.getName()} has no step method "${step.name}"`);
      value = method.apply(target, step.args);
    } catch (error) {
      this.#afterStep({ error });
      return 'again';
    }
    if (isPromiseLike(value)) {
      return Promise.resolve(value).then((resolved) => this.#afterStep({ value: resolved }), (error: unknown) => this.#afterStep({ error }));
    }
    this.#afterStep({ value });
    return 'again';
  }

  #afterStep(outcome: Outcome): void {
    // A kill requested during the step wins over whatever the step returned.
    if (this.#control.killRequested) return;
    if ('error' in outcome) {
      this.#record.enterExcepted(outcome.error);
      return;
    }
    try {
      this.#apply(isCommand(outcome.value) ? outcome.value : Stop(outcome.value, true));
    } catch (error) {
      this.#record.enterExcepted(error);
    }
  }

  #apply(command: Command): void {
    const state = this.#record.state;
    if (state !== ProcessState.RUNNING) {
      throw new InvalidCommandError(`a ${command.kind} command was returned while ${this.#host.describe()} is ${state}; only a step of a RUNNING process returns commands`);
    }
    assertTransition(state, COMMAND_TARGET[command.kind], `${command.kind} command`);
    switch (command.kind) {
      case 'continue':
        this.#record.setStep({ name: this.#stepName(command.step, 'Continue'), args: [...command.args] });
        break;
      case 'wait':
        this.#record.enterWaiting({ name: this.#stepName(command.step, 'Wait'), args: [] }, command.message);
        break;
      case 'stop':
        this.#record.enterFinished(command.result, command.successful);
        break;
      case 'kill':
        this.#record.enterKilled(command.message);
        break;
    }
  }

  #stepName(fn: Function, command: string): string {
    const name = methodName(this.#host.target, fn);
    if (name === undefined) {
      throw new InvalidCommandError(
        `${command}(step): the step must be a method of ${this.#host.getName()} (not an arrow function, a bound function or a closure), so that a checkpoint can name it`,
      );
    }
    return name;
  }
}
