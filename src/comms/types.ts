/**
 * The Communicator contract: three kinds of JSON message between programs.
 *
 * - **Tasks** go to a named queue; exactly one consumer takes each one, and acknowledges it when its
 *   handler settles. A consumer that dies before that gives the task back (at-least-once delivery).
 * - **RPCs** go to one named recipient and wait for its answer.
 * - **Broadcasts** go to every subscriber whose subject and sender filters match; nobody answers.
 *
 * Every message, result and broadcast body crosses as JSON (`JSON.stringify` rules: a `Date` arrives
 * as a string, `undefined` properties are dropped, a BigInt or a cycle is a MessageEncodingError),
 * on every implementation, so code that works over the in-process communicator works over Redis.
 * Every implementation passes test/contract/communicator-contract.ts.
 */
/** What a task handler learns about the task besides its message. */
export interface TaskInfo {
  /** Id of the task, the same on every delivery of it. */
  readonly id: string;
  /** The queue it came from. */
  readonly queue: string;
  /**
   * How many times the task has been delivered, this delivery included. Above 1, an earlier consumer
   * took it and died (or closed) before finishing: the handler should be idempotent.
   */
  readonly deliveries: number;
}

/** Handles a task; its return value (or what its promise resolves to) is the task's result. A throw rejects the sender. */
export type TaskSubscriber = (message: unknown, info: TaskInfo) => unknown;

export interface TaskSubscriberOptions {
  /**
   * The queue to consume.
   * @default 'default'
   */
  queue?: string;
  /**
   * How many tasks this subscriber handles at once (a consumer takes no more until one settles).
   * @default 1
   */
  concurrency?: number;
}

export interface TaskSendOptions {
  /**
   * The queue to send to. Tasks wait there while no consumer is subscribed.
   * @default 'default'
   */
  queue?: string;
  /**
   * Milliseconds to wait for the result; then the promise rejects with CommunicatorTimeoutError.
   * A task that no consumer has taken by then is discarded without running (with `noReply`, this is
   * how long the task may wait in the queue). A handler already running is not stopped.
   * @default undefined (no limit)
   */
  timeout?: number;
  /**
   * Fire and forget: the promise resolves (to `undefined`) as soon as the task is accepted by the
   * queue, and nobody is told how it ends. An error its handler throws goes to the consumer's `onError`.
   * @default false
   */
  noReply?: boolean;
}

/** What an RPC handler learns about the call besides its message. */
export interface RpcInfo {
  /** The identifier the call was addressed to. */
  readonly recipient: string;
}

/** Answers an RPC; its return value (or what its promise resolves to) is the answer. A throw rejects the caller. */
export type RpcSubscriber = (message: unknown, info: RpcInfo) => unknown;

export interface RpcSendOptions {
  /**
   * Milliseconds to wait for the answer; then the promise rejects with CommunicatorTimeoutError.
   * @default 10_000
   */
  timeout?: number;
}

/** A broadcast as its subscribers receive it. */
export interface BroadcastMessage {
  body: unknown;
  sender?: string;
  subject?: string;
  correlationId?: string;
}

/** Receives a broadcast. Its return value is ignored; a throw or rejection goes to `onError`. */
export type BroadcastSubscriber = (message: BroadcastMessage) => void | Promise<void>;

/**
 * Which broadcasts a subscriber receives. A filter is an exact string or a glob: `*` matches any run
 * of characters (dots included) and `?` one character, e.g. `'state_changed.*'`. A broadcast without
 * the field never matches a filter on it.
 */
export interface BroadcastFilter {
  /** @default undefined (every subject, and broadcasts without one) */
  subject?: string;
  /** @default undefined (every sender, and broadcasts without one) */
  sender?: string;
}

export interface BroadcastSendOptions {
  /** Who sends, e.g. a process id; subscribers may filter on it. @default undefined */
  sender?: string;
  /** What it is about, e.g. `'state_changed.running.waiting'`; subscribers may filter on it. @default undefined */
  subject?: string;
  /** Ties the broadcast to an earlier message. @default undefined */
  correlationId?: string;
}

/** Options every communicator accepts. */
export interface CommunicatorOptions {
  /**
   * Called with errors that have no caller to go to: a `noReply` task handler or a broadcast
   * subscriber that threw, a background connection failure (its message never shows a password).
   * @default emits a process warning
   */
  onError?: (error: Error) => void;
  /**
   * A task delivered this many times without being finished (its consumers died or closed while
   * handling it) is dropped, and its sender rejected with TaskUndeliverableError.
   * @default 10
   */
  maxDeliveries?: number;
}

/**
 * Carries tasks, RPCs and broadcasts. Every method is asynchronous: handlers never run inside the
 * caller's call stack, and when an `add*` promise resolves the subscription is live everywhere.
 * After `close()`, every method rejects with CommunicatorClosedError.
 */
export interface Communicator extends AsyncDisposable {
  /** Unique id of this communicator (the consumer and reply address it uses on the bus). */
  readonly id: string;
  readonly closed: boolean;

  /** Starts consuming a queue; resolves to the subscriber's id for {@link removeTaskSubscriber}. */
  addTaskSubscriber(handler: TaskSubscriber, options?: TaskSubscriberOptions): Promise<string>;
  /** Stops taking tasks; tasks its handler is running still finish and are acknowledged. Unknown ids are ignored. */
  removeTaskSubscriber(id: string): Promise<void>;
  /** Queues a task and resolves to its handler's result (see {@link TaskSendOptions}). */
  task(message: unknown, options: TaskSendOptions & { noReply: true }): Promise<void>;
  task<R = unknown>(message: unknown, options?: TaskSendOptions): Promise<R>;

  /** Answers RPCs sent to `identifier`; DuplicateSubscriberError if a live subscriber already has it. */
  addRpcSubscriber(handler: RpcSubscriber, identifier: string): Promise<void>;
  /** Stops answering `identifier`. Unknown identifiers are ignored. */
  removeRpcSubscriber(identifier: string): Promise<void>;
  /** Calls `recipient`; UnknownRecipientError at once if nobody answers to it. */
  rpcSend<R = unknown>(recipient: string, message: unknown, options?: RpcSendOptions): Promise<R>;

  /** Receives the broadcasts that match `filter`; resolves to the subscriber's id. */
  addBroadcastSubscriber(handler: BroadcastSubscriber, filter?: BroadcastFilter): Promise<string>;
  /** Stops delivery to that subscriber. Unknown ids are ignored. */
  removeBroadcastSubscriber(id: string): Promise<void>;
  /** Sends to every matching subscriber of every communicator on the bus (this one included). */
  broadcastSend(body: unknown, options?: BroadcastSendOptions): Promise<void>;

  /**
   * Removes every subscription, rejects what awaits a reply with CommunicatorClosedError and
   * releases connections. Tasks whose handlers are still running are given back to their queue for
   * another consumer (their results are dropped). Idempotent.
   */
  close(): Promise<void>;
}
