/**
 * Submitting compute (AMLTK's guide): `scheduler.submit(fn, ...args)` without a task, and a
 * `futureResult` callback that submits more while the result is small.
 *
 *   npx tsx examples/scheduler/submit.ts
 */
import { Scheduler, type SchedulerEvents } from '../../src/index.js';
import { describeCounts, expensiveFunction, isMain, printer, type Log } from './functions.js';

export interface SubmitResult {
  printed: string[];
  results: number[];
  printResultCalls: number;
  eventCounts: Record<keyof SchedulerEvents, number>;
}

export async function main(log: Log = console.log): Promise<SubmitResult> {
  const { print, printed } = printer(log);
  await using scheduler = Scheduler.withProcesses(2);
  const results: number[] = [];
  let printResultCalls = 0;

  scheduler.onStart(function submitCalculations() {
    scheduler.submit(expensiveFunction, 2); // Submit compute
  });

  // Called when the submitted function is done.
  scheduler.onFutureResult(function printResult(_future, value) {
    const result = value as number;
    printResultCalls += 1;
    results.push(result);
    print(String(result));
    if (result < 10) scheduler.submit(expensiveFunction, result);
  });

  await scheduler.run();
  print(describeCounts(scheduler.eventCounts));
  return { printed, results, printResultCalls, eventCounts: scheduler.eventCounts };
}

if (isMain(import.meta.url)) await main();
