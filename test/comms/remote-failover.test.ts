/**
 * Failover, for real: two `taskfarm daemon` child processes on one Redis and one persister. A work
 * chain is launched; the daemon running it is killed with SIGKILL in the middle of the chain; the
 * other daemon gets the launch request again (its task is redelivered once the dead daemon stops
 * heartbeating), continues the chain from its last checkpoint, and the controller receives the
 * same outputs as from an uninterrupted run. Once with a shared SQLite file (one machine), once
 * with PostgreSQL (a cluster).
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RemoteProcessController } from '../../src/comms/controller.js';
import { RedisCommunicator } from '../../src/comms/redis/communicator.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { PostgresPersister, SqlitePersister, type JsonObject, type Persister } from '../../src/index.js';
import { POSTGRES_URL, REDIS_URL, serviceSkip } from '../support/services.js';
import { FileGateChain, gateFile } from './fixtures-remote/daemon-chains.js';
import { CHAINS_MODULE, deleteRedisKeys, startDaemon, type CliProcess } from './fixtures-remote/daemon-process.js';

const redisSkip = await serviceSkip('Redis');
const postgresSkip = redisSkip || (await serviceSkip('PostgreSQL'));

/** Short, so that the test waits seconds, not the default ten, for the dead daemon's task. */
const DEAD_AFTER = 2_000;

interface Backend {
  name: string;
  skip: false | string;
  /** The --persister of the daemons. */
  spec(dir: string): string;
  /** The same store, opened by the test to watch the checkpoints. */
  open(dir: string): Persister;
}

/** Resolves once the latest checkpoint of `pid` satisfies `ready` (the checkpoint is the marker). */
async function checkpointed(persister: Persister, pid: string, ready: (state: JsonObject) => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await persister.loadCheckpoint(pid).then((c) => c.bundle.state, () => undefined);
    if (state !== undefined && ready(state)) return;
    if (Date.now() > deadline) throw new Error(`the checkpoint of ${pid} did not get there in ${timeoutMs} ms: ${JSON.stringify(state)}`);
    await sleep(25);
  }
}

function scenario({ name, skip, spec, open: openStore }: Backend): void {
  describe(`failover between two daemons (${name})`, { skip, timeout: 180_000 }, () => {
    const prefix = `taskfarm-failover-${randomBytes(4).toString('hex')}`;
    let dir: string;
    let gates: string;
    let controller: RemoteProcessController;
    let communicator: RedisCommunicator;
    let store: Persister;
    const daemons: CliProcess[] = [];
    const pids: string[] = [];

    const open = (pid: string, ...steps: number[]): void => {
      for (const i of steps) writeFileSync(gateFile(gates, pid, i), '');
    };

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'taskfarm-failover-'));
      gates = join(dir, 'gates');
      mkdirSync(gates);
      const args = [
        '--redis', REDIS_URL, '--prefix', prefix, '--persister', spec(dir), '--process-module', CHAINS_MODULE,
        '--dead-after', String(DEAD_AFTER),
      ];
      const started = await Promise.all([startDaemon(args, { TASKFARM_TEST_GATES: gates }), startDaemon(args, { TASKFARM_TEST_GATES: gates })]);
      for (const { daemon, banner } of started) {
        daemons.push(daemon);
        assert.deepEqual(banner.classes, ['FileGateChain']);
      }
      communicator = await RedisCommunicator.connect({ url: REDIS_URL, prefix });
      controller = new RemoteProcessController(communicator);
      store = openStore(dir);
    });

    after(async () => {
      for (const daemon of daemons) if (daemon.child.exitCode === null && daemon.child.signalCode === null) daemon.child.kill('SIGTERM');
      await Promise.all(daemons.map((daemon) => daemon.exited));
      await communicator?.close();
      await deleteRedisKeys(REDIS_URL, prefix);
      if (store !== undefined) {
        for (const pid of pids) await store.deleteProcessCheckpoints(pid);
        await store.close();
      }
      rmSync(dir, { recursive: true, force: true });
    });

    it('a daemon SIGKILLed mid-chain: the other continues from the last checkpoint, to the outputs of an uninterrupted run', async () => {
      const clean = randomUUID();
      pids.push(clean);
      open(clean, 1, 2, 3, 4);
      const uninterrupted = await controller.launchProcess(FileGateChain, { n: 4 }, { pid: clean });
      assert.deepEqual(uninterrupted, { results: [1, 4, 9, 16], total: 30 });

      const pid = randomUUID();
      pids.push(pid);
      open(pid, 1, 2);
      const outcome = controller.launchProcess(FileGateChain, { n: 4 }, { pid });
      const marker = `ask 3 ${pid}`;
      // Whichever daemon took the request: the one that reaches step 3 is killed there.
      const victim = await Promise.any(daemons.map((daemon) => daemon.waitFor('stdout', marker, 120_000).then(() => daemon)));
      // Checkpoints are written without stopping the chain: wait until the one of step 3 is stored.
      await checkpointed(store, pid, (state) => state.state === 'WAITING' && (state.workchain as { ctx: { i: number } }).ctx.i === 3);
      const survivor = daemons.find((daemon) => daemon !== victim)!;
      victim.child.kill('SIGKILL');
      assert.equal((await victim.exited).signal, 'SIGKILL');
      assert.ok(!survivor.stdout.some((line) => line.endsWith(pid)), 'the survivor had not touched the chain');
      open(pid, 3, 4);

      assert.deepEqual(await outcome, uninterrupted);
      const steps = (daemon: CliProcess): string[] => daemon.stdout.filter((line) => line.endsWith(` ${pid}`)).map((line) => line.split(' ').slice(0, 2).join(' '));
      assert.deepEqual(steps(victim), ['ask 1', 'ask 2', 'ask 3']);
      assert.deepEqual(steps(survivor), ['ask 3', 'ask 4'], 'steps 1 and 2 were not run again: it went on from the checkpoint');
      await survivor.waitFor('stderr', new RegExp(`continuing FileGateChain ${pid} from its checkpoint \\(RUNNING, delivery 2\\)`));
      await survivor.waitFor('stderr', `FileGateChain ${pid} FINISHED`);
      assert.equal((await controller.getStatus(pid).catch((error: unknown) => error as Error) as Error).name, 'UnknownProcessError',
        'a terminated process no longer answers to its pid');
    });
  });
}

scenario({
  name: 'a shared SQLite file',
  skip: redisSkip,
  spec: (dir) => `sqlite:${join(dir, 'checkpoints.db')}`,
  open: (dir) => new SqlitePersister({ path: join(dir, 'checkpoints.db') }),
});

scenario({
  name: 'PostgreSQL',
  skip: postgresSkip,
  spec: () => POSTGRES_URL,
  open: () => new PostgresPersister({ connectionString: POSTGRES_URL }),
});
