import { TaskDefinitionError } from '../../core/errors.js';
import { findUncloneable } from '../../task/clone-check.js';
import type { TaskSpec } from '../../task/spec.js';
import type { Job } from '../job.js';
import type { PriorityQueue } from '../pool/queue.js';
import type { StatsRecorder } from '../stats.js';
import type { WorkerInfo } from '../types.js';
import type { JobSizer } from './batching.js';
import type { EngineView, EngineViews } from './engines.js';
import type { RedisJob } from './in-flight.js';
import { encode, encodeJobData, type JobData, type JobPayload, type WireTask } from './protocol.js';

/**
 * Where a task goes: `''` (the shared queue, any engine), an engine id (its own queue), or
 * undefined when no engine can take it now. A task with `where` goes to the least loaded engine
 * it accepts; a retry avoids the engines it failed on while another one exists.
 */
function routeOf(job: Job, views: EngineViews): string | undefined {
  const { where } = job.options;
  const failedOn = job.failedOn;
  if (!where && !failedOn) return '';
  const live = views.all();
  let candidates = where ? live.filter((view) => accepts(where, view)) : live;
  if (candidates.length === 0) return where ? undefined : '';
  if (failedOn) {
    const fresh = candidates.filter((view) => !failedOn.has(view.id));
    if (fresh.length > 0) candidates = fresh;
    if (!where && candidates.length === live.length) return '';
  }
  let best: EngineView = candidates[0]!;
  for (const view of candidates) if (view.load < best.load) best = view;
  return best.id;
}

function accepts(where: (worker: WorkerInfo) => boolean, view: EngineView): boolean {
  try {
    return where(view.info()) === true;
  } catch {
    return false; // a predicate that throws counts as false
  }
}

/**
 * Takes from `queue` the tasks of the next BullMQ job, at most `limit`: the first task that fits
 * an engine now, then the tasks going the same way at the same priority, if tiny enough to share
 * a job. Undefined when no queued task fits an engine now.
 */
export function takeBatch(
  queue: PriorityQueue<RedisJob>, limit: number, views: EngineViews, sizer: JobSizer,
): { batch: RedisJob[]; route: string; priority: number } | undefined {
  let route: string | undefined;
  let priority = 0;
  const batch = queue.take(limit, (job) => {
    const to = routeOf(job, views);
    if (to === undefined) return false; // fits no engine now: waits for one
    if (route === undefined) {
      route = to;
      priority = job.options.priority ?? 0;
      return true;
    }
    return to === route && (job.options.priority ?? 0) === priority && sizer.tiny(job.defKey);
  });
  return batch.length === 0 ? undefined : { batch, route: route!, priority };
}

/**
 * Encodes a batch of tasks as the data of one BullMQ job of client `clientId`, each task with a
 * new wire number from `nextNum`. A task whose arguments cannot travel fails alone (recorded in
 * `recorder`); returns the tasks that travel with their job data, or undefined when none does.
 */
export function packBatch(
  batch: RedisJob[], clientId: string, nextNum: () => number, recorder: StatsRecorder,
): { batch: RedisJob[]; data: JobData } | undefined {
  try {
    return { batch, data: encodeJobData(clientId, payloadOf(batch, nextNum)) };
  } catch {
    // One encoding for the whole job is the fast path; when it fails, find the tasks that cannot travel.
    batch = batch.filter((job) => {
      try {
        encode(job.args);
        return true;
      } catch (error) {
        const where = findUncloneable(job.args) ?? (error as Error).message;
        job.fail(new TaskDefinitionError(
          `Task ${job.id} cannot be sent to an engine: ${where}. Arguments must be structured-cloneable (no functions, symbols, class instances with private state, streams...).`,
          { cause: error },
        ), recorder);
        return false;
      }
    });
    if (batch.length === 0) return undefined;
    return { batch, data: encodeJobData(clientId, payloadOf(batch, nextNum)) };
  }
}

/** The tasks of a job as they travel, each with a new wire number. */
function payloadOf(batch: RedisJob[], nextNum: () => number): JobPayload {
  const specs: TaskSpec[] = [];
  const specIndex = new Map<string, number>();
  const tasks = batch.map((job): WireTask => {
    let d = specIndex.get(job.defKey);
    if (d === undefined) {
      d = specs.push(job.spec) - 1;
      specIndex.set(job.defKey, d);
    }
    const wire: WireTask = { n: nextNum(), d, a: job.args };
    if (job.options.timeout !== undefined) wire.t = job.options.timeout;
    if (job.options.messages) wire.m = true;
    return wire;
  });
  return { specs, tasks };
}
