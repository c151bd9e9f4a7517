import { randomBytes } from 'node:crypto';
import { ValidationError } from '../../core/errors.js';

const NAME = /^[A-Za-z0-9_.-]+$/;

/**
 * The Redis names of one taskfarm queue. BullMQ keeps its own keys under `<prefix>:<queue>:`;
 * taskfarm's (engine registry, result streams, control channels) live apart, under
 * `<prefix>:tf:<queue>:`, so they can never meet a BullMQ key or job id.
 */
export class Keys {
  readonly prefix: string;
  readonly queue: string;
  readonly #base: string;

  constructor(prefix: string, queue: string) {
    checkName('prefix', prefix);
    checkName('queue', queue);
    this.prefix = prefix;
    this.queue = queue;
    this.#base = `${prefix}:tf:${queue}`;
  }

  /** The BullMQ queue that only engine `engineId` consumes (tasks placed on it). */
  engineQueue(engineId: string): string {
    return `${this.queue}-engine-${engineId}`;
  }

  /** Sorted set of engine ids, scored by their last heartbeat (ms since the epoch). */
  get engines(): string {
    return `${this.#base}:engines`;
  }

  /** Hash of one engine (`info`, `props`); it expires unless the engine's heartbeat renews it. */
  engine(engineId: string): string {
    return `${this.#base}:engine:${engineId}`;
  }

  /** Stream of one client: starts, results and messages of its tasks, from every engine. */
  results(clientId: string): string {
    return `${this.#base}:results:${clientId}`;
  }

  /** Channel every engine listens to (cancellation of tasks not yet started anywhere). */
  get control(): string {
    return `${this.#base}:control`;
  }

  /** Channel of one engine (cancellation of its running tasks, replies, properties). */
  engineControl(engineId: string): string {
    return `${this.#base}:control:${engineId}`;
  }
}

/** A fresh id for an engine (`e-...`) or a client (`c-...`): unique, and safe in BullMQ names and job ids. */
export function newRedisId(kind: 'e' | 'c'): string {
  return `${kind}-${randomBytes(4).toString('hex')}`;
}

/** Checks an id given by the user (an engine id): it becomes part of Redis names. */
export function checkName(option: string, value: string): string {
  if (typeof value !== 'string' || !NAME.test(value)) {
    throw new ValidationError(`Invalid option '${option}': expected letters, digits, '_', '.' or '-', got ${JSON.stringify(value)}`);
  }
  return value;
}
