/**
 * WorkChain: a process that runs its outline one step at a time, keeping its variables in `ctx`
 * (persisted between steps) and waiting, between steps, on what a step put in `toContext` (child
 * processes, executor futures, promises), whose results land in ctx.
 *
 * A checkpoint holds the position in the outline, ctx, inputs, outputs and state. Restoring a chain
 * that was WAITING: if it waited only on child processes (launched with `this.launch`), each child
 * is reloaded from its own latest checkpoint and re-awaited. A Future or a promise cannot outlive
 * its program, so if the chain waited on one, it is rewound to the state before the step that made
 * it (kept in the checkpoint) and that step runs again.
 */
import type { Future } from '../core/future.js';
import { registeredProcessClass, unbundle, type JsonObject, type UnbundleOptions } from '../persistence/bundle.js';
import { CheckpointNotFoundError } from '../persistence/errors.js';
import { Continue, isCommand, Stop, Wait } from './commands.js';
import { AwaitableError, InvalidCommandError, KilledError, ProcessDefinitionError, ProcessStateError } from './errors.js';
import { decodeRecords, encodeRecord, recordFor, type Awaitable, type AwaitRecord } from './awaitables.js';
import type { AnyProcess } from './events.js';
import {
  AFTER_LOAD, CHECKPOINT, CHILD_OPTIONS, ENSURE_STARTED, FAIL, IN_STEP, LOAD_STATE, ON_DRIVE, ON_ENTER, SAVE_STATE, SETTLED,
  type LoadFail,
} from './internal.js';
import { isJsonObject, toJson, toJsonObject } from './json.js';
import { Process, type ProcessOptions } from './process.js';
import type { ProcessState } from './states.js';
import { positionProblem, stepBlock, type Position, type StepResult } from './stepper.js';
import type { AnyPorts } from './types.js';
import { isPromiseLike, messageOf } from './util.js';
import { WorkChainSpec } from './workchain-spec.js';

/** The untyped ctx: any key, any value. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- ctx is the user's scratch space
export type AnyContext = Record<string, any>;

/** What the chain looked like before the current step: what a rewind goes back to. */
interface Stable {
  position: Position;
  ctx: JsonObject;
  outputs: JsonObject;
}

/** The step of the machinery, named in checkpoints. */
const OUTLINE_STEP = 'runOutlineStep';

export class WorkChain<I extends object = AnyPorts, O extends object = AnyPorts, C extends object = AnyContext> extends Process<I, O> {
  static override define(spec: WorkChainSpec): void {
    super.define(spec);
  }

  protected static override createSpec(): WorkChainSpec {
    return new WorkChainSpec((name) => name in WorkChain.prototype);
  }

  static override spec(): WorkChainSpec {
    return super.spec() as WorkChainSpec;
  }

  #ctx: Record<string, unknown> = {};
  #position: Position = { i: 0 };
  /** What the current step (or, while WAITING, the last one) gave to toContext. */
  #awaiting: AwaitRecord[] = [];
  #stable: Stable | Error | undefined;
  readonly #children = new Set<AnyProcess>();
  /** Restored while waiting on children: watch them once the chain runs. */
  #watchOnDrive = false;
  /** Restored while waiting: how to rewind if the children cannot be reloaded after all. */
  #rewind: (() => void) | undefined;

  /** The chain's variables, persisted between steps: keep them JSON. */
  get ctx(): C {
    return this.#ctx as C;
  }

  override run(): unknown {
    return this.runOutlineStep();
  }

  /**
   * Waits, after the current step, for each awaitable and stores its result in `ctx[key]` (a child
   * process gives its outputs): `this.toContext({ result: this.launch(Child, inputs) })`. Results are
   * stored in the order given, when all have settled; if one fails, the chain excepts with an
   * AwaitableError. Only a running step may call it.
   */
  toContext(entries: { [K in keyof C]?: Awaitable }): void {
    if (!this[IN_STEP]) throw new ProcessStateError(`toContext(): only a running step of ${this.getName()} may call it (it is ${this.state})`);
    const records = Object.entries(entries as Record<string, unknown>).map(([key, value]) => recordFor(key, value));
    for (const record of records) {
      record.process?.[ENSURE_STARTED]();
      this.#awaiting.push(record);
    }
  }

  /**
   * Creates a child process with this chain's persister and executor, and starts it on the event
   * loop (not synchronously: it runs once the current step has returned). Give it to `toContext` to
   * wait for it. A killed chain kills the children it launched that are still running.
   */
  launch<A, P extends AnyProcess>(cls: new (inputs?: A, options?: ProcessOptions) => P, inputs?: A): P {
    if (this.hasTerminated) throw new ProcessStateError(`launch(): ${this.getName()} ${this.pid} has terminated`);
    const child = new cls(inputs, this[CHILD_OPTIONS]);
    this.#adopt(child);
    // In the store before the checkpoint of this chain that names it.
    child[CHECKPOINT]();
    child[ENSURE_STARTED]();
    return child;
  }

