/**
 * A process given a communicator: answers status/pause/play/kill RPCs to its pid, obeys the
 * pauseAll/playAll/killAll broadcasts, broadcasts its state changes, and unsubscribes at its end.
 * Over LocalCommunicators sharing one bus (each "program" its own communicator).
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { LocalBus } from '../../src/comms/local/bus.js';
import { LocalCommunicator } from '../../src/comms/local/communicator.js';
import { UnknownRecipientError } from '../../src/comms/errors.js';
import { RemoteProcessController } from '../../src/comms/controller.js';
import { InvalidControlMessageError, ProcessAlreadyRunningError, ProcessTerminatedError } from '../../src/comms/remote-errors.js';
import { KILL_MSG, PAUSE_MSG, PLAY_MSG, STATUS_MSG, type ProcessStatus, type StateChange } from '../../src/comms/remote-protocol.js';
import type { BroadcastMessage } from '../../src/comms/types.js';
import { KilledError, MemoryPersister } from '../../src/index.js';
import { claimProcess, liveControls, remoteControlOf } from '../../src/process/remote.js';
import { AsyncStepProcess, gate, journal, ParentChain, SquaresChain, WaitingProcess } from './fixtures-remote/processes.js';

let bus: LocalBus;
let here: LocalCommunicator;
let there: LocalCommunicator;

beforeEach(() => {
  bus = new LocalBus();
  here = new LocalCommunicator({ bus });
  there = new LocalCommunicator({ bus });
});

afterEach(async () => {
  await here.close();
  await there.close();
});

const status = (pid: string): Promise<ProcessStatus> => there.rpcSend<ProcessStatus>(pid, STATUS_MSG);

/** Collects the broadcasts matching `subject` (on `there`). */
async function listen(subject: string, sender?: string): Promise<BroadcastMessage[]> {
  const seen: BroadcastMessage[] = [];
  await there.addBroadcastSubscriber((message) => { seen.push(message); }, sender === undefined ? { subject } : { subject, sender });
  return seen;
}

