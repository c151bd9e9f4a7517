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

/**
 * A checkpoint could not be taken: the process's `save()` threw, returned something that is not a
 * bundle (or a bundle of another pid), or its state is not JSON. Nothing was stored, so the previous
 * checkpoint under that key is intact.
 */
export class CheckpointSaveError extends CheckpointError {
  override readonly code: string = 'ERR_CHECKPOINT_SAVE';
}

/** The persister was closed; it takes no more calls. */
export class PersisterClosedError extends CheckpointError {
  override readonly code: string = 'ERR_PERSISTER_CLOSED';
}

/**
 * The persister's storage cannot be opened or prepared: a file that is not a database, a server
 * that cannot be reached, a schema newer than this build, a missing optional driver.
 */
export class PersisterSetupError extends CheckpointError {
  override readonly code: string = 'ERR_PERSISTER_SETUP';
}

for (const cls of [
  CheckpointError, CheckpointNotFoundError, CorruptCheckpointError, UnknownProcessClassError,
  CheckpointSaveError, PersisterClosedError, PersisterSetupError,
]) registerErrorClass(cls);
