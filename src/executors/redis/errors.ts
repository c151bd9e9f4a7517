import { registerErrorClass, TaskDefinitionError, TaskfarmError, type TaskfarmErrorOptions } from '../../core/errors.js';

/**
 * An engine refused to run a task: its module is not one the engine was started with, or it is a
 * function shipped as source and the engine does not accept source. A definition error, so it is
 * never retried: every engine started the same way refuses it the same way.
 */
export class TaskRefusedError extends TaskDefinitionError {
  override readonly code: string = 'ERR_TASK_REFUSED';
  /** Id of the engine that refused the task. */
  declare engineId?: string;

  constructor(message: string, options?: TaskfarmErrorOptions & { engineId?: string }) {
    super(message, options);
    if (options?.engineId !== undefined) this.engineId = options.engineId;
  }
}

/**
 * Redis cannot be reached or refused us (authentication, ACL, TLS) when connecting for the first
 * time. Messages never contain the password of the connection URL.
 */
export class RedisConnectionError extends TaskfarmError {
  override readonly code: string = 'ERR_REDIS_CONNECTION';
}

for (const errorClass of [TaskRefusedError, RedisConnectionError]) registerErrorClass(errorClass);
