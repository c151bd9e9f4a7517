/**
 * What a checkpoint says about its process (state, paused, status), read without rebuilding the
 * process: no class needs to be registered, so `taskfarm ps` and a controller can read any store.
 */
import type { ProcessBundle } from '../persistence/bundle.js';
import { CorruptCheckpointError } from '../persistence/errors.js';
import { decodeFields } from './process-state.js';
import { isTerminal, type ProcessState } from './states.js';

export interface CheckpointSummary {
  pid: string;
  /** Registered name of the process class. */
  processClass: string;
  state: ProcessState;
  paused: boolean;
  /** The status message (wait, pause or kill message, why a finish was unsuccessful), if any. */
  status?: string;
  /** FINISHED processes only: whether the finish was successful. */
  successful?: boolean;
  terminated: boolean;
  /** When the checkpoint was taken (ISO 8601). */
  savedAt: string;
}

/** The summary of a bundle; CorruptCheckpointError if its state is not a process state. */
export function summarizeCheckpoint(bundle: ProcessBundle): CheckpointSummary {
  const fields = decodeFields(bundle.state, (why, cause) => {
    throw new CorruptCheckpointError(`the checkpoint of process ${bundle.pid} is not a valid process state: ${why}`, { pid: bundle.pid, cause });
  });
  const summary: CheckpointSummary = {
    pid: bundle.pid,
    processClass: bundle.className,
    state: fields.state,
    paused: fields.paused,
    terminated: isTerminal(fields.state),
    savedAt: bundle.savedAt,
  };
  if (fields.status !== undefined) summary.status = fields.status;
  if (fields.state === 'FINISHED') summary.successful = fields.successful;
  return summary;
}
