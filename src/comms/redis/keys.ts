/**
 * Every Redis key and channel a communicator uses, under one prefix (`<prefix>:...`), so that
 * deployments sharing a server stay apart and an ACL can grant exactly `~<prefix>:*` and `&<prefix>:*`.
 */
export class RedisKeys {
  /** The consumer group of every queue stream. */
  readonly group = 'consumers';

  constructor(readonly prefix: string) {}

  /** Stream holding a queue's tasks until they are acknowledged. */
  queue(name: string): string {
    return `${this.prefix}:queue:${name}`;
  }

  /** Prefix of the inboxes; the communicator id follows (the RPC script builds the key). */
  get inboxPrefix(): string {
    return `${this.prefix}:inbox:`;
  }

  /** List a communicator pops its replies and RPC requests from. */
  inbox(communicatorId: string): string {
    return `${this.inboxPrefix}${communicatorId}`;
  }

  /** Which live communicator answers an RPC identifier (expires unless its owner heartbeats). */
  rpc(identifier: string): string {
    return `${this.prefix}:rpc:${identifier}`;
  }

  /** The PUB/SUB channel of broadcasts. */
  get broadcast(): string {
    return `${this.prefix}:broadcast`;
  }
}
