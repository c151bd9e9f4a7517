/**
 * plumpy's process state machine, without ports or persistence: steps returning commands
 * (Continue, Wait, Stop, Kill) through CREATED → RUNNING ⇄ WAITING → FINISHED | EXCEPTED | KILLED,
 * with pause/play, kill and resume, and events for listeners. Process builds on it.
 *
 * This class is the face; the work is done by three parts it keeps private: MachineRecord (the
 * fields and the transitions that change them), MachineControl (pause, play and kill from outside
 * the loop) and StepLoop (the synchronous loop that runs the steps).
 */
import type { Emitter, SubscriberOptions, Subscription } from '../core/emitter.js';
import { processEmitter, subscribeListener, type ProcessEvents, type ProcessListener } from './events.js';
import {
  AFTER_CHANGE, CHECK_OUTPUTS, ENSURE_STARTED, FAIL, IN_STEP, MACHINE_FIELDS, ON_DRIVE, ON_ENTER, OUTPUTS, SETTLED,
} from './internal.js';
import { MachineControl } from './machine-control.js';
import { MachineRecord } from './machine-record.js';
import type { MachineFields } from './process-state.js';
import { ProcessState } from './states.js';
import { StepLoop } from './step-loop.js';

export abstract class ProcessMachine {
  /** Unique id of the process, the key of its checkpoints. */
  abstract readonly pid: string;
  /** The process's events; `on(event, callback)` is the short way to subscribe. */
  readonly events: Emitter<ProcessEvents<this>>;

  readonly #record: MachineRecord<this>;
  readonly #control: MachineControl<this>;
  readonly #loop: StepLoop<this>;

  constructor(owner: string) {
    this.events = processEmitter(owner);
    // Closures: the parts cannot call the protected hooks themselves, and must reach the overrides and
    // the pid, which the subclass sets only after this constructor.
    const describe = (): string => `${this.getName()} ${this.pid}`;
    this.#record = new MachineRecord<this>({
      process: this,
      events: this.events,
      describe,
      onEnter: (state) => this[ON_ENTER](state),
      checkOutputs: () => this[CHECK_OUTPUTS](),
      outputs: () => this[OUTPUTS],
    });
    this.#control = new MachineControl(this.#record, { afterChange: () => this[AFTER_CHANGE](), wakeUp: () => this.#loop.wakeUp() });
    this.#loop = new StepLoop(this.#record, this.#control, {
      target: this,
      getName: () => this.getName(),
      describe,
      onDrive: () => this[ON_DRIVE](),
      pendingFailure: () => this.pendingFailure(),
      flush: () => this.flush(),
    });
  }

  /** The class's registered name (plumpy's `get_name()`). */
  abstract getName(): string;

  get state(): ProcessState {
    return this.#record.state;
  }

  /** A message about the state: the wait or pause message, the kill message, why a finish was unsuccessful. */
  get status(): string | undefined {
    return this.#record.status;
  }

  /** Whether the process is paused (it then runs no step until `play()`). */
  get paused(): boolean {
    return this.#record.paused;
  }

  get hasTerminated(): boolean {
    return this.#record.hasTerminated;
  }

  /** True when FINISHED successfully: a `Stop(result, true)` (the default) and every required output emitted. */
  get isSuccessful(): boolean {
    return this.#record.isSuccessful;
  }

  /** The error of an EXCEPTED process. */
  get exception(): unknown {
    return this.#record.exception;
  }

  /**
   * The result of a FINISHED process (what its last step returned, or the result of its Stop).
   * Throws KilledError for a KILLED process, its error for an EXCEPTED one, ProcessStateError before.
   */
  result(): unknown {
    return this.#record.result();
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
    return this.#loop.run();
  }

  /**
   * Resumes a WAITING process: its wait step runs next, given `value` if one is passed. A second
   * resume before the process moved on is ignored. ProcessStateError if the process is not WAITING.
   */
  resume(...value: [value?: unknown]): void {
    if (this.#record.resume(value)) this.#loop.wakeUp();
  }

  /**
   * Pauses the process before its next step: a running step completes first (and a `play()` before
   * it ends cancels the pause). Pausing does not change the state. False if it has terminated.
   */
  pause(message?: string): boolean {
    return this.#control.pause(message);
  }

  /** Plays a paused process (or cancels a pause requested during the current step). False if it has terminated. */
  play(): boolean {
    return this.#control.play();
  }

  /**
   * Kills the process: KILLED, with `message` as its status. Works in every non-terminal state, paused
   * or not; during a step it takes effect when the step returns (and what the step returned is
   * dropped). False if the process has already terminated.
   */
  kill(message?: string): boolean {
    return this.#control.kill(message);
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
    return this.#record.fields;
  }

  /** @internal Restores the fields (before the process runs). */
  set [MACHINE_FIELDS](f: MachineFields) {
    this.#record.fields = f;
  }

  /** @internal Resolves once terminated and the loop (with its checkpoint writes) is done. */
  [SETTLED](): Promise<void> {
    return this.#loop.settled();
  }

  /** @internal Starts the process on a microtask (as plumpy schedules a launched process on the loop). */
  [ENSURE_STARTED](): void {
    this.#loop.ensureStarted(() => this.stepUntilTerminated());
  }

  /** @internal True while a step of the running process runs. */
  get [IN_STEP](): boolean {
    return this.#control.stepping && this.#record.state === ProcessState.RUNNING;
  }

  /** @internal Excepts the process from outside a step. */
  [FAIL](error: unknown): void {
    this.#control.fail(error);
  }

  /** @internal What the loop awaits once terminated (checkpoint writes); rejects to fail the loop. */
  protected async flush(): Promise<void> {}

  /** @internal A failure found outside the loop (a checkpoint that could not be written): excepts at the next turn. */
  protected pendingFailure(): unknown {
    return undefined;
  }

  /** @internal Wakes the loop so that it looks at `pendingFailure()`. */
  protected wakeUp(): void {
    this.#loop.wakeUp();
  }
}
