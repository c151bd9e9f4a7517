import { Job } from '../job.js';
import type { Slot } from './slot.js';

/** A job as the pool tracks it: a number for the wire, its definition, and the worker holding it. */
export class PoolJob<R = unknown> extends Job<R> {
  num = 0;
  defId = 0;
  slot: Slot | undefined;

  /** Runs alone on a worker: its timeout clock starts when it is sent, and transfers need their own message. */
  get exclusive(): boolean {
    return this.options.timeout !== undefined || this.options.transfer !== undefined;
  }
}
