// Redis helpers for the Redis executor tests: a key prefix per test file (runs never meet), the
// engines' task modules, and cleanup of every key a test file made.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
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

/** Every key under `prefix:` (scanning, never KEYS, on a server that others share). */
export async function keysUnder(prefix: string, url = REDIS_URL): Promise<string[]> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      found.push(...keys);
    } while (cursor !== '0');
    return found.sort();
  } finally {
    client.disconnect();
  }
}

export async function deleteKeys(prefix: string, url = REDIS_URL): Promise<void> {
  const keys = await keysUnder(prefix, url);
  if (keys.length === 0) return;
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    for (let i = 0; i < keys.length; i += 500) await client.del(...keys.slice(i, i + 500));
  } finally {
    client.disconnect();
  }
}
