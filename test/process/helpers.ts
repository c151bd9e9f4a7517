import type { ProcessBundle, Savable } from '../../src/persistence/bundle.js';
import { MemoryPersister } from '../../src/persistence/memory.js';
import type { Checkpoint, CheckpointKey, Persister } from '../../src/persistence/types.js';
import type { AnyProcess } from '../../src/process/index.js';
import { PROCESS_EVENTS } from '../../src/process/events.js';

/** A log function that keeps the lines. */
export function collector(): { log: (line: string) => void; lines: string[] } {
  const lines: string[] = [];
  return { log: (line) => lines.push(line), lines };
}

/** Records every event of a process as `event` or `event:STATE`. */
export function recordEvents(process: AnyProcess): string[] {
  const seen: string[] = [];
  for (const event of PROCESS_EVENTS) process.on(event, () => { seen.push(`${event}:${process.state}`); });
  return seen;
}

export function tick(ms = 0): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves once `predicate` holds (polling), or rejects after `timeout` ms. */
export async function until(predicate: () => boolean, timeout = 5_000): Promise<void> {
  const end = Date.now() + timeout;
  while (!predicate()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await tick(1);
  }
}

/**
 * A MemoryPersister that records every bundle saved, and can "crash": after crash() it stores
 * nothing more, as if the program had died; revive() lets a new "program" use the same store.
 */
export class CrashablePersister implements Persister {
  readonly saved: { bundle: ProcessBundle; tag: string | undefined }[] = [];
  crashed = false;
  /** Crash by itself once this many checkpoints were saved. */
  crashAfter = Infinity;

  constructor(readonly inner: MemoryPersister = new MemoryPersister()) {}

  crash(): void {
    this.crashed = true;
  }

  revive(): void {
    this.crashed = false;
    this.crashAfter = Infinity;
  }

  /** The untagged bundles saved for `pid`, in order. */
  history(pid: string): ProcessBundle[] {
    return this.saved.filter((s) => s.bundle.pid === pid && s.tag === undefined).map((s) => s.bundle);
  }

  saveCheckpoint(process: Savable, tag?: string): Promise<void> {
    if (this.crashed) return Promise.resolve();
    const bundle = process.save();
    this.saved.push({ bundle, tag });
    if (this.saved.length >= this.crashAfter) this.crashed = true;
    return this.inner.saveCheckpoint({ pid: process.pid, save: () => bundle }, tag);
  }

  loadCheckpoint(pid: string, tag?: string): Promise<Checkpoint> {
    return this.inner.loadCheckpoint(pid, tag);
  }

  getCheckpoints(): Promise<CheckpointKey[]> {
    return this.inner.getCheckpoints();
  }

  getProcessCheckpoints(pid: string): Promise<CheckpointKey[]> {
    return this.inner.getProcessCheckpoints(pid);
  }

  deleteCheckpoint(pid: string, tag?: string): Promise<void> {
    return this.inner.deleteCheckpoint(pid, tag);
  }

  deleteProcessCheckpoints(pid: string): Promise<void> {
    return this.inner.deleteProcessCheckpoints(pid);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
