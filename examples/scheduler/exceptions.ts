/**
 * Exceptions (AMLTK's guide): a function that fails on a child process, and a `futureException`
 * callback that stops the scheduler. `onException: 'continue'` keeps the error from ending the
 * run by itself; by default ('raise') run() would reject with it.
 *
 *   npx tsx examples/scheduler/exceptions.ts
 */
import { Scheduler, type ExitCode, type SchedulerEvents } from '../../src/index.js';
import { describeCounts, failingComputeFunction, isMain, printer, type Log } from './functions.js';

export interface ExceptionsResult {
  printed: string[];
  exit: ExitCode;
  /** The error the callback got: a TaskError named ValueError, from the worker. */
  exception: Error | undefined;
  eventCounts: Record<keyof SchedulerEvents, number>;
}

export async function main(log: Log = console.log): Promise<ExceptionsResult> {
  const { print, printed } = printer(log);
  await using scheduler = Scheduler.withProcesses(1);
  let exception: Error | undefined;

  scheduler.onStart(function submitCalculations() {
    scheduler.submit(failingComputeFunction, 'Failed!');
  });

  scheduler.onFutureException(function stopTheScheduler(_future, error) {
    exception = error;
    print(`Got exception ${error.message}`);
    scheduler.stop(); // You may pass a message and the error: stop('failed', error).
  });

  const exit = await scheduler.run({ onException: 'continue' }); // The error alone does not stop it
  print(`exit ${exit.code}; the callback got a ${exception?.name ?? 'nothing'}`);
  print(describeCounts(scheduler.eventCounts));
  return { printed, exit: exit.code, exception, eventCounts: scheduler.eventCounts };
}

if (isMain(import.meta.url)) await main();
