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

// Remote control of processes: launcher, controller and their protocol
export { ProcessLauncher } from './launcher.js';
export type { ProcessLauncherOptions } from './launcher.js';
export { RemoteProcessController } from './controller.js';
export type { RemoteProcessControllerOptions, LaunchOptions, ContinueOptions, LaunchableClass } from './controller.js';
export {
  RemoteProcessError, UnknownProcessError, ProcessTerminatedError, ProcessNotRunningError, ProcessAlreadyRunningError,
  MissingPersisterError, InvalidControlMessageError,
} from './remote-errors.js';
export type { RemoteProcessErrorOptions } from './remote-errors.js';
export { STATUS_MSG, PAUSE_MSG, PLAY_MSG, KILL_MSG, DEFAULT_PROCESS_QUEUE } from './remote-protocol.js';
export type { ProcessStatus, StateChange, RunnerInfo, ControlRpc } from './remote-protocol.js';
