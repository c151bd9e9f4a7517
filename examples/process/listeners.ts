/**
 * Listeners (notebook cell 17): a listener prints each state the process enters, and resumes it
 * when it waits. `addProcessListener` takes an object of callbacks; `process.on('waiting', fn)` is
 * the one-event form.
 *
 *   npx tsx examples/process/listeners.ts
 */
import { Process, Stop, Wait, type ProcessListener, type StopCommand, type WaitCommand } from '../../src/index.js';
import { isMain, type Log } from './helpers.js';

export class WaitProcess extends Process {
  override run(): WaitCommand {
    return Wait(this.resumeFn);
  }

  resumeFn(): StopCommand {
    return Stop(undefined, true);
  }
}

export function waitListener(log: Log): ProcessListener {
  return {
    onProcessRunning(process) {
      log(process.state);
    },
    onProcessWaiting(process) {
      log(process.state);
      process.resume();
    },
  };
}

export async function main(log: Log = console.log): Promise<{ lines: string[] }> {
  const lines: string[] = [];
  const print: Log = (line) => { lines.push(line); log(line); };
  const process = new WaitProcess();
  print(process.state); // CREATED
  process.addProcessListener(waitListener(print));
  await process.execute(); // RUNNING, WAITING, RUNNING
  print(process.state); // FINISHED
  return { lines };
}

if (isMain(import.meta.url)) await main();
