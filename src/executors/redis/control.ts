import type { Redis } from 'ioredis';
import { serializeError } from '../../core/error-codec.js';
import { TaskDefinitionError } from '../../core/errors.js';
import type { Keys } from './keys.js';
import { encode, type ControlMessage } from './protocol.js';
import { writeEngineProperties } from './registry.js';

/** What a client tells engines on their control channels: cancellations, answers to tasks, properties. */
export class ControlPublisher {
  readonly #clientId: string;
  readonly #keys: Keys;
  /** The command connection, once there is one. */
  readonly #command: () => Redis | undefined;
  /** Cancellations to publish, by channel, written once per turn of the event loop. */
  readonly #cancels = new Map<string, number[]>();

  constructor(clientId: string, keys: Keys, command: () => Redis | undefined) {
    this.#clientId = clientId;
    this.#keys = keys;
    this.#command = command;
  }

  /**
   * Cancels task `num` where it is: `route` `''` for the channel every engine listens to (a task
   * on the shared queue, not started), else the channel of that engine.
   */
  cancel(route: string, num: number): void {
    const channel = route ? this.#keys.engineControl(route) : this.#keys.control;
    let list = this.#cancels.get(channel);
    if (!list) {
      this.#cancels.set(channel, (list = []));
      if (this.#cancels.size === 1) queueMicrotask(() => this.#flushCancels());
    }
    list.push(num);
  }

  /** Answers request `id` of a task running on `engine`: a value, or (`ok` false) an error. */
  reply(engine: string, id: number, ok: boolean, value: unknown): void {
    let reply: Buffer;
    try {
      reply = encode({ t: 'reply', id, ok, p: ok ? value : serializeError(value) } satisfies ControlMessage);
    } catch (error) {
      reply = encode({ t: 'reply', id, ok: false, p: serializeError(new TaskDefinitionError(`The answer cannot be sent to the engine: ${(error as Error).message}`)) } satisfies ControlMessage);
    }
    this.#command()?.publish(this.#keys.engineControl(engine), reply).catch(() => undefined);
  }

  /** Writes the properties of engine `engine` to the registry, then tells the engine. */
  async properties(engine: string, properties: Record<string, unknown>): Promise<void> {
    const command = this.#command()!;
    await writeEngineProperties(command, this.#keys, engine, properties);
    await command.publish(this.#keys.engineControl(engine), encode({ t: 'props', props: properties } satisfies ControlMessage));
  }

  #flushCancels(): void {
    const command = this.#command();
    for (const [channel, nums] of this.#cancels) {
      const message: ControlMessage = { t: 'cancel', c: this.#clientId, n: nums, reason: 'cancelled by its client' };
      command?.publish(channel, encode(message)).catch(() => undefined);
    }
    this.#cancels.clear();
  }
}
