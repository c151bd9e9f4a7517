/**
 * The simplest process (notebook cell 8): `run()` prints the state; `execute()` drives it from
 * CREATED through RUNNING to FINISHED.
 *
 *   npx tsx examples/process/simple.ts
 */
import { Process, type ProcessState } from '../../src/index.js';
import { isMain, type Log } from './helpers.js';

let print: Log = console.log;

export class SimpleProcess extends Process {
  override run(): void {
    print(this.state);
  }
}

export async function main(log: Log = console.log): Promise<{ states: ProcessState[]; successful: boolean; result: unknown }> {
  print = log;
  const process = new SimpleProcess();
  const states: ProcessState[] = [process.state];
  log(process.state); // CREATED
  await process.execute(); // run() prints RUNNING
  states.push(process.state);
  log(process.state); // FINISHED
  log(`Success ${String(process.isSuccessful)}`); // Success true
  log(`Result ${String(process.result())}`); // Result undefined (Python's None)
  return { states, successful: process.isSuccessful, result: process.result() };
}

if (isMain(import.meta.url)) await main();
