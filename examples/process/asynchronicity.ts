/**
 * Asynchronicity (notebook cell 20): a process runs its steps back to back without giving way to
 * the event loop, so two processes started together run one after the other, while an async
 * function started before them prints its start first and its end last.
 *
 *   npx tsx examples/process/asynchronicity.ts
 */
import { Continue, Process, type ContinueCommand, type ProcessSpec } from '../../src/index.js';
import { isMain, sleep, type Log } from './helpers.js';

let print: Log = console.log;

export class NamedProcess extends Process<{ name: string }> {
  static override define(spec: ProcessSpec): void {
    super.define(spec);
    spec.input('name');
  }

  override run(): ContinueCommand {
    print(`${this.inputs.name} run`);
    return Continue(this.continueFn);
  }

  continueFn(): void {
    print(`${this.inputs.name} continued`);
  }
}

export async function main(log: Log = console.log): Promise<void> {
  print = log;
  async function asyncFn(): Promise<void> {
    log('async_fn start');
    await sleep(0.01);
    log('async_fn end');
  }

  const process1 = new NamedProcess({ name: 'process1' });
  const process2 = new NamedProcess({ name: 'process2' });
  // asyncio.gather(...): each is started in order, and each runs until it first awaits.
  await Promise.all([asyncFn(), process1.stepUntilTerminated(), process2.stepUntilTerminated()]);
}

if (isMain(import.meta.url)) await main();
