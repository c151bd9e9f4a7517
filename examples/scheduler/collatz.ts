/**
 * The opening example of AMLTK's scheduling guide: a task computes one Collatz step on a child
 * process, and each result submits the next step until the sequence reaches 1.
 *
 *   npx tsx examples/scheduler/collatz.ts
 */
import { Scheduler, type ExitCode, type SchedulerEvents } from '../../src/index.js';
import { collatz, describeCounts, isMain, printer, type Log } from './functions.js';

export interface CollatzResult {
  printed: string[];
  answers: number[];
  exit: ExitCode;
  eventCounts: Record<keyof SchedulerEvents, number>;
  taskCounts: Record<string, number>;
}

export async function main(log: Log = console.log): Promise<CollatzResult> {
  const { print, printed } = printer(log);
  // Set up the scheduler and make a "task" of the function to offload.
  await using scheduler = Scheduler.withProcesses(1);
  const task = scheduler.task(collatz);
  const answers: number[] = [];

  // What to do when the scheduler starts.
  scheduler.onStart(function startComputing() {
    answers.push(12);
    task.submit(12); // Launch the task with the argument 12
  });

  // What to do when the task returns.
  task.onResult(function computeNext(_future, nextN) {
    answers.push(nextN);
    if (scheduler.running() && nextN !== 1) task.submit(nextN);
  });

  // The guide gives it one second; a few more leave room for starting the worker on a busy machine.
  const exit = await scheduler.run({ timeout: 5_000 });
  print(`[${answers.join(', ')}]`); // [12, 6, 3, 10, 5, 16, 8, 4, 2, 1]
  print(describeCounts(scheduler.eventCounts));
  return { printed, answers, exit: exit.code, eventCounts: scheduler.eventCounts, taskCounts: task.eventCounts };
}

if (isMain(import.meta.url)) await main();
