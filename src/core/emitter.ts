import { ValidationError } from './errors.js';

/**
 * Typed events with subscriber controls, used by every face (scheduler, tasks, plugins, processes).
 * Delivery is synchronous and in registration order, so what a program prints is deterministic.
 */

/** How a callback is called. */
export interface SubscriberOptions {
  /**
   * Call the callback this many times in a row for each emission; counted as one call.
   * @default 1
   */
  repeat?: number;
  /**
   * Stop calling the callback after this many calls.
   * @default Infinity
   */
  maxCalls?: number;
  /**
   * Call only while this returns true (checked at each emission).
   * @default always
   */
  when?: () => boolean;
  /**
   * Call only on every n-th emission of the event (the n-th, the 2n-th, ...).
   * @default 1
   */
  every?: number;
  /**
   * Leave the callback out of rendered views.
   * @default false
   */
  hidden?: boolean;
}

/** A registered callback, as views and tests see it. */
export interface SubscriberInfo {
  event: string;
  /** The callback's name, or `anonymous`. */
  name: string;
  /** How many times it was called (a `repeat` counts once). */
  calls: number;
  hidden: boolean;
}

interface Subscriber {
  readonly event: string;
  readonly callback: (...args: never[]) => unknown;
  readonly repeat: number;
  readonly maxCalls: number;
  readonly when: (() => boolean) | undefined;
  readonly every: number;
  readonly hidden: boolean;
  calls: number;
}

/** What an emission did: how many callbacks ran, and the errors they threw. */
export interface EmitReport {
  called: number;
  errors: unknown[];
}

/** Handle of a subscription: `off()` removes it. */
export interface Subscription {
  off(): void;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- event argument tuples of any shape
export type EventMap = Record<string, any[]>;

/**
 * An emitter of a fixed, declared set of events: subscribing to or emitting an unknown event is an
 * error naming the known ones, so a typo never goes silent.
 */
export class Emitter<E extends EventMap> {
  readonly #subscribers = new Map<string, Subscriber[]>();
  readonly #counts = new Map<string, number>();
  readonly #owner: string;
  /** Where a callback's error goes; by default it is thrown from `emit`. */
  onCallbackError: ((error: unknown, event: string) => void) | undefined;

  constructor(owner: string, events: ReadonlyArray<keyof E & string>) {
    this.#owner = owner;
    for (const event of events) this.declare(event);
  }

  /** Adds an event (plugins declare theirs when they attach). */
  declare(event: string): void {
    if (!this.#subscribers.has(event)) {
      this.#subscribers.set(event, []);
      this.#counts.set(event, 0);
    }
  }

  /** The declared events, in declaration order. */
  get events(): string[] {
    return [...this.#subscribers.keys()];
  }

  /** Every declared event with how many times it was emitted (0 included). */
  get counts(): Record<string, number> {
    return Object.fromEntries(this.#counts);
  }

  on<K extends keyof E & string>(event: K, callback: (...args: E[K]) => unknown, options: SubscriberOptions = {}): Subscription {
    const list = this.#known(event);
    if (typeof callback !== 'function') throw new ValidationError(`${this.#owner}.on('${event}', callback): callback must be a function`);
    const subscriber: Subscriber = {
      event,
      callback: callback as Subscriber['callback'],
      repeat: positive('repeat', options.repeat, 1),
      maxCalls: options.maxCalls === undefined || options.maxCalls === Infinity ? Infinity : positive('maxCalls', options.maxCalls, 1),
      when: options.when,
      every: positive('every', options.every, 1),
      hidden: options.hidden ?? false,
      calls: 0,
    };
    if (subscriber.when !== undefined && typeof subscriber.when !== 'function') {
      throw new ValidationError(`Invalid subscriber option 'when': expected a function () => boolean`);
    }
    list.push(subscriber);
    return {
      off: () => {
        const at = list.indexOf(subscriber);
        if (at >= 0) list.splice(at, 1);
      },
    };
  }

  /**
   * Calls the event's callbacks now, in registration order, and says how many were called and
   * which errors they threw (each also went to `onCallbackError`).
   */
  emit<K extends keyof E & string>(event: K, ...args: E[K]): EmitReport {
    const list = this.#known(event);
    const count = (this.#counts.get(event) ?? 0) + 1;
    this.#counts.set(event, count);
    const report: EmitReport = { called: 0, errors: [] };
    for (const subscriber of [...list]) {
      if (subscriber.calls >= subscriber.maxCalls) continue;
      if (count % subscriber.every !== 0) continue;
      if (subscriber.when && !subscriber.when()) continue;
      subscriber.calls += 1;
      report.called += 1;
      for (let i = 0; i < subscriber.repeat; i += 1) {
        try {
          subscriber.callback(...(args as unknown as never[]));
        } catch (error) {
          if (!this.onCallbackError) throw error;
          report.errors.push(error);
          this.onCallbackError(error, event);
        }
      }
    }
    return report;
  }

  /** The callbacks of an event (or all), for views. */
  subscribers(event?: string): SubscriberInfo[] {
    const lists = event === undefined ? [...this.#subscribers.values()] : [this.#known(event)];
    return lists.flat().map((s) => ({ event: s.event, name: s.callback.name || 'anonymous', calls: s.calls, hidden: s.hidden }));
  }

  #known(event: string): Subscriber[] {
    const list = this.#subscribers.get(event);
    if (!list) throw new ValidationError(`${this.#owner} has no event '${event}'; its events are: ${this.events.join(', ')}`);
    return list;
  }
}

function positive(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(Number.isInteger(value) && (value as number) >= 1)) {
    throw new ValidationError(`Invalid subscriber option '${name}': expected an integer >= 1, got ${String(value)}`);
  }
  return value as number;
}
