import type { Redis } from 'ioredis';
import type { RedisClass } from './load.js';
import { connectionError } from './secrets.js';

export interface ConnectionSettings {
  Redis: RedisClass;
  url: string;
  /** The url with its password masked, for messages. */
  shownUrl: string;
  /** User options for ioredis, applied to every connection. */
  options: Record<string, unknown>;
  secrets: readonly string[];
  connectTimeout: number;
}

/**
 * Opens one connection and waits until it is ready. A failure (server down, wrong password, ACL)
 * rejects with a CommunicatorConnectionError that shows no password, and the client is closed.
 *
 * Commands wait through an outage (`maxRetriesPerRequest: null`) instead of failing after some
 * reconnection attempts: a communicator is long-lived, and what a command does (acknowledge a task,
 * reply) must happen once Redis is back. Senders bound their own wait with a timeout.
 */
export async function openConnection(settings: ConnectionSettings, role: string): Promise<Redis> {
  const client = new settings.Redis(settings.url, {
    maxRetriesPerRequest: null,
    ...settings.options,
    lazyConnect: true,
  });
  // ioredis prints unhandled 'error' events; the communicator reports them itself (scrubbed). The
  // last one says why connecting failed: connect() itself only rejects with "Connection is closed".
  let lastError: unknown;
  client.on('error', (error: unknown) => { lastError = error; });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.connect(),
      new Promise((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`not ready after ${settings.connectTimeout} ms`)), settings.connectTimeout);
      }),
    ]);
  } catch (error) {
    client.disconnect();
    throw connectionError(`Cannot connect the ${role} connection to Redis at ${settings.shownUrl}`, lastError ?? error, settings.secrets);
  } finally {
    clearTimeout(timer);
  }
  return client;
}

/** Closes a client: politely (QUIT, after its queued commands) when it is up, at once otherwise. */
export async function closeConnection(client: Redis, graceMs: number): Promise<void> {
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.quit(),
      new Promise((resolve) => { timer = setTimeout(resolve, graceMs); }),
    ]);
  } catch {
    // already closing
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}
