/**
 * Work chains offload compute through the same executors as everything else: a step submits tasks
 * (`this.executor.submit(...)`) and puts the futures in `toContext`; the chain waits without
 * blocking the event loop while worker threads compute, and finds the results in ctx.
 *
 *   npx tsx examples/process/executor.ts
 */
import { ThreadExecutor } from '../../src/executors/threads.js';
import { append_, while_, WorkChain, type Default, type WorkChainSpec } from '../../src/index.js';
import { isMain, type Log } from './helpers.js';

/** Sum of squares below n, the slow way: a self-contained function, shipped to a worker as source. */
const sumOfSquares = (n: number): number => {
  let total = 0;
  for (let i = 0; i < n; i += 1) total += i * i;
  return total;
};

interface Ctx {
  round: number;
  partials: number[];
}

export class SquaresWorkChain extends WorkChain<{ sizes: number[]; rounds: Default<number> }, { total: number }, Ctx> {
  static override define(spec: WorkChainSpec<SquaresWorkChain>): void {
    super.define(spec);
    spec.input('sizes', { validator: (v) => (Array.isArray(v) && v.every(Number.isInteger)) || 'expected an array of integers' });
    spec.input('rounds', { default: 2 });
    spec.output('total');
    spec.outline((s) => [s.init, while_(s.moreRounds)(s.submit), s.finish]);
  }

  init(): void {
    this.ctx.round = 0;
    this.ctx.partials = [];
  }

  moreRounds(): boolean {
    return this.ctx.round < this.inputs.rounds;
  }

  submit(): void {
    this.ctx.round += 1;
    // Each future's value is appended to ctx.partials once all of them are done.
    for (const n of this.inputs.sizes) this.toContext({ partials: append_(this.executor.submit(sumOfSquares, [n])) });
  }

  finish(): void {
    this.out('total', this.ctx.partials.reduce((a, b) => a + b, 0));
  }
}

export async function main(log: Log = console.log): Promise<{ total: number }> {
  await using executor = new ThreadExecutor({ workers: 2 });
  const chain = new SquaresWorkChain({ sizes: [1_000, 2_000, 3_000] }, { executor });
  const { total } = await chain.execute();
  log(`total = ${total}`); // 2 rounds of 332833500 + 2664667000 + 8995500500
  return { total };
}

if (isMain(import.meta.url)) await main();
