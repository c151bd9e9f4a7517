/**
 * Checkpoints in this program's memory: for tests, and for workflows that need checkpoints only to
 * pause and resume within one run. Bundles are kept as JSON text, so a stored checkpoint is a
 * snapshot exactly as it would be in a database.
 */
import { BasePersister, type RowKey } from './base.js';

export class MemoryPersister extends BasePersister {
  /** pid → stored tag → bundle JSON. */
  readonly #rows = new Map<string, Map<string, string>>();

  protected writeRow(pid: string, tag: string, json: string): void {
    let tags = this.#rows.get(pid);
    if (!tags) this.#rows.set(pid, (tags = new Map()));
    tags.set(tag, json);
  }

  protected readRow(pid: string, tag: string): string | undefined {
    return this.#rows.get(pid)?.get(tag);
  }

  protected listRows(pid?: string): RowKey[] {
    const processes = pid === undefined ? [...this.#rows] : [[pid, this.#rows.get(pid)] as const];
    return processes.flatMap(([p, tags]) => [...(tags?.keys() ?? [])].map((tag) => ({ pid: p, tag })));
  }

  protected deleteRows(pid: string, tag?: string): void {
    if (tag === undefined) { this.#rows.delete(pid); return; }
    const tags = this.#rows.get(pid);
    tags?.delete(tag);
    if (tags?.size === 0) this.#rows.delete(pid);
  }

  protected closeStorage(): void {
    this.#rows.clear();
  }
}
