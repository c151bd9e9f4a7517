import type { WorkerInfo } from '../types.js';
import type { EngineRecord } from './protocol.js';

/** A client's view of one engine: its registry record plus what this client knows first-hand. */
export class EngineView {
  record: EngineRecord;
  /** This client's tasks that succeeded and failed there. */
  done = 0;
  failed = 0;
  /** This client's tasks placed on its own queue and not finished. */
  placed = 0;
  /** Set when this client changed its properties: registry reads older than that keep them. */
  propertiesEpoch = 0;

  constructor(record: EngineRecord) {
    this.record = record;
  }

  get id(): string {
    return this.record.id;
  }

  /** What placement weighs: the engine's own load (all clients) plus what this client placed since. */
  get load(): number {
    return (this.record.inFlight + this.placed) / Math.max(1, this.record.workers);
  }

  info(): WorkerInfo {
    return {
      id: this.record.id,
      properties: this.record.properties,
      inFlight: this.record.inFlight,
      busy: this.record.inFlight > 0,
      done: this.done,
      failed: this.failed,
      runtime: 'redis',
      systemId: this.record.pid,
    };
  }
}

/** The engines a client knows, updated from registry reads. */
export class EngineViews {
  readonly #views = new Map<string, EngineView>();
  /** Engines this client started: listed before their first heartbeat, and until they stop. */
  readonly #local = new Set<string>();
  #epoch = 0;

  /** Registers an engine started in this process, before its first heartbeat. */
  addLocal(record: EngineRecord): void {
    this.#local.add(record.id);
    this.#views.set(record.id, new EngineView(record));
  }

  removeLocal(id: string): void {
    this.#local.delete(id);
  }

  get(id: string): EngineView | undefined {
    return this.#views.get(id);
  }

  all(): EngineView[] {
    return [...this.#views.values()];
  }

  ids(): string[] {
    return [...this.#views.keys()];
  }

  /** Tasks the known engines run at once. */
  capacity(): number {
    let total = 0;
    for (const view of this.#views.values()) total += view.record.workers;
    return total;
  }

  /** Marks the start of a registry read; pass the result to `apply`. */
  beginRead(): number {
    return this.#epoch;
  }

  setProperties(id: string, properties: Record<string, unknown>): void {
    const view = this.#views.get(id)!;
    view.record = { ...view.record, properties: { ...properties } };
    view.propertiesEpoch = ++this.#epoch;
  }

  /**
   * Applies a registry read begun at `readEpoch`. Returns the engines that are gone and whether
   * anything placement looks at changed (an engine came, or properties changed).
   */
  apply(records: Map<string, EngineRecord>, readEpoch: number): { gone: string[]; changed: boolean } {
    const gone: string[] = [];
    let changed = false;
    for (const id of this.#views.keys()) {
      if (records.has(id) || this.#local.has(id)) continue;
      this.#views.delete(id);
      gone.push(id);
    }
    for (const [id, record] of records) {
      const view = this.#views.get(id);
      if (!view) {
        this.#views.set(id, new EngineView(record));
        changed = true;
        continue;
      }
      const keep = view.propertiesEpoch > readEpoch ? view.record.properties : undefined;
      if (!keep && JSON.stringify(view.record.properties) !== JSON.stringify(record.properties)) changed = true;
      view.record = keep ? { ...record, properties: keep } : record;
    }
    return { gone, changed };
  }
}
