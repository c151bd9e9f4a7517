/**
 * Remote control of one process over a communicator, as plumpy's processes have it:
 *
 * - it answers RPCs addressed to its pid: `status`, `pause`, `play`, `kill` (pause, play and kill
 *   answer with the status once they took effect: a pause or kill asked during an async step waits
 *   for the step to return);
 * - it obeys the broadcasts `intent.pause`, `intent.play` and `intent.kill` (pauseAll, playAll, killAll);
 * - it broadcasts each change of state, subject `state_changed.<from>.<to>`, sender its pid;
 * - it unsubscribes once it has terminated.
 *
 * Holding the pid's RPC identifier is also what keeps two programs from running one process: a
 * launcher claims the pid before it loads the checkpoint ({@link claimProcess}), and the process
 * it then makes binds to that claim. This module only listens to the process's events; the state
 * machine knows nothing of communicators.
 */
import { hostname } from 'node:os';
import { emitWarning, pid as osPid } from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Subscription } from '../core/emitter.js';
import { CommunicatorClosedError, DuplicateSubscriberError } from '../comms/errors.js';
import { ProcessAlreadyRunningError, ProcessTerminatedError } from '../comms/remote-errors.js';
import {
  broadcastIntent, broadcastMessage, INTENT_FILTER, parseControlRpc, stateChangedSubject,
  type BroadcastIntent, type ProcessStatus, type StateChange,
} from '../comms/remote-protocol.js';
import type { BroadcastMessage, Communicator } from '../comms/types.js';
import { ProcessStateError } from './errors.js';
import type { AnyProcess } from './events.js';
import { isTerminal, type ProcessState } from './states.js';
import { deferred } from './util.js';

/** How a process claims its pid on a communicator. */
export interface ClaimOptions {
  /**
   * How long to keep trying when another communicator holds the pid but does not answer to it: a
   * program that died holds it until its communicator counts as dead (RedisCommunicator's
   * `deadAfter`). After that, ProcessAlreadyRunningError. Keep it above `deadAfter`.
   * @default 30_000
   */
  claimTimeout?: number;
  /**
   * How long the holder of the pid has to answer a status RPC before it is taken for dead. A holder
   * that answers is alive: ProcessAlreadyRunningError at once.
   * @default 2_000
   */
  probeTimeout?: number;
}

const DEFAULT_CLAIM_TIMEOUT = 30_000;
const DEFAULT_PROBE_TIMEOUT = 2_000;
/** Pause between two attempts to claim a pid held by a silent communicator. */
const CLAIM_RETRY_MS = 250;

/** Events after which a waiting pause or kill RPC looks again whether it took effect. */
const WATCHED = ['running', 'waiting', 'paused', 'played', 'finished', 'excepted', 'killed'] as const;

/** Pids claimed on a communicator, waiting for their process to be made. */
const claims = new WeakMap<Communicator, Map<string, RemoteControl>>();
const controls = new WeakMap<AnyProcess, RemoteControl>();
/** Controls subscribed (or subscribing) on a communicator, until they close. */
const live = new WeakMap<Communicator, Set<RemoteControl>>();

interface Bound {
  promise: Promise<AnyProcess>;
  resolve(process: AnyProcess): void;
  reject(error: unknown): void;
}

function bound(): Bound {
  let resolve!: (process: AnyProcess) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<AnyProcess>((res, rej) => { resolve = res; reject = rej; });
  promise.catch(() => undefined); // a claim released before binding: its waiters see the error, nobody else must
  return { promise, resolve, reject };
}

/**
 * One process's subscriptions on one communicator. Made by the `communicator` option of a process,
 * or by {@link claimProcess} before the process exists.
 */
