/**
 * Process: the state machine of ProcessMachine with a spec (input and output ports), validated
 * inputs, emitted outputs, and checkpoints: `save()`, `fromBundle`, `load`, and, with a persister,
 * an automatic checkpoint after every step.
 */
import { randomUUID } from 'node:crypto';
import type { Communicator } from '../comms/types.js';
import { ValidationError } from '../core/errors.js';
import type { Executor } from '../executors/types.js';
import {
  BUNDLE_FORMAT, BUNDLE_VERSION, parseBundle, registeredProcessClass, unbundle,
  type JsonObject, type ProcessBundle, type Savable, type UnbundleOptions,
} from '../persistence/bundle.js';
import { CorruptCheckpointError } from '../persistence/errors.js';
import type { Persister } from '../persistence/types.js';
import { ProcessDefinitionError, ProcessStateError } from './errors.js';
import {
  AFTER_CHANGE, AFTER_LOAD, CHECK_OUTPUTS, CHECKPOINT, CHILD_OPTIONS, FAIL, LOAD_STATE, MACHINE_FIELDS, OUTPUTS, RESTORING, SAVE_STATE,
  type LoadFail,
} from './internal.js';
import { deepFreeze } from './json.js';
import { checkOutput, setOutput } from './outputs.js';
import { ProcessMachine } from './process-machine.js';
import { decodeFields, encodeFields } from './process-state.js';
import { validateNamespace } from './ports.js';
import { ensureRegistered, processNameOf, registerIfFree } from './registry.js';
import { ProcessSpec } from './spec.js';
import { attachRemoteControl } from './remote.js';
import { ProcessState } from './states.js';
import { methodNamed } from './steps.js';
import type { AnyPorts, InputArgs, InputsView, PortPath, ValueAt } from './types.js';

/** Options of a process. */
export interface ProcessOptions {
  /**
   * Where the process checkpoints itself: after every step and state change, untagged (each
   * checkpoint replaces the previous one). Children launched by a work chain use it too.
   * @default none: no automatic checkpoints
   */
  persister?: Persister;
  /**
   * The executor steps submit work to (`this.executor`); children launched by a work chain get it too.
   * @default none: `this.executor` throws
   */
  executor?: Executor;
  /**
   * The process id, the key of its checkpoints.
   * @default a new random UUID
   */
  pid?: string;
  /**
   * Makes the process remotely controllable: it answers the RPCs `status`, `pause`, `play` and
   * `kill` sent to its pid, obeys pauseAll/playAll/killAll broadcasts, broadcasts its state changes
   * and unsubscribes once terminated (see docs/remote.md). Children launched by a work chain get it too.
   * @default none: not remotely controllable
   */
  communicator?: Communicator;
}

interface InternalOptions extends ProcessOptions {
  [RESTORING]?: boolean;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a process class of any inputs and outputs
type ProcessClass = typeof Process<any, any>;

const specs = new WeakMap<Function, ProcessSpec>();

export class Process<I extends object = AnyPorts, O extends object = AnyPorts> extends ProcessMachine implements Savable {
  /**
   * The name the class is saved and registered under.
   * @default the class name
   */
  static processName?: string;

  /** Declares the ports. Override it, and call `super.define(spec)` first. */
  static define(spec: ProcessSpec): void {
    spec.baseDefined = true;
  }

  /** The spec object `define` fills; work chains make a WorkChainSpec. */
  protected static createSpec(): ProcessSpec {
    return new ProcessSpec();
  }

  /** The class's spec, built by `define` on first use and sealed. */
  static spec(): ProcessSpec {
    let spec = specs.get(this);
    if (spec === undefined) {
      spec = this.createSpec();
      this.define(spec);
      if (!spec.baseDefined) throw new ProcessDefinitionError(`${this.name}.define(spec) must call super.define(spec)`);
      spec.resolve(this);
      spec.seal();
      specs.set(this, spec);
      registerIfFree(this);
    }
    return spec;
  }

