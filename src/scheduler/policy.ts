import { TaskError, ValidationError } from '../core/errors.js';

/** What to do about an error: raise it from `run()`, end the run quietly, or go on. */
export type ExceptionPolicy = 'raise' | 'end' | 'continue';
/**
 * A policy, or `[ErrorClass, policy]` pairs checked in order — instanceof, or the name of an error
 * thrown in a worker — where no match means raise.
 */
export type PolicyRule = ExceptionPolicy | ReadonlyArray<readonly [abstract new (...args: never[]) => Error, ExceptionPolicy]>;

/** The policy `rule` gives for `error`. */
export function policyFor(rule: PolicyRule, error: Error): ExceptionPolicy {
  return typeof rule === 'string' ? rule : rule.find(([type]) => matches(error, type))?.[1] ?? 'raise';
}

/**
 * An error of an error class: instanceof, or by name for an error thrown in a worker, which comes
 * back as a TaskError carrying the original name (a RangeError thrown there is named RangeError).
 */
function matches(error: Error, type: abstract new (...args: never[]) => Error): boolean {
  if (error instanceof type) return true;
  const remote: unknown = error;
  return remote instanceof TaskError && remote.name === type.name;
}

export function validatePolicy(name: string, rule: unknown): void {
  const valid = (p: unknown): boolean => p === 'raise' || p === 'end' || p === 'continue';
  if (typeof rule === 'string' && valid(rule)) return;
  if (Array.isArray(rule) && rule.every((pair) => Array.isArray(pair) && typeof pair[0] === 'function' && valid(pair[1]))) return;
  throw new ValidationError(`Invalid option '${name}': expected 'raise', 'end', 'continue' or a list of [ErrorClass, policy] pairs`);
}

