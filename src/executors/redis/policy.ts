/**
 * What an engine agrees to run. Anyone who can write to the queue can submit a task, so an engine
 * runs only functions from the modules it was started with, and functions shipped as source only
 * when it was started with `allowSource`: otherwise the queue would be a remote shell on every
 * engine.
 */
import { statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TaskDefinitionError } from '../../core/errors.js';
import { scopedCall } from '../../farm/scoped.js';
import { toTaskSpec } from '../../task/define.js';
import type { TaskSpec } from '../../task/spec.js';
import { TaskRefusedError } from './errors.js';

/** taskfarm's own wrapper for push/pull around a task: allowed, and the task it wraps is checked. */
const SCOPED = toTaskSpec(scopedCall) as Extract<TaskSpec, { kind: 'module' }>;

export class TaskPolicy {
  readonly #engineId: string;
  readonly #allowSource: boolean;
  /** Allowed module files, as normalized file: URLs. */
  readonly #files = new Set<string>();
  /** Allowed directories (every module under them), as file: URLs ending with `/`. */
  readonly #dirs: string[] = [];

  /**
   * @param modules paths (relative to `cwd`) or file: URLs; a directory allows every module in it
   */
  constructor(engineId: string, modules: readonly string[], allowSource: boolean, cwd = process.cwd()) {
    this.#engineId = engineId;
    this.#allowSource = allowSource;
    for (const entry of modules) {
      const { url, directory } = normalize(entry, cwd);
      if (directory) this.#dirs.push(url.endsWith('/') ? url : `${url}/`);
      else this.#files.add(url);
    }
  }

  /** The module files (not directories) the engine runs, to import them before its first task. */
  get files(): string[] {
    return [...this.#files];
  }

  /** Why the engine must not run `spec` with `args`, or undefined when it may. */
  refuse(spec: TaskSpec, args: readonly unknown[]): TaskRefusedError | undefined {
    if (spec.kind === 'source' || spec.module.startsWith('data:')) {
      if (this.#allowSource) return undefined;
      return new TaskRefusedError(
        `Engine ${this.#engineId} refuses function '${spec.name}': it was shipped as source, and this engine runs only ` +
          'functions from its task modules. Export the function from a module and use defineTask(import.meta.url, fn), ' +
          'then start the engine with that module (--tasks), or start it with --allow-source (allowSource: true) if every ' +
          'writer to the queue is trusted.',
        { engineId: this.#engineId },
      );
    }
    if (this.wraps(spec)) {
      const inner = args[0] as TaskSpec | undefined;
      if (!isSpec(inner)) return new TaskRefusedError(`Engine ${this.#engineId} refuses a scoped task without a valid inner task`, { engineId: this.#engineId });
      return this.refuse(inner, Array.isArray(args[1]) ? args[1] : []);
    }
    if (this.#allows(spec.module)) return undefined;
    return new TaskRefusedError(
      `Engine ${this.#engineId} refuses task '${spec.name}' of module ${spec.module}: the module is not one of the engine's ` +
        'task modules. Start the engine with it: taskfarm worker --tasks <module> (or allowModules).',
      { engineId: this.#engineId },
    );
  }

  /** True for taskfarm's own wrapper task: whether it may run depends on the task in its arguments. */
  wraps(spec: TaskSpec): boolean {
    return spec.kind === 'module' && spec.module === SCOPED.module && spec.name === SCOPED.name;
  }

  #allows(module: string): boolean {
    let url: string;
    try {
      const parsed = new URL(module);
      if (parsed.protocol !== 'file:') return false;
      parsed.search = '';
      parsed.hash = '';
      url = parsed.href; // resolves `..` and normalizes escapes, so a path cannot climb out of a directory
    } catch {
      return false;
    }
    return this.#files.has(url) || this.#dirs.some((dir) => url.startsWith(dir));
  }
}

function normalize(entry: string, cwd: string): { url: string; directory: boolean } {
  if (typeof entry !== 'string' || entry === '') throw new TaskDefinitionError(`A task module must be a non-empty path or file: URL, got ${JSON.stringify(entry)}`);
  const url = entry.startsWith('file:') ? new URL(entry) : pathToFileURL(isAbsolute(entry) ? entry : resolve(cwd, entry));
  let directory = url.href.endsWith('/');
  try {
    directory ||= statSync(url).isDirectory();
  } catch {
    throw new TaskDefinitionError(`Task module ${entry} does not exist (resolved to ${url.pathname})`);
  }
  return { url: url.href, directory };
}

function isSpec(value: unknown): value is TaskSpec {
  const spec = value as Partial<TaskSpec> | undefined;
  if (!spec || typeof spec !== 'object' || typeof spec.name !== 'string') return false;
  return (spec.kind === 'module' && typeof spec.module === 'string') || (spec.kind === 'source' && typeof spec.source === 'string');
}
