// Redis helpers for the Redis executor tests: a key prefix per test file (runs never meet), the
// engines' task modules, and cleanup of every key a test file made.
import { randomBytes } from 'node:crypto';
import { deleteKeys as deleteAll, keysUnder as keysOf } from '../../support/redis-keys.js';
import { REDIS_URL } from '../../support/services.js';

export { REDIS_URL };

/** A prefix no other run uses, e.g. `tf-redis-1a2b3c4d`. */
export function uniquePrefix(label: string): string {
  return `tf-${label}-${randomBytes(4).toString('hex')}`;
}

let queues = 0;
/** A queue name of its own for each executor a test makes. */
export function uniqueQueue(): string {
  queues += 1;
  return `q${queues}`;
}

/** Task modules the test engines run. */
export const TASK_MODULES = [
  new URL('../../fixtures/tasks.ts', import.meta.url).href,
  new URL('../../fixtures/tasks.mjs', import.meta.url).href,
  new URL('./tasks.ts', import.meta.url).href,
];

/** Every key under `prefix:`. */
export function keysUnder(prefix: string, url = REDIS_URL): Promise<string[]> {
  return keysOf(url, prefix);
}

/** Deletes every key under `prefix:`. */
export async function deleteKeys(prefix: string, url = REDIS_URL): Promise<void> {
  await deleteAll(url, prefix);
}
