import { constants } from 'node:os';

/** Signals that ask a command to stop cleanly. */
const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

/** The conventional exit code of a program ended by `signal`: 128 + its number (130 for SIGINT). */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 2);
}

export interface StopSignalsOptions {
  /** Ends the program at once on a second signal. @default process.exit */
  exit?: (code: number) => void;
  /** Where the "stopping now" notice of a second signal goes. @default process.stderr */
  stream?: { write(text: string): unknown };
}

/**
 * Ctrl-C (SIGINT) or SIGTERM, the way users expect of a long batch: the first signal asks for a
 * clean stop (`onStop` runs once: stop submitting, stop the workers, keep what is done); a second
 * one, for a user who will not wait for the clean-up, ends the program at once.
 */
export class StopSignals {
  readonly #onStop: (signal: NodeJS.Signals) => void;
  readonly #exit: (code: number) => void;
  readonly #stream: { write(text: string): unknown };
  readonly #listener = (signal: NodeJS.Signals): void => this.#handle(signal);
  #received: NodeJS.Signals | undefined;

  constructor(onStop: (signal: NodeJS.Signals) => void, options: StopSignalsOptions = {}) {
    this.#onStop = onStop;
    this.#exit = options.exit ?? ((code) => process.exit(code));
    this.#stream = options.stream ?? process.stderr;
    for (const signal of STOP_SIGNALS) process.on(signal, this.#listener);
  }

  /** The first signal received, if any. */
  get received(): NodeJS.Signals | undefined {
    return this.#received;
  }

  /** Restores the default behaviour of the signals. */
  dispose(): void {
    for (const signal of STOP_SIGNALS) process.off(signal, this.#listener);
  }

  #handle(signal: NodeJS.Signals): void {
    if (this.#received !== undefined) {
      this.#stream.write(`\ntaskfarm: ${signal} again, exiting now\n`);
      this.#exit(signalExitCode(this.#received));
      return;
    }
    this.#received = signal;
    this.#onStop(signal);
  }
}