export class RemoteControl {
  readonly pid: string;
  readonly communicator: Communicator;
  /**
   * Resolves once the process answers RPCs and broadcasts (at once on the LocalCommunicator; after a
   * round trip on Redis: await it before sending RPCs to a process you just made). Rejects with
   * ProcessAlreadyRunningError if another live program holds the pid.
   */
  readonly ready: Promise<void>;
  readonly #bound = bound();
  #process: AnyProcess | undefined;
  #last: ProcessState | undefined;
  #broadcastId: string | undefined;
  #events: Subscription[] = [];
  /** Pause and kill RPCs waiting to take effect: each returns true once done. */
  readonly #waiters = new Set<() => boolean>();
  /** A broadcast intent that arrived while the pid was claimed but the process not yet made. */
  #early: { intent: BroadcastIntent; message: string | undefined } | undefined;
  /** Plays seen (events, or cancelled pauses): a waiting pause ends at the next one. */
  #plays = 0;
  #silent = false;
  #closing = false;
  readonly #unsubscribed = deferred();

  private constructor(communicator: Communicator, pid: string, options: ClaimOptions) {
    this.communicator = communicator;
    this.pid = pid;
    this.ready = this.#subscribe(options);
    // Whoever made the control reports the failure; the control itself just lets go.
    this.ready.catch(() => { void this.#close(); });
    let set = live.get(communicator);
    if (set === undefined) live.set(communicator, (set = new Set()));
    set.add(this);
  }

  /** The controlled process, once made. */
  get process(): AnyProcess | undefined {
    return this.#process;
  }

  /** Resolves once the control has unsubscribed (the process terminated, or it was detached). */
  get closed(): Promise<void> {
    return this.#unsubscribed.promise;
  }

  /** The process's status, as the `status` RPC answers it. */
  status(): ProcessStatus {
    const process = this.#process;
    if (process === undefined) throw new ProcessStateError(`status(): process ${this.pid} is claimed but not yet made`);
    const status: ProcessStatus = {
      pid: this.pid,
      processClass: process.getName(),
      state: process.state,
      paused: process.paused,
      live: true,
      runner: { host: hostname(), pid: osPid, communicator: this.communicator.id },
    };
    if (process.status !== undefined) status.status = process.status;
    if (process.state === 'FINISHED') status.successful = process.isSuccessful;
    return status;
  }

  /**
   * Stops answering and broadcasting, and unsubscribes, leaving the process as it is (a launcher
   * handing its processes back calls this first, so that nothing it does next is heard).
   */
  detach(): Promise<void> {
    this.#silent = true;
    return this.#close();
  }

  /** @internal A claim whose process could not be made: its waiting RPCs fail with `error`, the pid is freed. */
  release(error: unknown): Promise<void> {
    claims.get(this.communicator)?.delete(this.pid);
    this.#bound.reject(error);
    return this.#close();
  }

  /** @internal Starts controlling `process` (whose pid this control holds or is claiming). */
  bind(process: AnyProcess): void {
    if (this.#process !== undefined) throw new Error(`RemoteControl ${this.pid} is already bound`);
    this.#process = process;
    this.#last = process.state;
    controls.set(process, this);
    this.#bound.resolve(process);
    if (process.hasTerminated) {
      void this.#close();
      return;
    }
    // Counted before the waiters look, so that a waiting pause sees the play that cancels it.
    this.#events.push(process.on('played', () => { this.#plays += 1; }));
    for (const event of WATCHED) this.#events.push(process.on(event, () => this.#onEvent()));
    const early = this.#early;
    this.#early = undefined;
    if (early !== undefined) this.#obey(early.intent, early.message);
  }

  // ---------------------------------------------------------------- subscriptions

  async #subscribe(options: ClaimOptions): Promise<void> {
    await this.#claimIdentifier(options);
    try {
      this.#broadcastId = await this.communicator.addBroadcastSubscriber((message) => this.#onBroadcast(message), { subject: INTENT_FILTER });
    } catch (error) {
      await this.communicator.removeRpcSubscriber(this.pid).catch(() => undefined);
      throw error;
    }
  }

  /** Subscribes the pid; a holder that answers is a live twin, one that does not is waited out. */
  async #claimIdentifier(options: ClaimOptions): Promise<void> {
    const claimTimeout = options.claimTimeout ?? DEFAULT_CLAIM_TIMEOUT;
    const probeTimeout = options.probeTimeout ?? DEFAULT_PROBE_TIMEOUT;
    const deadline = Date.now() + claimTimeout;
    for (;;) {
      try {
        await this.communicator.addRpcSubscriber((body) => this.#answer(body), this.pid);
        return;
      } catch (error) {
        if (!(error instanceof DuplicateSubscriberError)) throw error;
      }
      if (await this.#holderAnswers(probeTimeout)) {
        throw new ProcessAlreadyRunningError(`process ${this.pid} already runs in another program (it answers to its pid)`, { pid: this.pid });
      }
      if (Date.now() >= deadline) {
        throw new ProcessAlreadyRunningError(
          `process ${this.pid} is held by a communicator that does not answer; gave up after ${claimTimeout} ms (claimTimeout)`,
          { pid: this.pid },
        );
      }
      await sleep(CLAIM_RETRY_MS);
    }
  }

  async #holderAnswers(timeout: number): Promise<boolean> {
    try {
      await this.communicator.rpcSend(this.pid, { intent: 'status' }, { timeout });
      return true;
    } catch (error) {
      if (error instanceof CommunicatorClosedError) throw error;
      // Unknown: freed meanwhile. Timeout: a dead holder. Another error: a holder letting go.
      return false;
    }
  }

  #close(): Promise<void> {
    if (!this.#closing) {
      this.#closing = true;
      for (const subscription of this.#events) subscription.off();
      this.#events = [];
      this.#wakeWaiters();
      live.get(this.communicator)?.delete(this);
      void this.#unsubscribe().finally(() => this.#unsubscribed.resolve());
    }
    return this.#unsubscribed.promise;
  }

  async #unsubscribe(): Promise<void> {
    try {
      await this.ready;
    } catch {
      return; // never subscribed
    }
    const { communicator } = this;
    if (communicator.closed) return;
    const removals: Promise<void>[] = [communicator.removeRpcSubscriber(this.pid)];
    if (this.#broadcastId !== undefined) removals.push(communicator.removeBroadcastSubscriber(this.#broadcastId));
    await Promise.allSettled(removals);
  }

  // ---------------------------------------------------------------- what the process does

  #onEvent(): void {
    const process = this.#process!;
    const to = process.state;
    const from = this.#last!;
    if (to !== from) {
      this.#last = to;
      const change: StateChange = { pid: this.pid, processClass: process.getName(), from, to };
      this.#broadcast(stateChangedSubject(from, to), change);
    }
    this.#wakeWaiters();
    if (isTerminal(to)) void this.#close();
  }

