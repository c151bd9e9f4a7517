/**
 * Walks an outline one step at a time. Where the work chain is in its outline is a small JSON value
 * (a Position), so a checkpoint captures it exactly, inside ifs and whiles included; each call runs
 * at most one step method, after the conditions that lead to it (as plumpy's steppers do).
 */
import type { JsonObject } from '../persistence/bundle.js';
import type { Resolved } from './outline.js';

/** Position in a block: the index of the instruction to run next, and where inside it (if or while). */
export interface Position {
  i: number;
  /** Inside an if: the branch taken and the position in its body. Inside a while: the position in the body. */
  at?: { branch?: number; body: Position };
}

export interface StepHost {
  /** Runs a step method and returns what it returned. */
  step(name: string): unknown;
  /** Runs a condition method; true when its value is truthy. */
  condition(name: string): boolean;
}

export interface StepResult {
  /** The whole outline has run. */
  done: boolean;
  position: Position;
  /** What the step method returned (undefined when no step ran). */
  value: unknown;
  /** Set when a `return_` was reached. */
  exitCode?: number;
}

interface InnerResult {
  done: boolean;
  at?: Position['at'];
  value?: unknown;
  exitCode?: number;
}

/** Runs the next step of `block` from `position`. Never mutates `position`. */
export function stepBlock(block: readonly Resolved[], position: Position, host: StepHost): StepResult {
  if (position.i >= block.length) return { done: true, position, value: undefined };
  const instruction = block[position.i]!;
  let inner: InnerResult;
  switch (instruction.kind) {
    case 'step':
      inner = { done: true, value: host.step(instruction.name) };
      break;
    case 'return':
      return { done: true, position: { i: block.length }, value: undefined, exitCode: instruction.exitCode };
    case 'if': {
      let branch = position.at?.branch;
      let body = position.at?.body;
      if (branch === undefined || body === undefined) {
        branch = instruction.branches.findIndex((b) => b.condition === null || host.condition(b.condition));
        body = { i: 0 };
      }
      if (branch < 0) {
        inner = { done: true };
        break;
      }
      const r = stepBlock(instruction.branches[branch]!.body, body, host);
      inner = r.done || r.exitCode !== undefined ? { done: true, value: r.value, exitCode: r.exitCode } : { done: false, at: { branch, body: r.position }, value: r.value };
      break;
    }
    case 'while': {
      let body = position.at?.body;
      if (body === undefined) {
        if (!host.condition(instruction.condition)) {
          inner = { done: true };
          break;
        }
        body = { i: 0 };
      }
      const r = stepBlock(instruction.body, body, host);
      if (r.exitCode !== undefined) inner = { done: true, value: r.value, exitCode: r.exitCode };
      // The body ran to its end: the condition is checked again at the next step.
      else inner = r.done ? { done: false, value: r.value } : { done: false, at: { body: r.position }, value: r.value };
      break;
    }
  }
  if (inner.exitCode !== undefined) return { done: true, position: { i: block.length }, value: inner.value, exitCode: inner.exitCode };
  if (inner.done) {
    const next = { i: position.i + 1 };
    return { done: next.i >= block.length, position: next, value: inner.value };
  }
  return { done: false, position: inner.at === undefined ? { i: position.i } : { i: position.i, at: inner.at }, value: inner.value };
}

/** Why `value` is not a valid position in `block` (a corrupted checkpoint, or a changed outline), or undefined. */
export function positionProblem(block: readonly Resolved[], value: unknown, path = 'position'): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return `${path} must be an object`;
  const p = value as JsonObject;
  if (!Number.isInteger(p.i) || (p.i as number) < 0 || (p.i as number) > block.length) return `${path}.i must be an integer from 0 to ${block.length}`;
  if (p.at === undefined) return undefined;
  const instruction = block[p.i as number];
  const at = p.at as JsonObject;
  if (typeof at !== 'object' || at === null) return `${path}.at must be an object`;
  if (instruction?.kind === 'while') {
    if (at.branch !== undefined) return `${path}.at.branch is only for an if`;
    return positionProblem(instruction.body, at.body, `${path}.at.body`);
  }
  if (instruction?.kind === 'if') {
    const branch = at.branch;
    if (!Number.isInteger(branch) || (branch as number) < 0 || (branch as number) >= instruction.branches.length) {
      return `${path}.at.branch must be an integer from 0 to ${instruction.branches.length - 1}`;
    }
    return positionProblem(instruction.branches[branch as number]!.body, at.body, `${path}.at.body`);
  }
  return `${path}.at is set but instruction ${String(p.i)} is ${instruction === undefined ? 'past the end' : `a ${instruction.kind}`}`;
}
