import { toTaskSpec } from './define.js';
import { specKey, type TaskSpec } from './spec.js';

/** A task's wire form and its cache key. */
export interface TaskDefinition {
  spec: TaskSpec;
  key: string;
}

// By identity: the same function or reference object is checked (acorn parse included) only once,
// however many executors and faces see it.
const definitions = new WeakMap<object, TaskDefinition>();

/**
 * The definition of any TaskLike, cached by identity; throws `TaskDefinitionError` for what cannot
 * travel (a closure, a bad reference).
 */
export function taskDefinition(task: unknown): TaskDefinition {
  const cacheable = typeof task === 'function' || (typeof task === 'object' && task !== null);
  const known = cacheable ? definitions.get(task) : undefined;
  if (known) return known;
  const spec = toTaskSpec(task);
  const definition = { spec, key: specKey(spec) };
  if (cacheable) definitions.set(task, definition);
  return definition;
}
