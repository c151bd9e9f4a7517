/**
 * Pausing and playing (notebook cell 23): `pause()` during a step takes effect once the step has
 * finished; the paused process gives way, another process runs, and `play()` lets it go on.
 * Pausing does not change the state (it stays RUNNING).
 *
 *   npx tsx examples/process/pausing.ts
 */
import { Continue, Process, type ContinueCommand } from '../../src/index.js';
import { isMain, type Log } from './helpers.js';

let print: Log = console.log;

export class SimpleProcess extends Process {
  override run(): void {
    print(this.getName());
  }
}

export class PauseProcess extends Process {
  override run(): ContinueCommand {
    print(`${this.getName()}: pausing`);
    this.pause();
    print(`${this.getName()}: continue step`);
    return Continue(this.nextStep);
  }

  nextStep(): void {
    print(`${this.getName()}: next step`);
  }
}

export async function main(log: Log = console.log): Promise<void> {
  print = log;
  const pauseProc = new PauseProcess();
  const simpleProc = new SimpleProcess();

  // The notebook's busy loop: by the time it runs, pauseProc has paused and simpleProc has run.
  async function play(proc: Process): Promise<void> {
    for (;;) {
      if (proc.paused) {
        log(`${proc.getName()}: playing (state=${proc.state})`);
        proc.play();
        break;
      }
    }
  }

  await Promise.all([pauseProc.stepUntilTerminated(), simpleProc.stepUntilTerminated(), play(pauseProc)]);
}

if (isMain(import.meta.url)) await main();
