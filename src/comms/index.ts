// Communicators: what users write against. src/index.ts re-exports these names.
export { LocalCommunicator } from './local/communicator.js';
export type { LocalCommunicatorOptions } from './local/communicator.js';
export { LocalBus } from './local/bus.js';
export { RedisCommunicator } from './redis/communicator.js';
export type { RedisCommunicatorOptions } from './redis/communicator.js';
export {
  CommunicatorError, CommunicatorClosedError, CommunicatorTimeoutError, UnknownRecipientError, DuplicateSubscriberError,
  MessageEncodingError, TaskUndeliverableError, CommunicatorConnectionError, MissingDependencyError,
} from './errors.js';
export type { MessageKind } from './errors.js';
export type {
  Communicator, CommunicatorOptions, TaskSubscriber, TaskSubscriberOptions, TaskSendOptions, TaskInfo, RpcSubscriber,
  RpcSendOptions, RpcInfo, BroadcastSubscriber, BroadcastFilter, BroadcastMessage, BroadcastSendOptions,
} from './types.js';
