/**
 * plumpy's process state machine, without ports or persistence: steps returning commands
 * (Continue, Wait, Stop, Kill) through CREATED → RUNNING ⇄ WAITING → FINISHED | EXCEPTED | KILLED,
 * with pause/play, kill and resume, and events for listeners. Process builds on it.
 *
 * The stepping loop is synchronous: the steps of one process run back to back without yielding to
 * the event loop, so several processes interleave only where one waits (or is paused). That is what
 * makes printed orders deterministic, and it is why nothing in the loop `await`s unless it must.
 */
import { Emitter, type SubscriberOptions, type Subscription } from '../core/emitter.js';
import { COMMAND_TARGET, isCommand, Stop, type Command } from './commands.js';
import { InvalidCommandError, KilledError, ProcessStateError } from './errors.js';
import { PROCESS_EVENTS, subscribeListener, type ProcessEvents, type ProcessListener } from './events.js';
import {
  AFTER_CHANGE, CHECK_OUTPUTS, ENSURE_STARTED, FAIL, IN_STEP, MACHINE_FIELDS, ON_DRIVE, ON_ENTER, OUTPUTS, SETTLED,
} from './internal.js';
import type { MachineFields, StepCall } from './process-state.js';
import { assertTransition, isTerminal, ProcessState } from './states.js';
import { methodName, methodNamed } from './steps.js';
import { deferred, isPromiseLike } from './util.js';

type Outcome = { value: unknown } | { error: unknown };
type Turn = 'again' | 'sleep' | Promise<void>;

export abstract class ProcessMachine {
  /** Unique id of the process, the key of its checkpoints. */
  abstract readonly pid: string;
  /** The process's events; `on(event, callback)` is the short way to subscribe. */
  readonly events: Emitter<ProcessEvents<this>>;

  #state: ProcessState = ProcessState.CREATED;
  /** RUNNING: the step to run next. WAITING: the step to run once resumed. */
  #step: StepCall | undefined;
  #waitMessage: string | undefined;
  #resume: { value: unknown; given: boolean } | undefined;
  #status: string | undefined;
  #paused = false;
  #result: unknown;
  #successful = false;
  #error: unknown;

  /** True while a step (or a state change made by the loop) runs: kill and pause then wait for its end. */
  #stepping = false;
  #pauseRequest: { message: string | undefined } | undefined;
  #killRequest: { message: string | undefined } | undefined;
  #driving: Promise<void> | undefined;
  #driveEntered = false;
  #startScheduled = false;
  #wake: (() => void) | undefined;
  readonly #terminal = deferred();

  constructor(owner: string) {
    this.events = new Emitter(owner, PROCESS_EVENTS);
    // A listener's error must not corrupt the process that emits: rethrow it on its own, as futures do.
    this.events.onCallbackError = (error) => queueMicrotask(() => { throw error; });
  }

  /** The class's registered name (plumpy's `get_name()`). */
  abstract getName(): string;

  get state(): ProcessState {
    return this.#state;
  }

  /** A message about the state: the wait or pause message, the kill message, why a finish was unsuccessful. */
  get status(): string | undefined {
    return this.#status;
  }

  /** Whether the process is paused (it then runs no step until `play()`). */
  get paused(): boolean {
    return this.#paused;
  }

