// `taskfarm run --redis`: the same command, on the engines of a farm instead of a local pool.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import { waitFor } from '../executors/helpers.js';
import { killEngineProcess, startEngineProcess, type EngineProcess } from '../executors/redis-fixtures/engine-process.js';
import { deleteKeys, REDIS_URL, uniquePrefix, uniqueQueue } from '../executors/redis-fixtures/redis.js';
import { serviceSkip } from '../support/services.js';
import { parseLines, runCli, startCli, TASKS } from './helpers.js';

const TEST = { timeout: 90_000 };

describe('taskfarm run --redis: usage', () => {
  it('local pool options with --redis, or farm options without it, exit 2 naming the clash', TEST, async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--redis', REDIS_URL, '--workers', '2'], /--workers sizes a local pool; with --redis the farm's engines run the tasks/],
      [['--redis', REDIS_URL, '--backend', 'processes'], /--backend sizes a local pool/],
      [['--queue', 'q'], /--queue names a farm on Redis: give --redis URL too/],
      [['--prefix', 'p'], /--prefix names a farm on Redis/],
    ];
    for (const [args, pattern] of cases) {
      const result = await runCli(['run', `${TASKS}#square`, '--range', '1..3', ...args]);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, pattern);
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    }
  });

  it('an unreachable Redis exits 1 before the output file is touched, without the password', TEST, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'taskfarm-run-redis-'));
    try {
      const out = join(dir, 'kept.jsonl');
      writeFileSync(out, 'earlier results\n');
      const result = await runCli(['run', `${TASKS}#square`, '--range', '1..3', '--redis', 'redis://farmer:s3cret@127.0.0.1:1', '--out', out]);
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /redis:\/\/farmer:\*\*\*@127\.0\.0\.1:1/);
      assert.ok(!result.stderr.includes('s3cret'), result.stderr);
      assert.equal(readFileSync(out, 'utf8'), 'earlier results\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const skip = await serviceSkip('Redis');

describe('taskfarm run --redis on a farm', { skip }, () => {
  const prefix = uniquePrefix('cli-run');
  const engines: EngineProcess[] = [];
  afterEach(async () => {
    await Promise.all(engines.splice(0).map((engine) => killEngineProcess(engine)));
  });
  after(() => deleteKeys(prefix));

  it('waits for an engine, then writes one line per input in order; the engine refuses modules it was not given', TEST, async () => {
    const queue = uniqueQueue();
    const farm = ['--redis', REDIS_URL, '--prefix', prefix, '--queue', queue];
    const run = startCli(['run', `${TASKS}#square`, '--range=-3..40', ...farm]);
    let stderr = '';
    run.child.stderr!.on('data', (chunk: string) => (stderr += chunk));
    await waitFor(() => stderr.includes('no engine serves this queue yet'), 'the note that no engine serves the queue');
    engines.push(await startEngineProcess([...farm, '--workers', '2', '--heartbeat', '200', '--tasks', TASKS]));
    const result = await run.result;
    assert.equal(result.code, 0, result.stderr);
    const lines = parseLines(result.stdout);
    assert.equal(lines.length, 44);
    lines.forEach((line, i) => assert.deepEqual(line, { input: i - 3, value: (i - 3) ** 2 }));
    assert.match(result.stderr, /44 done, 0 failed/);

    const refused = await runCli(['run', 'test/executors/redis-fixtures/tasks.ts#engineOf', '--range', '1..2', '--quiet', ...farm]);
    assert.equal(refused.code, 1, refused.stderr);
    for (const line of parseLines(refused.stdout)) {
      assert.equal(line.error?.name, 'TaskRefusedError');
      assert.equal(line.error?.code, 'ERR_TASK_REFUSED');
    }
  });
});
