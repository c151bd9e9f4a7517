/**
 * The persister a launcher gives its processes: the real one, behind a gate it can shut. A launcher
 * that hands its processes back shuts the gate first, so that once another program continues them
 * from their checkpoints, nothing left running here can overwrite one.
 */
import type { Savable } from '../persistence/bundle.js';
import type { Checkpoint, CheckpointKey, Persister } from '../persistence/types.js';

export class GatedPersister implements Persister {
  readonly #inner: Persister;
  readonly #saves = new Set<Promise<void>>();
  #shut = false;

  constructor(inner: Persister) {
    this.#inner = inner;
  }

  /** Whether the gate is shut. */
  get shut(): boolean {
    return this.#shut;
  }

  /** The persister behind the gate. */
  get inner(): Persister {
    return this.#inner;
  }

  saveCheckpoint(process: Savable, tag?: string): Promise<void> {
    // Dropped, not failed: a failed save would except the process, and the process is no longer ours.
    if (this.#shut) return Promise.resolve();
    const saving = this.#inner.saveCheckpoint(process, tag);
    this.#saves.add(saving);
    const forget = (): void => { this.#saves.delete(saving); };
    saving.then(forget, forget);
    return saving;
  }

  /** Shuts the gate, then resolves once every save that went through is written (or failed). */
  async shutGate(): Promise<void> {
    this.#shut = true;
    await Promise.allSettled([...this.#saves]);
  }

  loadCheckpoint(pid: string, tag?: string): Promise<Checkpoint> {
    return this.#inner.loadCheckpoint(pid, tag);
  }

  getCheckpoints(): Promise<CheckpointKey[]> {
    return this.#inner.getCheckpoints();
  }

  getProcessCheckpoints(pid: string): Promise<CheckpointKey[]> {
    return this.#inner.getProcessCheckpoints(pid);
  }

  deleteCheckpoint(pid: string, tag?: string): Promise<void> {
    if (this.#shut) return Promise.resolve();
    return this.#inner.deleteCheckpoint(pid, tag);
  }

  deleteProcessCheckpoints(pid: string): Promise<void> {
    if (this.#shut) return Promise.resolve();
    return this.#inner.deleteProcessCheckpoints(pid);
  }

  /** Shuts the gate; the persister behind it belongs to whoever made it, and stays open. */
  close(): Promise<void> {
    return this.shutGate();
  }
}
