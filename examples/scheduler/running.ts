/**
 * Running the scheduler (AMLTK's guide): a callback registered on `start` is only called once the
 * scheduler runs, and callbacks of one event are called in the order they were registered.
 *
 *   npx tsx examples/scheduler/running.ts
 */
import { Scheduler, type SchedulerEvents } from '../../src/index.js';
import { describeCounts, isMain, printer, type Log } from './functions.js';

export interface RunningResult {
  printed: string[];
  eventCounts: Record<keyof SchedulerEvents, number>;
}

/** `print_hello` on start: registered, but called only by `run()`. */
export async function printHello(log: Log = console.log): Promise<RunningResult & { printedBeforeRun: number }> {
  const { print, printed } = printer(log);
  await using scheduler = Scheduler.withProcesses(1);
  scheduler.onStart(function printHello() {
    print('hello');
  });
  const printedBeforeRun = printed.length; // 0: nothing runs until run()
  await scheduler.run();
  print(describeCounts(scheduler.eventCounts));
  return { printed, printedBeforeRun, eventCounts: scheduler.eventCounts };
}

/** Two callbacks on `start`, called in registration order. */
export async function twoCallbacks(log: Log = console.log): Promise<RunningResult> {
  const { print, printed } = printer(log);
  await using scheduler = Scheduler.withProcesses(1);
  scheduler.onStart(function printHello1() {
    print('hello 1');
  });
  function printHello2(): void {
    print('hello 2');
  }
  scheduler.onStart(printHello2);
  await scheduler.run();
  print(describeCounts(scheduler.eventCounts));
  return { printed, eventCounts: scheduler.eventCounts };
}

export async function main(log: Log = console.log): Promise<{ printHello: RunningResult; twoCallbacks: RunningResult }> {
  return { printHello: await printHello(log), twoCallbacks: await twoCallbacks(log) };
}

if (isMain(import.meta.url)) await main();
