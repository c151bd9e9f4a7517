/**
 * Process classes by name, for checkpoints. A class is registered when it is first used (its spec
 * is built: constructing one, `Cls.spec()`, `Cls.load()`), when it is saved, and by
 * {@link registerProcesses}; a program that restores checkpoints without touching the class first
 * calls `registerProcesses(...)` with the classes it may meet.
 *
 * Two classes may share a name (two examples both define `SimpleProcess`) as long as neither is
 * saved: the clash is an error only when a checkpoint would be ambiguous.
 */
import { registerProcessClass, registeredProcessClass, type RestorableClass } from '../persistence/bundle.js';
import { ProcessDefinitionError } from './errors.js';

type NamedClass = Function & RestorableClass & { processName?: string };

/** The name a class is registered and saved under: its own static `processName`, or its class name. */
export function processNameOf(cls: Function): string {
  const own = Object.hasOwn(cls, 'processName') ? (cls as NamedClass).processName : undefined;
  return typeof own === 'string' && own !== '' ? own : cls.name;
}

/** Registers `cls` if its name is free; never throws (used when a class is first used). */
export function registerIfFree(cls: NamedClass): void {
  const name = processNameOf(cls);
  if (name !== '' && registeredProcessClass(name) === undefined) registerProcessClass(name, cls);
}

/** Registers `cls`, or explains why it cannot be (no name, or another class holds its name). */
export function ensureRegistered(cls: NamedClass): string {
  const name = processNameOf(cls);
  if (name === '') {
    throw new ProcessDefinitionError('an anonymous process class cannot be checkpointed: give it a name or a static processName');
  }
  const holder = registeredProcessClass(name);
  if (holder !== undefined && holder !== cls) {
    throw new ProcessDefinitionError(
      `two process classes are named "${name}", so a checkpoint could not tell them apart: give one of them a static processName`,
    );
  }
  if (holder === undefined) registerProcessClass(name, cls);
  return name;
}

/** Makes process classes loadable from checkpoints in this program (e.g. before `checkpoint.unbundle()`). */
export function registerProcesses(...classes: NamedClass[]): void {
  for (const cls of classes) ensureRegistered(cls);
}
