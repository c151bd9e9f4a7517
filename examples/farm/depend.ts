/**
 * IPython's `depend`: a task runs only on workers whose properties it accepts. Here `where` asks for
 * more than 4 GB of RAM, of two workers only the second has it, so every such task runs there. A
 * `where` that throws counts as "no", and a task that no worker accepts fails with PlacementError
 * (at once, or after waiting `placementTimeout` ms for a worker to change; see client.ts's spin).
 *
 * Properties are set by the user, per worker, when the pool is made (`properties`) or later
 * (`tc.setWorkerProperties`).
 *
 *   npx tsx examples/farm/depend.ts [threads|processes]
 */
import { FarmTask, TaskClient, type FarmResult, type WorkerInfo } from '../../src/index.js';
import { backendFromArgv, isMain, whoAmI, type Backend, type Log } from './tasks.js';

export interface DependResult {
  /** The worker with 8 GB. */
  bigWorker: string;
  /** Where the tasks that need more than 4 GB ran. */
  ranOn: string[];
  /** A task whose `where` throws, and one no worker accepts. */
  invalidDepend: FarmResult;
  impossible: FarmResult;
}

/** At least 4 GB (the seed's `properties["RAM"] > 2**32`). */
export function dep(worker: WorkerInfo): boolean {
  return (worker.properties.RAM as number) > 2 ** 32;
}

export async function main(log: Log = console.log, { backend = 'threads' as Backend } = {}): Promise<DependResult> {
  await using tc = new TaskClient({
    backend,
    workers: 2,
    properties: (index) => ({ RAM: index === 0 ? 2 ** 31 : 2 ** 33 }), // 2 GB and 8 GB
  });
  const bigWorker = tc.workers().find(dep)!.id;

  const ids = Array.from({ length: 6 }, () => tc.run(new FarmTask(whoAmI, 0.01).with({ where: dep })));
  await tc.barrier(ids);
  const ranOn = ids.map((id) => tc.result(id)!.value as string);
  log(`tasks needing > 4 GB ran on: ${ranOn.join(', ')} (the 8 GB worker is ${bigWorker})`);

  // A dependency that throws (there is no `gpu` property) is never met.
  const broken = (worker: WorkerInfo): boolean => (worker.properties.gpu as { cores: number }).cores > 0;
  const invalidDepend = await tc.result(tc.run(new FarmTask(whoAmI).with({ where: broken })), { block: true });
  log(`a depend that throws: ${invalidDepend.error?.name}`);

  const impossible = await tc.result(tc.run(new FarmTask(whoAmI).with({ where: (w) => (w.properties.RAM as number) > 2 ** 40 })), { block: true });
  log(`more than 1 TB: ${impossible.error?.name}: ${impossible.error?.message}`);
  return { bigWorker, ranOn, invalidDepend, impossible };
}

if (isMain(import.meta.url)) await main(console.log, { backend: backendFromArgv() });
