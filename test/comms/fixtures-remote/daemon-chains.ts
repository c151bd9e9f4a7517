/**
 * Process classes for daemons started by the tests (`taskfarm daemon --process-module` this file).
 * Their waits are files the test creates in $TASKFARM_TEST_GATES, so a test in another program
 * decides when each step may go on — no timing is guessed — and steps print markers on stdout.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { WorkChain, while_, type Default, type WorkChainSpec } from '../../../src/index.js';

/** The file that lets step `i` of process `pid` go on. */
export function gateFile(dir: string, pid: string, i: number): string {
  return join(dir, `${pid}-${i}`);
}

/** Resolves once the file exists (looked for every 20 ms). */
function fileGate(path: string): Promise<void> {
  return new Promise((resolve) => {
    const look = (): void => {
      if (existsSync(path)) resolve();
      else setTimeout(look, 20);
    };
    look();
  });
}

/**
 * Squares 1..n; step i prints `ask <i> <pid>` and waits for its gate file; the chain checkpoints
 * between steps, so a daemon killed at any wait leaves a checkpoint another daemon continues from.
 */
export class FileGateChain extends WorkChain<{ n: Default<number> }, { results: number[]; total: number }, { i: number; results: number[]; value: number }> {
  static override define(spec: WorkChainSpec<FileGateChain>): void {
    super.define(spec);
    spec.input('n', { default: 4 });
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
    console.log(`ask ${i} ${this.pid}`);
    const dir = process.env.TASKFARM_TEST_GATES ?? '.';
    this.toContext({ value: fileGate(gateFile(dir, this.pid, i)).then(() => i * i) });
  }

  collect(): void {
    this.ctx.results.push(this.ctx.value);
  }

  finish(): void {
    this.out('results', this.ctx.results);
    this.out('total', this.ctx.results.reduce((a, b) => a + b, 0));
  }
}
