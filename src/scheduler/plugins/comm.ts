import { toError } from '../../core/error-codec.js';
import { ValidationError } from '../../core/errors.js';
import type { Future } from '../../core/future.js';
import type { TaskMessages } from '../../executors/types.js';
import type { Call, Plugin } from '../plugin.js';
import type { Task } from '../task.js';

/** A request a running task made; answer it with `respond` (or `fail`) from a `commRequest` callback. */
export interface CommRequest {
  readonly message: unknown;
  /** The future of the task run that asked. */
  readonly future: Future<unknown> | undefined;
  /** True once answered. */
  readonly answered: boolean;
  respond(value: unknown): void;
  fail(error: Error): void;
}

/**
 * Two-way messages between a running task and the host (AMLTK's Comm plugin). In the task:
 * `this.send(message)` and `await this.request(message, { timeout })` (or on `taskContext()`).
 * On the host, task events: `commOpen(future)`, `commMessage(message, future)`,
 * `commRequest(request)` — answer with `request.respond(value)` — and `commClose(future)`.
 * Events arrive through the scheduler's queue, in order with its other events.
 */
export class Comm implements Plugin {
  readonly name = 'Comm';
  readonly events = ['commOpen', 'commMessage', 'commRequest', 'commClose'] as const;
  #task: Task<never, unknown> | undefined;
  readonly #futures = new WeakMap<TaskMessages, { future?: Future<unknown> }>();
  #open = 0;
  #messages = 0;
  #requests = 0;

  attach(task: Task<never, unknown>): void {
    if (this.#task) throw new ValidationError('A Comm plugin belongs to one task; make one per task');
    this.#task = task;
    // Queued, so that the close follows every other event of the same future.
    const close = (future: Future<unknown>): void => task._post(() => {
      this.#open -= 1;
      task.emit('commClose', future);
    });
    task.onDone(close, { hidden: true });
    task.onCancelled(close, { hidden: true });
  }

  preSubmit(call: Call): Call {
    const task = this.#task!;
    const holder: { future?: Future<unknown> } = {};
    const messages: TaskMessages = {
      message: (message) => task._post(() => {
        this.#messages += 1;
        task.emit('commMessage', message, holder.future);
      }),
      request: (message) => new Promise((resolve, reject) => task._post(() => {
        this.#requests += 1;
        let answered = false;
        const answer = (settle: () => void): void => {
          if (answered) throw new ValidationError('This request was already answered');
          answered = true;
          settle();
        };
        const request: CommRequest = {
          message,
          future: holder.future,
          get answered() {
            return answered;
          },
          respond: (value) => answer(() => resolve(value)),
          fail: (error) => answer(() => reject(error)),
        };
        const report = task.emit('commRequest', request);
        // A request nobody will answer must fail in the task now, not hang it.
        if (!answered && report.errors.length > 0) request.fail(toError(report.errors[0]));
        else if (!answered && report.called === 0) request.fail(new Error(`Task ${task.name} has no commRequest callback that takes the request`));
      })),
    };
    this.#futures.set(messages, holder);
    return { ...call, options: { ...call.options, messages } };
  }

  submitted(future: Future<unknown>, call: Call): void {
    const holder = call.options?.messages && this.#futures.get(call.options.messages);
    if (holder) holder.future = future;
    this.#open += 1;
    this.#task!.emit('commOpen', future);
  }

  render(): string {
    return `open ${this.#open} · messages ${this.#messages} · requests ${this.#requests}`;
  }

  snapshot(): Record<string, unknown> {
    return { open: this.#open, messages: this.#messages, requests: this.#requests };
  }
}

