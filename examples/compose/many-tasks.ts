/**
 * Executors handle single tasks and lists of them on the same footing (notebook cells 32–41): ten
 * Fibonacci tasks, n = 3 … 12, in the foreground and on four child processes.
 *
 *   npx tsx examples/compose/many-tasks.ts
 */
import { FunctionTask, TaskExecutor, type ReturnStatus } from '../../src/index.js';
import { calcFib, isMain, type Log } from './tasks.js';

export interface ManyTasksResult {
  /** All ten results in the foreground, in task order. */
  foreground: bigint[];
  /** `exe.output[1].result` in the foreground: 8. */
  foregroundSecond: bigint;
  /** Statuses on four processes: all DONE. */
  processStatus: Array<ReturnStatus | undefined>;
  /** All ten results on four processes. */
  processes: bigint[];
  /** `exe.output[5].result` on four processes: 55. */
  processSixth: bigint;
  /** One task (not in a list) on the same executor: 144. */
  single: bigint;
}

export function makeTasks(count = 10): Array<FunctionTask<typeof calcFib>> {
  const tasks = Array.from({ length: count }, () => new FunctionTask(calcFib));
  tasks.forEach((task, i) => {
    task.input.kwargs.n = 3 + i;
  });
  return tasks;
}

export async function main(log: Log = console.log, { workers = 4 } = {}): Promise<ManyTasksResult> {
  const tasks = makeTasks();

  // With the basic (foreground) executor.
  const fg = TaskExecutor.foreground().run(tasks);
  await fg.wait();
  const foreground = fg.output.map((output: { result: bigint }) => output.result);
  log(`foreground: output[1].result = ${String(fg.output[1].result)}`); // 8

  // With four processes: the same tasks, side by side.
  await using exe = TaskExecutor.processes(workers);
  const run = exe.run(tasks);
  await run.wait();
  log(`processes: status = [${run.status.map(String).join(', ')}]`); // ten times ReturnStatus(DONE)
  log(`processes: output[5].result = ${String(run.output[5].result)}`); // 55
  const processes = run.output.map((output: { result: bigint }) => output.result);

  // A single task is run the same way as a list of one.
  const one = new FunctionTask(calcFib);
  one.input.kwargs.n = 10;
  const single = exe.run(one);
  await single.wait();
  log(`processes: a single task gives ${String(single.output[0].result)}`); // 144

  return {
    foreground,
    foregroundSecond: fg.output[1].result as bigint,
    processStatus: [...run.status],
    processes,
    processSixth: run.output[5].result as bigint,
    single: single.output[0].result as bigint,
  };
}

if (isMain(import.meta.url)) await main();
