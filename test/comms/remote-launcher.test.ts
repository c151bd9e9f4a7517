/**
 * ProcessLauncher and RemoteProcessController over LocalCommunicators: launch (waiting or not),
 * continue, control by pid, errors with their classes and codes, and a process handed over from
 * one launcher to another (its communicator closed mid-chain) continuing from its checkpoint.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { RemoteProcessController } from '../../src/comms/controller.js';
import { ProcessLauncher } from '../../src/comms/launcher.js';
import { LocalBus } from '../../src/comms/local/bus.js';
import { LocalCommunicator } from '../../src/comms/local/communicator.js';
import {
  InvalidControlMessageError, MissingPersisterError, ProcessAlreadyRunningError, ProcessNotRunningError, ProcessTerminatedError,
  UnknownProcessError,
} from '../../src/comms/remote-errors.js';
import type { StateChange } from '../../src/comms/remote-protocol.js';
import { KilledError, MemoryPersister, RequiredPortError, UnknownProcessClassError, type Persister } from '../../src/index.js';
import { gate, journal, NeedsInput, Quick, SquaresChain, WaitingProcess } from './fixtures-remote/processes.js';

let bus: LocalBus;
const communicators: LocalCommunicator[] = [];
const launchers: ProcessLauncher[] = [];

function communicator(): LocalCommunicator {
  const c = new LocalCommunicator({ bus });
  communicators.push(c);
  return c;
}

async function launcher(persister?: Persister, log?: string[]): Promise<ProcessLauncher> {
  const options = persister === undefined ? {} : { persister };
  const l = new ProcessLauncher(communicator(), log === undefined ? options : { ...options, log: (line: string) => { log.push(line); } });
  await l.start();
  launchers.push(l);
  return l;
}

/** Resolves with the pid of the next process that enters `state` on the bus. */
async function nextEntering(on: LocalCommunicator, state: string): Promise<string> {
  return new Promise((resolve) => {
    void on.addBroadcastSubscriber((message) => resolve((message.body as StateChange).pid), { subject: `state_changed.*.${state.toLowerCase()}` });
  });
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(() => setImmediate(resolve)));

beforeEach(() => {
  bus = new LocalBus();
});

afterEach(async () => {
  for (const l of launchers.splice(0)) await l.close();
  for (const c of communicators.splice(0)) await c.close();
});

