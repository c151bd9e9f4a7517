/**
 * Placement policies: how the pool picks among the workers that may take a task. IPython's
 * scheduler was "a simple FIFO queue", to be subclassed for anything else; here the policy is a pool
 * option: `least-load` (the default), `round-robin`, `random`, `weighted` (by each worker's `weight`
 * property) or a function of your own.
 *
 * Tasks one after the other show the difference best: least-load keeps giving them to the same
 * idle worker, round-robin rotates through the workers (least recently used first).
 *
 *   npx tsx examples/farm/placement.ts [threads|processes]
 */
import { FarmTask, TaskClient, type CustomPlacement, type PlacementPolicy, type PoolOptions, type WorkerInfo } from '../../src/index.js';
import { backendFromArgv, isMain, whoAmI, type Backend, type Log } from './tasks.js';

/**
 * Workers start at their own pace and a worker still starting is offered no task, so the examples
 * first run one task on each worker (pinned there with `where`) to have them all up.
 */
async function warmUp(tc: TaskClient): Promise<void> {
  const ids = tc.workers().map(({ id }) => tc.run(new FarmTask(whoAmI).with({ where: (w) => w.id === id })));
  await tc.barrier(ids);
}

/** The workers that ran `count` tasks submitted one after the other under `placement`. */
async function oneByOne(placement: PlacementPolicy, backend: Backend, count: number, pool: PoolOptions = {}): Promise<{ workers: WorkerInfo[]; ranOn: string[] }> {
  await using tc = new TaskClient({ backend, workers: 3, placement, ...pool });
  await warmUp(tc);
  const ranOn: string[] = [];
  for (let i = 0; i < count; i += 1) ranOn.push((await tc.result(tc.run(new FarmTask(whoAmI)), { block: true })).value as string);
  return { workers: tc.workers(), ranOn };
}

/** How many tasks each worker ran. */
function tally(workers: WorkerInfo[], ranOn: string[]): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(workers.map((w) => [w.id, 0]));
  for (const id of ranOn) counts[id]! += 1;
  return counts;
}

export interface PlacementResult {
  /** Nine tasks one by one: all on one worker. */
  leastLoad: string[];
  /** Nine tasks one by one: the three workers in turn. */
  roundRobin: string[];
  /** 40 tasks one by one on weights 3, 1 and 0: about 30, 10 and none (weight 0 is a standby). */
  weighted: Record<string, number>;
  /** The worker of weight 0. */
  standby: string;
  /** Six tasks at once, all on the worker with a GPU. */
  custom: Record<string, number>;
  gpuWorker: string;
}

export async function main(log: Log = console.log, { backend = 'threads' as Backend } = {}): Promise<PlacementResult> {
  const { ranOn: leastLoad } = await oneByOne('least-load', backend, 9);
  log(`least-load, one by one:  ${leastLoad.join(' ')}`);
  const { ranOn: roundRobin } = await oneByOne('round-robin', backend, 9);
  log(`round-robin, one by one: ${roundRobin.join(' ')}`);

  // By weight: a worker of weight 0 is a standby, given tasks only while no other can take them.
  const weights = [3, 1, 0];
  const byWeight = await oneByOne('weighted', backend, 40, { properties: (i) => ({ weight: weights[i] }) });
  const weighted = tally(byWeight.workers, byWeight.ranOn);
  log(`weighted 3/1/0, one by one: ${JSON.stringify(weighted)}`);

  // Your own: the id of the worker to use among those offered (ready, with room, accepted by the
  // task's `where`), or undefined to leave the task queued until the next chance. (No warm-up
  // here: this policy would leave the warm-up tasks pinned to the other workers queued forever.)
  const gpuOnly: CustomPlacement = (workers) => workers.find((w) => w.properties.gpu === true)?.id;
  await using tc = new TaskClient({ backend, workers: 3, placement: gpuOnly, properties: (i) => ({ gpu: i === 1 }) });
  const ids = Array.from({ length: 6 }, () => tc.run(new FarmTask(whoAmI, 0.02)));
  await tc.barrier(ids);
  const custom = tally(tc.workers(), ids.map((id) => tc.result(id)!.value as string));
  log(`a policy that wants the GPU worker, 6 at once: ${JSON.stringify(custom)}`);
  return {
    leastLoad, roundRobin, weighted, standby: byWeight.workers.find((w) => w.properties.weight === 0)!.id,
    custom, gpuWorker: tc.workers().find((w) => w.properties.gpu === true)!.id,
  };
}

if (isMain(import.meta.url)) await main(console.log, { backend: backendFromArgv() });
