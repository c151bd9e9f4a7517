/**
 * Interstep processes and asynchronicity (notebook cells 36–43). Without awaitables each work chain
 * runs to completion before the next starts. A step that puts awaitables in `toContext` (a child
 * process from `this.launch`, or any promise) makes the chain WAITING: it gives way to the other
 * chain, and once the awaitables are done their results are in ctx and the next step runs.
 *
 *   npx tsx examples/process/interstep.ts
 *
 * One difference from the notebook: in cell 41 (awaitables, no processes) Python printed both
 * "step2 awaitable" lines before either "step3"; here wkchain1 goes on to step3 as soon as its own
 * awaitable is done, the interleaving the notebook shows in cell 43 (and says may vary). Node runs
 * a promise's continuations before the next timer, so this order is the deterministic one.
 */
import { Process, WorkChain, type Default, type ProcessSpec, type WorkChainSpec } from '../../src/index.js';
import { blockingSleep, isMain, show, sleep, type Log } from './helpers.js';

let print: Log = console.log;

export async function awaitableFunc(msg: string): Promise<boolean> {
  await sleep(0.01);
  print(msg);
  return true;
}

export class InternalProcess extends Process<{ name: Default<string> }, { value: string }> {
  static override define(spec: ProcessSpec): void {
    super.define(spec);
    spec.input('name', { validator: (v) => typeof v === 'string' || 'expected a string', default: 'process' });
    spec.output('value');
  }

  override run(): void {
    print(this.inputs.name);
    this.out('value', 'value');
  }
}

export interface InterstepInputs {
  name: Default<string>;
  process: Default<boolean>;
  awaitable: Default<boolean>;
}

export class InterstepWorkChain extends WorkChain<InterstepInputs, object, { awaitable?: boolean; process?: { value: string } }> {
  static override define(spec: WorkChainSpec<InterstepWorkChain>): void {
    super.define(spec);
    spec.input('name', { default: 'workchain' });
    spec.input('process', { default: false });
    spec.input('awaitable', { default: false });
    spec.outline((s) => [s.step1, s.step2, s.step3]);
  }

  step1(): void {
    print(`${this.inputs.name} step1`);
  }

  step2(): void {
    print(`${this.inputs.name} step2`);
    blockingSleep(0.01);

    if (this.inputs.awaitable) {
      this.toContext({ awaitable: awaitableFunc(`${this.inputs.name} step2 awaitable`) });
    }
    if (this.inputs.process) {
      this.toContext({ process: this.launch(InternalProcess, { name: `${this.inputs.name} step2 process` }) });
    }
  }

  step3(): void {
    print(`${this.inputs.name} step3`);
    print(`  ctx=${show(this.ctx)}`);
  }
}

/** Two chains started together, with the given inputs (cells 38, 40, 41, 43). */
export async function runPair(log: Log, options: { process?: boolean; awaitable?: boolean }): Promise<InterstepWorkChain[]> {
  print = log;
  const wkchain1 = new InterstepWorkChain({ name: 'wkchain1', ...options });
  const wkchain2 = new InterstepWorkChain({ name: 'wkchain2', ...options });
  await Promise.all([wkchain1.stepUntilTerminated(), wkchain2.stepUntilTerminated()]);
  return [wkchain1, wkchain2];
}

export async function main(log: Log = console.log): Promise<void> {
  log('# without awaitables (cell 38)');
  await runPair(log, {});
  log('# with an interstep process (cell 40)');
  await runPair(log, { process: true });
  log('# with an awaitable (cell 41)');
  await runPair(log, { awaitable: true });
  log('# with both (cell 43)');
  await runPair(log, { process: true, awaitable: true });
}

if (isMain(import.meta.url)) await main();
