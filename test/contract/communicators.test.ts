// Runs the one communicator conformance suite against every implementation.
import { LocalBus } from '../../src/comms/local/bus.js';
import { LocalCommunicator } from '../../src/comms/local/communicator.js';
import { communicatorContract } from './communicator-contract.js';

communicatorContract('LocalCommunicator', async () => {
  const bus = new LocalBus();
  return { make: async (options) => new LocalCommunicator({ ...options, bus }) };
});
