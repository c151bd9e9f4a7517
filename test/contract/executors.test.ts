// Runs the one executor conformance suite against every backend.
import { after, describe } from 'node:test';
import { AsyncExecutor, InlineExecutor, ProcessExecutor, ThreadExecutor } from '../../src/index.js';
import { RedisExecutor } from '../../src/executors/redis/index.js';
import { deleteKeys, TASK_MODULES, uniquePrefix, uniqueQueue } from '../executors/redis-fixtures/redis.js';
import { REDIS_URL, serviceSkip } from '../support/services.js';
import { executorContract } from './executor-contract.js';

executorContract('InlineExecutor', () => new InlineExecutor(), {
  crossesBoundary: false,
  canKill: false,
  runsInSubmit: true,
  multiWorker: false,
  // no makeSerial: every task starts inside submit, nothing ever waits in a queue
});

executorContract('AsyncExecutor', () => new AsyncExecutor(), {
  crossesBoundary: false,
  canKill: false,
  runsInSubmit: false,
  multiWorker: false,
  makeSerial: () => new AsyncExecutor({ concurrency: 1 }),
});

executorContract('ThreadExecutor', () => new ThreadExecutor({ workers: 2 }), {
  crossesBoundary: true,
  canKill: true,
  runsInSubmit: false,
  multiWorker: true,
  makeSerial: () => new ThreadExecutor({ workers: 1 }),
});

executorContract('ProcessExecutor', () => new ProcessExecutor({ workers: 2 }), {
  crossesBoundary: true,
  canKill: true,
  runsInSubmit: false,
  multiWorker: true,
  makeSerial: () => new ProcessExecutor({ workers: 1 }),
});

// Each Redis executor gets a queue and engines (in this process) of its own, so that properties and
// counts one test sets never reach another. Engines run one task at a time, like one worker each.
const redisSkip = await serviceSkip('Redis');
if (redisSkip) {
  describe('executor contract: RedisExecutor', { skip: redisSkip }, () => undefined);
} else {
  const prefix = uniquePrefix('contract');
  const redis = (engines: number, backend: 'threads' | 'async' = 'threads') => (): RedisExecutor => new RedisExecutor({
    connection: REDIS_URL, prefix, queue: uniqueQueue(), registryInterval: 200,
    localEngines: { count: engines, workers: 1, backend, allowSource: true, allowModules: TASK_MODULES, heartbeatInterval: 250, heartbeatTtl: 2000 },
  });
  executorContract('RedisExecutor', redis(2), {
    crossesBoundary: true,
    canKill: true, // an engine's pool terminates a thread that will not stop
    runsInSubmit: false,
    multiWorker: true,
    makeSerial: redis(1),
  });
  executorContract('RedisExecutor on async engines', redis(2, 'async'), {
    crossesBoundary: true,
    canKill: false, // tasks run on the engine's event loop: synchronous code cannot be stopped
    runsInSubmit: false,
    multiWorker: true,
    makeSerial: redis(1, 'async'),
  });
  after(() => deleteKeys(prefix));
}
