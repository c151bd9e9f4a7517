import { randomBytes } from 'node:crypto';

/**
 * Ids are unique across processes and machines (a random prefix per process) yet cheap to make
 * (a counter), because a farm can create a million of them in a second.
 */
const prefix = randomBytes(4).toString('hex');
let counter = 0;

/** A new id such as `task-1a2b3c4d-1f`. */
export function newId(kind: string): string {
  return formatId(kind, nextSeq());
}

/** The next number of the process-wide sequence that ids are made from. */
export function nextSeq(): number {
  counter += 1;
  return counter;
}

/** The id for a number of the sequence; futures format theirs only when someone reads it. */
export function formatId(kind: string, seq: number): string {
  return `${kind}-${prefix}-${seq.toString(36)}`;
}

/** Milliseconds since the epoch with sub-millisecond precision. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}
