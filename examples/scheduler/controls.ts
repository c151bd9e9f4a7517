/**
 * Controlling callbacks (AMLTK's guide): `repeat`, `maxCalls`, `when` and `every`, which any
 * subscription takes as its options.
 *
 *   npx tsx examples/scheduler/controls.ts
 */
import { Scheduler, type SchedulerEvents } from '../../src/index.js';
import { describeCounts, isMain, printer, squareFunction, type Log } from './functions.js';

export interface ControlResult {
  printed: string[];
  /** How many times the example's callback was called (a repeat counts once). */
  calls: number;
  eventCounts: Record<keyof SchedulerEvents, number>;
}

/** repeat: 3 prints "hello" three times when the scheduler starts. */
export async function repeat(log: Log = console.log): Promise<ControlResult> {
  const { print, printed } = printer(log);
  await using scheduler = Scheduler.withProcesses(1);
  let calls = 0;
  scheduler.onStart(function printHello() {
    print('hello');
  }, { repeat: 3 });
  scheduler.onStart(() => {
    calls += 1;
  }, { hidden: true });
  await scheduler.run();
  print(describeCounts(scheduler.eventCounts));
  return { printed, calls, eventCounts: scheduler.eventCounts };
}

/** maxCalls: 3: the callback resubmits three times, then is ignored; four futures in all. */
export async function maxCalls(log: Log = console.log): Promise<ControlResult> {
  const { print, printed } = printer(log);
  await using scheduler = Scheduler.withProcesses(2);
  let calls = 0;
  scheduler.onStart(function submitCalculations() {
    scheduler.submit(squareFunction, 2);
  });
  scheduler.onFutureResult(function printResult() {
    calls += 1;
    scheduler.submit(squareFunction, 2);
  }, { maxCalls: 3 });
  await scheduler.run();
  print(`printResult was called ${calls} times`);
  print(describeCounts(scheduler.eventCounts));
  return { printed, calls, eventCounts: scheduler.eventCounts };
}

/** when: of two greetings, only the one for the locale is called. */
export async function when(log: Log = console.log, locale: 'English' | 'German' = 'English'): Promise<ControlResult & { locale: string }> {
  const { print, printed } = printer(log);
  await using scheduler = Scheduler.withProcesses(1);
  let calls = 0;
  scheduler.onStart(function printHello() {
    calls += 1;
    print('hello');
  }, { when: () => locale === 'English' });
  scheduler.onStart(function printGutenTag() {
    calls += 1;
    print('guten tag');
  }, { when: () => locale === 'German' });
  await scheduler.run();
  print(describeCounts(scheduler.eventCounts));
  return { printed, calls, locale, eventCounts: scheduler.eventCounts };
}

/** every: 2: over five runs, "hello" is printed on the 2nd and the 4th. */
export async function every(log: Log = console.log): Promise<ControlResult> {
  const { print, printed } = printer(log);
  await using scheduler = Scheduler.withProcesses(1);
  let calls = 0;
  scheduler.onStart(function printHello() {
    calls += 1;
    print('hello');
  }, { every: 2 });
  // Run the scheduler 5 times.
  for (let i = 0; i < 5; i += 1) await scheduler.run();
  print(describeCounts(scheduler.eventCounts));
  return { printed, calls, eventCounts: scheduler.eventCounts };
}

export async function main(log: Log = console.log): Promise<Record<'repeat' | 'maxCalls' | 'when' | 'every', ControlResult>> {
  log('--- repeat');
  const r = await repeat(log);
  log('--- maxCalls');
  const m = await maxCalls(log);
  log('--- when');
  const w = await when(log);
  log('--- every');
  const e = await every(log);
  return { repeat: r, maxCalls: m, when: w, every: e };
}

if (isMain(import.meta.url)) await main();
