// Curated public API: what users write against. Internals stay internal.
export {
  TaskfarmError, TaskError, WorkerCrashedError, TaskTimeoutError, CancelledError, TaskDefinitionError,
  ValidationError, ExecutorClosedError, WorkerStartError, PlacementError, QueueTimeoutError, registerErrorClass,
} from './core/errors.js';
export type { TaskfarmErrorOptions } from './core/errors.js';
export { serializeError, deserializeError } from './core/error-codec.js';
export type { SerializedError } from './core/error-codec.js';
export { Future } from './core/future.js';
export type { FutureState, TaskResult, TaskSuccess, TaskFailure, TaskResultMeta } from './core/future.js';

export { defineTask, parseTaskReference } from './task/define.js';
export type { TaskFunction, TaskLike, TaskReference, DefineTaskOptions } from './task/define.js';
export { taskContext, workerScope } from './executors/runtime/context.js';
export type { TaskContext } from './executors/runtime/context.js';

export type {
  Executor, SubmitOptions, MapOptions, ShutdownOptions, RetryOptions, Backoff, BackoffPolicy, WorkerInfo,
  ExecutorStats, DurationSummary,
} from './executors/types.js';
export { InlineExecutor, AsyncExecutor } from './executors/local.js';
export type { InlineExecutorOptions, AsyncExecutorOptions } from './executors/local.js';
export { ThreadExecutor } from './executors/threads.js';
export type { ThreadExecutorOptions } from './executors/threads.js';
export { ProcessExecutor } from './executors/processes.js';
export type { ProcessExecutorOptions } from './executors/processes.js';
export type { PoolOptions } from './executors/pool/pool-options.js';
export type { PlacementPolicy, CustomPlacement, PlacementTask } from './executors/pool/placement.js';
export { RedisExecutor, startEngine, redactUrl, TaskRefusedError, RedisConnectionError, inspectFarm } from './executors/redis/index.js';
export type {
  RedisExecutorOptions, LocalEngineOptions, EngineHandle, EngineBackend, EngineOptions, RedisConnection, RedisConnectionOptions, FarmStatus,
  JobCounts, EngineRecord,
} from './executors/redis/index.js';
export { createExecutor } from './executors/create.js';
export type { BackendName } from './executors/create.js';
export { ProgressReporter } from './core/progress.js';
export type { ProgressOptions, ProgressMode, ProgressStream, ProgressSnapshot } from './core/progress.js';

// Composite tasks (tinybase)
export { ReturnStatus } from './compose/status.js';
export type { ReturnCode } from './compose/status.js';
export { field, defineContainer, Field } from './compose/container.js';
export type { Container, ContainerClass, ContainerBase } from './compose/container.js';
export { AbstractTask } from './compose/task.js';
export type { Outcome, TaskOptions, TaskRuntime, BodyResult, Runnable, AnyTask } from './compose/task.js';
export { FunctionTask, FunctionInput, FunctionOutput } from './compose/function-task.js';
export { SeriesTask, SeriesInput } from './compose/series.js';
export type { Transfer } from './compose/series.js';
export { LoopTask, LoopInput } from './compose/loop.js';
export type { LoopCondition, LoopRestart, Scratch } from './compose/loop.js';
export { TaskGenerator } from './compose/generator.js';
export type { TaskSteps } from './compose/generator.js';
export { TaskExecutor, Run } from './compose/task-executor.js';
export type { RunState } from './compose/task-executor.js';

// Events (every face)
export { Emitter } from './core/emitter.js';
export type { SubscriberOptions, SubscriberInfo, Subscription, EventMap } from './core/emitter.js';

// Scheduler (AMLTK)
export { Scheduler, ExitState } from './scheduler/scheduler.js';
export type { SchedulerEvents, RunOptions, ExitCode } from './scheduler/scheduler.js';
export type { ExceptionPolicy, PolicyRule } from './scheduler/policy.js';
export { Task } from './scheduler/task.js';
export type { TaskEvents, TaskOptions as SchedulerTaskOptions } from './scheduler/task.js';
export type { Plugin, Call } from './scheduler/plugin.js';
export { Limiter } from './scheduler/plugins/limiter.js';
export type { LimiterOptions } from './scheduler/plugins/limiter.js';
export { SchedulerNotRunningError, SchedulerAlreadyRunningError } from './scheduler/errors.js';
export { Requeue } from './scheduler/requeue.js';
export type { SchedulerSnapshot, EventView, RenderOptions } from './scheduler/render.js';
export { Comm } from './scheduler/plugins/comm.js';
export type { CommRequest } from './scheduler/plugins/comm.js';
export type { TaskMessages } from './executors/types.js';
export { Limits } from './scheduler/plugins/limits.js';
export type { LimitsOptions } from './scheduler/plugins/limits.js';
export type { WorkerExitReason } from './core/errors.js';

