/**
 * taskfarm daemon, ps, pause, play and kill as a user runs them: real child processes, a real Redis
 * (unique prefix per run, keys deleted after), an SQLite persister in a temporary directory.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RemoteProcessController } from '../../src/comms/controller.js';
import { RedisCommunicator } from '../../src/comms/redis/communicator.js';
import { KilledError } from '../../src/index.js';
import { REDIS_URL, serviceSkip } from '../support/services.js';
import { FileGateChain, gateFile } from '../comms/fixtures-remote/daemon-chains.js';
import { CHAINS_MODULE, deleteRedisKeys, runCommand, startDaemon, type CliProcess } from '../comms/fixtures-remote/daemon-process.js';

describe('process commands: usage and errors (no service needed)', () => {
  it('daemon: a bad --persister, a missing --process-module, a bad number are usage errors (exit 2)', async () => {
    const persister = await runCommand(['daemon', '--persister', 'mysql://x']);
    assert.equal(persister.code, 2);
    assert.match(persister.stderr, /invalid --persister 'mysql:\/\/x': expected sqlite:PATH or postgres:\/\//);
    const module = await runCommand(['daemon', '--persister', 'sqlite::memory:', '-m', 'no/such/chains.js']);
    assert.equal(module.code, 2);
    assert.match(module.stderr, /cannot load --process-module 'no\/such\/chains\.js': not found/);
    const number = await runCommand(['daemon', '--dead-after', 'soon']);
    assert.equal(number.code, 2);
    assert.match(number.stderr, /invalid --dead-after 'soon'/);
  });

  it('pause, play, kill and ps: missing pid, conflicting options, a persister file that is not there', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['pause'], /'pause' needs a pid \(or --all\)/],
      [['kill', 'p1', '--all'], /give pids or --all, not both/],
      [['play', 'p1', '--message', 'x'], /'play' takes no --message/],
      [['ps', '--persister', 'sqlite:/nonexistent/taskfarm.db'], /no checkpoint database at \/nonexistent\/taskfarm\.db/],
      [['ps', '--colour'], /unknown option '--colour' for 'ps'/],
    ];
    for (const [args, message] of cases) {
      const r = await runCommand(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
  });

  it('passwords in --persister and --redis URLs are never printed, also when connecting fails', async () => {
    const pg = await runCommand(['daemon', '--persister', 'postgres://user:pg-s3cret@127.0.0.1:1/db', '--connect-timeout', '2000']);
    assert.equal(pg.code, 1);
    assert.ok(!`${pg.stdout}${pg.stderr}`.includes('pg-s3cret'), pg.stderr);
    const redis = await runCommand(['pause', 'some-pid', '--redis', 'redis://user:r3dis-s3cret@127.0.0.1:1', '--connect-timeout', '2000']);
    assert.equal(redis.code, 1);
    assert.ok(!`${redis.stdout}${redis.stderr}`.includes('r3dis-s3cret'), redis.stderr);
    assert.match(redis.stderr, /\*\*\*/);
    const bad = await runCommand(['ps', '--persister', 'mysql://user:my-s3cret@host/db']);
    assert.equal(bad.code, 2);
    assert.ok(!bad.stderr.includes('my-s3cret'), bad.stderr);
  });
});

const redisSkip = await serviceSkip('Redis');

