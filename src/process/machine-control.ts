/**
 * Pause, play, kill and fail, asked from outside the loop (a user, a listener, a remote control).
 * Between turns of the loop they take effect at once; during a turn (a step, or a state change the
 * loop makes) a pause or kill is held and applied when the turn ends, so that no step sees its
 * process change under it.
 */
import type { MachineRecord } from './machine-record.js';

/** What the control needs of its process. */
export interface ControlHost {
  /** The AFTER_CHANGE hook. */
  afterChange(): void;
  /** Wakes the loop, to look at what changed. */
  wakeUp(): void;
}

export class MachineControl<P> {
  readonly #record: MachineRecord<P>;
  readonly #host: ControlHost;
  /** True while a step (or a state change made by the loop) runs: kill and pause then wait for its end. */
  #stepping = false;
  #pauseRequest: { message: string | undefined } | undefined;
  #killRequest: { message: string | undefined } | undefined;

  constructor(record: MachineRecord<P>, host: ControlHost) {
    this.#record = record;
    this.#host = host;
  }

  get stepping(): boolean {
    return this.#stepping;
  }

  /** A kill asked during the current turn; it wins over whatever the step returned. */
  get killRequested(): boolean {
    return this.#killRequest !== undefined;
  }

  pause(message: string | undefined): boolean {
    if (this.#record.hasTerminated) return false;
    if (this.#record.paused) return true;
    if (this.#stepping) {
      this.#pauseRequest = { message };
      return true;
    }
    this.#record.setPaused(message);
    this.#host.afterChange();
    return true;
  }

  play(): boolean {
    if (this.#record.hasTerminated) return false;
    if (this.#pauseRequest !== undefined) {
      this.#pauseRequest = undefined;
      return true;
    }
    if (!this.#record.paused) return true;
    this.#record.clearPaused();
    this.#changed();
    return true;
  }

  kill(message: string | undefined): boolean {
    if (this.#record.hasTerminated) return false;
    if (this.#stepping) {
      this.#killRequest = { message };
      return true;
    }
    this.#record.enterKilled(message);
    this.#changed();
    return true;
  }

  /** Excepts the process from outside a step (inside one it throws `error` there, for the step to fail with). */
  fail(error: unknown): void {
    if (this.#record.hasTerminated) return;
    if (this.#stepping) throw error;
    this.#record.enterExcepted(error);
    this.#changed();
  }

  beginTurn(): void {
    this.#stepping = true;
  }

  /** Applies what was asked during the turn (a kill before a pause), then the AFTER_CHANGE hook. */
  endTurn(): void {
    this.#stepping = false;
    const kill = this.#killRequest;
    const pause = this.#pauseRequest;
    this.#killRequest = this.#pauseRequest = undefined;
    if (kill !== undefined && !this.#record.hasTerminated) this.#record.enterKilled(kill.message);
    else if (pause !== undefined && !this.#record.hasTerminated) this.#record.setPaused(pause.message);
    this.#host.afterChange();
  }

  #changed(): void {
    this.#host.afterChange();
    this.#host.wakeUp();
  }
}
