/**
 * The Persister semantics, written once: argument checks, snapshots, not-found and corrupt errors,
 * sorted listings, close. A backend only stores rows of (pid, stored tag, JSON text).
 */
import type { Savable } from './bundle.js';
import { CheckpointNotFoundError, PersisterClosedError } from './errors.js';
import { checkPid, describeKey, keyOf, sortKeys, storedTag, tagOf } from './keys.js';
import { readCheckpoint, takeSnapshot } from './snapshot.js';
import type { Checkpoint, CheckpointKey, Persister } from './types.js';

/** A stored row's key; `tag` is in stored form (UNTAGGED for the latest checkpoint). */
export interface RowKey {
  pid: string;
  tag: string;
}

type Awaitable<T> = T | Promise<T>;

export abstract class BasePersister implements Persister {
  #closing: Promise<void> | undefined;
  readonly #inFlight = new Set<Promise<unknown>>();

  /** Inserts or replaces one row, atomically. */
  protected abstract writeRow(pid: string, tag: string, json: string): Awaitable<void>;
  /** The stored text of one row, or undefined. */
  protected abstract readRow(pid: string, tag: string): Awaitable<string | undefined>;
  /** Keys of all rows, or of one process's rows. */
  protected abstract listRows(pid?: string): Awaitable<RowKey[]>;
  /** Deletes one row (`tag` given) or all rows of a process (`tag` undefined). */
  protected abstract deleteRows(pid: string, tag?: string): Awaitable<void>;
  /** Releases the storage; called once, after every call made before close() has settled. */
  protected abstract closeStorage(): Awaitable<void>;

  /** Name used in messages, e.g. "SqlitePersister". */
  protected get kind(): string {
    return this.constructor.name;
  }

  /** Whether close() was called. */
  get closed(): boolean {
    return this.#closing !== undefined;
  }

  async saveCheckpoint(process: Savable, tag?: string): Promise<void> {
    // Everything up to the first await runs inside the call, so the snapshot is of the process as it
    // is now, even when the caller does not await the save.
    this.assertOpen('saveCheckpoint');
    const { pid, tag: stored, json } = takeSnapshot(process, tag);
    await this.track(this.writeRow(pid, stored, json));
  }

  async loadCheckpoint(pid: string, tag?: string): Promise<Checkpoint> {
    this.assertOpen('loadCheckpoint');
    checkPid(pid);
    const stored = storedTag(tag);
    const json = await this.track(this.readRow(pid, stored));
    if (json === undefined) {
      throw new CheckpointNotFoundError(`no checkpoint found: ${describeKey(pid, stored)} does not exist`, { pid, tag: tagOf(stored) });
    }
    return readCheckpoint(json, pid, stored);
  }

  async getCheckpoints(): Promise<CheckpointKey[]> {
    this.assertOpen('getCheckpoints');
    const rows = await this.track(this.listRows());
    return sortKeys(rows.map((row) => keyOf(row.pid, row.tag)));
  }

  async getProcessCheckpoints(pid: string): Promise<CheckpointKey[]> {
    this.assertOpen('getProcessCheckpoints');
    checkPid(pid);
    const rows = await this.track(this.listRows(pid));
    return sortKeys(rows.map((row) => keyOf(row.pid, row.tag)));
  }

  async deleteCheckpoint(pid: string, tag?: string): Promise<void> {
    this.assertOpen('deleteCheckpoint');
    checkPid(pid);
    await this.track(this.deleteRows(pid, storedTag(tag)));
  }

  async deleteProcessCheckpoints(pid: string): Promise<void> {
    this.assertOpen('deleteProcessCheckpoints');
    checkPid(pid);
    await this.track(this.deleteRows(pid));
  }

  /** Waits for calls already made, then releases the storage. Calling it again is harmless. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.allSettled([...this.#inFlight]);
      await this.closeStorage();
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** For subclass methods beyond the Persister contract (e.g. ready()), so they refuse after close too. */
  protected assertOpen(method: string): void {
    if (this.#closing) throw new PersisterClosedError(`${this.kind}.${method}(): the persister is closed`);
  }

  /** Registers a pending storage call, so close() waits for it before releasing the storage. */
  protected track<T>(result: Awaitable<T>): Awaitable<T> {
    if (!(result instanceof Promise)) return result;
    this.#inFlight.add(result);
    const forget = () => { this.#inFlight.delete(result); };
    result.then(forget, forget);
    return result;
  }
}
