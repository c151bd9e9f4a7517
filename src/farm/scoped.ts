/**
 * The worker side of `push`, `pull`, `clearBefore` and `clearAfter`: a task that runs the user's
 * task between those steps on the worker's scope. Farmed only for tasks that use them, so plain
 * tasks pay nothing.
 */
import { workerScope, type TaskContext } from '../executors/runtime/context.js';
import { defineTask } from '../task/define.js';
import { loadTask } from '../task/loader.js';
import { specKey, type TaskSpec } from '../task/spec.js';

/** What `scopedCall` is told to do around the task. */
export interface ScopeSteps {
  push?: Record<string, unknown>;
  pull?: string[];
  clearBefore?: boolean;
  clearAfter?: boolean;
}

/** What `scopedCall` returns: the task's value and the pulled values. */
export interface ScopedOutcome {
  value: unknown;
  pulled?: Record<string, unknown>;
}

/** The scope steps of a task, or `undefined` when it has none (it then runs as a plain task). */
export function scopeSteps(task: { push?: Record<string, unknown>; pull?: string | readonly string[]; clearBefore?: boolean; clearAfter?: boolean }): ScopeSteps | undefined {
  const { push, pull, clearBefore, clearAfter } = task;
  if (push === undefined && pull === undefined && !clearBefore && !clearAfter) return undefined;
  return { push, pull: typeof pull === 'string' ? [pull] : pull && [...pull], clearBefore, clearAfter };
}

const loaded = new Map<string, Promise<Function>>();

/** Checks here, where the name is known, what would otherwise fail as "the return value cannot be sent". */
function sendable(name: string, value: unknown): unknown {
  try {
    structuredClone(value);
  } catch (error) {
    throw new TypeError(`pull: '${name}' cannot be sent back from the worker: ${(error as Error).message}`, { cause: error });
  }
  return value;
}

export const scopedCall = defineTask(import.meta.url, async function scopedCall(
  this: TaskContext | undefined, spec: TaskSpec, args: unknown[], steps: ScopeSteps,
): Promise<ScopedOutcome> {
  const key = specKey(spec);
  let fn = loaded.get(key);
  if (!fn) {
    fn = loadTask(spec);
    loaded.set(key, fn);
    fn.catch(() => loaded.delete(key)); // a module that failed to load may load later
  }
  const target = await fn;
  const scope = workerScope();
  try {
    if (steps.clearBefore) scope.clear();
    if (steps.push) for (const [name, value] of Object.entries(steps.push)) scope.set(name, value);
    const value: unknown = await target.apply(this, args);
    if (!steps.pull) return { value };
    const pulled: Record<string, unknown> = {};
    for (const name of steps.pull) {
      if (!scope.has(name)) {
        const names = [...scope.keys()];
        throw new ReferenceError(`pull: '${name}' is not set in the scope of worker ${this?.workerId ?? '?'} (it holds: ${names.length ? names.join(', ') : 'nothing'})`);
      }
      pulled[name] = sendable(name, scope.get(name));
    }
    return { value, pulled };
  } finally {
    if (steps.clearAfter) scope.clear();
  }
});