  /**
   * Rebuilds a process from a checkpoint bundle. Called on a class, the bundle must be of that class
   * (or of a registered subclass); called on Process itself, the class is found by its registered
   * name. `options` may carry `persister` (to go on checkpointing, and to reload children) and
   * `executor`. CorruptCheckpointError if the bundle's state is not one of that class.
   */
  static async fromBundle<T extends Process>(this: abstract new (...args: never[]) => T, bundle: ProcessBundle, options: UnbundleOptions = {}): Promise<T> {
    const self = this as unknown as ProcessClass;
    const valid = parseBundle(bundle);
    if (self === Process) return unbundle<T>(valid, options);
    let cls: ProcessClass = self;
    if (valid.className !== processNameOf(self)) {
      const named = registeredProcessClass(valid.className) as ProcessClass | undefined;
      if (named === undefined || !(named.prototype instanceof self)) {
        throw new ValidationError(`the checkpoint of process ${valid.pid} is of class "${valid.className}", not ${processNameOf(self)}`);
      }
      cls = named;
    }
    ensureRegistered(cls);
    const internal: InternalOptions = { pid: valid.pid, [RESTORING]: true };
    if (options.persister !== undefined) internal.persister = options.persister as Persister;
    if (options.executor !== undefined) internal.executor = options.executor as Executor;
    if (options.communicator !== undefined) internal.communicator = options.communicator as Communicator;
    const process = new cls(undefined, internal);
    const fail: LoadFail = (why, cause) => {
      throw new CorruptCheckpointError(`the checkpoint of process ${valid.pid} is not a valid ${valid.className} state: ${why}`, { pid: valid.pid, cause });
    };
    process[LOAD_STATE](valid.state, fail);
    await process[AFTER_LOAD](options);
    // Only now: its state is the restored one, which the control reports and broadcasts from.
    if (internal.communicator !== undefined) attachRemoteControl(process, internal.communicator);
    return process as unknown as T;
  }

  /**
   * Loads a process from its latest checkpoint (or the one tagged `tag`) in `persister`; the restored
   * process goes on checkpointing there. `execute()` it to carry on where it stopped.
   */
  static async load<T extends Process>(
    this: abstract new (...args: never[]) => T,
    persister: Persister,
    pid: string,
    options: { tag?: string; executor?: Executor; communicator?: Communicator } = {},
  ): Promise<T> {
    const checkpoint = await persister.loadCheckpoint(pid, options.tag);
    const restore: UnbundleOptions = { persister };
    if (options.executor !== undefined) restore.executor = options.executor;
    if (options.communicator !== undefined) restore.communicator = options.communicator;
    return (this as unknown as ProcessClass).fromBundle(checkpoint.bundle, restore) as Promise<T>;
  }

  readonly pid: string;
  #inputs: Record<string, unknown> = {};
  #outputs: Record<string, unknown> = {};
  readonly #persister: Persister | undefined;
  readonly #executor: Executor | undefined;
  readonly #communicator: Communicator | undefined;
  readonly #saves = new Set<Promise<void>>();
  #saveError: unknown;

