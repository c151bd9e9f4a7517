/**
 * ProcessLauncher: takes launch and continue tasks from a communicator's queue and runs the
 * processes they name, remotely controllable on that communicator (plumpy's ProcessLauncher).
 *
 * Durability comes from two things together. A task stays unacknowledged while its process runs,
 * so if the program dies the task is redelivered to another launcher; and with a persister the
 * process checkpoints after every step, so that launcher continues it from its last checkpoint. A
 * launch request carries the pid (the controller picks it), so a redelivered launch finds the
 * checkpoint of the process it started instead of starting a second one. Before it loads or makes
 * a process, the launcher claims the pid on the communicator: two programs never run one process.
 */
import { Process } from '../process/process.js';
import { summarizeCheckpoint } from '../process/checkpoint-info.js';
import type { AnyProcess } from '../process/events.js';
import { claimProcess, liveControls, type ClaimOptions } from '../process/remote.js';
import { messageOf } from '../process/util.js';
import type { Executor } from '../executors/types.js';
import { registeredProcessClass } from '../persistence/bundle.js';
import { CheckpointNotFoundError, UnknownProcessClassError } from '../persistence/errors.js';
import type { Checkpoint, Persister } from '../persistence/types.js';
import { GatedPersister } from './gated-persister.js';
import { MissingPersisterError, ProcessTerminatedError, UnknownProcessError } from './remote-errors.js';
import { DEFAULT_PROCESS_QUEUE, parseLauncherRequest, type LaunchRequest, type RunRequest } from './remote-protocol.js';
import type { Communicator, TaskInfo } from './types.js';
import { checkCount, checkName } from './validate.js';

export interface ProcessLauncherOptions extends ClaimOptions {
  /**
   * Where processes checkpoint (after every step). Without one, a process lives only as long as
   * this program: a launch task that is redelivered starts it afresh, `continue` is refused
   * (MissingPersisterError), and a `nowait` launch runs here, in the background.
   * @default none
   */
  persister?: Persister;
  /**
   * The executor processes submit work to (`this.executor` in their steps).
   * @default none
   */
  executor?: Executor;
  /**
   * The queue to take tasks from; controllers send to the same one.
   * @default 'processes'
   */
  queue?: string;
  /**
   * How many processes run here at once (each task holds a slot until its process terminates;
   * processes mostly wait, so this can be high).
   * @default 100
   */
  concurrency?: number;
  /**
   * Called with one line for each process launched, continued and terminated, e.g. for a daemon's log.
   * @default none
   */
  log?: (line: string) => void;
}

const DEFAULT_CONCURRENCY = 100;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a process class of any inputs and outputs
type ProcessClass = typeof Process<any, any>;

/** A handler result that never settles: the task stays unacknowledged, to be handed back. */
function held(): Promise<never> {
  return new Promise<never>(() => undefined);
}

export class ProcessLauncher {
  readonly communicator: Communicator;
  readonly queue: string;
  readonly #options: ProcessLauncherOptions;
  readonly #gate: GatedPersister | undefined;
  readonly #concurrency: number;
  readonly #running = new Map<string, AnyProcess>();
  #subscriberId: string | undefined;
  #closing: Promise<void> | undefined;

  constructor(communicator: Communicator, options: ProcessLauncherOptions = {}) {
    this.communicator = communicator;
    this.#options = options;
    this.queue = checkName(options.queue ?? DEFAULT_PROCESS_QUEUE, 'queue');
    this.#concurrency = checkCount(options.concurrency ?? DEFAULT_CONCURRENCY, 'concurrency');
    this.#gate = options.persister === undefined ? undefined : new GatedPersister(options.persister);
  }

  /** The processes this launcher runs now, by pid (not their children). */
  get processes(): ReadonlyMap<string, AnyProcess> {
    return this.#running;
  }

  /** Starts taking tasks from the queue. */
  async start(): Promise<void> {
    if (this.#closing !== undefined) throw new Error('ProcessLauncher.start(): the launcher is closed');
    if (this.#subscriberId !== undefined) return;
    this.#subscriberId = await this.communicator.addTaskSubscriber((body, info) => this.handle(body, info), {
      queue: this.queue, concurrency: this.#concurrency,
    });
  }

