import { deserializeError, toError } from '../core/error-codec.js';
import { newId } from '../core/ids.js';
import { decodeJson, decodeOutcome, encodeFailure, encodeJson, runHandler } from './codec.js';
import {
  CommunicatorClosedError, DuplicateSubscriberError, MessageEncodingError, TaskUndeliverableError, UnknownRecipientError,
} from './errors.js';
import { compileFilter } from './filter.js';
import { PendingReplies } from './pending.js';
import type {
  BroadcastFilter, BroadcastMessage, BroadcastSendOptions, BroadcastSubscriber, Communicator, CommunicatorOptions,
  RpcSendOptions, RpcSubscriber, TaskSendOptions, TaskSubscriber, TaskSubscriberOptions,
} from './types.js';
import { checkCount, checkHandler, checkMs, checkName, checkOptionalString } from './validate.js';

export const DEFAULT_QUEUE = 'default';
export const DEFAULT_RPC_TIMEOUT = 10_000;
export const DEFAULT_MAX_DELIVERIES = 10;

/** A task as it travels (JSON text on every transport). */
export interface TaskEnvelope {
  id: string;
  body?: unknown;
  /** Communicator id to send the outcome to; absent for `noReply`. */
  replyTo?: string;
  /** Bus-clock time after which nobody waits for the task any more. */
  expiresAt?: number;
}

/** An RPC request as it travels. */
export interface RpcEnvelope {
  id: string;
  recipient: string;
  body?: unknown;
  replyTo: string;
  expiresAt: number;
}

/** What the transport must do once a task's handler settled: send `outcome` to `replyTo` (if both are set), then acknowledge. */
export interface TaskSettlement {
  id?: string;
  replyTo?: string;
  outcome?: string;
}

/** A task subscription as the transport sees it. */
export interface ConsumerSpec {
  id: string;
  queue: string;
  concurrency: number;
  /** Runs one delivery (`text` is the task envelope); never rejects. */
  run(text: string, deliveries: number): Promise<TaskSettlement>;
}

/**
 * What Local and Redis share: argument checks, JSON envelopes, running handlers and encoding their
 * outcomes, broadcast filtering, waiting for replies, and the closed state. A transport implements
 * only the moving of text between communicators, so both behave alike by construction.
 */
export abstract class BaseCommunicator implements Communicator {
  readonly id: string = newId('comm');
  protected readonly pending = new PendingReplies();
  protected readonly reportError: (error: Error) => void;
  protected readonly maxDeliveries: number;
  readonly #rpcHandlers = new Map<string, RpcSubscriber>();
  readonly #broadcastSubscribers = new Map<string, { handler: BroadcastSubscriber; matches: (m: BroadcastMessage) => boolean }>();
  #closing: Promise<void> | undefined;

