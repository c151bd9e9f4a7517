/**
 * Conditionals (notebook cell 30): `if_(cond)(...steps)` runs its steps when the condition method
 * returns a truthy value (`.elif_(cond)(...)` and `.else_(...)` may follow).
 *
 *   npx tsx examples/process/conditionals.ts
 */
import { z } from 'zod';
import { if_, WorkChain, type WorkChainSpec } from '../../src/index.js';
import { isMain, type Log } from './helpers.js';

let print: Log = console.log;

export class IfWorkChain extends WorkChain<{ run: boolean }> {
  static override define(spec: WorkChainSpec<IfWorkChain>): void {
    super.define(spec);
    spec.input('run', { validator: z.boolean() });
    spec.outline((s) => [if_(s.ifStep)(s.conditionalStep)]);
  }

  ifStep(): boolean {
    print('  if');
    return this.inputs.run;
  }

  conditionalStep(): void {
    print('  conditional');
  }
}

export async function main(log: Log = console.log): Promise<void> {
  print = log;
  let workchain = new IfWorkChain({ run: false });
  log('execute False');
  await workchain.execute();

  workchain = new IfWorkChain({ run: true });
  log('execute True');
  await workchain.execute();
}

if (isMain(import.meta.url)) await main();
