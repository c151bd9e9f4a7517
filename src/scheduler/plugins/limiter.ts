import { ValidationError } from '../../core/errors.js';
import type { Call, Plugin } from '../plugin.js';
import type { Task } from '../task.js';

export interface LimiterOptions {
  /**
   * Submissions allowed in all; later ones are vetoed (event `callLimitReached`).
   * @default no limit
   */
  maxCalls?: number;
  /**
   * Futures of the task running at once; more are vetoed (event `concurrentLimitReached`).
   * @default no limit
   */
  maxConcurrent?: number;
  /**
   * Vetoes submissions while any of these tasks runs (event `disabledDueToRunningTask`).
   * @default none
   */
  notWhileRunning?: Task<never, unknown> | ReadonlyArray<Task<never, unknown>>;
}

/** Limits how often and how many at once a task runs (AMLTK's Limiter). */
export class Limiter implements Plugin {
  readonly name = 'Limiter';
  readonly events = ['callLimitReached', 'concurrentLimitReached', 'disabledDueToRunningTask'] as const;
  readonly maxCalls: number;
  readonly maxConcurrent: number;
  readonly notWhileRunning: ReadonlyArray<Task<never, unknown>>;
  #task: Task<never, unknown> | undefined;
  #calls = 0;

  constructor(options: LimiterOptions = {}) {
    this.maxCalls = limit('maxCalls', options.maxCalls);
    this.maxConcurrent = limit('maxConcurrent', options.maxConcurrent);
    const others = options.notWhileRunning;
    this.notWhileRunning = others === undefined ? [] : Array.isArray(others) ? [...others] : [others as Task<never, unknown>];
  }

  /** Submissions let through so far. */
  get calls(): number {
    return this.#calls;
  }

  attach(task: Task<never, unknown>): void {
    if (this.#task) throw new ValidationError('A Limiter belongs to one task; make one per task');
    if (this.notWhileRunning.includes(task)) throw new ValidationError(`Limiter: task ${task.name} cannot be in its own notWhileRunning (use maxConcurrent: 1)`);
    this.#task = task;
  }

  preSubmit(call: Call): Call | undefined {
    const task = this.#task!;
    if (this.#calls >= this.maxCalls) {
      task.emit('callLimitReached', task, ...call.args);
      return undefined;
    }
    if (task.running >= this.maxConcurrent) {
      task.emit('concurrentLimitReached', task, ...call.args);
      return undefined;
    }
    const busy = this.notWhileRunning.find((other) => other.running > 0);
    if (busy) {
      task.emit('disabledDueToRunningTask', busy, task, ...call.args);
      return undefined;
    }
    return call;
  }

  /** Counted once the submission went through (a refused or failed submit is no call). */
  submitted(): void {
    this.#calls += 1;
  }

  render(): string {
    const parts: string[] = [];
    if (this.maxCalls !== Infinity) parts.push(`Calls ${this.#calls}/${this.maxCalls}`);
    if (this.maxConcurrent !== Infinity) parts.push(`Concurrent ${this.#task?.running ?? 0}/${this.maxConcurrent}`);
    if (this.notWhileRunning.length > 0) parts.push(`Not While ${this.notWhileRunning.map((t) => t.name).join(', ')}`);
    return parts.join(' · ');
  }

  snapshot(): Record<string, unknown> {
    return {
      calls: this.#calls,
      maxCalls: this.maxCalls === Infinity ? null : this.maxCalls,
      running: this.#task?.running ?? 0,
      maxConcurrent: this.maxConcurrent === Infinity ? null : this.maxConcurrent,
      notWhileRunning: this.notWhileRunning.map((t) => t.name),
    };
  }
}

function limit(name: string, value: unknown): number {
  if (value === undefined) return Infinity;
  if (!(Number.isInteger(value) && (value as number) >= 1)) throw new ValidationError(`Invalid Limiter option '${name}': expected an integer >= 1, got ${String(value)}`);
  return value as number;
}
