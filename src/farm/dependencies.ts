import type { FarmResult } from './result.js';
import { normalizeDependency, type Dependency } from './task.js';

/** Where a dependency stands: met (with the workers of the tasks that count), not yet, or never. */
export type DependencyState =
  | { kind: 'met'; workers: Set<string> }
  | { kind: 'unmet'; waitingOn: number[] }
  | { kind: 'impossible'; reason: string };

/** What a dependency looks at in a finished task (a forgotten task keeps only this). */
export type Outcome = Pick<FarmResult, 'id' | 'ok' | 'workerId' | 'error'>;

/** The outcome of a task so far: set once it finished, `undefined` while it runs or waits. */
export type OutcomeOf = (id: number) => Outcome | undefined;

/**
 * Evaluates `after` or `follow` against the outcomes so far. `follow` also needs the tasks that count
 * to have run on one worker (any of their workers with `all: false`).
 */
export function evaluateDependency(kind: 'after' | 'follow', dependency: Dependency, outcomeOf: OutcomeOf): DependencyState {
  const { ids, all, success, failure } = normalizeDependency(dependency);
  const wanted = [success && 'succeed', failure && 'fail'].filter(Boolean).join(' or ');
  const counts = (result: Outcome): boolean => (result.ok ? success : failure) && (kind === 'after' || result.workerId !== undefined);
  const waitingOn: number[] = [];
  const accepted: Outcome[] = [];
  const refused: Outcome[] = [];
  for (const id of ids) {
    const result = outcomeOf(id);
    if (result === undefined) waitingOn.push(id);
    else if (counts(result)) accepted.push(result);
    else refused.push(result);
  }
  const why = (result: Outcome): string => {
    if (result.ok ? success : failure) return `task ${result.id} never ran on a worker, so there is no worker to follow`;
    return `task ${result.id} ${result.ok ? 'succeeded' : `failed (${result.error?.message})`}, and it had to ${wanted}`;
  };
  if (all && refused.length > 0) return { kind: 'impossible', reason: `${kind} dependency on ${describeIds(ids)}: ${why(refused[0]!)}` };
  if (!all && refused.length === ids.length) return { kind: 'impossible', reason: `${kind} dependency on any of ${describeIds(ids)}: none will: ${refused.map(why).join('; ')}` };
  const met = all ? waitingOn.length === 0 : accepted.length > 0;
  if (!met) return { kind: 'unmet', waitingOn };
  const workers = new Set(accepted.map((result) => result.workerId!).filter((id) => id !== undefined));
  if (kind === 'follow' && all && workers.size > 1) {
    return { kind: 'impossible', reason: `follow dependency on ${describeIds(ids)}: they ran on different workers (${[...workers].join(', ')}), and a task runs on one` };
  }
  return { kind: 'met', workers };
}

function describeIds(ids: readonly number[]): string {
  return ids.length === 1 ? `task ${ids[0]}` : `tasks ${ids.join(', ')}`;
}