  #broadcast(subject: string, body: unknown): void {
    if (this.#silent || this.communicator.closed) return;
    this.communicator.broadcastSend(body, { subject, sender: this.pid }).catch((error: unknown) => {
      if (!(error instanceof CommunicatorClosedError)) emitWarning(error as Error);
    });
  }

  /** Runs the waiting RPCs' checks; each one that is done (or sees the control closing) goes. */
  #wakeWaiters(): void {
    for (const waiter of [...this.#waiters]) if (waiter()) this.#waiters.delete(waiter);
  }

  /** Resolves once `done()` is true, checked now and after each event of the process. */
  #until(done: () => boolean): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve) => {
      this.#waiters.add(() => {
        if (!done() && !this.#closing) return false;
        resolve();
        return true;
      });
    });
  }

  // ---------------------------------------------------------------- what others ask

  async #answer(body: unknown): Promise<ProcessStatus> {
    const rpc = parseControlRpc(body);
    const process = await this.#bound.promise;
    if (rpc.intent === 'status') return this.status();
    if (process.hasTerminated) {
      throw new ProcessTerminatedError(`cannot ${rpc.intent} process ${this.pid}: it has terminated (${process.state})`, { pid: this.pid, state: process.state });
    }
    switch (rpc.intent) {
      case 'pause': {
        // A play before the pause took effect (asked during an async step) cancels it: stop waiting then too.
        const plays = this.#plays;
        process.pause(rpc.message);
        await this.#until(() => process.paused || process.hasTerminated || this.#plays !== plays);
        break;
      }
      case 'play':
        this.#play(process);
        break;
      case 'kill':
        process.kill(rpc.message);
        await this.#until(() => process.hasTerminated);
        break;
    }
    return this.status();
  }

  #onBroadcast(message: BroadcastMessage): void {
    const intent = broadcastIntent(message.subject);
    if (intent === undefined || this.#silent) return;
    const text = broadcastMessage(message.body);
    if (this.#process === undefined) this.#early = { intent, message: text };
    else this.#obey(intent, text);
  }

  #obey(intent: BroadcastIntent, message: string | undefined): void {
    const process = this.#process!;
    if (intent === 'pause') process.pause(message);
    else if (intent === 'play') this.#play(process);
    else process.kill(message);
  }

  #play(process: AnyProcess): void {
    const plays = this.#plays;
    process.play();
    // Cancelling a pause that had not yet taken effect emits no `played`: count it here.
    if (this.#plays === plays) {
      this.#plays += 1;
      this.#wakeWaiters();
    }
  }

  // ---------------------------------------------------------------- making controls

  /** @internal */
  static create(communicator: Communicator, pid: string, options: ClaimOptions): RemoteControl {
    return new RemoteControl(communicator, pid, options);
  }
}

