import { TaskDefinitionError } from '../../core/errors.js';
import type { TaskReference } from '../../task/define.js';
import { specKey, type TaskSpec } from '../../task/spec.js';
import type { TaskPolicy } from './policy.js';

/** Task definitions kept checked and resolved, by spec key. */
const DEFINITIONS_KEPT = 1000;

/** A task definition as an engine runs it: checked once, resolved once. */
export interface Definition {
  /** Why the engine refuses it; for a wrapper task, decided per task from its arguments instead. */
  refusal: Error | undefined;
  wrapper: boolean;
  /** What the pool runs: a module reference, or the source function compiled here. */
  target: TaskReference | Function | undefined;
}

/**
 * The definitions of the tasks an engine was sent, checked against its policy and kept by key:
 * the same reference object each time also lets the pool find the task it already sent its
 * workers (and an in-process pool the function it already imported).
 */
export class EngineDefinitions {
  readonly #engineId: string;
  readonly #policy: TaskPolicy;
  readonly #known = new Map<string, Definition>();

  constructor(engineId: string, policy: TaskPolicy) {
    this.#engineId = engineId;
    this.#policy = policy;
  }

  get(spec: TaskSpec): Definition {
    const key = specKey(spec);
    let definition = this.#known.get(key);
    if (definition) return definition;
    const wrapper = this.#policy.wraps(spec);
    const refusal = wrapper ? undefined : this.#policy.refuse(spec, []);
    let target: TaskReference | Function | undefined;
    let failure: Error | undefined = refusal;
    if (!refusal) {
      if (spec.kind === 'module') {
        target = { module: spec.module, export: spec.name };
      } else {
        try {
          // Compiling does not run the body; the pool ships the function's source on to its
          // worker, where it runs like any function shipped as source.
          target = new Function('__name', `return (${spec.source});`)((named: unknown) => named) as Function;
        } catch (error) {
          failure = new TaskDefinitionError(`Cannot compile function '${spec.name}' on engine ${this.#engineId}: ${(error as Error).message}`, { cause: error });
        }
      }
    }
    definition = { refusal: failure, wrapper, target };
    if (this.#known.size >= DEFINITIONS_KEPT) this.#known.delete(this.#known.keys().next().value!);
    this.#known.set(key, definition);
    return definition;
  }
}
