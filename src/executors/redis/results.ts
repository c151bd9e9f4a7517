import { deserializeError } from '../../core/error-codec.js';
import { now } from '../../core/ids.js';
import { deliverComm } from '../messages.js';
import type { StatsRecorder } from '../stats.js';
import type { JobSizer } from './batching.js';
import type { ControlPublisher } from './control.js';
import type { EngineViews } from './engines.js';
import type { InFlight, RedisJob } from './in-flight.js';
import type { DoneMessage, EngineMessage, StartMessage, TaskMessage } from './protocol.js';

/** What handling engine messages reads and updates, besides the tasks themselves. */
export interface ResultTargets {
  inFlight: InFlight;
  views: EngineViews;
  sizer: JobSizer;
  control: ControlPublisher;
  recorder: StatsRecorder;
  /** A failed attempt of a task on `engine`: the executor retries it or fails it. */
  failAttempt: (job: RedisJob, error: Error, engine: string) => void;
}

/**
 * Applies what engines write to a client's result stream to its tasks: starts, results, messages
 * and jobs BullMQ lost. A message about a task settled already (a rerun's, a cancelled task's) is
 * ignored, so that each task settles once.
 */
export class ResultHandler {
  readonly #t: ResultTargets;

  constructor(targets: ResultTargets) {
    this.#t = targets;
  }

  handle(message: EngineMessage): void {
    switch (message.t) {
      case 'start':
        this.#onStart(message);
        break;
      case 'done':
        this.#onDone(message);
        break;
      case 'msg':
        this.#onTaskMessage(message);
        break;
      case 'lost':
        for (const num of message.n) {
          const job = this.#t.inFlight.get(num);
          if (!job) continue;
          this.#t.inFlight.forget(job);
          this.#t.failAttempt(job, deserializeError(message.error), message.e);
        }
        break;
    }
  }

  #onStart(message: StartMessage): void {
    const unknown: number[] = [];
    for (const num of message.n) {
      const job = this.#t.inFlight.get(num);
      if (!job) {
        unknown.push(num);
        continue;
      }
      const sent = job.sent!;
      if (message.r < sent.run) continue; // an older start, read late
      if (job.started && job.workerId === message.e && message.r === sent.run) continue; // the same start, written twice
      sent.run = message.r;
      this.#t.inFlight.markStarted(job);
      job.start(message.e, this.#t.recorder, now());
    }
    // Settled here already (cancelled, or finished before a rerun): the engine need not run it.
    for (const num of unknown) this.#t.control.cancel(message.e, num);
  }

  #onDone(message: DoneMessage): void {
    const job = this.#t.inFlight.get(message.n);
    if (!job) return; // settled already: a rerun's result, or a cancelled task's
    if (!job.started) this.#onStart({ t: 'start', j: job.sent!.id, e: message.e, n: [message.n], r: job.sent!.run });
    this.#t.inFlight.forget(job);
    this.#t.sizer.observe(job.defKey, message.ms);
    job.workerId = message.e;
    const view = this.#t.views.get(message.e);
    if (message.ok) {
      if (view) view.done += 1;
      job.succeed(message.v, this.#t.recorder);
    } else {
      if (view) view.failed += 1;
      this.#t.failAttempt(job, deserializeError(message.v as never), message.e);
    }
  }

  #onTaskMessage(message: TaskMessage): void {
    const job = this.#t.inFlight.get(message.n);
    deliverComm(job?.options.messages, message.id !== undefined, message.p, (ok, value) => this.#t.control.reply(message.e, message.id!, ok, value));
  }
}