  /**
   * Handles one task (what the queue subscription calls): resolves to the outputs of the process,
   * or to its pid for a `nowait` request; rejects with its error, a KilledError, an
   * UnknownProcessClassError... Exposed for communicators subscribed by hand.
   */
  handle(body: unknown, info: TaskInfo): Promise<unknown> {
    if (this.#closing !== undefined) return held();
    return this.#dispatch(body, info).then(
      (value) => (this.#closing !== undefined ? held() : value),
      (error: unknown) => {
        if (this.#closing !== undefined) return held();
        throw error;
      },
    );
  }

  /**
   * Hands the running processes back: no more checkpoint is written from here (the gate is shut
   * once the saves under way are written), their controls are detached, and they are killed here
   * without that being saved or broadcast. Their tasks are left unacknowledged and tasks taken from
   * now on are held, so that closing the communicator (do it next) gives them all back to the queue,
   * where another launcher continues each process from its last checkpoint. A process launched
   * `nowait` without a persister has nothing to hand back: it is simply killed.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      const gate = this.#gate;
      const ours = (process: AnyProcess | undefined): boolean =>
        process !== undefined && ((gate !== undefined && process.persister === gate) || this.#running.get(process.pid) === process);
      await gate?.shutGate();
      await Promise.all(liveControls(this.communicator).filter((control) => ours(control.process)).map((control) => control.detach()));
      for (const process of this.#running.values()) process.kill('handed back: its launcher closed');
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  // ---------------------------------------------------------------- requests

  async #dispatch(body: unknown, info: TaskInfo): Promise<unknown> {
    const request = parseLauncherRequest(body);
    switch (request.intent) {
      case 'launch':
        return this.#launch(request, info);
      case 'continue': {
        const gate = this.#requirePersister(`continue process ${request.pid}`, request.pid);
        if (!request.nowait) return this.#run(request.pid, () => this.#load(gate, request.pid, info));
        const summary = summarizeCheckpoint((await this.#checkpoint(gate, request.pid)).bundle);
        if (summary.terminated) {
          throw new ProcessTerminatedError(`process ${request.pid} has already terminated (${summary.state}): there is nothing to continue`, {
            pid: request.pid, state: summary.state,
          });
        }
        await this.#sendRun(request.pid);
        return request.pid;
      }
      case 'run':
        return this.#runDetached(request, info);
    }
  }

  async #launch(request: LaunchRequest, info: TaskInfo): Promise<unknown> {
    const cls = this.#classOf(request.processClass);
    // Without a pid from the sender, the task id: the same on every delivery of the task.
    const pid = request.pid ?? info.id;
    const gate = this.#gate;
    if (!request.nowait) {
      return this.#run(pid, async () => {
        const checkpoint = gate === undefined ? undefined : await this.#existing(gate, pid);
        // A redelivered launch: the process it started is in the store.
        if (checkpoint !== undefined) return this.#continued(await cls.fromBundle(checkpoint.bundle, this.#processOptions()), info);
        this.#log(`launching ${request.processClass} ${pid}${info.deliveries > 1 ? ` (delivery ${info.deliveries})` : ''}`);
        return new cls(request.inputs, { ...this.#processOptions(), pid });
      });
    }
    if (gate === undefined) return this.#launchHere(cls, request, pid);
    if ((await this.#existing(gate, pid)) === undefined) {
      // Made (so the inputs are validated and the sender hears of a mistake) and saved, not run:
      // the run is a task of its own, which survives this program.
      const process = new cls(request.inputs, { pid });
      await gate.saveCheckpoint(process);
      this.#log(`launched ${request.processClass} ${pid} (nowait)`);
    }
    await this.#sendRun(pid);
    return pid;
  }

  /** A `nowait` launch without a persister: runs here, in the background, as plumpy does. */
  async #launchHere(cls: ProcessClass, request: LaunchRequest, pid: string): Promise<string> {
    const control = await claimProcess(this.communicator, pid, this.#options);
    let process: AnyProcess;
    try {
      process = new cls(request.inputs, { ...this.#processOptions(), pid });
    } catch (error) {
      await control.release(error);
      throw error;
    }
    this.#log(`launching ${request.processClass} ${pid} (nowait, not persisted)`);
    this.#running.set(pid, process);
    void process.stepUntilTerminated()
      .catch(() => undefined)
      .then(() => {
        if (this.#running.get(pid) === process) this.#running.delete(pid);
        if (this.#closing === undefined) this.#log(ending(process));
      });
    return pid;
  }

  /** A `run` task: the outcome goes nowhere (nobody waits), so it is only logged. */
  async #runDetached(request: RunRequest, info: TaskInfo): Promise<void> {
    const gate = this.#requirePersister(`run process ${request.pid}`, request.pid);
    let ended = false;
    try {
      await this.#run(request.pid, () => this.#load(gate, request.pid, info), () => { ended = true; });
    } catch (error) {
      // How the process ended is logged already; what kept it from running is not.
      if (!ended && this.#closing === undefined) this.#log(`cannot run process ${request.pid}: ${messageOf(error)}`);
    }
  }

  /**
   * Claims the pid, makes the process (loaded or new), runs it to its end and resolves to its
   * outputs. The claim comes first: the checkpoint read after it is the latest one.
   */
  async #run(pid: string, make: () => Promise<AnyProcess> | AnyProcess, onEnd?: () => void): Promise<unknown> {
    const control = await claimProcess(this.communicator, pid, this.#options);
    let process: AnyProcess;
    try {
      process = await make();
    } catch (error) {
      await control.release(error);
      throw error;
    }
    if (this.#closing !== undefined) {
      // Closed while it was being loaded: handed back like the others.
      await control.detach();
      process.kill('handed back: its launcher closed');
      return held();
    }
    this.#running.set(pid, process);
    try {
      return await process.execute();
    } finally {
      if (this.#running.get(pid) === process) this.#running.delete(pid);
      if (this.#closing === undefined) this.#log(ending(process));
      onEnd?.();
      await control.closed;
    }
  }

  async #load(gate: GatedPersister, pid: string, info: TaskInfo): Promise<AnyProcess> {
    const checkpoint = await this.#checkpoint(gate, pid);
    return this.#continued(await Process.fromBundle(checkpoint.bundle, this.#processOptions()), info);
  }

  #continued(process: AnyProcess, info: TaskInfo): AnyProcess {
    const delivery = info.deliveries > 1 ? `, delivery ${info.deliveries}` : '';
    this.#log(`continuing ${process.getName()} ${process.pid} from its checkpoint (${process.state}${delivery})`);
    return process;
  }

  // ---------------------------------------------------------------- helpers

  #processOptions(): { persister?: Persister; executor?: Executor; communicator: Communicator } {
    const options: { persister?: Persister; executor?: Executor; communicator: Communicator } = { communicator: this.communicator };
    if (this.#gate !== undefined) options.persister = this.#gate;
    if (this.#options.executor !== undefined) options.executor = this.#options.executor;
    return options;
  }

  #classOf(name: string): ProcessClass {
    const cls = registeredProcessClass(name) as ProcessClass | undefined;
    if (cls === undefined || !(cls.prototype instanceof Process)) {
      throw new UnknownProcessClassError(
        `no process class is registered as "${name}" in the launcher's program: load the module that defines it (taskfarm daemon --process-module) or call registerProcesses`,
      );
    }
    return cls;
  }

  #requirePersister(what: string, pid: string): GatedPersister {
    if (this.#gate === undefined) throw new MissingPersisterError(`cannot ${what}: the launcher has no persister`, { pid });
    return this.#gate;
  }

  async #checkpoint(gate: GatedPersister, pid: string): Promise<Checkpoint> {
    const checkpoint = await this.#existing(gate, pid);
    if (checkpoint === undefined) throw new UnknownProcessError(`no process ${pid}: the launcher's persister has no checkpoint of it`, { pid });
    return checkpoint;
  }

  async #existing(gate: GatedPersister, pid: string): Promise<Checkpoint | undefined> {
    try {
      return await gate.loadCheckpoint(pid);
    } catch (error) {
      if (error instanceof CheckpointNotFoundError) return undefined;
      throw error;
    }
  }

  #sendRun(pid: string): Promise<void> {
    const run: RunRequest = { intent: 'run', pid };
    return this.communicator.task(run, { queue: this.queue, noReply: true });
  }

  #log(line: string): void {
    this.#options.log?.(line);
  }
}

function ending(process: AnyProcess): string {
  const detail = process.state === 'EXCEPTED'
    ? `: ${messageOf(process.exception)}`
    : process.status !== undefined ? `: ${process.status}` : '';
  return `${process.getName()} ${process.pid} ${process.state}${detail}`;
}
