import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TaskDefinitionError } from '../core/errors.js';
import { sourceSpecOf } from './source.js';
import type { ModuleTaskSpec, TaskSpec } from './spec.js';

const TASK_REF = Symbol.for('taskfarm.taskRef');

/** A function made loadable in a worker by {@link defineTask}; still callable as itself. */
export type TaskFunction<A extends unknown[] = unknown[], R = unknown> = ((...args: A) => R) & {
  readonly [TASK_REF]: ModuleTaskSpec;
};

/** A task by module and export name, e.g. from the command line (`./tasks.js#fib`). */
export interface TaskReference {
  /** Path or file: URL of the module. */
  module: string;
  /** Name of the exported function. */
  export: string;
}

/**
 * What executors accept as a task: a function made with {@link defineTask}, a self-contained plain
 * function (shipped to workers as source), or a {@link TaskReference}.
 */
export type TaskLike<A extends unknown[] = unknown[], R = unknown> =
  | ((...args: A) => R | PromiseLike<R>)
  | TaskReference;

/** Options of {@link defineTask}. */
export interface DefineTaskOptions {
  /**
   * The export name workers look the task up by.
   * @default the function's own name
   */
  name?: string;
}

/**
 * Names a task by its module and export so that any worker can load it: the robust way to define a
 * task, since it may use imports and module scope freely.
 *
 * ```ts
 * export const fib = defineTask(import.meta.url, function fib(n: number): number { ... });
 * ```
 */
export function defineTask<A extends unknown[], R>(
  moduleUrl: string,
  fn: (...args: A) => R,
  options: DefineTaskOptions = {},
): TaskFunction<A, Awaited<R>> {
  if (typeof fn !== 'function') throw new TaskDefinitionError('defineTask(moduleUrl, fn): fn must be a function');
  const name = options.name ?? fn.name;
  if (!name) {
    throw new TaskDefinitionError(
      'defineTask needs a named function (`function fib(n) {...}`) or `{ name }` equal to its export name.',
    );
  }
  const spec: ModuleTaskSpec = { kind: 'module', module: toModuleUrl(moduleUrl), name };
  Object.defineProperty(fn, TASK_REF, { value: spec, enumerable: false });
  return fn as unknown as TaskFunction<A, Awaited<R>>;
}

/** The wire form of any {@link TaskLike}; throws {@link TaskDefinitionError} for what cannot travel. */
export function toTaskSpec(task: unknown): TaskSpec {
  if (typeof task === 'function') {
    const ref = (task as Partial<TaskFunction>)[TASK_REF];
    return ref ?? sourceSpecOf(task);
  }
  if (task && typeof task === 'object' && 'module' in task && 'export' in task) {
    const { module, export: name } = task as TaskReference;
    if (typeof module !== 'string' || !module || typeof name !== 'string' || !name) {
      throw new TaskDefinitionError('A task reference needs a non-empty `module` and `export`.');
    }
    return { kind: 'module', module: toModuleUrl(module), name };
  }
  throw new TaskDefinitionError(`A task must be a function or { module, export }, got ${describe(task)}.`);
}

/** Parses `path/to/module.js#exportName` (relative to `cwd`) into a {@link TaskReference}. */
export function parseTaskReference(text: string, cwd = process.cwd()): TaskReference {
  const hash = text.lastIndexOf('#');
  if (hash <= 0 || hash === text.length - 1) {
    throw new TaskDefinitionError(`'${text}' is not a task reference; write <module>#<export>, e.g. ./tasks.js#fib.`);
  }
  const module = text.slice(0, hash);
  const url = module.startsWith('file:') ? module : pathToFileURL(isAbsolute(module) ? module : `${cwd}/${module}`).href;
  return { module: url, export: text.slice(hash + 1) };
}

function toModuleUrl(module: string): string {
  if (module.startsWith('file:') || module.startsWith('data:')) return module;
  if (isAbsolute(module)) return pathToFileURL(module).href;
  throw new TaskDefinitionError(
    `Task module '${module}' must be an absolute path or a file: URL; pass import.meta.url from the module itself.`,
  );
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  return typeof value === 'object' ? `an object with keys [${Object.keys(value).join(', ')}]` : typeof value;
}
