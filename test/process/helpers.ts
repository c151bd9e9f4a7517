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