// Task farming (mplite's TaskManager, IPython's TaskClient)
export {
  FarmTask, TaskManager, TaskClient, ImpossibleDependencyError, RecoveryLoopError, TaskAlreadyFinishedError,
  UnknownTaskIdError, WaitTimeoutError,
} from './farm/index.js';
export type {
  AnyFarmTask, Dependency, DependencySpec, FarmTaskOf, FarmTaskOptions, TaskManagerOptions, QueueStatus, TaskClientOptions,
  FarmFailure, FarmResult, FarmSuccess,
} from './farm/index.js';

// Processes and work chains (plumpy)
export {
  Process, WorkChain, ProcessState, ProcessSpec, WorkChainSpec, Port, PortNamespace,
  Continue, Wait, Stop, Kill, isCommand, if_, while_, return_, append_, registerProcesses,
  ProcessError, ProcessStateError, InvalidCommandError, KilledError, ProcessDefinitionError, NotSerializableError,
  AwaitableError, PortValidationError, UnknownPortError, RequiredPortError,
} from './process/index.js';
export type {
  ProcessOptions, AnyContext, Command, ContinueCommand, WaitCommand, StopCommand, KillCommand, StepMethod,
  PortOptions, NamespaceOptions, Validator, ValidatorFunction, OutlineEntry, StepLike, Instruction,
  IfInstruction, WhileInstruction, ReturnInstruction, Awaitable, Appended, ProcessEvents, ProcessListener, AnyProcess,
  Default, InputArgs, InputsView, PortPath, ValueAt, AnyPorts, PortErrorOptions,
} from './process/index.js';

// Persistence (checkpoints of processes)
export {
  MemoryPersister, SqlitePersister, PostgresPersister, Checkpoint, BUNDLE_FORMAT, BUNDLE_VERSION, createBundle, parseBundle,
  unbundle, registerProcessClass, registeredProcessClass, CheckpointError, CheckpointNotFoundError, CorruptCheckpointError,
  UnknownProcessClassError, CheckpointSaveError, PersisterClosedError, PersisterSetupError,
} from './persistence/index.js';
export type {
  SqlitePersisterOptions, PostgresPersisterOptions, PgPool, Persister, CheckpointKey, ProcessBundle, Savable,
  RestorableClass, UnbundleOptions, JsonObject, JsonValue,
} from './persistence/index.js';

// Communicators (task queue, RPC, broadcast): in-process and Redis
export {
  LocalCommunicator, LocalBus, RedisCommunicator, CommunicatorError, CommunicatorClosedError, CommunicatorTimeoutError,
  UnknownRecipientError, DuplicateSubscriberError, MessageEncodingError, TaskUndeliverableError,
  CommunicatorConnectionError, MissingDependencyError,
} from './comms/index.js';
export type {
  LocalCommunicatorOptions, RedisCommunicatorOptions, MessageKind, Communicator, CommunicatorOptions, TaskSubscriber,
  TaskSubscriberOptions, TaskSendOptions, TaskInfo, RpcSubscriber, RpcSendOptions, RpcInfo, BroadcastSubscriber,
  BroadcastFilter, BroadcastMessage, BroadcastSendOptions,
} from './comms/index.js';

// Remote control of processes (plumpy's launcher and controller)
export {
  ProcessLauncher, RemoteProcessController, RemoteProcessError, UnknownProcessError, ProcessTerminatedError,
  ProcessNotRunningError, ProcessAlreadyRunningError, MissingPersisterError, InvalidControlMessageError, STATUS_MSG,
  PAUSE_MSG, PLAY_MSG, KILL_MSG, DEFAULT_PROCESS_QUEUE,
} from './comms/index.js';
export type {
  ProcessLauncherOptions, RemoteProcessControllerOptions, LaunchOptions, ContinueOptions, LaunchableClass,
  RemoteProcessErrorOptions, ProcessStatus, StateChange, RunnerInfo, ControlRpc,
} from './comms/index.js';
export { remoteControlOf, claimProcess } from './process/remote.js';
export type { RemoteControl, ClaimOptions } from './process/remote.js';
