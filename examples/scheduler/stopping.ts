/**
 * Stopping the scheduler (AMLTK's guide): `stop()` from a callback with `run({ wait: false })`,
 * which kills the running 10 s task instead of waiting for it, and `run({ timeout })`, which ends
 * an endless loop of resubmissions.
 *
 *   npx tsx examples/scheduler/stopping.ts
 */
import { Scheduler, type ExitCode, type SchedulerEvents } from '../../src/index.js';
import { describeCounts, isMain, printer, sleepFunction, slowAnswer, type Log } from './functions.js';

export interface StoppingResult {
  printed: string[];
  exit: ExitCode;
  /** How long run() took, in milliseconds. */
  elapsed: number;
  eventCounts: Record<keyof SchedulerEvents, number>;
}

/** stop() as soon as the 10 s task is submitted, without waiting for it: it is cancelled. */
export async function stopWithoutWaiting(log: Log = console.log): Promise<StoppingResult> {
  const { print, printed } = printer(log);
  await using scheduler = Scheduler.withProcesses(1);
  scheduler.onStart(function submitCalculations() {
    scheduler.submit(sleepFunction, 10);
  });
  scheduler.onFutureSubmitted(function stopTheScheduler() {
    scheduler.stop();
  });
  const started = performance.now();
  const exit = await scheduler.run({ wait: false });
  const elapsed = performance.now() - started;
  print(`exit ${exit.code}`);
  print(describeCounts(scheduler.eventCounts));
  return { printed, exit: exit.code, elapsed, eventCounts: scheduler.eventCounts };
}

/** An endless loop of 0.1 s tasks, ended by a one second timeout. */
export async function timeout(log: Log = console.log): Promise<StoppingResult & { submitAgainCalls: number }> {
  const { print, printed } = printer(log);
  await using scheduler = Scheduler.withProcesses(1);
  let submitAgainCalls = 0;
  scheduler.onStart(function submitCalculations() {
    scheduler.submit(slowAnswer);
  });
  // This would loop without end.
  scheduler.onFutureDone(function submitAgain() {
    submitAgainCalls += 1;
    if (scheduler.running()) scheduler.submit(slowAnswer);
  });
  const started = performance.now();
  const exit = await scheduler.run({ timeout: 1_000 }); // End after 1 second
  const elapsed = performance.now() - started;
  print(`exit ${exit.code}`);
  print(describeCounts(scheduler.eventCounts));
  return { printed, exit: exit.code, elapsed, submitAgainCalls, eventCounts: scheduler.eventCounts };
}

export async function main(log: Log = console.log): Promise<{ stopWithoutWaiting: StoppingResult; timeout: StoppingResult }> {
  return { stopWithoutWaiting: await stopWithoutWaiting(log), timeout: await timeout(log) };
}

if (isMain(import.meta.url)) await main();
