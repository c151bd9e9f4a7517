import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { ValidationError } from '../core/errors.js';
import { parseTaskReference, type TaskReference } from '../task/define.js';
import { loadTask } from '../task/loader.js';

/**
 * Turns `path/to/module.js#export` into a task reference and checks, in this process, that the
 * module loads and has that export. Without the check a typo would surface as the same
 * TaskDefinitionError on every one of a million result lines; with it the user gets one clear
 * message before any worker starts. The module is imported here once, so its top-level code runs
 * in the main process too.
 *
 * Throws {@link ValidationError} or the loader's `TaskDefinitionError`, both usage errors.
 */
export async function resolveTask(text: string, cwd: string): Promise<TaskReference> {
  const reference = parseTaskReference(text, cwd);
  const path = text.slice(0, text.lastIndexOf('#'));
  if (!path.startsWith('file:')) {
    const absolute = isAbsolute(path) ? path : resolve(cwd, path);
    if (!existsSync(absolute)) throw new ValidationError(`task module '${path}' not found (looked for ${absolute})`);
  }
  await loadTask({ kind: 'module', module: reference.module, name: reference.export });
  return reference;
}
