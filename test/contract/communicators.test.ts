// Runs the one communicator conformance suite against every implementation.
import { LocalBus } from '../../src/comms/local/bus.js';
import { LocalCommunicator } from '../../src/comms/local/communicator.js';
import { RedisCommunicator } from '../../src/comms/redis/communicator.js';
import { deleteKeys, uniquePrefix } from '../support/redis-keys.js';
import { REDIS_URL, serviceSkip } from '../support/services.js';
import { communicatorContract } from './communicator-contract.js';

communicatorContract('LocalCommunicator', async () => {
  const bus = new LocalBus();
  return { make: async (options) => new LocalCommunicator({ ...options, bus }) };
});

// Each test gets its own prefix on the shared server (its "bus"), deleted afterwards.
communicatorContract('RedisCommunicator', async () => {
  const prefix = uniquePrefix('contract');
  return {
    make: (options) => RedisCommunicator.connect({ ...options, url: REDIS_URL, prefix }),
    dispose: async () => { await deleteKeys(REDIS_URL, prefix); },
  };
}, { skip: () => serviceSkip('Redis') });
