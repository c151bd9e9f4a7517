/**
 * Process events and listeners. Events are delivered synchronously, in registration order, when the
 * process enters the state (so a listener sees the new state, and may act on it: a `waiting`
 * listener may call `process.resume()`).
 */
import { Emitter, type Subscription } from '../core/emitter.js';
import type { Process } from './process.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a listener receives processes of any inputs and outputs
export type AnyProcess = Process<any, any>;

/** The events of a process and their arguments. */
// A type alias, not an interface: the Emitter's event map needs the implicit index signature.
export type ProcessEvents<P = AnyProcess> = {
  /** Entered RUNNING from CREATED or WAITING (not on each Continue). */
  running: [process: P];
  /** Entered WAITING. */
  waiting: [process: P];
  /** Paused (before its next step). */
  paused: [process: P];
  /** Played after a pause. */
  played: [process: P];
  /** A step emitted an output; `path` is dotted, `dynamic` when the port is not declared. */
  output: [process: P, path: string, value: unknown, dynamic: boolean];
  /** Entered FINISHED (successful or not). */
  finished: [process: P, outputs: Record<string, unknown>];
  /** Entered EXCEPTED. */
  excepted: [process: P, error: unknown];
  /** Entered KILLED. */
  killed: [process: P, message: string | undefined];
};

export const PROCESS_EVENTS = ['running', 'waiting', 'paused', 'played', 'output', 'finished', 'excepted', 'killed'] as const;

/** The emitter of a process's events, `owner` naming it in errors. */
export function processEmitter<P>(owner: string): Emitter<ProcessEvents<P>> {
  const events = new Emitter<ProcessEvents<P>>(owner, PROCESS_EVENTS);
  // A listener's error must not corrupt the process that emits: rethrow it on its own, as futures do.
  events.onCallbackError = (error) => queueMicrotask(() => { throw error; });
  return events;
}

/** An object of callbacks, plumpy's ProcessListener: define the ones you need. */
export interface ProcessListener<P = AnyProcess> {
  onProcessRunning?(process: P): void;
  onProcessWaiting?(process: P): void;
  onProcessPaused?(process: P): void;
  onProcessPlayed?(process: P): void;
  onOutputEmitted?(process: P, path: string, value: unknown, dynamic: boolean): void;
  onProcessFinished?(process: P, outputs: Record<string, unknown>): void;
  onProcessExcepted?(process: P, error: unknown): void;
  onProcessKilled?(process: P, message: string | undefined): void;
}

export const LISTENER_METHODS: Readonly<Record<(typeof PROCESS_EVENTS)[number], keyof ProcessListener>> = {
  running: 'onProcessRunning',
  waiting: 'onProcessWaiting',
  paused: 'onProcessPaused',
  played: 'onProcessPlayed',
  output: 'onOutputEmitted',
  finished: 'onProcessFinished',
  excepted: 'onProcessExcepted',
  killed: 'onProcessKilled',
};

/** Subscribes each callback a listener defines; one subscription removes them all. */
export function subscribeListener<P>(events: Emitter<ProcessEvents<P>>, listener: ProcessListener<P>): Subscription {
  const subscriptions: Subscription[] = [];
  for (const event of PROCESS_EVENTS) {
    const method = listener[LISTENER_METHODS[event]] as ((...args: unknown[]) => unknown) | undefined;
    if (typeof method === 'function') {
      subscriptions.push(events.on(event, ((...args: unknown[]) => method.apply(listener, args)) as never));
    }
  }
  return { off: () => { for (const subscription of subscriptions) subscription.off(); } };
}