/** Lets the bus deliver what is in flight (it delivers from setImmediate). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(() => setImmediate(resolve)));

describe('a process with a communicator answers RPCs to its pid', () => {
  it('status: pid, class, state, paused, status message and where it runs', async () => {
    const process = new WaitingProcess(undefined, { communicator: here });
    await remoteControlOf(process)!.ready;
    const created = await status(process.pid);
    assert.equal(created.pid, process.pid);
    assert.equal(created.processClass, 'WaitingProcess');
    assert.equal(created.state, 'CREATED');
    assert.equal(created.paused, false);
    assert.equal(created.live, true);
    assert.equal(created.runner?.communicator, here.id);
    assert.equal(created.runner?.pid, globalThis.process.pid);

    const running = process.stepUntilTerminated();
    await settle();
    const waiting = await status(process.pid);
    assert.equal(waiting.state, 'WAITING');
    assert.equal(waiting.status, 'waiting for the test');
    process.resume('go');
    await running;
    assert.deepEqual(process.outputs, { resumed: 'go' });
  });

  it('pause, play and kill a waiting process; each answers with the status once it took effect', async () => {
    const process = new WaitingProcess(undefined, { communicator: here });
    const running = process.execute();
    await settle();

    const paused = await there.rpcSend<ProcessStatus>(process.pid, { intent: 'pause', message: 'hold on' });
    assert.equal(paused.paused, true);
    assert.equal(paused.status, 'hold on');
    assert.equal(process.paused, true);

    const played = await there.rpcSend<ProcessStatus>(process.pid, PLAY_MSG);
    assert.equal(played.paused, false);
    assert.equal(played.state, 'WAITING');

    const killed = await there.rpcSend<ProcessStatus>(process.pid, { intent: 'kill', message: 'no longer needed' });
    assert.equal(killed.state, 'KILLED');
    assert.equal(killed.status, 'no longer needed');
    await assert.rejects(running, (error: unknown) => error instanceof KilledError && error.message === 'no longer needed');
  });

  it('a pause asked during an async step is answered once the step returned, and the process stays paused', async () => {
    const process = new AsyncStepProcess(undefined, { communicator: here });
    const running = process.execute();
    await gate.reached(`${process.pid}:step`);
    let answered: ProcessStatus | undefined;
    const pausing = there.rpcSend<ProcessStatus>(process.pid, PAUSE_MSG).then((s) => { answered = s; });
    await settle();
    assert.equal(answered, undefined, 'not before the step returned');
    assert.equal(process.paused, false);

    gate.open(`${process.pid}:step`);
    await pausing;
    assert.equal(answered!.paused, true);
    assert.equal(answered!.state, 'RUNNING');
    assert.deepEqual(process.outputs, {}, 'the next step did not run');

    await there.rpcSend(process.pid, PLAY_MSG);
    assert.deepEqual(await running, { done: true });
  });

  it('a play before a pending pause took effect cancels it, and the pause RPC ends unpaused', async () => {
    const process = new AsyncStepProcess(undefined, { communicator: here });
    const running = process.execute();
    await gate.reached(`${process.pid}:step`);
    const pausing = there.rpcSend<ProcessStatus>(process.pid, PAUSE_MSG);
    await settle();
    const played = await there.rpcSend<ProcessStatus>(process.pid, PLAY_MSG);
    assert.equal(played.paused, false);
    const paused = await pausing;
    assert.equal(paused.paused, false);
    gate.open(`${process.pid}:step`);
    assert.deepEqual(await running, { done: true });
  });

  it('a kill asked during an async step is answered once the process is KILLED', async () => {
    const process = new AsyncStepProcess(undefined, { communicator: here });
    const running = process.execute();
    await gate.reached(`${process.pid}:step`);
    const killing = there.rpcSend<ProcessStatus>(process.pid, KILL_MSG);
    await settle();
    assert.equal(process.state, 'RUNNING');
    gate.open(`${process.pid}:step`);
    assert.equal((await killing).state, 'KILLED');
    await assert.rejects(running, KilledError);
  });

  it('a message that is not a control RPC is refused with ERR_REMOTE_MESSAGE', async () => {
    const process = new WaitingProcess(undefined, { communicator: here });
    await assert.rejects(there.rpcSend(process.pid, { intent: 'explode' }), (error: unknown) =>
      error instanceof InvalidControlMessageError && error.code === 'ERR_REMOTE_MESSAGE');
    process.kill();
  });
});

describe('broadcasts', () => {
  it('pauseAll, playAll and killAll reach every controlled process, on any communicator of the bus', async () => {
    const a = new WaitingProcess(undefined, { communicator: here });
    const b = new WaitingProcess(undefined, { communicator: there });
    const uncontrolled = new WaitingProcess();
    const runs = [a.execute(), b.execute(), uncontrolled.execute()].map((p) => p.catch((error: unknown) => error));
    await settle();
    const controller = new RemoteProcessController(there);

    await controller.pauseAll('maintenance');
    await settle();
    assert.deepEqual([a.paused, b.paused, uncontrolled.paused], [true, true, false]);
    assert.equal(a.status, 'maintenance');

    await controller.playAll();
    await settle();
    assert.deepEqual([a.paused, b.paused], [false, false]);

    await controller.killAll('shutting down');
    await settle();
    assert.deepEqual([a.state, b.state, uncontrolled.state], ['KILLED', 'KILLED', 'WAITING']);
    const [ra, rb] = await Promise.all(runs.slice(0, 2));
    assert.ok(ra instanceof KilledError && rb instanceof KilledError);
    uncontrolled.kill();
    await runs[2];
  });

  it('each state change is broadcast as state_changed.<from>.<to>, sent by the pid', async () => {
    const process = new WaitingProcess(undefined, { communicator: here });
    const seen = await listen('state_changed.*', process.pid);
    const running = process.execute();
    await settle();
    process.resume();
    await running;
    await settle();
    assert.deepEqual(seen.map((m) => m.subject), [
      'state_changed.created.running',
      'state_changed.running.waiting',
      'state_changed.waiting.running',
      'state_changed.running.finished',
    ]);
    assert.ok(seen.every((m) => m.sender === process.pid));
    assert.deepEqual(seen[1]!.body as StateChange, { pid: process.pid, processClass: 'WaitingProcess', from: 'RUNNING', to: 'WAITING' });
  });

  it('a subscriber can follow one transition of every process with a subject filter', async () => {
    const seen = await listen('state_changed.*.killed');
    const a = new WaitingProcess(undefined, { communicator: here });
    const b = new WaitingProcess(undefined, { communicator: here });
    a.kill('a');
    b.kill('b');
    await settle();
    assert.deepEqual(seen.map((m) => m.sender).sort(), [a.pid, b.pid].sort());
    assert.deepEqual(seen.map((m) => m.subject), ['state_changed.created.killed', 'state_changed.created.killed']);
  });
});

describe('subscriptions follow the process', () => {
  it('a terminated process unsubscribes: its pid no longer answers, and can be claimed again', async () => {
    const process = new WaitingProcess(undefined, { communicator: here });
    const running = process.execute();
    await settle();
    process.resume();
    await running;
    await remoteControlOf(process)!.closed;
    await assert.rejects(status(process.pid), UnknownRecipientError);
    const claim = await claimProcess(there, process.pid);
    assert.equal((await claim.ready, claim.pid), process.pid);
    await claim.release(new Error('test over'));
  });

  it('a second process with a live pid is refused (ProcessAlreadyRunningError): one pid, one live process', async () => {
    const first = new WaitingProcess(undefined, { communicator: here });
    const twin = new WaitingProcess(undefined, { communicator: there, pid: first.pid });
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => { warnings.push(warning); };
    globalThis.process.on('warning', onWarning);
    try {
      await assert.rejects(remoteControlOf(twin)!.ready, (error: unknown) =>
        error instanceof ProcessAlreadyRunningError && error.code === 'ERR_PROCESS_ALREADY_RUNNING' && error.pid === first.pid);
      await settle();
      assert.ok(warnings.some((w) => w instanceof ProcessAlreadyRunningError), 'reported, since nobody may be awaiting ready');
    } finally {
      globalThis.process.off('warning', onWarning);
    }
    assert.equal((await status(first.pid)).runner?.communicator, here.id, 'the first one still answers');
    await remoteControlOf(twin)!.closed;
    assert.deepEqual(liveControls(there), [], 'the refused control let go of everything');
    first.kill();
    twin.kill();
  });

  it('pause, play or kill of a terminated process: ProcessTerminatedError (from the checkpoint)', async () => {
    const persister = new MemoryPersister();
    const process = new WaitingProcess(undefined, { communicator: here, persister });
    process.kill('done');
    await process.stepUntilTerminated();
    const controller = new RemoteProcessController(there, { persister });
    for (const act of [() => controller.pauseProcess(process.pid), () => controller.playProcess(process.pid), () => controller.killProcess(process.pid)]) {
      await assert.rejects(act(), (error: unknown) =>
        error instanceof ProcessTerminatedError && error.code === 'ERR_PROCESS_TERMINATED' && error.state === 'KILLED');
    }
    const last = await controller.getStatus(process.pid);
    assert.equal(last.live, false);
    assert.equal(last.state, 'KILLED');
    assert.equal(last.status, 'done');
  });

  it('children launched by a work chain get the communicator: they answer too, and a killed parent kills them', async () => {
    const chain = new ParentChain(undefined, { communicator: here });
    const running = chain.execute().catch((error: unknown) => error);
    await settle();
    const childPid = journal.find((line) => line.startsWith(`${chain.pid} child `))!.split(' ')[2]!;
    const childStatus = await status(childPid);
    assert.equal(childStatus.processClass, 'WaitingProcess');
    assert.equal(childStatus.state, 'WAITING');
    await there.rpcSend(chain.pid, { intent: 'kill', message: 'stop' });
    assert.ok((await running) instanceof KilledError);
    await settle();
    await assert.rejects(status(childPid), UnknownRecipientError);
  });

  it('a process restored with a communicator reports, and broadcasts from, its restored state', async () => {
    const persister = new MemoryPersister();
    const original = new SquaresChain({ n: 2 }, { persister });
    const first = original.execute();
    await gate.pass(`${original.pid}:1`);
    await gate.reached(`${original.pid}:2`);
    const checkpoint = await persister.loadCheckpoint(original.pid);
    original.kill('replaced');
    await first.catch(() => undefined);

    const seen = await listen('state_changed.*', original.pid);
    const restored = await SquaresChain.fromBundle(checkpoint.bundle, { persister, communicator: here });
    assert.equal((await status(restored.pid)).state, 'RUNNING', 'rewound to re-run the step that made its promise');
    const done = restored.execute();
    await gate.pass(`${restored.pid}:2`);
    assert.deepEqual(await done, { results: [1, 4], total: 5 });
    await settle();
    assert.equal(seen[0]!.subject, 'state_changed.running.waiting');
    assert.equal(seen.at(-1)!.subject, 'state_changed.running.finished');
  });
});