describe('taskfarm daemon with ps, pause, play and kill over Redis', { skip: redisSkip, timeout: 240_000 }, () => {
  const prefix = `taskfarm-cli-daemon-${randomBytes(4).toString('hex')}`;
  // A password the server does not need: it must be accepted, and shown masked.
  const redisUrl = (() => { const url = new URL(REDIS_URL); url.username = ''; url.password = 'pa55-w0rd'; return url.toString(); })();
  let dir: string;
  let gates: string;
  let db: string;
  let daemon: CliProcess;
  let communicator: RedisCommunicator;
  let controller: RemoteProcessController;
  const redisArgs = (): string[] => ['--redis', redisUrl, '--prefix', prefix];
  const cli = (args: string[]): ReturnType<typeof runCommand> => runCommand(args, { TASKFARM_REDIS: '' });
  const open = (pid: string, ...steps: number[]): void => {
    for (const i of steps) writeFileSync(gateFile(gates, pid, i), '');
  };
  const daemonArgs = (): string[] => [...redisArgs(), '--persister', `sqlite:${db}`, '--process-module', CHAINS_MODULE, '--dead-after', '2000'];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'taskfarm-cli-daemon-'));
    gates = join(dir, 'gates');
    mkdirSync(gates);
    db = join(dir, 'checkpoints.db');
    const started = await startDaemon(daemonArgs(), { TASKFARM_TEST_GATES: gates });
    daemon = started.daemon;
    const shown = new URL(redisUrl);
    shown.password = '***';
    assert.equal(started.banner.redis, shown.toString());
    assert.equal(started.banner.persister, `sqlite:${db}`);
    assert.equal(started.banner.queue, 'processes');
    assert.deepEqual(started.banner.classes, ['FileGateChain']);
    communicator = await RedisCommunicator.connect({ url: REDIS_URL, prefix });
    controller = new RemoteProcessController(communicator);
  });

  after(async () => {
    if (daemon && daemon.child.exitCode === null && daemon.child.signalCode === null) daemon.child.kill('SIGKILL');
    await daemon?.exited;
    await communicator?.close();
    await deleteRedisKeys(REDIS_URL, prefix);
    rmSync(dir, { recursive: true, force: true });
  });

  it('ps lists a running chain with its daemon; pause, play and kill act on it by pid', async () => {
    const pid = await controller.launchProcess(FileGateChain, { n: 2 }, { nowait: true });
    await daemon.waitFor('stdout', `ask 1 ${pid}`);

    const listed = await cli(['ps', '--persister', `sqlite:${db}`, ...redisArgs()]);
    assert.equal(listed.code, 0, listed.stderr);
    const [header, row] = listed.stdout.split('\n');
    assert.match(header!, /^PID\s+CLASS\s+STATE\s+PAUSED\s+RUNNER\s+SAVED\s+STATUS$/);
    assert.match(row!, new RegExp(`^${pid}\\s+FileGateChain\\s+WAITING\\s+no\\s+\\S+:${daemon.child.pid}\\s+\\S+\\s+Waiting for value$`));

    const paused = await cli(['pause', pid, '--message', 'hold on', ...redisArgs()]);
    assert.equal(paused.code, 0, paused.stderr);
    assert.equal(paused.stdout, `${pid} paused (WAITING, paused, FileGateChain)`);
    const json = await cli(['ps', '--persister', `sqlite:${db}`, '--json', ...redisArgs()]);
    const status = JSON.parse(json.stdout) as { pid: string; paused: boolean; status: string; live: boolean };
    assert.deepEqual([status.pid, status.paused, status.status, status.live], [pid, true, 'hold on', true]);

    const played = await cli(['play', pid, ...redisArgs()]);
    assert.equal(played.stdout, `${pid} played (WAITING, FileGateChain)`);

    const killed = await cli(['kill', pid, '--message', 'bye', ...redisArgs()]);
    assert.equal(killed.code, 0, killed.stderr);
    assert.equal(killed.stdout, `${pid} killed (KILLED, FileGateChain)`);
    await daemon.waitFor('stderr', `FileGateChain ${pid} KILLED: bye`);

    const running = await cli(['ps', '--persister', `sqlite:${db}`, ...redisArgs()]);
    assert.ok(!running.stdout.includes(pid), 'a terminated process is listed only with --all');
    const all = await cli(['ps', '--persister', `sqlite:${db}`, '--all']);
    assert.match(all.stdout, new RegExp(`^${pid}\\s+FileGateChain\\s+KILLED\\s+no\\s+\\S+\\s+bye$`, 'm'));

    const again = await cli(['kill', pid, '--persister', `sqlite:${db}`, ...redisArgs()]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /it has terminated \(KILLED\) \[ERR_PROCESS_TERMINATED\]/);
    const unknown = await cli(['pause', 'no-such-process', ...redisArgs()]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /\[ERR_PROCESS_UNKNOWN\]/);
    for (const r of [listed, paused, json, played, killed, again, unknown]) assert.ok(!`${r.stdout}${r.stderr}`.includes('pa55-w0rd'));
    assert.ok(!daemon.output().includes('pa55-w0rd'), 'the daemon never printed the password');
  });

  it('pause --all and play --all reach every process; the launch of a process killed by kill --all fails with KilledError', async () => {
    const pids = [randomUUID(), randomUUID()];
    const outcomes = pids.map((pid) => controller.launchProcess(FileGateChain, { n: 1 }, { pid }).catch((error: unknown) => error));
    for (const pid of pids) await daemon.waitFor('stdout', `ask 1 ${pid}`);
    assert.equal((await cli(['pause', '--all', '--message', 'maintenance', ...redisArgs()])).code, 0);
    for (const pid of pids) {
      const status = await controller.getStatus(pid);
      assert.deepEqual([status.paused, status.status], [true, 'maintenance']);
    }
    assert.equal((await cli(['play', '--all', ...redisArgs()])).code, 0);
    for (const pid of pids) assert.equal((await controller.getStatus(pid)).paused, false);
    assert.equal((await cli(['kill', '--all', '--message', 'closing time', ...redisArgs()])).code, 0);
    for (const outcome of await Promise.all(outcomes)) {
      assert.ok(outcome instanceof KilledError && outcome.message === 'closing time', String(outcome));
    }
  });

  it('SIGTERM hands the running processes back at once: a new daemon continues them from their checkpoints', async () => {
    const pid = randomUUID();
    open(pid, 1);
    const outcome = controller.launchProcess(FileGateChain, { n: 3 }, { pid });
    await daemon.waitFor('stdout', `ask 2 ${pid}`);
    daemon.child.kill('SIGTERM');
    const exit = await daemon.exited;
    assert.equal(exit.code, 143, daemon.output());
    await daemon.waitFor('stderr', 'SIGTERM: handing 1 running process(es) back to the queue');
    assert.ok(!daemon.stderr.some((line) => line.includes(`${pid} KILLED`)), 'handed back, not killed');

    const started = await startDaemon(daemonArgs(), { TASKFARM_TEST_GATES: gates });
    daemon = started.daemon;
    open(pid, 2, 3);
    assert.deepEqual(await outcome, { results: [1, 4, 9], total: 14 });
    assert.deepEqual(daemon.stdout.filter((line) => line.endsWith(pid)), [`ask 2 ${pid}`, `ask 3 ${pid}`]);
    await daemon.waitFor('stderr', `continuing FileGateChain ${pid} from its checkpoint (RUNNING, delivery 2)`);
  });
});