/**
 * Claims `pid` on `communicator` before its process exists (a launcher, before it loads the
 * checkpoint): resolves once this program alone answers to the pid. A process then made with this
 * pid and `{ communicator }` binds to the claim. Rejects with ProcessAlreadyRunningError when
 * another live program runs the process.
 */
export async function claimProcess(communicator: Communicator, pid: string, options: ClaimOptions = {}): Promise<RemoteControl> {
  let pending = claims.get(communicator);
  if (pending === undefined) claims.set(communicator, (pending = new Map()));
  if (pending.has(pid)) throw new ProcessAlreadyRunningError(`process ${pid} is already being claimed in this program`, { pid });
  const control = RemoteControl.create(communicator, pid, options);
  pending.set(pid, control);
  try {
    await control.ready;
  } catch (error) {
    if (pending.get(pid) === control) pending.delete(pid);
    throw error;
  }
  return control;
}

/**
 * @internal Called by a process given a communicator: binds to the claim of its pid, or subscribes
 * anew. A subscription that fails (another live program holds the pid) is reported as a warning
 * unless the caller awaits `ready`; the process itself runs on, uncontrolled.
 */
export function attachRemoteControl(process: AnyProcess, communicator: Communicator, options: ClaimOptions = {}): RemoteControl {
  const pending = claims.get(communicator);
  const claimed = pending?.get(process.pid);
  if (claimed !== undefined && claimed.process === undefined) {
    pending!.delete(process.pid);
    claimed.bind(process);
    return claimed;
  }
  const control = RemoteControl.create(communicator, process.pid, options);
  control.ready.catch((error: unknown) => {
    if (!(error instanceof CommunicatorClosedError)) emitWarning(error as Error);
  });
  control.bind(process);
  return control;
}

/** The remote control of a process made with `{ communicator }` (or launched by a ProcessLauncher). */
export function remoteControlOf(process: AnyProcess): RemoteControl | undefined {
  return controls.get(process);
}

/** The controls live on a communicator (a launcher handing its processes back detaches its own). */
export function liveControls(communicator: Communicator): RemoteControl[] {
  return [...(live.get(communicator) ?? [])];
}