  constructor(inputs?: InputArgs<I>, options: ProcessOptions = {}) {
    const cls = new.target as unknown as ProcessClass;
    const spec = cls.spec();
    if (typeof options !== 'object' || options === null) throw new ValidationError('process options must be an object');
    const pid = options.pid ?? randomUUID();
    if (typeof pid !== 'string' || pid === '') throw new ValidationError('the pid option must be a non-empty string');
    super(`${processNameOf(cls)} ${pid}`);
    this.pid = pid;
    this.#persister = options.persister;
    this.#executor = options.executor;
    this.#communicator = options.communicator;
    if (!(options as InternalOptions)[RESTORING]) {
      const owner = processNameOf(cls);
      this.#inputs = deepFreeze(validateNamespace(spec.inputs, inputs ?? {}, 'inputs', { defaults: true, required: true, validators: true, owner }) ?? {});
      if (this.#communicator !== undefined) attachRemoteControl(this, this.#communicator);
    }
  }

  /** The validated inputs, defaults applied (read-only). */
  get inputs(): InputsView<I> {
    return this.#inputs as InputsView<I>;
  }

  /** The outputs emitted so far (read-only; emit with `out`). */
  get outputs(): Partial<O> {
    return this.#outputs as Partial<O>;
  }

  /** The executor given in the options; steps submit work to it. */
  get executor(): Executor {
    if (this.#executor === undefined) throw new ProcessStateError(`${this.getName()} has no executor: pass { executor } when creating (or loading) it`);
    return this.#executor;
  }

  /** The persister given in the options, if any. */
  get persister(): Persister | undefined {
    return this.#persister;
  }

  /** The communicator given in the options, if any: the process is then remotely controllable. */
  get communicator(): Communicator | undefined {
    return this.#communicator;
  }

  override getName(): string {
    return processNameOf(this.constructor);
  }

  override toString(): string {
    return `${this.getName()}<${this.pid}> (${this.state})`;
  }

  /**
   * Emits an output: `this.out('output2.output2a', value)`. The port must be declared (or be in a
   * dynamic namespace) and the value must pass its validator; only a running step may emit.
   */
  out<P extends PortPath<O>>(path: P, value: ValueAt<O, P>): void {
    if (this.state !== ProcessState.RUNNING) {
      throw new ProcessStateError(`out('${String(path)}'): only a running step may emit outputs; ${this.getName()} ${this.pid} is ${this.state}`);
    }
    const spec = (this.constructor as ProcessClass).spec();
    const dynamic = checkOutput(spec.outputs, String(path), value, this.getName());
    setOutput(this.#outputs, String(path), value);
    this.events.emit('output', this, String(path), value, dynamic);
  }

  /**
   * Runs the process until it terminates and returns its outputs (as plumpy's `execute`, also when
   * it finished unsuccessfully: check `isSuccessful`). Rejects with KilledError if it was killed,
   * with its error if it excepted.
   */
  async execute(): Promise<O> {
    await this.stepUntilTerminated();
    if (this.state !== ProcessState.FINISHED) this.result(); // throws the KilledError or the error
    return this.#outputs as O;
  }

  // ---------------------------------------------------------------- checkpoints

  /** A checkpoint bundle of the process as it is now. NotSerializableError if part of its state is not JSON. */
  save(): ProcessBundle {
    const className = ensureRegistered(this.constructor as ProcessClass);
    const state = encodeFields({ ...this[MACHINE_FIELDS], inputs: this.#inputs, outputs: this.#outputs });
    Object.assign(state, this[SAVE_STATE]());
    return { format: BUNDLE_FORMAT, version: BUNDLE_VERSION, className, pid: this.pid, savedAt: new Date().toISOString(), state };
  }

  /** @internal The subclass's part of a checkpoint. */
  protected [SAVE_STATE](): JsonObject {
    return {};
  }

  /** @internal Reads a checkpoint's state into this (empty, restoring) process. */
  protected [LOAD_STATE](state: JsonObject, fail: LoadFail): void {
    const f = decodeFields(state, fail);
    if (f.step !== undefined && methodNamed(this, f.step.name) === undefined) fail(`its step "${f.step.name}" is not a method of ${this.getName()}`);
    this.#inputs = deepFreeze(f.inputs);
    this.#outputs = f.outputs;
    this[MACHINE_FIELDS] = f;
  }

  /** @internal The asynchronous part of a restore. */
  protected async [AFTER_LOAD](_options: UnbundleOptions): Promise<void> {}

  /** @internal */
  protected get [OUTPUTS](): Record<string, unknown> {
    return this.#outputs;
  }

  /** @internal */
  protected [CHECK_OUTPUTS](): string | undefined {
    try {
      validateNamespace((this.constructor as ProcessClass).spec().outputs, this.#outputs, 'outputs', { defaults: false, required: true, validators: false, owner: this.getName() });
      return undefined;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  }

  /** @internal What a launched child inherits. */
  get [CHILD_OPTIONS](): ProcessOptions {
    const options: ProcessOptions = {};
    if (this.#persister !== undefined) options.persister = this.#persister;
    if (this.#executor !== undefined) options.executor = this.#executor;
    if (this.#communicator !== undefined) options.communicator = this.#communicator;
    return options;
  }

  /** @internal Saves an automatic checkpoint now. */
  [CHECKPOINT](): void {
    this[AFTER_CHANGE]();
  }

  /**
   * @internal The automatic checkpoint, if a persister is attached. The bundle is made now (so it
   * is this state) and the write is not awaited (so stepping does not yield); persisters apply
   * saves in call order. An EXCEPTED process is not saved: its last good checkpoint stays, to be
   * loaded again once the cause is fixed.
   */
  protected override [AFTER_CHANGE](): void {
    const persister = this.#persister;
    if (persister === undefined || this.state === ProcessState.EXCEPTED) return;
    let bundle: ProcessBundle;
    try {
      bundle = this.save();
    } catch (error) {
      // Not JSON (a user's ctx or result): the process excepts now, its last good checkpoint kept.
      if (this.hasTerminated) this.#saveFailed(error);
      else this[FAIL](error);
      return;
    }
    const snapshot: Savable = { pid: this.pid, save: () => bundle };
    let saving: Promise<void>;
    try {
      saving = persister.saveCheckpoint(snapshot);
    } catch (error) {
      saving = Promise.reject(error);
    }
    const tracked: Promise<void> = saving.then(
      () => { this.#saves.delete(tracked); },
      (error: unknown) => {
        this.#saves.delete(tracked);
        this.#saveFailed(error);
      },
    );
    this.#saves.add(tracked);
  }

  /** A checkpoint that cannot be written fails the process at its next turn (or its loop, once terminated). */
  #saveFailed(error: unknown): void {
    this.#saveError ??= error;
    this.wakeUp();
  }

  /** @internal */
  protected override pendingFailure(): unknown {
    return this.#saveError;
  }

  /** @internal */
  protected override async flush(): Promise<void> {
    while (this.#saves.size > 0) await Promise.all([...this.#saves]);
    if (this.#saveError !== undefined) throw this.#saveError;
  }
}
