/**
 * mplite's two performance experiments, at a small scale (bench/farm.mjs measures them at full
 * scale, from the built library, in fresh processes):
 *
 * - calls: a few heavy calls against many tiny ones, farmed ("enabled") or called one after the
 *   other in this thread ("disabled"), with 1 worker and with one per core;
 * - sleep: 20 tasks that each sleep, for a long and two short sleeps, enabled and disabled.
 *
 * Each run prints its total time (starting and stopping the workers included, as in the seed). The
 * lesson is the seed's: farming pays for few heavy tasks, not for many tiny ones.
 *
 *   npx tsx examples/farm/performance.ts [threads|processes]
 */
import { availableParallelism } from 'node:os';
import { FarmTask, TaskManager } from '../../src/index.js';
import { backendFromArgv, fun, isMain, sleepyAdder, type Backend, type Log } from './tasks.js';

export interface CallsRun {
  enabled: boolean;
  cpus: number;
  calls: number;
  rng: number;
  /** What each call returned: its last quotient and its own time in seconds. */
  results: Array<[number, number]>;
  /** Sum of the calls' own times over the cpus used (the seed's "avg. time taken per cpu"). */
  cpuTaskTime: number;
  totalTime: number;
}

export interface SleepRun {
  enabled: boolean;
  cpus: number;
  sleep: number;
  results: number[];
  totalTime: number;
}

export interface PerformanceOptions {
  backend?: Backend;
  /** Worker counts to try. @default [1, the number of cores] */
  cpus?: number[];
  /** (calls, loop length) pairs. The seed's heavy calls loop 50,000,000 times; this one 5,000,000. */
  workloads?: Array<[calls: number, rng: number]>;
  /** Sleeps in seconds. The seed's long sleep is 2 s; this one 0.1 s. */
  sleeps?: number[];
}

function unwrap<T>(values: Array<T | Error>): T[] {
  return values.map((value) => {
    if (value instanceof Error) throw value; // these tasks cannot fail: a failure is a bug
    return value;
  });
}

export async function runCalcsCalls(log: Log, enabled: boolean, rng: number, calls: number, cpus: number, backend: Backend): Promise<CallsRun> {
  const start = performance.now();
  let results: Array<[number, number]>;
  if (enabled) {
    await using tm = new TaskManager({ backend, workers: cpus, progress: 'off' });
    const tasks = Array.from({ length: calls }, (_, i) => new FarmTask(fun, i + 1, rng));
    results = unwrap(await tm.execute(tasks));
  } else {
    results = [];
    for (let call = 1; call <= calls; call += 1) results.push(fun(call, rng));
  }
  const cpuCount = enabled ? cpus : 1;
  const cpuTaskTime = results.reduce((sum, [, time]) => sum + time, 0) / cpuCount;
  const totalTime = (performance.now() - start) / 1000;
  log(`mplite - ${enabled ? 'enabled' : 'disabled'}`);
  log(`cpu_count:  ${cpuCount}`);
  log(`avg. time taken per cpu:  ${cpuTaskTime}`);
  log(`total time taken:  ${totalTime}`);
  log('');
  return { enabled, cpus: cpuCount, calls, rng, results, cpuTaskTime, totalTime };
}

export async function runCalcsSleep(log: Log, enabled: boolean, sleep: number, cpus: number, backend: Backend): Promise<SleepRun> {
  const args = Array.from({ length: 20 }, (_, i) => i);
  const start = performance.now();
  let prev = 0;
  let results: number[];
  if (enabled) {
    await using tm = new TaskManager({ backend, workers: cpus, progress: 'off' });
    const tasks = args.map((arg) => {
      const task = new FarmTask(sleepyAdder, prev, arg, sleep);
      prev = arg;
      return task;
    });
    results = unwrap(await tm.execute(tasks));
  } else {
    results = [];
    for (const arg of args) {
      results.push(sleepyAdder(prev, arg, sleep));
      prev = arg;
    }
  }
  const totalTime = (performance.now() - start) / 1000;
  const cpuCount = enabled ? cpus : 1;
  log(`mplite - ${enabled ? 'enabled' : 'disabled'}`);
  log(`cpu_count:  ${cpuCount}`);
  log(`total time taken:  ${totalTime}`);
  log('');
  return { enabled, cpus: cpuCount, sleep, results, totalTime };
}

export async function main(log: Log = console.log, {
  backend = 'threads',
  cpus = [1, availableParallelism()],
  workloads = [[10, 5_000_000], [2000, 50]],
  sleeps = [0.1, 0.02, 0.01],
}: PerformanceOptions = {}): Promise<{ calls: CallsRun[]; sleep: SleepRun[] }> {
  const calls: CallsRun[] = [];
  log('========CALLS TEST===========');
  for (const n of cpus) {
    for (const [count, rng] of workloads) {
      log(`calls:  ${count} , range:  ${rng}`);
      calls.push(await runCalcsCalls(log, true, rng, count, n, backend));
      calls.push(await runCalcsCalls(log, false, rng, count, n, backend));
    }
  }
  const sleep: SleepRun[] = [];
  log('========SLEEP TEST===========');
  for (const n of cpus) {
    for (const seconds of sleeps) {
      log(`sleep timer value:  ${seconds}`);
      sleep.push(await runCalcsSleep(log, true, seconds, n, backend));
      sleep.push(await runCalcsSleep(log, false, seconds, n, backend));
    }
  }
  return { calls, sleep };
}

if (isMain(import.meta.url)) await main(console.log, { backend: backendFromArgv() });
