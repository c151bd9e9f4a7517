import { TaskfarmError, registerErrorClass } from '../core/errors.js';

/** Base of the checkpoint errors; `pid` and `tag` say which checkpoint, when one is concerned. */
export class CheckpointError extends TaskfarmError {
  override readonly code: string = 'ERR_CHECKPOINT';
  declare pid?: string;
  declare tag?: string;

  constructor(message: string, options?: { cause?: unknown; pid?: string; tag?: string }) {
    super(message, options);
    if (options?.pid !== undefined) this.pid = options.pid;
    if (options?.tag !== undefined) this.tag = options.tag;
  }
}

/** No checkpoint is stored for that pid (and tag). */
export class CheckpointNotFoundError extends CheckpointError {
  override readonly code: string = 'ERR_CHECKPOINT_NOT_FOUND';
}

/** A stored checkpoint is not a valid bundle (bad JSON, wrong shape, unsupported format version). */
export class CorruptCheckpointError extends CheckpointError {
  override readonly code: string = 'ERR_CHECKPOINT_CORRUPT';
}

/** A bundle names a process class that is not registered in this program. */
export class UnknownProcessClassError extends CheckpointError {
  override readonly code: string = 'ERR_UNKNOWN_PROCESS_CLASS';
}

for (const cls of [CheckpointError, CheckpointNotFoundError, CorruptCheckpointError, UnknownProcessClassError]) registerErrorClass(cls);
