import type { WorkerInfo } from '../types.js';
import type { PoolJob } from './pool-job.js';
import type { Slot } from './slot.js';

/** The task a custom placement policy places (the one at the head of the queue). */
export interface PlacementTask {
  id: string;
  args: readonly unknown[];
  /** Attempts already made (0 for a first attempt). */
  attempts: number;
}

/**
 * Picks the worker for `task` among `workers` (ready workers with room, that its `where` accepts),
 * by returning its id; `undefined` leaves the task queued until the next chance (a task finishing,
 * a new task, a property change). A policy that throws fails the task with `PlacementError`.
 */
export type CustomPlacement = (workers: readonly WorkerInfo[], task: PlacementTask) => string | undefined;

/**
 * How the pool chooses among workers that can take a task:
 * - `least-load`: the worker holding the fewest tasks;
 * - `round-robin`: the worker given work least recently (LRU);
 * - `random`: any, uniformly;
 * - `weighted`: any, with a chance proportional to its `weight` property (a number, default 1; a
 *   worker of weight 0 or less is a standby, used only when no other worker can take the task);
 * - a function: your choice ({@link CustomPlacement}).
 * Tiny tasks travel in batches; a policy places each batch.
 */
export type PlacementPolicy = 'least-load' | 'round-robin' | 'random' | 'weighted' | CustomPlacement;

const NAMED = new Set(['least-load', 'round-robin', 'random', 'weighted']);

export function isPlacementPolicy(value: unknown): value is PlacementPolicy {
  return typeof value === 'function' || NAMED.has(value as string);
}

/**
 * The workers to offer `task` to, most preferred first (a custom policy names one). `least-load`
 * is not here: dispatch keeps its own faster loop for it.
 */
export function orderSlots(policy: Exclude<PlacementPolicy, 'least-load'>, slots: Slot[], task: PoolJob): Slot[] {
  switch (policy) {
    case 'round-robin':
      return slots.sort((a, b) => a.lastAssignedSeq - b.lastAssignedSeq);
    case 'random':
      return weightedShuffle(slots, () => 1);
    case 'weighted':
      return weightedShuffle(slots, weightOf);
    default: {
      const chosen = policy(slots.map((slot) => slot.info()), { id: task.id, args: task.args, attempts: task.attempts });
      if (chosen === undefined) return [];
      const slot = slots.find((s) => s.id === chosen);
      if (!slot) throw new TypeError(`it returned '${String(chosen)}', which is not one of the workers offered (${slots.map((s) => s.id).join(', ')})`);
      return [slot];
    }
  }
}

function weightOf(slot: Slot): number {
  const weight = slot.properties.weight;
  return weight === undefined ? 1 : typeof weight === 'number' && Number.isFinite(weight) ? weight : 0;
}

/**
 * A random order where each item comes first with a chance proportional to its weight
 * (Efraimidis–Spirakis keys); items of weight 0 or less come last.
 */
function weightedShuffle(slots: Slot[], weight: (slot: Slot) => number): Slot[] {
  const keyed = slots.map((slot): [number, Slot] => {
    const w = weight(slot);
    return [w > 0 ? Math.random() ** (1 / w) : -1, slot];
  });
  return keyed.sort((a, b) => b[0] - a[0]).map(([, slot]) => slot);
}
