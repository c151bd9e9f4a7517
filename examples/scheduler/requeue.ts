/**
 * The Limiter with a Requeue (AMLTK's guide, right after the Limiter example): the same ten items,
 * at most two futures of the task at once, but an item the Limiter refuses is put back at the front
 * of the queue instead of being lost. Four submissions at start let 0 and 1 through; 2 is refused,
 * put back, taken again by the fourth submission, refused and put back again. Each result then
 * launches the next item, so every item is computed exactly once: ten futures.
 *
 *   npx tsx examples/scheduler/requeue.ts
 */
import { Limiter, Requeue, Scheduler, type SchedulerEvents, type Task } from '../../src/index.js';
import { describeCounts, isMain, myFunc, printer, type Log } from './functions.js';

export interface RequeueResult {
  printed: string[];
  results: number[];
  /** The items put back after the Limiter refused them, in that order. */
  requeued: number[];
  eventCounts: Record<keyof SchedulerEvents, number>;
  taskCounts: Record<string, number>;
  /** The scheduler's view after the run, without colour. */
  tree: string;
}

export async function main(log: Log = console.log): Promise<RequeueResult> {
  const { print, printed } = printer(log);
  await using scheduler = Scheduler.withProcesses(2);
  const task = scheduler.task(myFunc, { plugins: [new Limiter({ maxConcurrent: 2 })] });

  // The 10 things we want to compute, in a queue we can put items back onto.
  const items = new Requeue(Array.from({ length: 10 }, (_, i) => i));
  const results: number[] = [];
  const requeued: number[] = [];

  scheduler.onStart(function submit() {
    const nextItem = items.next();
    if (!nextItem.done) task.submit(nextItem.value);
  }, { repeat: 4 }); // Repeat the callback 4 times

  task.on('concurrentLimitReached', function addBackToQueue(_task: Task<[number], number>, x: number) {
    requeued.push(x);
    items.requeue(x); // Put x back at the start of the queue
  });

  task.onResult(function recordResult(_future, result) {
    results.push(result);
  });

  task.onResult(function launchAnother() {
    const nextItem = items.next();
    if (!nextItem.done) task.submit(nextItem.value);
  });

  await scheduler.run();
  // Two workers may finish in either order, so the order of the results may vary.
  print(`[${results.join(', ')}]`);
  print(describeCounts(scheduler.eventCounts));
  print(scheduler.render());
  return {
    printed, results, requeued, eventCounts: scheduler.eventCounts, taskCounts: task.eventCounts,
    tree: scheduler.render({ color: false }),
  };
}

if (isMain(import.meta.url)) await main();
