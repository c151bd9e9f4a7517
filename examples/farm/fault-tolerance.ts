/**
 * IPython's fault tolerance: `retries` (how many more times a failed task is tried), the seed's
 * "canonical bad example" (a task that kills its worker, retried: it takes a worker down each
 * time), and `recovery` tasks, a chain run in place of a task that still fails, which may not loop.
 *
 *   npx tsx examples/farm/fault-tolerance.ts [threads|processes]
 */
import { FarmTask, RecoveryLoopError, TaskClient, type FarmResult } from '../../src/index.js';
import { backendFromArgv, failing, flaky, isMain, killWorker, slow, type Backend, type Log } from './tasks.js';

interface Options {
  backend?: Backend;
}

/**
 * A task that fails twice then succeeds gets through with `retries: 2`, not with `retries: 1`.
 * (One worker, since `flaky` counts its attempts in its worker's scope; with more workers each retry
 * would go to a worker that has not failed the task yet.)
 */
export async function retries(log: Log = console.log, { backend = 'threads' }: Options = {}): Promise<{ enough: FarmResult; tooFew: FarmResult }> {
  const tryWith = async (n: number): Promise<FarmResult> => {
    await using tc = new TaskClient({ backend, workers: 1 });
    return tc.result(tc.run(new FarmTask(flaky, 2).with({ retries: n })), { block: true });
  };
  const enough = await tryWith(2);
  log(`retries: 2 → ${enough.ok ? `succeeded on attempt ${String(enough.value)}` : 'failed'} (${enough.attempts} attempts)`);
  const tooFew = await tryWith(1);
  log(`retries: 1 → ${tooFew.ok ? 'succeeded' : `failed: ${tooFew.error.message}`} (${tooFew.attempts} attempts)`);
  return { enough, tooFew };
}

/**
 * `os.kill(os.getpid(), 9)` with `retries=99` "would actually take down 100 workers". Scaled down:
 * `retries: 2` takes down 3 workers, then the task fails with WorkerCrashedError. The pool replaces
 * each dead worker, so it keeps its size and goes on working.
 */
export async function canonicalBadExample(log: Log = console.log, { backend = 'processes' }: Options = {}): Promise<{
  result: FarmResult; before: string[]; after: string[]; takenDown: string[]; afterwards: FarmResult;
}> {
  await using tc = new TaskClient({ backend, workers: 2 });
  const before = tc.workers().map((w) => w.id);
  const result = await tc.result(tc.run(new FarmTask(killWorker).with({ retries: 2 })), { block: true });
  const after = tc.workers().map((w) => w.id);
  // The workers it ran on: the two first ones, gone now, and the replacement its last attempt killed.
  const lastVictim = (result.error as { workerId?: string } | undefined)?.workerId;
  const takenDown = [...new Set([...before, ...(lastVictim ? [lastVictim] : [])])].filter((id) => !after.includes(id));
  log(`${result.error?.name} after ${result.attempts} attempts: ${result.error?.message}`);
  log(`workers before: ${before.join(', ')}; taken down: ${takenDown.join(', ')}; now: ${after.join(', ')}`);

  const afterwards = await tc.result(tc.run(new FarmTask(slow, 'still working', 0)), { block: true });
  log(`a task afterwards: ${String(afterwards.value)}`);
  return { result, before, after, takenDown, afterwards };
}

/**
 * A task whose recovery task fails too, whose own recovery task succeeds: the result is that last
 * one's, with the errors of the two before it in `failures`.
 */
export async function recoveryChain(log: Log = console.log, { backend = 'threads' }: Options = {}): Promise<FarmResult> {
  await using tc = new TaskClient({ backend, workers: 2 });
  const lastResort = new FarmTask(slow, 'recovered by the second recovery task', 0);
  const recovery = new FarmTask(failing, 'the recovery task failed too').with({ recovery: lastResort });
  const task = new FarmTask(failing, 'the task failed').with({ retries: 1, recovery });

  const result = await tc.result(tc.run(task), { block: true });
  log(`${String(result.value)} (ran ${String(result.task)}; ${result.attempts} attempts)`);
  for (const failure of result.failures) log(`  before it: ${failure.message}`);
  return result;
}

/** A recovery chain that comes back to a task already in it is refused when it is made. */
export function recoveryLoop(log: Log = console.log): RecoveryLoopError | undefined {
  const a = new FarmTask(failing, 'a');
  const b = new FarmTask(failing, 'b').with({ recovery: a });
  try {
    a.with({ recovery: b }); // a → b → a → ...
  } catch (error) {
    log(`${(error as Error).name}: ${(error as Error).message}`);
    return error as RecoveryLoopError;
  }
  return undefined;
}

export async function main(log: Log = console.log, options: Options = {}): Promise<void> {
  log('-- retries --');
  await retries(log, options);
  log('-- the canonical bad example --');
  await canonicalBadExample(log, options);
  log('-- a recovery chain --');
  await recoveryChain(log, options);
  log('-- a recovery loop --');
  recoveryLoop(log);
}

if (isMain(import.meta.url)) await main(console.log, { backend: process.argv[2] ? backendFromArgv() : undefined });
