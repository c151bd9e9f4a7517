import { Deque } from '../../core/deque.js';
import { DuplicateSubscriberError, UnknownRecipientError } from '../errors.js';
import type { ConsumerSpec, TaskSettlement } from '../base.js';

/** A communicator as the bus sees it: where to hand broadcasts, replies and RPC requests. */
export interface BusMember {
  readonly id: string;
  onBroadcast(text: string): void;
  onReply(id: string, outcomeText: string): void;
  onRpc(text: string): Promise<TaskSettlement | undefined>;
}

interface QueuedTask {
  readonly text: string;
  deliveries: number;
  /** The consumer running it; cleared when it is given back, so a late settlement is ignored. */
  holder?: Consumer;
}

interface Consumer {
  readonly spec: ConsumerSpec;
  readonly memberId: string;
  readonly inFlight: Set<QueuedTask>;
}

interface Queue {
  readonly pending: Deque<QueuedTask>;
  readonly consumers: Consumer[];
  /** Round-robin position: the next consumer to offer a task to. */
  next: number;
  pumpScheduled: boolean;
}

/**
 * The in-process message bus that LocalCommunicators share. Deterministic: tasks go FIFO to the
 * consumers round-robin in subscription order, broadcasts reach communicators in joining order, and
 * everything is delivered from `setImmediate`, never inside the sender's call.
 */
export class LocalBus {
  readonly #members = new Map<string, BusMember>();
  readonly #queues = new Map<string, Queue>();
  readonly #consumers = new Map<string, Consumer>();
  /** RPC identifier → id of the member answering it. */
  readonly #rpc = new Map<string, string>();

  join(member: BusMember): void {
    this.#members.set(member.id, member);
  }

  /** A communicator closes: its identifiers are freed and the tasks it was running go back to the front of their queues. */
  leave(memberId: string): void {
    this.#members.delete(memberId);
    for (const [identifier, owner] of this.#rpc) if (owner === memberId) this.#rpc.delete(identifier);
    for (const consumer of [...this.#consumers.values()]) {
      if (consumer.memberId === memberId) this.removeConsumer(consumer.spec.id, { giveBack: true });
    }
  }

  // ---- tasks -------------------------------------------------------------------------------------

  /** Queues a task; returns its handle for {@link withdraw}. */
  enqueue(queueName: string, text: string): unknown {
    const queue = this.#queue(queueName);
    const task: QueuedTask = { text, deliveries: 0 };
    queue.pending.push(task);
    this.#schedulePump(queue);
    return task;
  }

  /** Removes a task that is still waiting in its queue (its sender gave up); a taken one stays. */
  withdraw(queueName: string, handle: unknown): void {
    this.#queue(queueName).pending.remove(handle as QueuedTask);
  }

  addConsumer(memberId: string, spec: ConsumerSpec): void {
    const consumer: Consumer = { spec, memberId, inFlight: new Set() };
    this.#consumers.set(spec.id, consumer);
    const queue = this.#queue(spec.queue);
    queue.consumers.push(consumer);
    this.#schedulePump(queue);
  }

  /**
   * Takes a consumer out of the rotation. Its running tasks either finish normally (`giveBack`
   * false: removeTaskSubscriber) or go back to the front of the queue at once (its communicator closed).
   */
  removeConsumer(id: string, { giveBack }: { giveBack: boolean }): void {
    const consumer = this.#consumers.get(id);
    if (!consumer) return;
    this.#consumers.delete(id);
    const queue = this.#queue(consumer.spec.queue);
    const index = queue.consumers.indexOf(consumer);
    queue.consumers.splice(index, 1);
    if (queue.next > index) queue.next -= 1;
    if (giveBack && consumer.inFlight.size > 0) {
      const tasks = [...consumer.inFlight];
      consumer.inFlight.clear();
      for (const task of tasks) delete task.holder;
      for (let i = tasks.length - 1; i >= 0; i -= 1) queue.pending.unshift(tasks[i]!);
      this.#schedulePump(queue);
    }
  }

  #queue(name: string): Queue {
    let queue = this.#queues.get(name);
    if (!queue) {
      queue = { pending: new Deque<QueuedTask>(), consumers: [], next: 0, pumpScheduled: false };
      this.#queues.set(name, queue);
    }
    return queue;
  }

  #schedulePump(queue: Queue): void {
    if (queue.pumpScheduled) return;
    queue.pumpScheduled = true;
    setImmediate(() => {
      queue.pumpScheduled = false;
      this.#pump(queue);
    });
  }

  #pump(queue: Queue): void {
    while (queue.pending.length > 0) {
      const consumer = this.#nextFree(queue);
      if (!consumer) return;
      const task = queue.pending.shift()!;
      task.deliveries += 1;
      task.holder = consumer;
      consumer.inFlight.add(task);
      void consumer.spec.run(task.text, task.deliveries).then((settlement) => this.#settle(queue, consumer, task, settlement));
    }
  }

  #nextFree(queue: Queue): Consumer | undefined {
    const count = queue.consumers.length;
    for (let step = 0; step < count; step++) {
      const index = (queue.next + step) % count;
      const consumer = queue.consumers[index]!;
      if (consumer.inFlight.size < consumer.spec.concurrency) {
        queue.next = (index + 1) % count;
        return consumer;
      }
    }
    return undefined;
  }

  #settle(queue: Queue, consumer: Consumer, task: QueuedTask, settlement: TaskSettlement): void {
    if (task.holder !== consumer) return; // given back when its communicator closed: someone else answers
    consumer.inFlight.delete(task);
    delete task.holder;
    this.#reply(settlement);
    this.#schedulePump(queue);
  }

  #reply(settlement: TaskSettlement | undefined): void {
    if (settlement?.replyTo === undefined || settlement.id === undefined || settlement.outcome === undefined) return;
    this.#members.get(settlement.replyTo)?.onReply(settlement.id, settlement.outcome);
  }

  // ---- rpc ---------------------------------------------------------------------------------------

  registerRpc(identifier: string, memberId: string): void {
    const owner = this.#rpc.get(identifier);
    if (owner !== undefined && owner !== memberId) {
      throw new DuplicateSubscriberError(`RPC identifier '${identifier}' is already subscribed by communicator ${owner}`, { identifier });
    }
    this.#rpc.set(identifier, memberId);
  }

  unregisterRpc(identifier: string, memberId: string): void {
    if (this.#rpc.get(identifier) === memberId) this.#rpc.delete(identifier);
  }

  sendRpc(recipient: string, text: string): void {
    const owner = this.#rpc.get(recipient);
    if (owner === undefined) throw new UnknownRecipientError(`No RPC subscriber '${recipient}' on this bus`, { recipient });
    setImmediate(() => {
      const member = this.#members.get(owner);
      if (!member) return; // closed meanwhile: like a dead program, it never answers
      void member.onRpc(text).then((settlement) => this.#reply(settlement));
    });
  }

  // ---- broadcast ---------------------------------------------------------------------------------

  publish(text: string): void {
    const members = [...this.#members.values()];
    setImmediate(() => {
      for (const member of members) if (this.#members.has(member.id)) member.onBroadcast(text);
    });
  }
}
