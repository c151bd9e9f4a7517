// Helpers for tests that use Redis: unique key prefixes (so runs and tests never meet) and their cleanup.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** A prefix no other test run uses, e.g. `taskfarm-test-1a2b3c4d`. */
export function uniquePrefix(label = 'test'): string {
  return `taskfarm-${label}-${randomBytes(4).toString('hex')}`;
}

/** Deletes every key under `prefix:` (scanning, never KEYS, on a server that others share). */
export async function deleteKeys(url: string, prefix: string): Promise<number> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    let deleted = 0;
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) deleted += await client.del(...keys);
    } while (cursor !== '0');
    return deleted;
  } finally {
    client.disconnect();
  }
}

/** The keys under `prefix:` (for asserting what a communicator leaves behind). */
export async function keysUnder(url: string, prefix: string): Promise<string[]> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      found.push(...keys);
    } while (cursor !== '0');
    return found.sort();
  } finally {
    client.disconnect();
  }
}