  /** The step that walks the outline: runs the next outline step and says what comes after it. */
  protected runOutlineStep(): unknown {
    const spec = (this.constructor as typeof WorkChain).spec();
    this.#stable = this.#snapshot();
    this.#awaiting = [];
    const self = this as unknown as Record<string, () => unknown>;
    const result = stepBlock(spec.steps, this.#position, {
      step: (name) => self[name]!(),
      condition: (name) => {
        const value = self[name]!();
        if (isPromiseLike(value)) {
          throw new ProcessDefinitionError(`the outline condition ${this.getName()}.${name} returned a promise; conditions must be synchronous`);
        }
        return Boolean(value);
      },
    });
    if (isPromiseLike(result.value)) return Promise.resolve(result.value).then((value) => this.#next(result, value));
    return this.#next(result, result.value);
  }

  #next(result: StepResult, value: unknown): unknown {
    this.#position = result.position;
    if (value !== undefined) {
      if (isCommand(value)) {
        if (value.kind === 'continue' || value.kind === 'wait') {
          throw new InvalidCommandError(
            `a step of work chain ${this.getName()} returned a ${value.kind === 'continue' ? 'Continue' : 'Wait'} command; in a work chain the outline decides what runs next (use toContext to wait)`,
          );
        }
        return value;
      }
      if (Number.isInteger(value)) return Stop(value, value === 0);
      throw new InvalidCommandError(
        `a step of work chain ${this.getName()} returned ${typeof value}; a step returns nothing, an integer exit code, or a Stop or Kill command`,
      );
    }
    if (result.exitCode !== undefined) return Stop(result.exitCode, result.exitCode === 0);
    if (this.#awaiting.length > 0) {
      this.#watch();
      return Wait(this.runOutlineStep, `Waiting for ${this.#awaiting.map((record) => record.key).join(', ')}`);
    }
    return result.done ? Stop(undefined, true) : Continue(this.runOutlineStep);
  }

  #snapshot(): Stable | Error {
    try {
      return {
        position: this.#position,
        ctx: toJsonObject(this.#ctx, 'ctx'),
        outputs: toJsonObject(this.outputs, 'outputs'),
      };
    } catch (error) {
      return error as Error;
    }
  }

  #adopt(child: AnyProcess): void {
    this.#children.add(child);
    const forget = () => { this.#children.delete(child); };
    child[SETTLED]().then(forget, forget);
  }

  // ---------------------------------------------------------------- waiting

  #watch(): void {
    for (const record of this.#awaiting) {
      this.#valueOf(record).then(
        (value) => this.#onSettled(record, value),
        (error: unknown) => this.#onFailed(record, error),
      );
    }
  }

  #valueOf(record: AwaitRecord): Promise<unknown> {
    const child = record.process;
    if (child !== undefined) {
      return child[SETTLED]().then(() => {
        if (child.state === 'FINISHED') return child.outputs;
        const cause = child.state === 'KILLED' ? new KilledError(child.status ?? 'killed') : child.exception;
        throw new AwaitableError(`child process ${child.getName()} ${child.pid} ended ${child.state}: ${messageOf(cause)}`, { key: record.key, cause });
      });
    }
    return Promise.resolve(record.future ?? record.promise);
  }

  #onSettled(record: AwaitRecord, value: unknown): void {
    if (this.state !== 'WAITING' || !this.#awaiting.includes(record)) return;
    record.settled = true;
    record.value = value;
    if (!this.#awaiting.every((r) => r.settled)) return;
    try {
      for (const r of this.#awaiting) this.#store(r);
    } catch (error) {
      this.#awaiting = [];
      this[FAIL](error);
      return;
    }
    this.#awaiting = [];
    this.resume();
  }

  #store(record: AwaitRecord): void {
    if (!record.append) {
      this.#ctx[record.key] = record.value;
      return;
    }
    const list = this.#ctx[record.key];
    if (list === undefined) this.#ctx[record.key] = [record.value];
    else if (Array.isArray(list)) list.push(record.value);
    else throw new AwaitableError(`append_ to ctx.${record.key}, which is not an array`, { key: record.key });
  }

  #onFailed(record: AwaitRecord, error: unknown): void {
    if (this.state !== 'WAITING' || !this.#awaiting.includes(record)) return;
    this.#awaiting = [];
    const failure = error instanceof AwaitableError
      ? error
      : new AwaitableError(`${this.getName()} ${this.pid}: "${record.key}" failed: ${messageOf(error)}`, { key: record.key, cause: error });
    this[FAIL](failure);
  }

  protected override [ON_ENTER](state: ProcessState): void {
    super[ON_ENTER](state);
    if (state !== 'KILLED') return;
    for (const record of this.#awaiting) (record.future as Future<unknown> | undefined)?.cancel('cancelled: its work chain was killed');
    this.#awaiting = [];
    for (const child of this.#children) child.kill(`killed with its parent ${this.getName()} ${this.pid}`);
  }

  protected override [ON_DRIVE](): void {
    super[ON_DRIVE]();
    if (!this.#watchOnDrive) return;
    this.#watchOnDrive = false;
    for (const record of this.#awaiting) record.process?.[ENSURE_STARTED]();
    this.#watch();
  }

  // ---------------------------------------------------------------- checkpoints

  protected override [SAVE_STATE](): JsonObject {
    const out: JsonObject = {
      position: toJson(this.#position, 'position'),
      ctx: toJsonObject(this.#ctx, 'ctx'),
    };
    if (this.state === 'WAITING') {
      out.awaiting = this.#awaiting.map(encodeRecord);
      if (this.#stable instanceof Error) throw this.#stable;
      if (this.#stable !== undefined) out.rerun = toJsonObject(this.#stable, 'rerun');
    }
    return { ...super[SAVE_STATE](), workchain: out };
  }

  protected override [LOAD_STATE](state: JsonObject, fail: LoadFail): void {
    const steps = (this.constructor as typeof WorkChain).spec().steps;
    const wc = state.workchain;
    if (!isJsonObject(wc)) return fail('"workchain" must be an object');
    const outlineFit = (problem: string | undefined) => {
      if (problem !== undefined) fail(`${problem} (has the outline of ${this.getName()} changed since the checkpoint was taken?)`);
    };
    outlineFit(positionProblem(steps, wc.position, 'workchain.position'));
    if (!isJsonObject(wc.ctx)) fail('"workchain.ctx" must be an object');
    let records: AwaitRecord[] = [];
    let rerun: Stable | undefined;
    if (state.state === 'WAITING') {
      records = decodeRecords(wc.awaiting ?? [], fail);
      if (wc.rerun !== undefined) {
        const r = wc.rerun;
        if (!isJsonObject(r) || !isJsonObject(r.ctx) || !isJsonObject(r.outputs)) return fail('"workchain.rerun" must be { position, ctx, outputs }');
        outlineFit(positionProblem(steps, r.position, 'workchain.rerun.position'));
        rerun = { position: r.position as unknown as Position, ctx: r.ctx, outputs: r.outputs };
      }
    }
    super[LOAD_STATE](state, fail);
    this.#position = wc.position as unknown as Position;
    this.#ctx = wc.ctx as JsonObject;
    this.#awaiting = records;
    this.#stable = rerun;
    if (records.length === 0) return;

    const rewind = () => {
      if (rerun === undefined) return fail('it was waiting on a promise or future, and has no "rerun" state to restart its step from');
      // Back to the state before the step that made the awaitables: it runs again.
      const { resume: _resume, waitMessage: _waitMessage, status: _status, ...rest } = state;
      super[LOAD_STATE]({ ...rest, state: 'RUNNING', step: { name: OUTLINE_STEP, args: [] }, outputs: rerun.outputs }, fail);
      this.#position = rerun.position;
      this.#ctx = structuredClone(rerun.ctx);
      this.#awaiting = [];
      this.#stable = undefined;
    };
    const reawait = this.persister !== undefined && records.every((r) => r.kind === 'process' && registeredProcessClass(r.className!) !== undefined);
    if (reawait) this.#rewind = rewind;
    else rewind();
  }

  protected override async [AFTER_LOAD](options: UnbundleOptions): Promise<void> {
    await super[AFTER_LOAD](options);
    const rewind = this.#rewind;
    if (rewind === undefined) return;
    this.#rewind = undefined;
    const persister = this.persister!;
    try {
      for (const record of this.#awaiting) {
        const checkpoint = await persister.loadCheckpoint(record.pid!);
        const child = await unbundle<AnyProcess>(checkpoint.bundle, { ...options, persister });
        record.process = child;
        this.#adopt(child);
      }
    } catch (error) {
      // A child with no checkpoint at all: run the step again, which launches it afresh.
      if (!(error instanceof CheckpointNotFoundError)) throw error;
      // Children reloaded so far were not started: dropping them leaves their checkpoints as they are.
      this.#children.clear();
      rewind();
      return;
    }
    this.#watchOnDrive = true;
  }
}
