import { BaseCommunicator, type ConsumerSpec } from '../base.js';
import type { CommunicatorOptions } from '../types.js';
import { LocalBus } from './bus.js';

export interface LocalCommunicatorOptions extends CommunicatorOptions {
  /**
   * The bus to join: communicators on one bus reach each other (as programs sharing one Redis do).
   * @default a new bus of its own
   */
  bus?: LocalBus;
}

/**
 * A communicator inside one program: no broker, deterministic order, and still JSON messages
 * delivered asynchronously, so what works here works over Redis. Good for tests, single-program
 * workflows and as the reference implementation of the contract.
 */
export class LocalCommunicator extends BaseCommunicator {
  readonly bus: LocalBus;
  readonly #consumers = new Set<string>();

  constructor(options: LocalCommunicatorOptions = {}) {
    super(options);
    this.bus = options.bus ?? new LocalBus();
    this.bus.join({
      id: this.id,
      onBroadcast: (text) => this.deliverBroadcast(text),
      onReply: (id, outcome) => this.receiveReply(id, outcome),
      onRpc: (text) => this.answerRpc(text),
    });
  }

  protected async enqueueTask(queue: string, text: string): Promise<unknown> {
    return this.bus.enqueue(queue, text);
  }

  protected async withdrawTask(queue: string, handle: unknown): Promise<void> {
    this.bus.withdraw(queue, handle);
  }

  protected async subscribeTasks(consumer: ConsumerSpec): Promise<void> {
    this.#consumers.add(consumer.id);
    this.bus.addConsumer(this.id, consumer);
  }

  protected async unsubscribeTasks(id: string): Promise<void> {
    if (this.#consumers.delete(id)) this.bus.removeConsumer(id, { giveBack: false });
  }

  protected async registerRpc(identifier: string): Promise<void> {
    this.bus.registerRpc(identifier, this.id);
  }

  protected async unregisterRpc(identifier: string): Promise<void> {
    this.bus.unregisterRpc(identifier, this.id);
  }

  protected async sendRpc(recipient: string, text: string): Promise<void> {
    this.bus.sendRpc(recipient, text);
  }

  protected async subscribeBroadcasts(): Promise<void> {
    // Every member of the bus receives broadcasts; filtering happens in deliverBroadcast.
  }

  protected async publish(text: string): Promise<void> {
    this.bus.publish(text);
  }

  protected async shutdown(): Promise<void> {
    this.bus.leave(this.id);
  }
}
