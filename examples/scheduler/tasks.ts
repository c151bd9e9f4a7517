/**
 * Tasks (AMLTK's guide): a task cannot be submitted before the scheduler runs; launched from a
 * `start` callback it can; and a task's own events see only its futures, while the scheduler's
 * see every future, the task's and those of a raw `scheduler.submit`.
 *
 *   npx tsx examples/scheduler/tasks.ts
 */
import { Scheduler, type SchedulerEvents } from '../../src/index.js';
import { collatz, describeCounts, echo, isMain, printer, type Log } from './functions.js';

export interface TaskExampleResult {
  printed: string[];
  eventCounts: Record<keyof SchedulerEvents, number>;
  taskCounts: Record<string, number>;
}

/** Submitting before run() is an error (a SchedulerNotRunningError). */
export async function submitBeforeRun(log: Log = console.log): Promise<{ printed: string[]; error: Error | undefined }> {
  const { print, printed } = printer(log);
  await using scheduler = Scheduler.withProcesses(1);
  const collatzTask = scheduler.task(collatz);
  let error: Error | undefined;
  try {
    collatzTask.submit(5);
  } catch (e) {
    error = e as Error;
    print(`${error.name}: ${error.message}`);
  }
  return { printed, error };
}

/** The proper way: submit from a `start` callback. */
export async function launchInitialTask(log: Log = console.log): Promise<TaskExampleResult> {
  const { print, printed } = printer(log);
  await using scheduler = Scheduler.withProcesses(1);
  const collatzTask = scheduler.task(collatz);
  scheduler.onStart(function launchInitialTask() {
    collatzTask.submit(5);
  });
  await scheduler.run();
  print(describeCounts(scheduler.eventCounts));
  return { printed, eventCounts: scheduler.eventCounts, taskCounts: collatzTask.eventCounts };
}

/** Task events against scheduler events: the task sees one result, the scheduler two. */
export async function taskSpecificEvents(log: Log = console.log): Promise<TaskExampleResult & { fromScheduler: number; fromTask: number }> {
  const { print, printed } = printer(log);
  await using scheduler = Scheduler.withProcesses(1);
  const echoTask = scheduler.task(echo);
  let fromScheduler = 0;
  let fromTask = 0;

  // Launch the task and do a raw submit() with the scheduler.
  scheduler.onStart(function launchInitialTask() {
    echoTask.submit('hello');
    scheduler.submit(echo, 'hi');
  });

  // Callback for anything resulting from the scheduler.
  scheduler.onFutureResult(function fromSchedulerCallback(_future, msg) {
    fromScheduler += 1;
    print(`result_from_scheduler ${String(msg)}`);
  });

  // Callback for results of the echo task only.
  echoTask.onResult(function fromTaskCallback(_future, msg) {
    fromTask += 1;
    print(`result_from_task ${msg}`);
  });

  await scheduler.run();
  print(describeCounts(scheduler.eventCounts));
  return { printed, fromScheduler, fromTask, eventCounts: scheduler.eventCounts, taskCounts: echoTask.eventCounts };
}

export async function main(log: Log = console.log): Promise<{
  submitBeforeRun: { printed: string[]; error: Error | undefined };
  launchInitialTask: TaskExampleResult;
  taskSpecificEvents: TaskExampleResult & { fromScheduler: number; fromTask: number };
}> {
  return {
    submitBeforeRun: await submitBeforeRun(log),
    launchInitialTask: await launchInitialTask(log),
    taskSpecificEvents: await taskSpecificEvents(log),
  };
}

if (isMain(import.meta.url)) await main();
