/**
 * Checkpoint keys: which pids and tags are valid, how "untagged" is stored, and the one order in
 * which every persister lists keys. Shared so all backends accept and return exactly the same keys.
 */
import { ValidationError } from '../core/errors.js';
import type { CheckpointKey } from './types.js';

/**
 * Stored tag of the untagged (latest) checkpoint. Real tags are non-empty, so the empty string can
 * never collide with one, and it keeps `tag` NOT NULL, which a primary key over (pid, tag) needs
 * (SQL treats NULLs as distinct, so a nullable tag would allow several "latest" rows).
 */
export const UNTAGGED = '';

/**
 * Longest pid or tag, in UTF-16 code units. Bounded so that a (pid, tag) key always fits a
 * PostgreSQL b-tree entry (about 2.7 kB): 2 × 255 characters × at most 4 UTF-8 bytes.
 */
export const MAX_KEY_LENGTH = 255;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return typeof value;
}

function checkKeyString(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') throw new ValidationError(`${name} must be a non-empty string, got ${describe(value)}`);
  if (value.length > MAX_KEY_LENGTH) throw new ValidationError(`${name} must be at most ${MAX_KEY_LENGTH} characters, got ${value.length}`);
  // PostgreSQL text cannot hold NUL, and a lone surrogate has no UTF-8 form (it would come back as
  // U+FFFD, a different key): rejected everywhere so every backend takes the same keys.
  if (value.includes('\0')) throw new ValidationError(`${name} must not contain NUL characters`);
  if (/\p{Cs}/u.test(value)) throw new ValidationError(`${name} must be well-formed Unicode (it has a lone surrogate)`);
  return value;
}

/** Validates a pid argument; `name` is what the error calls it. */
export function checkPid(pid: unknown, name = 'pid'): string {
  return checkKeyString(pid, name);
}

/** Validates an optional tag argument and returns its stored form. */
export function storedTag(tag: unknown, name = 'tag'): string {
  if (tag === undefined) return UNTAGGED;
  if (typeof tag !== 'string') throw new ValidationError(`${name} must be a string or undefined (untagged), got ${describe(tag)}`);
  return checkKeyString(tag, name);
}

/** The public key of a stored row (no `tag` property for the untagged checkpoint). */
export function keyOf(pid: string, stored: string): CheckpointKey {
  return stored === UNTAGGED ? { pid } : { pid, tag: stored };
}

/** The tag to report for a stored tag. */
export function tagOf(stored: string): string | undefined {
  return stored === UNTAGGED ? undefined : stored;
}

/** Human-readable name of a checkpoint for messages. */
export function describeKey(pid: string, stored: string): string {
  return stored === UNTAGGED ? `the untagged checkpoint of process ${JSON.stringify(pid)}` : `checkpoint ${JSON.stringify(stored)} of process ${JSON.stringify(pid)}`;
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Sorts keys by pid, then untagged first, then tag, comparing UTF-16 code units. Sorted here rather
 * than in SQL because database collations differ from each other and from JavaScript.
 */
export function sortKeys(keys: CheckpointKey[]): CheckpointKey[] {
  return keys.sort((a, b) => compare(a.pid, b.pid) || compare(a.tag ?? UNTAGGED, b.tag ?? UNTAGGED));
}
