import { TaskDefinitionError } from '../core/errors.js';
import type { TaskSpec } from './spec.js';

const TASK_REF = Symbol.for('taskfarm.taskRef');

/** Identity helper for the `__name(fn, "name")` calls that tsx/esbuild put into function source. */
function nameHelper<T>(target: T): T {
  return target;
}

/** Loads the function a spec names. Failures are {@link TaskDefinitionError}s that say what to fix. */
export async function loadTask(spec: TaskSpec): Promise<Function> {
  if (spec.kind === 'source') return compileSource(spec.source, spec.name);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(spec.module)) as Record<string, unknown>;
  } catch (error) {
    const hint = /\.[mc]?ts$/.test(spec.module)
      ? ' A TypeScript task module needs the program to run under tsx (node --import tsx), or a compiled .js module.'
      : '';
    throw new TaskDefinitionError(
      `Cannot load task module ${spec.module}: ${(error as Error)?.message ?? String(error)}.${hint}`,
      { cause: error },
    );
  }
  const fn = findExport(mod, spec.name);
  if (!fn) {
    const names = exportedFunctions(mod);
    throw new TaskDefinitionError(
      `Module ${spec.module} has no exported function '${spec.name}'` +
        (names.length ? `; its exported functions are: ${names.join(', ')}.` : '; it exports no functions.'),
    );
  }
  return fn;
}

function findExport(mod: Record<string, unknown>, name: string): Function | undefined {
  const direct = mod[name];
  if (typeof direct === 'function') return direct;
  // `export const fibTask = defineTask(url, function fib ...)` is found by the defined name too, and
  // a CommonJS module imported from ESM has its exports under `default`.
  for (const value of [...Object.values(mod), ...Object.values(asRecord(mod.default))]) {
    if (typeof value === 'function' && (value as { [TASK_REF]?: { name: string } })[TASK_REF]?.name === name) return value;
  }
  const fromDefault = asRecord(mod.default)[name];
  return typeof fromDefault === 'function' ? fromDefault : undefined;
}

function exportedFunctions(mod: Record<string, unknown>): string[] {
  const names = (record: Record<string, unknown>): string[] =>
    Object.entries(record).filter(([, value]) => typeof value === 'function').map(([key]) => key);
  // A CommonJS module's exports are under `default`; list them as the names a task can use.
  return [...new Set([...names(mod), ...names(asRecord(mod.default))])];
}

function asRecord(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

function compileSource(source: string, name: string): Function {
  try {
    // Shipping self-contained source is the feature; the submit-time check refused closures.
    return new Function('__name', `return (${source});`)(nameHelper) as Function;
  } catch (error) {
    throw new TaskDefinitionError(`Cannot compile function '${name}' in the worker: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * A ReferenceError from a shipped function almost always means it used a variable of its enclosing
 * scope that the submit-time check could not see; say so.
 */
export function explainSourceError(error: unknown, name: string): unknown {
  if (error instanceof ReferenceError) {
    return new TaskDefinitionError(
      `Function '${name}' failed in the worker with "${error.message}": a function shipped as source must be ` +
        'self-contained. Pass the value as an argument, or export the function and use defineTask(import.meta.url, fn).',
      { cause: error },
    );
  }
  return error;
}
