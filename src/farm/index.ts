// The farm face, also importable on its own as `taskfarm/farm` (where the task class is also `Task`, as in mplite).
export { FarmTask, FarmTask as Task } from './task.js';
export type { AnyFarmTask, Dependency, DependencySpec, FarmTaskOf, FarmTaskOptions } from './task.js';
export { TaskManager } from './task-manager.js';
export type { TaskManagerOptions } from './task-manager.js';
export { TaskClient } from './task-client.js';
export type { QueueStatus, TaskClientOptions } from './task-client.js';
export type { FarmFailure, FarmResult, FarmSuccess } from './result.js';
export {
  ImpossibleDependencyError, RecoveryLoopError, TaskAlreadyFinishedError, UnknownTaskIdError, WaitTimeoutError,
} from './errors.js';
