/**
 * The context and while (notebook cell 33): `while_(cond)(...steps)` repeats its steps; the loop
 * variable lives in `this.ctx`, which checkpoints keep between steps. (Other instance fields are
 * not persisted: keep what the chain needs in ctx.)
 *
 *   npx tsx examples/process/context-while.ts
 */
import { z } from 'zod';
import { while_, WorkChain, type Default, type WorkChainSpec } from '../../src/index.js';
import { isMain, type Log } from './helpers.js';

let print: Log = console.log;

export class WhileWorkChain extends WorkChain<{ steps: Default<number> }, object, { iterator: number }> {
  static override define(spec: WorkChainSpec<WhileWorkChain>): void {
    super.define(spec);
    spec.input('steps', { validator: z.number().int(), default: 3 });
    spec.outline((s) => [
      s.initStep,
      while_(s.whileStep)(
        s.conditionalStep,
      ),
    ]);
  }

  initStep(): void {
    this.ctx.iterator = 0;
  }

  whileStep(): boolean {
    this.ctx.iterator += 1;
    return this.ctx.iterator <= this.inputs.steps;
  }

  conditionalStep(): void {
    print(`step ${this.ctx.iterator}`);
  }
}

export async function main(log: Log = console.log): Promise<{ ctx: { iterator: number } }> {
  print = log;
  const workchain = new WhileWorkChain();
  await workchain.execute();
  return { ctx: { ...workchain.ctx } };
}

if (isMain(import.meta.url)) await main();
