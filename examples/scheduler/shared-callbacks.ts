/**
 * Two tasks with their own callbacks and a shared one (AMLTK's guide): each result of task 1 goes
 * to task 2 and launches task 1 on the next item, until the items run out.
 *
 *   npx tsx examples/scheduler/shared-callbacks.ts
 */
import { Scheduler, type Future, type SchedulerEvents } from '../../src/index.js';
import { describeCounts, expensiveThing1, expensiveThing2, isMain, printer, type Log } from './functions.js';

export interface SharedCallbacksResult {
  printed: string[];
  task1Results: number[];
  task2Results: number[];
  eventCounts: Record<keyof SchedulerEvents, number>;
}

export async function main(log: Log = console.log): Promise<SharedCallbacksResult> {
  const { print, printed } = printer(log);
  // A scheduler and two tasks.
  await using scheduler = Scheduler.withProcesses(1);
  const task1 = scheduler.task(expensiveThing1);
  const task2 = scheduler.task(expensiveThing2);
  const task1Results: number[] = [];
  const task2Results: number[] = [];

  // The things we want to compute.
  const items = [1, 2, 3][Symbol.iterator]();

  scheduler.onStart(function submitInitial() {
    const nextItem = items.next();
    if (!nextItem.done) task1.submit(nextItem.value);
  });

  // When task 1 returns, send its result to task 2.
  task1.onResult(function submitTask2WithResultsOfTask1(_future, result) {
    task1Results.push(result);
    task2.submit(result);
  });

  // When task 1 returns, launch it again with the next item.
  task1.onResult(function submitTask1WithNextItem() {
    const nextItem = items.next();
    if (!nextItem.done) {
      task1.submit(nextItem.value);
      return;
    }
    print('Done!');
  });

  task2.onResult((_future, result) => void task2Results.push(result));

  // A callback may be shared by the two tasks.
  function handleTaskException(_future: Future<number>, exception: Error): void {
    print(`A task errored! ${exception.message}`);
  }
  task1.onException(handleTaskException);
  task2.onException(handleTaskException);

  await scheduler.run();
  print(describeCounts(scheduler.eventCounts));
  return { printed, task1Results, task2Results, eventCounts: scheduler.eventCounts };
}

if (isMain(import.meta.url)) await main();
