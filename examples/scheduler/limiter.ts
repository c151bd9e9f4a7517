/**
 * The Limiter plugin (AMLTK's guide): at most two futures of the task at once. Four submissions in
 * a row at start let two through (0 and 1) and veto two (2 and 3); each result then launches the
 * next item, so 2 and 3 are never computed.
 *
 *   npx tsx examples/scheduler/limiter.ts
 */
import { Limiter, Scheduler, type SchedulerEvents } from '../../src/index.js';
import { describeCounts, isMain, myFunc, printer, type Log } from './functions.js';

export interface LimiterResult {
  printed: string[];
  results: number[];
  /** The items the Limiter vetoed. */
  vetoed: number[];
  eventCounts: Record<keyof SchedulerEvents, number>;
  taskCounts: Record<string, number>;
}

export async function main(log: Log = console.log): Promise<LimiterResult> {
  const { print, printed } = printer(log);
  await using scheduler = Scheduler.withProcesses(2);
  // A concurrency limit of 2.
  const task = scheduler.task(myFunc, { plugins: [new Limiter({ maxConcurrent: 2 })] });

  // The 10 things we want to compute.
  const items = Array.from({ length: 10 }, (_, i) => i)[Symbol.iterator]();
  const results: number[] = [];
  const vetoed: number[] = [];

  scheduler.onStart(function submit() {
    const nextItem = items.next();
    if (!nextItem.done) task.submit(nextItem.value);
  }, { repeat: 4 }); // Repeat the callback 4 times

  task.on('concurrentLimitReached', (_task: unknown, x: number) => void vetoed.push(x));

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
  return { printed, results, vetoed, eventCounts: scheduler.eventCounts, taskCounts: task.eventCounts };
}

if (isMain(import.meta.url)) await main();
