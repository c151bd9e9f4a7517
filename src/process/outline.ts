/**
 * The outline of a work chain: steps (methods), `if_(cond)(...).elif_(cond)(...).else_(...)`,
 * `while_(cond)(...)` and `return_(exitCode)`. Steps and conditions are given as methods
 * (`this.prototype.step1`, or `s.step1` in `spec.outline(s => [...])`) and resolved to method names
 * when the spec is built, so a checkpoint names them and a typo fails at definition time.
 */
import type { JsonObject, JsonValue } from '../persistence/bundle.js';
import { ProcessDefinitionError } from './errors.js';
import { methodName } from './steps.js';

/** A step or condition: a method of the work chain, taking no arguments. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any method signature; checked at definition time
export type StepLike = (...args: any[]) => unknown;

const STEP_REF = Symbol('taskfarm.outline.step');

/** A method named through the proxy of `spec.outline(s => [...])`. */
interface StepRef {
  readonly [STEP_REF]: string;
}

export type OutlineEntry = StepLike | Instruction;

interface Branch {
  readonly condition: StepLike | null;
  readonly body: readonly OutlineEntry[];
}

/** `if_(cond)(...)`, possibly followed by `.elif_(cond)(...)` and `.else_(...)`. */
export class IfInstruction {
  readonly kind = 'if';

  constructor(readonly branches: readonly Branch[], private readonly closed = false) {}

  elif_(condition: StepLike): (...body: OutlineEntry[]) => IfInstruction {
    if (this.closed) throw new ProcessDefinitionError('elif_ after else_: the else_ branch must be the last');
    return (...body) => new IfInstruction([...this.branches, { condition, body }]);
  }

  else_(...body: OutlineEntry[]): IfInstruction {
    if (this.closed) throw new ProcessDefinitionError('else_ given twice');
    return new IfInstruction([...this.branches, { condition: null, body }], true);
  }
}

/** `while_(cond)(...)`: runs the body while the condition method returns a truthy value. */
export class WhileInstruction {
  readonly kind = 'while';

  constructor(readonly condition: StepLike, readonly body: readonly OutlineEntry[]) {}
}

/** `return_(exitCode)`: finishes the work chain; a non-zero exit code is an unsuccessful finish. */
export class ReturnInstruction {
  readonly kind = 'return';

  constructor(readonly exitCode: number) {}
}

export type Instruction = IfInstruction | WhileInstruction | ReturnInstruction;

/** Runs the body if the condition method returns a truthy value. */
export function if_(condition: StepLike): (...body: OutlineEntry[]) => IfInstruction {
  return (...body) => new IfInstruction([{ condition, body }]);
}

/** Runs the body again and again while the condition method returns a truthy value. */
export function while_(condition: StepLike): (...body: OutlineEntry[]) => WhileInstruction {
  return (...body) => new WhileInstruction(condition, body);
}

/** Finishes the work chain with `exitCode` as its result (0, the default, is a successful finish). */
export function return_(exitCode = 0): ReturnInstruction {
  if (!Number.isInteger(exitCode)) throw new ProcessDefinitionError(`return_(exitCode): the exit code must be an integer, got ${String(exitCode)}`);
  return new ReturnInstruction(exitCode);
}

/** An outline with every method resolved to its name. */
export type Resolved =
  | { kind: 'step'; name: string }
  | { kind: 'if'; branches: { condition: string | null; body: Resolved[] }[] }
  | { kind: 'while'; condition: string; body: Resolved[] }
  | { kind: 'return'; exitCode: number };

/** Names of methods that belong to Process or WorkChain themselves and so cannot be steps. */
export type ReservedNames = (name: string) => boolean;

/** A proxy whose properties are the class's methods (as references), for `spec.outline(s => [...])`. */
export function stepProxy(proto: object, className: string): object {
  return new Proxy({}, {
    get(_target, key) {
      if (typeof key === 'symbol') return undefined;
      if (typeof (proto as Record<string, unknown>)[key] !== 'function') {
        throw new ProcessDefinitionError(`the outline of ${className} names "${key}", which is not a method of ${className}`);
      }
      return Object.freeze({ [STEP_REF]: key });
    },
  });
}

function isStepRef(value: unknown): value is StepRef {
  return typeof value === 'object' && value !== null && typeof (value as Partial<StepRef>)[STEP_REF] === 'string';
}

/** Resolves an outline against a class's prototype; ProcessDefinitionError on anything that is not right. */
export function resolveOutline(entries: readonly unknown[], proto: object, className: string, reserved: ReservedNames): Resolved[] {
  const where = `the outline of ${className}`;
  const nameOf = (entry: unknown, what: string): string => {
    let name: string | undefined;
    if (isStepRef(entry)) name = entry[STEP_REF];
    else if (typeof entry === 'function') name = methodName(proto, entry);
    else {
      throw new ProcessDefinitionError(`${where}: ${what} is ${entry === undefined ? 'undefined (is the method name spelled right?)' : typeof entry}, not a method`);
    }
    if (name === undefined) {
      throw new ProcessDefinitionError(`${where}: ${what} is not a method of ${className} (arrow functions, bound functions and closures cannot be steps)`);
    }
    if (reserved(name)) throw new ProcessDefinitionError(`${where}: "${name}" is a method of the work chain machinery, not a step`);
    return name;
  };
  const block = (list: readonly unknown[], path: string): Resolved[] =>
    list.map((entry, i): Resolved => {
      const what = `entry ${path}${i}`;
      if (entry === return_) return { kind: 'return', exitCode: 0 };
      if (entry instanceof ReturnInstruction) return { kind: 'return', exitCode: entry.exitCode };
      if (entry instanceof WhileInstruction) {
        return { kind: 'while', condition: nameOf(entry.condition, `the condition of ${what}`), body: block(entry.body, `${path}${i}.`) };
      }
      if (entry instanceof IfInstruction) {
        return {
          kind: 'if',
          branches: entry.branches.map((branch, b) => ({
            condition: branch.condition === null ? null : nameOf(branch.condition, `condition ${b} of ${what}`),
            body: block(branch.body, `${path}${i}.${b}.`),
          })),
        };
      }
      return { kind: 'step', name: nameOf(entry, what) };
    });
  return block(entries, '');
}

/** The outline as JSON, for `getDescription()`. */
export function describeOutline(outline: readonly Resolved[]): JsonValue[] {
  return outline.map((entry): JsonValue => {
    switch (entry.kind) {
      case 'step':
        return entry.name;
      case 'return':
        return { return: entry.exitCode };
      case 'while':
        return { while: entry.condition, do: describeOutline(entry.body) };
      case 'if': {
        const out: JsonObject = {};
        entry.branches.forEach((branch, i) => {
          if (branch.condition === null) out.else = describeOutline(branch.body);
          else if (i === 0) Object.assign(out, { if: branch.condition, then: describeOutline(branch.body) });
          else ((out.elif ??= []) as JsonValue[]).push({ if: branch.condition, then: describeOutline(branch.body) });
        });
        return out;
      }
    }
  });
}