  constructor(options: CommunicatorOptions = {}) {
    if (options.onError !== undefined) checkHandler(options.onError, 'onError');
    this.reportError = options.onError ?? ((error) => process.emitWarning(error));
    this.maxDeliveries = checkCount(options.maxDeliveries ?? DEFAULT_MAX_DELIVERIES, 'maxDeliveries', true);
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  // ---- transport ---------------------------------------------------------------------------------

  /** Bus-clock milliseconds; expiry times are compared on this clock. */
  protected now(): number {
    return Date.now();
  }
  /** Queues a task; resolves (once it is accepted) to a handle for {@link withdrawTask}. */
  protected abstract enqueueTask(queue: string, text: string): Promise<unknown>;
  /**
   * Removes a task from its queue if no consumer has taken it yet: its sender timed out. When this
   * resolves, the task either is gone or was already taken. Must not wait long (the sender's
   * rejection waits for it).
   */
  protected abstract withdrawTask(queue: string, handle: unknown): Promise<void>;
  protected abstract subscribeTasks(consumer: ConsumerSpec): Promise<void>;
  protected abstract unsubscribeTasks(id: string): Promise<void>;
  /** Claims `identifier` on the bus; DuplicateSubscriberError if another live communicator has it. */
  protected abstract registerRpc(identifier: string): Promise<void>;
  protected abstract unregisterRpc(identifier: string): Promise<void>;
  /** Delivers an RPC request; UnknownRecipientError if no live communicator answers to `recipient`. */
  protected abstract sendRpc(recipient: string, text: string): Promise<void>;
  /** Makes sure broadcasts reach this communicator (called before each broadcast subscription). */
  protected abstract subscribeBroadcasts(): Promise<void>;
  protected abstract publish(text: string): Promise<void>;
  /**
   * Releases everything; called once, after the handlers were dropped (so nothing more is answered)
   * and the waiters rejected. `rpcIdentifiers` are the identifiers this communicator held.
   */
  protected abstract shutdown(rpcIdentifiers: string[]): Promise<void>;

  // ---- tasks -------------------------------------------------------------------------------------

  async addTaskSubscriber(handler: TaskSubscriber, options: TaskSubscriberOptions = {}): Promise<string> {
    this.#assertOpen();
    checkHandler(handler, 'A task subscriber');
    const queue = checkName(options.queue ?? DEFAULT_QUEUE, 'queue');
    const concurrency = checkCount(options.concurrency ?? 1, 'concurrency');
    const id = newId('consumer');
    await this.subscribeTasks({ id, queue, concurrency, run: (text, deliveries) => this.#runTask(handler, queue, text, deliveries) });
    return id;
  }

  async removeTaskSubscriber(id: string): Promise<void> {
    this.#assertOpen();
    await this.unsubscribeTasks(id);
  }

  task(message: unknown, options: TaskSendOptions & { noReply: true }): Promise<void>;
  task<R = unknown>(message: unknown, options?: TaskSendOptions): Promise<R>;
  async task(message: unknown, options: TaskSendOptions = {}): Promise<unknown> {
    this.#assertOpen();
    const queue = checkName(options.queue ?? DEFAULT_QUEUE, 'queue');
    const timeout = options.timeout === undefined ? undefined : checkMs(options.timeout, 'timeout');
    const envelope: TaskEnvelope = { id: newId('task'), body: message };
    if (!options.noReply) envelope.replyTo = this.id;
    if (timeout !== undefined) envelope.expiresAt = this.now() + timeout;
    const text = encodeJson(envelope, 'The task message');
    if (options.noReply) {
      await this.enqueueTask(queue, text);
      return undefined;
    }
    let handle: unknown;
    let accepted = false;
    const withdraw = (): Promise<void> => (accepted ? this.withdrawTask(queue, handle) : Promise.resolve());
    const reply = this.pending.wait(envelope.id, 'task', timeout, `task ${envelope.id} on queue '${queue}'`, withdraw);
    try {
      handle = await this.enqueueTask(queue, text);
      accepted = true;
    } catch (error) {
      this.pending.fail(envelope.id, error as Error);
    }
    return reply;
  }

  /** One delivery of a task: dropped if its sender gave up, refused past maxDeliveries, else handled. */
  async #runTask(handler: TaskSubscriber, queue: string, text: string, deliveries: number): Promise<TaskSettlement> {
    const envelope = this.#decodeEnvelope<TaskEnvelope>(text, 'A task message');
    if (!envelope) return {};
    const { id, replyTo } = envelope;
    if (envelope.expiresAt !== undefined && this.now() > envelope.expiresAt) return {};
    let outcome: string;
    if (deliveries > this.maxDeliveries) {
      outcome = encodeFailure(new TaskUndeliverableError(
        `Task ${id} on queue '${queue}' was delivered ${deliveries - 1} times and no consumer finished it; it is dropped`,
        { deliveries: deliveries - 1 },
      ));
    } else {
      outcome = await runHandler(() => handler(envelope.body, { id, queue, deliveries }));
    }
    if (replyTo === undefined) {
      const result = decodeOutcome(outcome);
      if (!result.ok) this.reportError(deserializeError(result.error));
      return {};
    }
    return { id, replyTo, outcome };
  }

  // ---- rpc ---------------------------------------------------------------------------------------

  async addRpcSubscriber(handler: RpcSubscriber, identifier: string): Promise<void> {
    this.#assertOpen();
    checkHandler(handler, 'An RPC subscriber');
    checkName(identifier, 'The RPC identifier');
    if (this.#rpcHandlers.has(identifier)) {
      throw new DuplicateSubscriberError(`RPC identifier '${identifier}' is already subscribed on this communicator`, { identifier });
    }
    // Set first: a request may arrive as soon as the bus knows the identifier.
    this.#rpcHandlers.set(identifier, handler);
    try {
      await this.registerRpc(identifier);
    } catch (error) {
      if (this.#rpcHandlers.get(identifier) === handler) this.#rpcHandlers.delete(identifier);
      throw error;
    }
  }

  async removeRpcSubscriber(identifier: string): Promise<void> {
    this.#assertOpen();
    if (!this.#rpcHandlers.delete(identifier)) return;
    await this.unregisterRpc(identifier);
  }

  protected hasRpcSubscriber(identifier: string): boolean {
    return this.#rpcHandlers.has(identifier);
  }

  protected rpcIdentifiers(): string[] {
    return [...this.#rpcHandlers.keys()];
  }

  async rpcSend<R = unknown>(recipient: string, message: unknown, options: RpcSendOptions = {}): Promise<R> {
    this.#assertOpen();
    checkName(recipient, 'The RPC recipient');
    const timeout = checkMs(options.timeout ?? DEFAULT_RPC_TIMEOUT, 'timeout');
    const envelope: RpcEnvelope = { id: newId('rpc'), recipient, body: message, replyTo: this.id, expiresAt: this.now() + timeout };
    const text = encodeJson(envelope, 'The RPC message');
    const reply = this.pending.wait(envelope.id, 'rpc', timeout, `RPC ${envelope.id} to '${recipient}'`);
    try {
      await this.sendRpc(recipient, text);
    } catch (error) {
      this.pending.fail(envelope.id, error as Error);
    }
    return reply as Promise<R>;
  }

  /** Answers one RPC request; undefined when there is nobody to answer (expired, undecodable). */
  protected async answerRpc(text: string): Promise<TaskSettlement | undefined> {
    const envelope = this.#decodeEnvelope<RpcEnvelope>(text, 'An RPC message');
    if (!envelope) return undefined;
    if (this.now() > envelope.expiresAt) return undefined;
    const handler = this.#rpcHandlers.get(envelope.recipient);
    const recipient = envelope.recipient;
    const outcome = handler
      ? await runHandler(() => handler(envelope.body, { recipient }))
      : encodeFailure(new UnknownRecipientError(`No RPC subscriber '${recipient}' (it was removed)`, { recipient }));
    return { id: envelope.id, replyTo: envelope.replyTo, outcome };
  }

  /** A decoded envelope, or undefined (reported) when the text is not one of ours: someone else wrote to our keys. */
  #decodeEnvelope<E extends { id: string }>(text: string, what: string): E | undefined {
    try {
      const envelope = decodeJson(text, what) as E;
      if (typeof envelope === 'object' && envelope !== null && typeof envelope.id === 'string') return envelope;
      throw new MessageEncodingError(`${what} is not a taskfarm envelope: ${text.slice(0, 80)}`);
    } catch (error) {
      this.reportError(error as Error);
      return undefined;
    }
  }

  /** A reply arrived for a task or RPC this communicator sent. */
  protected receiveReply(id: string, outcomeText: string): void {
    this.pending.settle(id, outcomeText);
  }

  // ---- broadcast ---------------------------------------------------------------------------------

  async addBroadcastSubscriber(handler: BroadcastSubscriber, filter: BroadcastFilter = {}): Promise<string> {
    this.#assertOpen();
    checkHandler(handler, 'A broadcast subscriber');
    checkOptionalString(filter.subject, 'The subject filter');
    checkOptionalString(filter.sender, 'The sender filter');
    await this.subscribeBroadcasts();
    this.#assertOpen();
    const id = newId('broadcast');
    this.#broadcastSubscribers.set(id, { handler, matches: compileFilter(filter) });
    return id;
  }

  async removeBroadcastSubscriber(id: string): Promise<void> {
    this.#assertOpen();
    this.#broadcastSubscribers.delete(id);
  }

  async broadcastSend(body: unknown, options: BroadcastSendOptions = {}): Promise<void> {
    this.#assertOpen();
    const message: BroadcastMessage = { body };
    if (checkOptionalString(options.sender, 'sender') !== undefined) message.sender = options.sender;
    if (checkOptionalString(options.subject, 'subject') !== undefined) message.subject = options.subject;
    if (checkOptionalString(options.correlationId, 'correlationId') !== undefined) message.correlationId = options.correlationId;
    await this.publish(encodeJson(message, 'The broadcast'));
  }

  /** A broadcast arrived: every matching subscriber gets its own copy, in subscription order. */
  protected deliverBroadcast(text: string): void {
    if (this.closed || this.#broadcastSubscribers.size === 0) return;
    let decoded: BroadcastMessage;
    try {
      decoded = decodeJson(text, 'A broadcast') as BroadcastMessage;
    } catch (error) {
      this.reportError(error as Error);
      return;
    }
    let first = true;
    for (const { handler, matches } of [...this.#broadcastSubscribers.values()]) {
      if (!matches(decoded)) continue;
      // Each subscriber gets its own copy, as it would from a wire: one cannot change another's body.
      const message = first ? decoded : (JSON.parse(text) as BroadcastMessage);
      first = false;
      try {
        Promise.resolve(handler(message)).catch((error: unknown) => this.reportError(toError(error)));
      } catch (error) {
        this.reportError(toError(error));
      }
    }
  }

  // ---- lifecycle ---------------------------------------------------------------------------------

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #close(): Promise<void> {
    const identifiers = [...this.#rpcHandlers.keys()];
    this.#rpcHandlers.clear();
    this.#broadcastSubscribers.clear();
    this.pending.failAll(new CommunicatorClosedError(`Communicator ${this.id} was closed before the reply came`));
    try {
      await this.shutdown(identifiers);
    } catch (error) {
      this.reportError(toError(error));
    }
  }

  #assertOpen(): void {
    if (this.closed) throw new CommunicatorClosedError(`Communicator ${this.id} is closed`);
  }
}
