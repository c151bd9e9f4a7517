/**
 * A first work chain (notebook cell 27): the outline lists the steps, which are methods. Name them
 * through `s` (a typed view of the class's methods: a misspelt step is a type error, and a
 * definition-time error in plain JavaScript), or as `this.prototype.step1`.
 *
 *   npx tsx examples/process/workchain.ts
 */
import { WorkChain, type WorkChainSpec } from '../../src/index.js';
import { isMain, type Log } from './helpers.js';

let print: Log = console.log;

export class SimpleWorkChain extends WorkChain {
  static override define(spec: WorkChainSpec<SimpleWorkChain>): void {
    super.define(spec);
    spec.outline((s) => [s.step1, s.step2]);
  }

  step1(): void {
    print('step1');
  }

  step2(): void {
    print('step2');
  }
}

export async function main(log: Log = console.log): Promise<object> {
  print = log;
  const workchain = new SimpleWorkChain();
  return workchain.execute();
}

if (isMain(import.meta.url)) await main();
