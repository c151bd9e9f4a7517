/**
 * The state machine's record: the fields a checkpoint keeps (state, step, status, paused, outcome)
 * and the transitions, the only code that changes them. A transition calls the ON_ENTER hook before
 * it emits its event, so the hook's bookkeeping is done by the time a listener looks.
 */
import type { Emitter } from '../core/emitter.js';
import { KilledError, ProcessStateError } from './errors.js';
import type { ProcessEvents } from './events.js';
import type { MachineFields, StepCall } from './process-state.js';
import { assertTransition, isTerminal, ProcessState } from './states.js';
import { deferred } from './util.js';

/** What the record needs of its process. */
export interface RecordHost<P> {
  /** The first argument of every event. */
  readonly process: P;
  readonly events: Emitter<ProcessEvents<P>>;
  /** The process as messages name it (`getName() pid`). */
  describe(): string;
  /** The ON_ENTER hook. */
  onEnter(state: ProcessState): void;
  /** Why the outputs do not complete a successful finish, or undefined. */
  checkOutputs(): string | undefined;
  /** The outputs emitted so far, which `finished` reports. */
  outputs(): Record<string, unknown>;
}

export class MachineRecord<P> {
  readonly #host: RecordHost<P>;
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
  readonly #terminal = deferred();

  constructor(host: RecordHost<P>) {
    this.#host = host;
  }

  get state(): ProcessState {
    return this.#state;
  }

  get step(): StepCall | undefined {
    return this.#step;
  }

  get status(): string | undefined {
    return this.#status;
  }

  get paused(): boolean {
    return this.#paused;
  }

  get hasTerminated(): boolean {
    return isTerminal(this.#state);
  }

  get isSuccessful(): boolean {
    return this.#state === ProcessState.FINISHED && this.#successful;
  }

  get exception(): unknown {
    return this.#state === ProcessState.EXCEPTED ? this.#error : undefined;
  }

  /** Resolves once the process has terminated (restored terminated included). */
  get terminated(): Promise<void> {
    return this.#terminal.promise;
  }

  result(): unknown {
    switch (this.#state) {
      case ProcessState.FINISHED:
        return this.#result;
      case ProcessState.KILLED:
        throw new KilledError(this.#status === undefined ? `${this.#host.describe()} was killed` : this.#status);
      case ProcessState.EXCEPTED:
        throw this.#error;
      default:
        throw new ProcessStateError(`result(): ${this.#host.describe()} has not terminated (it is ${this.#state})`);
    }
  }

  get fields(): MachineFields {
    return {
      state: this.#state, step: this.#step, waitMessage: this.#waitMessage, resume: this.#resume, status: this.#status,
      paused: this.#paused, result: this.#result, successful: this.#successful, error: this.#error,
    };
  }

  set fields(f: MachineFields) {
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

  /** Keeps the value a WAITING process is resumed with; false if it already has one. */
  resume(value: [value?: unknown]): boolean {
    if (this.#state !== ProcessState.WAITING) throw new ProcessStateError(`resume(): ${this.#host.describe()} is ${this.#state}, not WAITING`);
    if (this.#resume !== undefined) return false;
    this.#resume = value.length > 0 ? { value: value[0], given: true } : { value: undefined, given: false };
    return true;
  }

  /** A resumed WAITING process goes RUNNING, its wait step given the resume value; false while not resumed. */
  runResumed(): boolean {
    const resume = this.#resume;
    if (resume === undefined) return false;
    this.#resume = undefined;
    this.enterRunning({ name: this.#step!.name, args: resume.given ? [resume.value] : [] });
    return true;
  }

  /** A Continue: the next step, in the same RUNNING state (no event). */
  setStep(step: StepCall): void {
    this.#step = step;
  }

  setPaused(message: string | undefined): void {
    this.#paused = true;
    if (message !== undefined) this.#status = message;
    this.#host.events.emit('paused', this.#host.process);
  }

  clearPaused(): void {
    this.#paused = false;
    this.#status = this.#state === ProcessState.WAITING ? this.#waitMessage : undefined;
    this.#host.events.emit('played', this.#host.process);
  }

  enterRunning(step: StepCall): void {
    assertTransition(this.#state, ProcessState.RUNNING, 'run');
    this.#state = ProcessState.RUNNING;
    this.#step = step;
    this.#waitMessage = undefined;
    if (!this.#paused) this.#status = undefined;
    this.#host.onEnter(this.#state);
    this.#host.events.emit('running', this.#host.process);
  }

  enterWaiting(step: StepCall, message: string | undefined): void {
    this.#state = ProcessState.WAITING;
    this.#step = step;
    this.#waitMessage = message;
    this.#status = message;
    this.#resume = undefined;
    this.#host.onEnter(this.#state);
    this.#host.events.emit('waiting', this.#host.process);
  }

  enterFinished(result: unknown, successful: boolean): void {
    if (successful) {
      const missing = this.#host.checkOutputs();
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
    this.#host.events.emit('finished', this.#host.process, this.#host.outputs());
  }

  enterExcepted(error: unknown): void {
    if (this.hasTerminated) return;
    this.#state = ProcessState.EXCEPTED;
    this.#error = error;
    this.#terminate();
    this.#host.events.emit('excepted', this.#host.process, error);
  }

  enterKilled(message: string | undefined): void {
    this.#state = ProcessState.KILLED;
    this.#status = message;
    this.#paused = false;
    this.#terminate();
    this.#host.events.emit('killed', this.#host.process, message);
  }

  #terminate(): void {
    this.#resume = undefined;
    this.#host.onEnter(this.#state);
    this.#terminal.resolve();
  }
}
