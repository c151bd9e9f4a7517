import { TaskfarmError, registerErrorClass, type TaskfarmErrorOptions } from '../core/errors.js';

/**
 * Errors of the communicators. Every class has a stable `code` and is registered, so an error that a
 * remote handler throws (or that a remote communicator raises on the sender's behalf) comes back to
 * the sender with its class.
 */
export class CommunicatorError extends TaskfarmError {
  override readonly code: string = 'ERR_COMMS';
}

/** The communicator was closed: it sends and receives nothing more, and what was awaiting a reply is rejected. */
export class CommunicatorClosedError extends CommunicatorError {
  override readonly code: string = 'ERR_COMMS_CLOSED';
}

/** What kind of message timed out. */
export type MessageKind = 'task' | 'rpc';

/** No reply came within the `timeout` of a task or an RPC. The handler may still be running. */
export class CommunicatorTimeoutError extends CommunicatorError {
  override readonly code: string = 'ERR_COMMS_TIMEOUT';
  /** The timeout that passed, in milliseconds. */
  declare timeout?: number;
  declare kind?: MessageKind;

  constructor(message: string, options?: TaskfarmErrorOptions & { timeout?: number; kind?: MessageKind }) {
    super(message, options);
    if (options?.timeout !== undefined) this.timeout = options.timeout;
    if (options?.kind !== undefined) this.kind = options.kind;
  }
}

/** An RPC was sent to an identifier that no live communicator has subscribed. */
export class UnknownRecipientError extends CommunicatorError {
  override readonly code: string = 'ERR_COMMS_UNKNOWN_RECIPIENT';
  declare recipient?: string;

  constructor(message: string, options?: TaskfarmErrorOptions & { recipient?: string }) {
    super(message, options);
    if (options?.recipient !== undefined) this.recipient = options.recipient;
  }
}

/** An RPC identifier is already subscribed (in this communicator, or by another live one). */
export class DuplicateSubscriberError extends CommunicatorError {
  override readonly code: string = 'ERR_COMMS_DUPLICATE_SUBSCRIBER';
  declare identifier?: string;

  constructor(message: string, options?: TaskfarmErrorOptions & { identifier?: string }) {
    super(message, options);
    if (options?.identifier !== undefined) this.identifier = options.identifier;
  }
}

/** A message, a result or a broadcast body cannot be encoded as JSON (a BigInt, a cycle...). */
export class MessageEncodingError extends CommunicatorError {
  override readonly code: string = 'ERR_COMMS_MESSAGE';
}

/**
 * A task was delivered `maxDeliveries` times and no consumer finished it (each one died or closed
 * while handling it). It is dropped so that a task that kills its consumers cannot loop forever.
 */
export class TaskUndeliverableError extends CommunicatorError {
  override readonly code: string = 'ERR_COMMS_UNDELIVERABLE';
  declare deliveries?: number;

  constructor(message: string, options?: TaskfarmErrorOptions & { deliveries?: number }) {
    super(message, options);
    if (options?.deliveries !== undefined) this.deliveries = options.deliveries;
  }
}

/** The broker cannot be reached or refused us (authentication, ACL). Messages never contain passwords. */
export class CommunicatorConnectionError extends CommunicatorError {
  override readonly code: string = 'ERR_COMMS_CONNECTION';
}

/** An optional peer dependency that this feature needs is not installed. */
export class MissingDependencyError extends CommunicatorError {
  override readonly code: string = 'ERR_MISSING_DEPENDENCY';
  declare dependency?: string;

  constructor(message: string, options?: TaskfarmErrorOptions & { dependency?: string }) {
    super(message, options);
    if (options?.dependency !== undefined) this.dependency = options.dependency;
  }
}

for (const errorClass of [
  CommunicatorError, CommunicatorClosedError, CommunicatorTimeoutError, UnknownRecipientError,
  DuplicateSubscriberError, MessageEncodingError, TaskUndeliverableError, CommunicatorConnectionError,
  MissingDependencyError,
]) {
  registerErrorClass(errorClass);
}
