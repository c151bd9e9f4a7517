/**
 * Commands (notebook cell 14): `run` returns `Continue(this.continueFn)`, which returns
 * `Kill('I was killed')`; the message becomes the status, and `execute()` rejects with KilledError.
 *
 *   npx tsx examples/process/commands.ts
 */
import { Continue, Kill, KilledError, Process, type KillCommand, type ContinueCommand } from '../../src/index.js';
import { isMain, type Log } from './helpers.js';

let print: Log = console.log;

export class ContinueProcess extends Process {
  override run(): ContinueCommand {
    print('running');
    return Continue(this.continueFn);
  }

  continueFn(): KillCommand {
    print('continuing');
    // The message is stored in the process status.
    return Kill('I was killed');
  }
}

export async function main(log: Log = console.log): Promise<{ state: string; status: string | undefined; successful: boolean; killedError: boolean }> {
  print = log;
  const process = new ContinueProcess();
  let killedError = false;
  try {
    await process.execute();
  } catch (error) {
    if (!(error instanceof KilledError)) throw error;
    killedError = true;
  }
  log(process.state); // KILLED
  log(String(process.status)); // I was killed
  log(String(process.isSuccessful)); // false
  return { state: process.state, status: process.status, successful: process.isSuccessful, killedError };
}

if (isMain(import.meta.url)) await main();
