import type { Future } from '../core/future.js';

/** The scheduler's events and the arguments their callbacks get. */
export type SchedulerEvents = {
  start: [];
  finishing: [];
  finished: [];
  stop: [message: string, error: Error | undefined];
  timeout: [];
  empty: [];
  futureSubmitted: [future: Future<unknown>];
  futureDone: [future: Future<unknown>];
  futureCancelled: [future: Future<unknown>];
  futureResult: [future: Future<unknown>, value: unknown];
  futureException: [future: Future<unknown>, error: Error];
};

/** Every event of {@link SchedulerEvents}, declared in this order: views list them so. */
export const EVENTS: Array<keyof SchedulerEvents> = [
  'empty', 'start', 'finishing', 'finished', 'stop', 'timeout',
  'futureSubmitted', 'futureDone', 'futureCancelled', 'futureException', 'futureResult',
];
