/**
 * Communicators and controllers (notebook cells 54 and 56). A process given a communicator answers
 * RPCs sent to its pid (status, pause, play, kill) and obeys pauseAll/playAll/killAll broadcasts
 * until it terminates. A ProcessLauncher takes launch and continue tasks from the communicator's
 * queue; a RemoteProcessController sends them, and controls processes by pid.
 *
 * Here everything shares one program through LocalCommunicators. Across programs and machines it
 * is the same code with a RedisCommunicator, launchers run by `taskfarm daemon`, and a persister so
 * that a process survives the program running it (docs/remote.md).
 *
 *   npx tsx examples/process/remote.ts
 */
import { z } from 'zod';
import {
  LocalCommunicator, Process, ProcessLauncher, RemoteProcessController, STATUS_MSG, WorkChain, while_, type Default,
  type ProcessStatus, type WorkChainSpec,
} from '../../src/index.js';
import { isMain, show, type Log } from './helpers.js';

// Its own name: other examples have a SimpleProcess too.
export class RemoteSimpleProcess extends Process {
  static override processName = 'SimpleProcess';
}

export class ControlledWorkChain extends WorkChain<{ steps: Default<number> }, { result: number }, { iterator: number }> {
  static override define(spec: WorkChainSpec<ControlledWorkChain>): void {
    super.define(spec);
    spec.input('steps', { validator: z.number().int(), default: 10 });
    spec.output('result', { validator: z.number().int() });
    spec.outline((s) => [
      s.initStep,
      while_(s.whileStep)(s.loopStep),
      s.finalStep,
    ]);
  }

  initStep(): void {
    this.ctx.iterator = 0;
  }

  whileStep(): boolean {
    return this.ctx.iterator <= this.inputs.steps;
  }

  loopStep(): void {
    this.ctx.iterator += 1;
  }

  finalStep(): void {
    this.out('result', this.ctx.iterator);
  }
}

export interface RemoteExample {
  status: ProcessStatus;
  outputs: { result: number };
  pid: string;
}

export async function main(log: Log = console.log): Promise<RemoteExample> {
  // Cell 54: a process given a communicator answers RPCs sent to its pid.
  const communicator = new LocalCommunicator();
  const process = new RemoteSimpleProcess(undefined, { communicator });
  const status = await communicator.rpcSend<ProcessStatus>(process.pid, STATUS_MSG);
  log(show(status));

  // Cell 56: a launcher takes launch tasks from the queue; a controller sends them.
  const loopCommunicator = new LocalCommunicator();
  const launcher = new ProcessLauncher(loopCommunicator);
  await launcher.start();
  const controller = new RemoteProcessController(loopCommunicator);

  // Made with the communicator, as in the notebook: controllable, though never run here.
  const wkchain = new ControlledWorkChain(undefined, { communicator: loopCommunicator });

  const outputs = await controller.launchProcess(ControlledWorkChain);
  log(show(outputs)); // { result: 11 }
  const pid = await controller.launchProcess(ControlledWorkChain, undefined, { nowait: true });
  log(pid);

  wkchain.kill();
  process.kill();
  await launcher.close();
  await loopCommunicator.close();
  await communicator.close();
  return { status, outputs, pid };
}

if (isMain(import.meta.url)) await main();
