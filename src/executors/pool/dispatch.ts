import { PlacementError } from '../../core/errors.js';
import type { TaskSpec } from '../../task/spec.js';
import { addTask, newRun, type RunMessage } from '../runtime/protocol.js';
import type { WorkerInfo } from '../types.js';
import type { BatchSizer } from './batching.js';
import { orderSlots, type CustomPlacement, type PlacementPolicy } from './placement.js';
import type { PoolJob } from './pool-job.js';
import type { PriorityQueue } from './queue.js';
import type { Slot } from './slot.js';

/** What choosing a batch for a worker looks at. */
export interface DispatchView {
  queue: PriorityQueue<PoolJob>;
  sizer: BatchSizer;
  slots: ReadonlyMap<string, Slot>;
  maxTasksPerWorker: number;
}

type Send = (slot: Slot, batch: PoolJob[]) => void;

/** Least load: the open workers, fewest tasks first, each take their batch, round after round. */
export function dispatchLeastLoad(view: DispatchView, open: Slot[], send: Send): void {
  open.sort((a, b) => a.inflight.length - b.inflight.length);
  let progress = true;
  while (progress && view.queue.size > 0) {
    progress = false;
    for (const slot of open) {
      if (!slot.open) continue;
      const batch = takeBatch(view, slot, open.length);
      if (batch.length === 0) continue;
      send(slot, batch);
      progress = true;
    }
  }
}

/**
 * A named policy: one batch at a time, each to the first worker in the policy's order that takes
 * one. Every worker with room is offered and takes the tasks it may run, so a task that fits
 * nowhere blocks nothing.
 */
export function dispatchByPolicy(view: DispatchView, policy: Exclude<PlacementPolicy, 'least-load' | CustomPlacement>, open: Slot[], send: Send): void {
  const { queue } = view;
  while (queue.size > 0) {
    const head = queue.peek()!;
    const offered = open.filter((slot) => slot.open && roomFor(view, slot, head) > 0);
    const slot = orderSlots(policy, offered, head).find((candidate) => {
      const batch = takeBatch(view, candidate, open.length);
      if (batch.length > 0) send(candidate, batch);
      return batch.length > 0;
    });
    if (!slot) return;
  }
}

/**
 * A custom policy places each task among the workers it may run on that have room; a task it
 * declines stays queued without holding up the tasks behind it. A policy that throws fails its
 * task (`fail`) with PlacementError.
 */
export function dispatchCustom(view: DispatchView, policy: CustomPlacement, open: Slot[], send: Send, fail: (job: PoolJob, error: Error) => void): void {
  const placed = new Map<Slot, PoolJob[]>();
  const failed: Array<[PoolJob, unknown]> = [];
  const room = (slot: Slot, job: PoolJob): boolean => {
    const batch = placed.get(slot);
    if (batch?.some((j) => j.exclusive)) return false;
    if (job.exclusive && (slot.inflight.length > 0 || batch)) return false;
    return roomFor(view, slot, job) - (batch?.length ?? 0) > 0;
  };
  view.queue.take(Infinity, (job) => {
    const offered = open.filter((slot) => slot.open && room(slot, job) && eligible(view, job, slot));
    if (offered.length === 0) return false;
    let slot: Slot | undefined;
    try {
      slot = orderSlots(policy, offered, job)[0];
    } catch (error) {
      failed.push([job, error]);
      return true;
    }
    if (!slot) return false;
    const batch = placed.get(slot);
    if (batch) batch.push(job);
    else placed.set(slot, [job]);
    return true;
  });
  for (const [slot, batch] of placed) send(slot, batch);
  for (const [job, error] of failed) {
    fail(job, new PlacementError(`Task ${job.id} could not be placed: the placement policy failed: ${(error as Error)?.message ?? String(error)}`, { cause: error }));
  }
}

/**
 * Takes from the queue the next batch for `slot`: as many tasks as its plan allows, its fair share
 * of the queue, and what fits its window. A task that must run alone (timeout, transfers) or may
 * be slow (heavy, not measured yet) goes only as the first task to an idle worker and ends the
 * batch, so dispatch stays FIFO and nothing waits behind a slow task.
 */
export function takeBatch(view: DispatchView, slot: Slot, openCount: number): PoolJob[] {
  const { queue, sizer } = view;
  const head = queue.peek();
  if (!head) return [];
  const room = roomFor(view, slot, head);
  if (room <= 0) return [];
  const plan = sizer.plan(head.defId);
  const fairShare = Math.ceil(queue.size / openCount);
  let ended = false;
  let size = 0;
  return queue.take(Math.min(plan.size, room, fairShare), (job) => {
    if (ended || !eligible(view, job, slot)) return false;
    if (job.exclusive || sizer.plan(job.defId).window === 1) {
      ended = true;
      if (slot.inflight.length > 0 || size > 0) return false;
    }
    size += 1;
    return true;
  });
}

/**
 * A queue this shallow (per worker) gains nothing from batching, so a child process, which cannot
 * give back the tasks it holds, then takes one task at a time: a call of a usually tiny function
 * that turns out slow never holds up a task that an idle worker could run.
 */
const SHALLOW_PER_WORKER = 4;

/** How many more tasks like `head` `slot` may hold now. */
export function roomFor(view: DispatchView, slot: Slot, head: PoolJob): number {
  // Nothing waits behind a task that is heavy or not measured yet: a child process could not give
  // it back, and a thread would have to.
  const running = slot.inflight[0];
  if (running && view.sizer.plan(running.defId).window === 1) return 0;
  if (slot.handle.startedCount() === undefined && view.queue.size <= SHALLOW_PER_WORKER * view.slots.size) {
    return running ? 0 : 1;
  }
  return Math.min(view.sizer.plan(head.defId).window - slot.inflight.length, view.maxTasksPerWorker - slot.assigned);
}

/** May `job` run on `slot`? Its `where` must accept the worker, and a retry avoids workers it failed on. */
export function eligible(view: DispatchView, job: PoolJob, slot: Slot): boolean {
  const { where } = job.options;
  if (where && !matches(where, slot)) return false;
  if (job.failedOn?.has(slot.id)) {
    // Prefer a worker that has not failed this task, while one that could take it exists.
    for (const other of view.slots.values()) {
      if (other.state !== 'dead' && !job.failedOn.has(other.id) && (!where || matches(where, other))) return false;
    }
  }
  return true;
}

function matches(where: (worker: WorkerInfo) => boolean, slot: Slot): boolean {
  try {
    return where(slot.info()) === true;
  } catch {
    return false; // a predicate that throws counts as false
  }
}

/** The message that carries `batch` to `slot`, with the definitions it has not seen yet. */
export function encodeBatch(batch: PoolJob[], slot: Slot, specs: readonly TaskSpec[]): RunMessage {
  let defs: Array<[number, TaskSpec]> | undefined;
  for (const job of batch) {
    if (!slot.knownDefs.has(job.defId) && !defs?.some(([id]) => id === job.defId)) (defs ??= []).push([job.defId, specs[job.defId]!]);
  }
  const run = newRun(defs);
  for (const job of batch) addTask(run, job.num, job.defId, job.args);
  return run;
}