  get hasTerminated(): boolean {
    return isTerminal(this.#state);
  }

  /** True when FINISHED successfully: a `Stop(result, true)` (the default) and every required output emitted. */
  get isSuccessful(): boolean {
    return this.#state === ProcessState.FINISHED && this.#successful;
  }

  /** The error of an EXCEPTED process. */
  get exception(): unknown {
    return this.#state === ProcessState.EXCEPTED ? this.#error : undefined;
  }

  /**
   * The result of a FINISHED process (what its last step returned, or the result of its Stop).
   * Throws KilledError for a KILLED process, its error for an EXCEPTED one, ProcessStateError before.
   */
  result(): unknown {
    switch (this.#state) {
      case ProcessState.FINISHED:
        return this.#result;
      case ProcessState.KILLED:
        throw this.#killedError();
      case ProcessState.EXCEPTED:
        throw this.#error;
      default:
        throw new ProcessStateError(`result(): ${this.#describe()} has not terminated (it is ${this.#state})`);
    }
  }

  /** The step run first: override it. Its return value is a command, or the result (a `Stop(value)`). */
  run(): unknown {
    return undefined;
  }

  /**
   * Runs the process until it terminates, whatever the outcome (it rejects only if a checkpoint
   * could not be written). Steps run back to back; the promise gives way to the event loop only
   * while the process waits or is paused. Calling it again returns the same promise.
   */
  stepUntilTerminated(): Promise<void> {
    if (this.#driving === undefined) {
      // A listener calling this during the first, synchronous stretch of the loop joins it.
      if (this.#driveEntered) return this[SETTLED]();
      this.#driving = this.#drive();
    }
    return this.#driving;
  }

  /**
   * Resumes a WAITING process: its wait step runs next, given `value` if one is passed. A second
   * resume before the process moved on is ignored. ProcessStateError if the process is not WAITING.
   */
  resume(...value: [value?: unknown]): void {
    if (this.#state !== ProcessState.WAITING) throw new ProcessStateError(`resume(): ${this.#describe()} is ${this.#state}, not WAITING`);
    if (this.#resume !== undefined) return;
    this.#resume = value.length > 0 ? { value: value[0], given: true } : { value: undefined, given: false };
    this.#wakeUp();
  }

  /**
   * Pauses the process before its next step: a running step completes first (and a `play()` before
   * it ends cancels the pause). Pausing does not change the state. False if it has terminated.
   */
  pause(message?: string): boolean {
    if (this.hasTerminated) return false;
    if (this.#paused) return true;
    if (this.#stepping) {
      this.#pauseRequest = { message };
      return true;
    }
    this.#doPause(message);
    this[AFTER_CHANGE]();
    return true;
  }

  /** Plays a paused process (or cancels a pause requested during the current step). False if it has terminated. */
  play(): boolean {
    if (this.hasTerminated) return false;
    if (this.#pauseRequest !== undefined) {
      this.#pauseRequest = undefined;
      return true;
    }
    if (!this.#paused) return true;
    this.#paused = false;
    this.#status = this.#state === ProcessState.WAITING ? this.#waitMessage : undefined;
    this.events.emit('played', this);
    this[AFTER_CHANGE]();
    this.#wakeUp();
    return true;
  }

  /**
   * Kills the process: KILLED, with `message` as its status. Works in every non-terminal state, paused
   * or not; during a step it takes effect when the step returns (and what the step returned is
   * dropped). False if the process has already terminated.
   */
  kill(message?: string): boolean {
    if (this.hasTerminated) return false;
    if (this.#stepping) {
      this.#killRequest = { message };
      return true;
    }
    this.#enterKilled(message);
    this[AFTER_CHANGE]();
    this.#wakeUp();
    return true;
  }

  /** Subscribes to one event; see {@link ProcessEvents}. */
  on<K extends keyof ProcessEvents & string>(event: K, callback: (...args: ProcessEvents<this>[K]) => unknown, options?: SubscriberOptions): Subscription {
    return this.events.on(event, callback, options);
  }

  /** Subscribes a listener object (plumpy's ProcessListener); `off()` on the result removes it. */
  addProcessListener(listener: ProcessListener<this>): Subscription {
    return subscribeListener(this.events, listener);
  }

  // ---------------------------------------------------------------- hooks for Process and WorkChain

  /** @internal The outputs emitted so far. */
  protected abstract get [OUTPUTS](): Record<string, unknown>;

  /** @internal Why the outputs do not complete a successful finish, or undefined. */
  protected abstract [CHECK_OUTPUTS](): string | undefined;

  /** @internal Called after every turn of the loop and every change made from outside a step. */
  protected [AFTER_CHANGE](): void {}

  /** @internal Called on every state change, before listeners. */
  protected [ON_ENTER](_state: ProcessState): void {}

  /** @internal Called when the stepping loop starts. */
  protected [ON_DRIVE](): void {}

  /** @internal The machine's fields, for checkpoints. */
  get [MACHINE_FIELDS](): MachineFields {
    return {
      state: this.#state, step: this.#step, waitMessage: this.#waitMessage, resume: this.#resume, status: this.#status,
      paused: this.#paused, result: this.#result, successful: this.#successful, error: this.#error,
    };
  }

  /** @internal Restores the fields (before the process runs). */
  set [MACHINE_FIELDS](f: MachineFields) {
    this.#state = f.state;
    this.#step = f.step;
    this.#waitMessage = f.waitMessage;
    this.#resume = f.resume;
    this.#status = f.status;
    this.#paused = f.paused;
    this.#result = f.result;
    this.#successful = f.successful;
    this.#error = f.error;
    if (isTerminal(this.#state)) this.#terminal.resolve();
  }

  /** @internal Resolves once terminated and the loop (with its checkpoint writes) is done. */
  [SETTLED](): Promise<void> {
    return this.#terminal.promise.then(() => this.#driving);
  }

  /** @internal Starts the process on a microtask (as plumpy schedules a launched process on the loop). */
  [ENSURE_STARTED](): void {
    if (this.#startScheduled || this.#driveEntered) return;
    this.#startScheduled = true;
    queueMicrotask(() => { this.stepUntilTerminated().catch(() => undefined); });
  }

  /** @internal True while a step of the running process runs. */
  get [IN_STEP](): boolean {
    return this.#stepping && this.#state === ProcessState.RUNNING;
  }

  /** @internal Excepts the process from outside a step. */
  [FAIL](error: unknown): void {
    if (this.hasTerminated) return;
    if (this.#stepping) throw error;
    this.#enterExcepted(error);
    this[AFTER_CHANGE]();
    this.#wakeUp();
  }

  /** @internal What the loop awaits once terminated (checkpoint writes); rejects to fail the loop. */
  protected async flush(): Promise<void> {}

  /** @internal A failure found outside the loop (a checkpoint that could not be written): excepts at the next turn. */
  protected pendingFailure(): unknown {
    return undefined;
  }

  /** @internal Wakes the loop so that it looks at `pendingFailure()`. */
  protected wakeUp(): void {
    this.#wakeUp();
  }

  // ---------------------------------------------------------------- the loop

  async #drive(): Promise<void> {
    this.#driveEntered = true;
    this[ON_DRIVE]();
    while (!this.hasTerminated) {
      const failure = this.pendingFailure();
      if (failure !== undefined) {
        this.#enterExcepted(failure);
        break;
      }
      if (this.#paused) {
        await this.#sleep();
        continue;
      }
      const next = this.#advance();
      if (next === 'sleep') await this.#sleep();
      else if (next !== 'again') await next;
    }
    await this.flush();
  }

  #sleep(): Promise<void> {
    return new Promise((resolve) => { this.#wake = resolve; });
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /** One turn of the loop: a state change or a step. A promise only when the step is asynchronous. */
  #advance(): Turn {
    this.#stepping = true;
    let next: Turn = 'again';
    try {
      switch (this.#state) {
        case ProcessState.CREATED:
          this.#enterRunning({ name: 'run', args: [] });
          break;
        case ProcessState.RUNNING:
          next = this.#runStep();
          break;
        case ProcessState.WAITING: {
          const resume = this.#resume;
          if (resume === undefined) {
            next = 'sleep';
            break;
          }
          this.#resume = undefined;
          this.#enterRunning({ name: this.#step!.name, args: resume.given ? [resume.value] : [] });
          break;
        }
        default:
          break;
      }
    } catch (error) {
      this.#enterExcepted(error);
    }
    if (next instanceof Promise) return next.then(() => this.#endAdvance());
    this.#endAdvance();
    return next;
  }

  #endAdvance(): void {
    this.#stepping = false;
    const kill = this.#killRequest;
    const pause = this.#pauseRequest;
    this.#killRequest = this.#pauseRequest = undefined;
    if (kill !== undefined && !this.hasTerminated) this.#enterKilled(kill.message);
    else if (pause !== undefined && !this.hasTerminated) this.#doPause(pause.message);
    this[AFTER_CHANGE]();
  }

  #runStep(): 'again' | Promise<void> {
    const step = this.#step!;
    const method = methodNamed(this, step.name) as ((...args: unknown[]) => unknown) | undefined;
    let value: unknown;
    try {
      if (method === undefined) throw new InvalidCommandError(`${this.getName()} has no step method "${step.name}"`);
      value = method.apply(this, step.args);
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
    if (this.#killRequest !== undefined) return;
    if ('error' in outcome) {
      this.#enterExcepted(outcome.error);
      return;
    }
    try {
      this.#apply(isCommand(outcome.value) ? outcome.value : Stop(outcome.value, true));
    } catch (error) {
      this.#enterExcepted(error);
    }
  }

  #apply(command: Command): void {
    if (this.#state !== ProcessState.RUNNING) {
      throw new InvalidCommandError(`a ${command.kind} command was returned while ${this.#describe()} is ${this.#state}; only a step of a RUNNING process returns commands`);
    }
    assertTransition(this.#state, COMMAND_TARGET[command.kind], `${command.kind} command`);
    switch (command.kind) {
      case 'continue':
        this.#step = { name: this.#stepName(command.step, 'Continue'), args: [...command.args] };
        break;
      case 'wait':
        this.#enterWaiting({ name: this.#stepName(command.step, 'Wait'), args: [] }, command.message);
        break;
      case 'stop':
        this.#enterFinished(command.result, command.successful);
        break;
      case 'kill':
        this.#enterKilled(command.message);
        break;
    }
  }

  #stepName(fn: Function, command: string): string {
    const name = methodName(this, fn);
    if (name === undefined) {
      throw new InvalidCommandError(
        `${command}(step): the step must be a method of ${this.getName()} (not an arrow function, a bound function or a closure), so that a checkpoint can name it`,
      );
    }
    return name;
  }

  // ---------------------------------------------------------------- transitions

  #enterRunning(step: StepCall): void {
    assertTransition(this.#state, ProcessState.RUNNING, 'run');
    this.#state = ProcessState.RUNNING;
    this.#step = step;
    this.#waitMessage = undefined;
    if (!this.#paused) this.#status = undefined;
    this[ON_ENTER](this.#state);
    this.events.emit('running', this);
  }

  #enterWaiting(step: StepCall, message: string | undefined): void {
    this.#state = ProcessState.WAITING;
    this.#step = step;
    this.#waitMessage = message;
    this.#status = message;
    this.#resume = undefined;
    this[ON_ENTER](this.#state);
    this.events.emit('waiting', this);
  }

  #enterFinished(result: unknown, successful: boolean): void {
    if (successful) {
      const missing = this[CHECK_OUTPUTS]();
      // plumpy's rule: a process that misses a required output finishes, unsuccessfully.
      if (missing !== undefined) {
        successful = false;
        this.#status = missing;
      }
    }
    this.#state = ProcessState.FINISHED;
    this.#step = undefined;
    this.#result = result;
    this.#successful = successful;
    this.#terminate();
    this.events.emit('finished', this, this[OUTPUTS]);
  }

  #enterExcepted(error: unknown): void {
    if (this.hasTerminated) return;
    this.#state = ProcessState.EXCEPTED;
    this.#error = error;
    this.#terminate();
    this.events.emit('excepted', this, error);
  }

  #enterKilled(message: string | undefined): void {
    this.#state = ProcessState.KILLED;
    this.#status = message;
    this.#paused = false;
    this.#terminate();
    this.events.emit('killed', this, message);
  }

  #terminate(): void {
    this.#resume = undefined;
    this[ON_ENTER](this.#state);
    this.#terminal.resolve();
  }

  #doPause(message: string | undefined): void {
    this.#paused = true;
    if (message !== undefined) this.#status = message;
    this.events.emit('paused', this);
  }

  #killedError(): KilledError {
    return new KilledError(this.#status === undefined ? `${this.#describe()} was killed` : this.#status);
  }

  #describe(): string {
    return `${this.getName()} ${this.pid}`;
  }
}
