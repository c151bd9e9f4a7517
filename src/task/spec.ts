/**
 * A task as it travels to a worker. A closure cannot cross a thread or process boundary, so a task is
 * either a module export (loaded by the worker) or the source of a self-contained function.
 */
export type TaskSpec = ModuleTaskSpec | SourceTaskSpec;

export interface ModuleTaskSpec {
  kind: 'module';
  /** file: URL of the module. */
  module: string;
  /** Export name, or the name given to `defineTask` (the worker finds either). */
  name: string;
}

export interface SourceTaskSpec {
  kind: 'source';
  /** Source of a function expression, ready for `return (<source>)`. */
  source: string;
  name: string;
}

/** A stable key for caching a loaded task. */
export function specKey(spec: TaskSpec): string {
  return spec.kind === 'module' ? `m:${spec.module}#${spec.name}` : `s:${spec.source}`;
}
