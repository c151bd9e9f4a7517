/**
 * IPython's TaskClient methods, one function each: `result` (non-blocking and blocking), `barrier`,
 * `queueStatus` (counts and ids), `abort` (a queued, a running and a finished task) and `spin`
 * (after a worker's properties changed behind the client's back).
 *
 *   npx tsx examples/farm/client.ts [threads|processes]
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { FarmTask, TaskClient, type FarmResult, type QueueStatus } from '../../src/index.js';
import { adder, backendFromArgv, failing, isMain, slow, whoAmI, type Backend, type Log } from './tasks.js';

interface Options {
  backend?: Backend;
}

/** Polls until `done()` holds: the client's state changes as workers report, on this event loop. */
async function until(done: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await sleep(10);
  }
}

/** `result(id)` answers at once (undefined while the task runs); `{ block: true }` waits for it. */
export async function results(log: Log = console.log, { backend = 'threads' }: Options = {}): Promise<{
  early: FarmResult | undefined; late: FarmResult; timedOut: Error | undefined;
}> {
  await using tc = new TaskClient({ backend, workers: 1 });
  const id = tc.run(new FarmTask(slow, 'done', 0.5));

  const early = tc.result(id);
  log(`result(${id}) right away: ${String(early)}`); // undefined: still running

  let timedOut: Error | undefined;
  try {
    await tc.result(id, { block: true, timeout: 10 });
  } catch (error) {
    timedOut = error as Error; // a WaitTimeoutError; the task goes on running
    log(`result(${id}, { block: true, timeout: 10 }): ${timedOut.name}`);
  }

  const late = await tc.result(id, { block: true });
  log(`result(${id}, { block: true }): ${String(late.value)}`);
  return { early, late, timedOut };
}

/** Submit, then wait for everything at a barrier, then gather the results. */
export async function barrier(log: Log = console.log, { backend = 'threads' }: Options = {}): Promise<{
  lastBefore: FarmResult | undefined; values: unknown[];
}> {
  await using tc = new TaskClient({ backend, workers: 2 });
  const myTasks = [0.3, 0.2, 0.1].map((seconds) => new FarmTask(slow, seconds, seconds));
  const taskIds = myTasks.map((task) => tc.run(task));

  const lastBefore = tc.result(taskIds.at(-1)!);
  log(`result of the last task before the barrier: ${String(lastBefore)}`); // undefined

  await tc.barrier(taskIds);
  const values = taskIds.map((id) => tc.result(id)!.value);
  log(`after the barrier: [${values.join(', ')}]`);
  return { lastBefore, values };
}

/**
 * The seed's queue status: 12 tasks on 2 workers, of which 5 succeeded, 1 failed (task 3), 2 are
 * running (6 and 7) and 4 wait for a worker (8 to 11). Tasks 6 and 7 would run for a minute; they
 * are aborted once the status was read (a search whose answer was found elsewhere, say).
 */
export async function queueStatus(log: Log = console.log, { backend = 'threads' }: Options = {}): Promise<{
  counts: QueueStatus<number>; ids: QueueStatus<number[]>; final: QueueStatus<number>;
}> {
  await using tc = new TaskClient({ backend, workers: 2 });
  for (let i = 0; i < 6; i += 1) tc.run(i === 3 ? new FarmTask(failing, 'task 3 fails') : new FarmTask(adder, i, i));
  await tc.barrier();
  // Two tasks that hold both workers, then four that must wait for them.
  for (let i = 6; i < 8; i += 1) tc.run(new FarmTask(slow, i, 60));
  for (let i = 8; i < 12; i += 1) tc.run(new FarmTask(adder, i, i));
  await until(() => tc.queueStatus().pending === 2, 'tasks 6 and 7 to start');

  const counts = tc.queueStatus();
  const ids = tc.queueStatus({ verbose: true });
  log(`queueStatus(): ${JSON.stringify(counts)}`); // {"scheduled":4,"pending":2,"succeeded":5,"failed":1}
  log(`queueStatus({ verbose: true }): ${JSON.stringify(ids)}`);

  tc.abort(6);
  tc.abort(7);
  await tc.barrier();
  const final = tc.queueStatus();
  log(`after aborting 6 and 7, at a barrier: ${JSON.stringify(final)}`); // {"scheduled":0,"pending":0,"succeeded":9,"failed":3}
  return { counts, ids, final };
}

/**
 * `abort` removes a queued task and stops a running one (its worker is replaced); both fail with
 * CancelledError. A task that already finished cannot be aborted: TaskAlreadyFinishedError.
 */
export async function abort(log: Log = console.log, { backend = 'threads' }: Options = {}): Promise<{
  running: FarmResult; queued: FarmResult; finishedError: Error | undefined; seconds: number;
}> {
  const start = performance.now();
  await using tc = new TaskClient({ backend, workers: 1 });
  const finished = tc.run(new FarmTask(adder, 1, 2));
  await tc.result(finished, { block: true });
  const running = tc.run(new FarmTask(slow, 'a long search', 60)); // a minute, unless aborted
  const queued = tc.run(new FarmTask(adder, 3, 4)); // waits: the only worker is busy
  await until(() => tc.queueStatus().pending === 1, 'the long task to start');

  tc.abort(queued);
  tc.abort(running);
  let finishedError: Error | undefined;
  try {
    tc.abort(finished);
  } catch (error) {
    finishedError = error as Error;
    log(`abort(${finished}): ${finishedError.name}: ${finishedError.message}`);
  }

  await tc.barrier();
  const [r, q] = [tc.result(running)!, tc.result(queued)!];
  log(`abort(${running}) (running): ${r.error?.name}; abort(${queued}) (queued): ${q.error?.name}`);
  return { running: r, queued: q, finishedError, seconds: (performance.now() - start) / 1000 };
}

/**
 * IPython's use case for `spin`: a task needs a worker with more than 4 GB of RAM and none has it;
 * then a worker's properties change without the client hearing of it (here straight on the
 * executor, as IPython's MultiEngineClient did). Nothing else happens to trigger placement, so the
 * task keeps waiting until `spin()` looks again. (`tc.setWorkerProperties` spins by itself.)
 */
export async function spin(log: Log = console.log, { backend = 'threads' }: Options = {}): Promise<{
  beforeSpin: QueueStatus<number[]>; result: FarmResult; workerId: string;
}> {
  await using tc = new TaskClient({ backend, workers: 1, properties: { RAM: 2 ** 31 } });
  const needsRam = (worker: { properties: Record<string, unknown> }): boolean => (worker.properties.RAM as number) > 2 ** 32;
  // placementTimeout: how long it may wait for such a worker before it fails with PlacementError.
  const id = tc.run(new FarmTask(whoAmI).with({ where: needsRam, placementTimeout: 60_000 }));

  const [worker] = tc.workers();
  tc.executor.setWorkerProperties(worker!.id, { RAM: 2 ** 33 });
  await sleep(200); // time enough to run, were it placed: it is not
  const beforeSpin = tc.queueStatus({ verbose: true });
  log(`after the property change: ${JSON.stringify(beforeSpin)}`); // task 0 still scheduled

  tc.spin();
  const result = await tc.result(id, { block: true });
  log(`after spin(): task ${id} ran on ${String(result.value)}`);
  return { beforeSpin, result, workerId: worker!.id };
}

export async function main(log: Log = console.log, options: Options = {}): Promise<void> {
  for (const example of [results, barrier, queueStatus, abort, spin]) {
    log(`-- ${example.name} --`);
    await example(log, options);
  }
}

if (isMain(import.meta.url)) await main(console.log, { backend: backendFromArgv() });