describe('ProcessLauncher and RemoteProcessController', () => {
  it('launchProcess waits for the outputs; with nowait it resolves to the pid at once', async () => {
    await launcher();
    const controller = new RemoteProcessController(communicator());
    assert.deepEqual(await controller.launchProcess(Quick, { value: 7 }), { value: 7 });
    assert.deepEqual(await controller.launchProcess('Quick'), { value: 1 }, 'by registered name too');

    const pid = await controller.launchProcess(WaitingProcess, undefined, { nowait: true });
    assert.match(pid, /^[0-9a-f-]{36}$/);
    const status = await controller.getStatus(pid);
    assert.equal(status.state, 'WAITING');
    assert.equal(status.live, true);
    await controller.killProcess(pid);
  });

  it('the launched process answers its pid on the launcher\'s communicator; pause, play and kill reach it', async () => {
    const l = await launcher();
    const controller = new RemoteProcessController(communicator());
    const waiting = nextEntering(controller.communicator as LocalCommunicator, 'WAITING');
    const outcome = controller.launchProcess(WaitingProcess).catch((error: unknown) => error);
    const pid = await waiting;
    assert.equal((await controller.getStatus(pid)).runner?.communicator, l.communicator.id);
    assert.ok(l.processes.has(pid));

    assert.equal((await controller.pauseProcess(pid, 'wait a bit')).paused, true);
    assert.equal(l.processes.get(pid)!.paused, true);
    assert.equal((await controller.playProcess(pid)).paused, false);
    const killed = await controller.killProcess(pid, 'enough');
    assert.deepEqual([killed.state, killed.status], ['KILLED', 'enough']);
    const error = await outcome;
    assert.ok(error instanceof KilledError, 'the launch rejects with the KilledError, rebuilt with its class');
    assert.equal((error as KilledError).message, 'enough');
    assert.equal(l.processes.size, 0);
  });

  it('errors come back with their classes and codes: unknown class, invalid inputs, bad messages', async () => {
    await launcher();
    const controller = new RemoteProcessController(communicator());
    await assert.rejects(controller.launchProcess('NoSuchProcess'), (error: unknown) =>
      error instanceof UnknownProcessClassError && error.code === 'ERR_UNKNOWN_PROCESS_CLASS' && /NoSuchProcess/.test(error.message));
    await assert.rejects(controller.launchProcess(NeedsInput, {} as never), (error: unknown) =>
      error instanceof RequiredPortError && error.code === 'ERR_PORT_REQUIRED');
    await assert.rejects(controller.communicator.task({ intent: 'launch' }, { queue: controller.queue }), (error: unknown) =>
      error instanceof InvalidControlMessageError && error.code === 'ERR_REMOTE_MESSAGE');
    await assert.rejects(controller.communicator.task('launch please', { queue: controller.queue }), InvalidControlMessageError);
  });

  it('without a persister: continue is refused (ERR_LAUNCHER_NO_PERSISTER), and an unanswered pid is unknown', async () => {
    await launcher();
    const controller = new RemoteProcessController(communicator());
    await assert.rejects(controller.continueProcess('some-pid'), (error: unknown) =>
      error instanceof MissingPersisterError && error.code === 'ERR_LAUNCHER_NO_PERSISTER' && error.pid === 'some-pid');
    for (const act of [() => controller.getStatus('nobody'), () => controller.pauseProcess('nobody'), () => controller.killProcess('nobody')]) {
      await assert.rejects(act(), (error: unknown) => error instanceof UnknownProcessError && error.code === 'ERR_PROCESS_UNKNOWN' && error.pid === 'nobody');
    }
  });

  it('with a persister: a nowait launch is checkpointed, run by a launcher, and continueProcess returns the outputs of a finished one', async () => {
    const persister = new MemoryPersister();
    await launcher(persister);
    const controller = new RemoteProcessController(communicator(), { persister });
    const finished = nextEntering(controller.communicator as LocalCommunicator, 'FINISHED');
    const pid = await controller.launchProcess(SquaresChain, { n: 2 }, { nowait: true });
    assert.equal((await persister.loadCheckpoint(pid)).bundle.className, 'SquaresChain', 'checkpointed before the pid came back');
    await gate.pass(`${pid}:1`);
    await gate.pass(`${pid}:2`);
    assert.equal(await finished, pid);
    assert.deepEqual(await controller.continueProcess(pid), { results: [1, 4], total: 5 }, 'a finished process gives its outputs again');
    await assert.rejects(controller.continueProcess(pid, { nowait: true }), (error: unknown) =>
      error instanceof ProcessTerminatedError && error.state === 'FINISHED');
    await assert.rejects(controller.continueProcess('no-such-pid'), (error: unknown) =>
      error instanceof UnknownProcessError && error.pid === 'no-such-pid');
    const status = await controller.getStatus(pid);
    assert.deepEqual([status.live, status.state, status.successful], [false, 'FINISHED', true]);
  });

  it('a running process is not continued twice (ProcessAlreadyRunningError); a stranded one is ProcessNotRunningError until continued', async () => {
    const persister = new MemoryPersister();
    await launcher(persister);
    const controller = new RemoteProcessController(communicator(), { persister });
    const pid = await controller.launchProcess(SquaresChain, { n: 1 }, { nowait: true });
    await gate.reached(`${pid}:1`);
    await assert.rejects(controller.continueProcess(pid), (error: unknown) =>
      error instanceof ProcessAlreadyRunningError && error.code === 'ERR_PROCESS_ALREADY_RUNNING');

    // A checkpoint that no launcher runs (its program is gone).
    const stranded = new SquaresChain({ n: 1 }, { persister });
    await persister.saveCheckpoint(stranded);
    await assert.rejects(controller.pauseProcess(stranded.pid), (error: unknown) =>
      error instanceof ProcessNotRunningError && error.code === 'ERR_PROCESS_NOT_RUNNING');
    assert.deepEqual((await controller.getStatus(stranded.pid)).live, false);
    const outputs = controller.continueProcess(stranded.pid);
    await gate.pass(`${stranded.pid}:1`);
    assert.deepEqual(await outputs, { results: [1], total: 1 });
    gate.open(`${pid}:1`);
  });

  it('pauseAll, playAll and killAll reach the processes of every launcher', async () => {
    const a = await launcher();
    const b = await launcher();
    const controller = new RemoteProcessController(communicator());
    const pids = [
      await controller.launchProcess(WaitingProcess, undefined, { nowait: true }),
      await controller.launchProcess(WaitingProcess, undefined, { nowait: true }),
    ];
    assert.deepEqual([a.processes.size, b.processes.size], [1, 1], 'one on each launcher');
    await controller.pauseAll('all hold');
    await settle();
    for (const pid of pids) assert.equal((await controller.getStatus(pid)).paused, true);
    await controller.playAll();
    await settle();
    for (const pid of pids) assert.equal((await controller.getStatus(pid)).paused, false);
    await controller.killAll('all stop');
    await settle();
    assert.deepEqual([a.processes.size, b.processes.size], [0, 0]);
  });
});

describe('handing a process over to another launcher', () => {
  it('a launcher that closes mid-chain hands its task back; another continues from the checkpoint to the same outputs', async () => {
    const persister = new MemoryPersister();
    const logA: string[] = [];
    const logB: string[] = [];
    const a = await launcher(persister, logA);
    const controller = new RemoteProcessController(communicator(), { persister });

    // Uninterrupted, for comparison.
    const cleanPid = randomUUID();
    const clean = controller.launchProcess(SquaresChain, { n: 3 }, { pid: cleanPid });
    for (const i of [1, 2, 3]) await gate.pass(`${cleanPid}:${i}`);
    const expected = await clean;
    assert.deepEqual(expected, { results: [1, 4, 9], total: 14 });

    const pid = randomUUID();
    const outcome = controller.launchProcess(SquaresChain, { n: 3 }, { pid });
    await gate.pass(`${pid}:1`);
    await gate.reached(`${pid}:2`);
    const before = (await persister.loadCheckpoint(pid)).bundle;

    await a.close();
    await a.communicator.close();
    assert.deepEqual((await persister.loadCheckpoint(pid)).bundle, before, 'nothing saved after the hand-back');
    assert.ok(!logA.some((line) => /KILLED/.test(line)), 'the kill in memory is neither logged nor saved');

    gate.open(`${pid}:2`); // the wait of the chain a killed in memory: no effect on anything
    const b = await launcher(persister, logB);
    await gate.pass(`${pid}:2`); // the step that made the promise runs again, on b
    await gate.pass(`${pid}:3`);
    assert.deepEqual(await outcome, expected);
    assert.ok(b.processes.size === 0);
    assert.ok(logB.some((line) => line.includes(`continuing SquaresChain ${pid} from its checkpoint (RUNNING, delivery 2)`)), logB.join('\n'));
    assert.deepEqual(journal.filter((line) => line.startsWith(pid)), [`${pid} ask 1`, `${pid} ask 2`, `${pid} ask 2`, `${pid} ask 3`]);
  });
});
