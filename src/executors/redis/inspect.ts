import { closeClient, loadLibraries, RedisEndpoint, type RedisConnection } from './connection.js';
import { Keys } from './keys.js';
import type { EngineRecord } from './protocol.js';
import { readEngines } from './registry.js';

/** BullMQ job counts of a queue. A job holds one task or a batch of tiny ones. */
export interface JobCounts {
  /** Waiting for an engine (prioritized jobs included). */
  waiting: number;
  active: number;
  delayed: number;
  /** Jobs BullMQ failed (stalled too often): task errors are results, not failed jobs. */
  failed: number;
}

/** What `taskfarm status` shows. */
export interface FarmStatus {
  /** The Redis URL, password masked. */
  redis: string;
  queue: string;
  /** The shared queue plus every engine's own queue. */
  jobs: JobCounts;
  engines: Array<EngineRecord & { jobs: JobCounts }>;
}

/** Reads the queue counts and the live engines of a farm, then disconnects. */
export async function inspectFarm(connection: RedisConnection, options: { queue?: string; prefix?: string } = {}): Promise<FarmStatus> {
  const endpoint = RedisEndpoint.from(connection, 'taskfarm status');
  const keys = new Keys(options.prefix ?? 'taskfarm', options.queue ?? 'taskfarm');
  const libs = await loadLibraries();
  const client = endpoint.client(libs, 'taskfarm:status');
  await endpoint.connect(client, 'status');
  try {
    const engines = await readEngines(client, keys);
    const countsOf = async (name: string): Promise<JobCounts> => {
      const queue = new libs.Queue(name, { connection: client, prefix: keys.prefix });
      queue.on('error', () => undefined); // the calls below reject with it
      try {
        const counts = await queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed');
        return { waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0), active: counts.active ?? 0, delayed: counts.delayed ?? 0, failed: counts.failed ?? 0 };
      } finally {
        await queue.close();
      }
    };
    const shared = await countsOf(keys.queue);
    const listed = await Promise.all([...engines.values()].map(async (record) => ({ ...record, jobs: await countsOf(keys.engineQueue(record.id)) })));
    const jobs = { ...shared };
    for (const engine of listed) {
      for (const field of ['waiting', 'active', 'delayed', 'failed'] as const) jobs[field] += engine.jobs[field];
    }
    return { redis: endpoint.shown, queue: keys.queue, jobs, engines: listed.sort((a, b) => a.id.localeCompare(b.id)) };
  } catch (error) {
    throw endpoint.error('Cannot read the farm', error);
  } finally {
    await closeClient(client);
  }
}
