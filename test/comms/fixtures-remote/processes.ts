/**
 * Process classes for the remote-control tests. Their waits are opened by the test (no timers), so
 * that what a test sees never depends on how fast the machine is.
 */
import { EventEmitter, once } from 'node:events';
import { Continue, Process, Stop, Wait, WorkChain, while_, type Default, type WorkChainSpec } from '../../../src/index.js';
import type { ProcessSpec } from '../../../src/process/spec.js';

/** A wait the test opens. */
export class Gate {
  readonly #waiters = new Map<string, () => void>();
  readonly #reached = new EventEmitter();

  /** A promise a step waits on, under `label`. */
  wait(label: string): Promise<void> {
    return new Promise((resolve) => {
      this.#waiters.set(label, resolve);
      this.#reached.emit(label);
    });
  }

  /** Resolves once a step waits on `label` (at once if one already does). */
  async reached(label: string): Promise<void> {
    if (!this.#waiters.has(label)) await once(this.#reached, label);
  }

  isWaiting(label: string): boolean {
    return this.#waiters.has(label);
  }

  open(label: string): void {
    const resolve = this.#waiters.get(label);
    if (resolve === undefined) throw new Error(`nothing waits on ${label}`);
    this.#waiters.delete(label);
    resolve();
  }

  /** Waits for `label` to be reached, then opens it. */
  async pass(label: string): Promise<void> {
    await this.reached(label);
    this.open(label);
  }
}

export const gate = new Gate();

/** Lines the processes log, for asserting what ran where. */
export const journal: string[] = [];

/** Waits in WAITING until resumed, then finishes. */
export class WaitingProcess extends Process<object, { resumed: unknown }> {
  static override define(spec: ProcessSpec): void {
    super.define(spec);
    spec.output('resumed', { required: false });
  }

  override run(): unknown {
    return Wait(this.resumed, 'waiting for the test');
  }

  resumed(value?: unknown): unknown {
    this.out('resumed', value ?? null);
    return Stop(undefined, true);
  }
}

/** Its first step is async and waits on the gate `<pid>:step`: pause and kill then take effect when it returns. */
export class AsyncStepProcess extends Process<object, { done: boolean }> {
  static override define(spec: ProcessSpec): void {
    super.define(spec);
    spec.output('done');
  }

  override async run(): Promise<unknown> {
    await gate.wait(`${this.pid}:step`);
    return Continue(this.finish);
  }

  finish(): void {
    this.out('done', true);
  }
}

/**
 * Squares 1..n, each one a wait on the gate `<pid>:<i>`: the chain checkpoints between steps and
 * can be handed over to another launcher at any wait.
 */
export class SquaresChain extends WorkChain<{ n: Default<number> }, { results: number[]; total: number }, { i: number; results: number[]; value: number }> {
  static override define(spec: WorkChainSpec<SquaresChain>): void {
    super.define(spec);
    spec.input('n', { default: 3 });
    spec.output('results');
    spec.output('total');
    spec.outline((s) => [s.init, while_(s.more)(s.ask, s.collect), s.finish]);
  }

  init(): void {
    this.ctx.i = 0;
    this.ctx.results = [];
  }

  more(): boolean {
    return this.ctx.i < this.inputs.n;
  }

  ask(): void {
    this.ctx.i += 1;
    const i = this.ctx.i;
    journal.push(`${this.pid} ask ${i}`);
    this.toContext({ value: gate.wait(`${this.pid}:${i}`).then(() => i * i) });
  }

  collect(): void {
    this.ctx.results.push(this.ctx.value);
  }

  finish(): void {
    this.out('results', this.ctx.results);
    this.out('total', this.ctx.results.reduce((a, b) => a + b, 0));
  }
}

/** Launches a WaitingProcess child and waits for it. */
export class ParentChain extends WorkChain<object, { child: unknown }, { child: unknown; childPid: string }> {
  static override define(spec: WorkChainSpec<ParentChain>): void {
    super.define(spec);
    spec.output('child');
    spec.outline((s) => [s.start, s.finish]);
  }

  start(): void {
    const child = this.launch(WaitingProcess);
    journal.push(`${this.pid} child ${child.pid}`);
    this.toContext({ child });
  }

  finish(): void {
    this.out('child', this.ctx.child);
  }
}

/** Needs an input, to test validation through a launcher. */
export class NeedsInput extends Process<{ x: number }, { y: number }> {
  static override define(spec: ProcessSpec): void {
    super.define(spec);
    spec.input('x');
    spec.output('y');
  }

  override run(): void {
    this.out('y', this.inputs.x * 2);
  }
}

/** Finishes at once. */
export class Quick extends Process<{ value: Default<number> }, { value: number }> {
  static override define(spec: ProcessSpec): void {
    super.define(spec);
    spec.input('value', { default: 1 });
    spec.output('value');
  }

  override run(): void {
    this.out('value', this.inputs.value);
  }
}
