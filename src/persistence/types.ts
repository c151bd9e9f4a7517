import { type ProcessBundle, type Savable, type UnbundleOptions, unbundle } from './bundle.js';

/** Where a checkpoint is: its process and optional tag (untagged = the process's latest checkpoint). */
export interface CheckpointKey {
  pid: string;
  tag?: string;
}

/** A stored checkpoint; `unbundle()` rebuilds the live process it was taken of. */
export class Checkpoint implements CheckpointKey {
  readonly pid: string;
  // `declare`: no own property at all when untagged (a class field would add `tag: undefined`).
  declare readonly tag?: string;

  constructor(readonly bundle: ProcessBundle, tag?: string) {
    this.pid = bundle.pid;
    if (tag !== undefined) this.tag = tag;
  }

  unbundle<T = unknown>(options?: UnbundleOptions): Promise<T> {
    return unbundle<T>(this.bundle, options);
  }
}

/**
 * Stores process checkpoints. One untagged checkpoint per process (overwritten by each save) and any
 * number of tagged ones. Every implementation passes test/contract/persister-contract.ts.
 */
export interface Persister {
  /** Saves `process.save()` under its pid and `tag`, replacing a checkpoint with the same key. */
  saveCheckpoint(process: Savable, tag?: string): Promise<void>;
  /** The checkpoint for `pid` and `tag`; CheckpointNotFoundError if none, CorruptCheckpointError if unreadable. */
  loadCheckpoint(pid: string, tag?: string): Promise<Checkpoint>;
  /** Keys of every stored checkpoint. */
  getCheckpoints(): Promise<CheckpointKey[]>;
  /** Keys of the checkpoints of one process. */
  getProcessCheckpoints(pid: string): Promise<CheckpointKey[]>;
  /** Deletes one checkpoint; deleting one that does not exist is not an error. */
  deleteCheckpoint(pid: string, tag?: string): Promise<void>;
  /** Deletes every checkpoint of a process. */
  deleteProcessCheckpoints(pid: string): Promise<void>;
  /** Releases the connection or file. */
  close(): Promise<void>;
}
