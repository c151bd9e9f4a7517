import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, test } from 'node:test';
import { parseLines, startCli, TASKS, waitForLines } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'taskfarm-cli-interrupt-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The output of a stopped run must be what a full run starts with: complete lines, inputs 1, 2, 3... */
function assertValidPrefix(path: string, atLeast: number): number {
  const text = readFileSync(path, 'utf8');
  assert.ok(text === '' || text.endsWith('\n'), 'the file ends with a complete line');
  const lines = parseLines(text);
  assert.ok(lines.length >= atLeast, `kept the ${atLeast} results written before the stop, got ${lines.length}`);
  lines.forEach((line, i) => assert.deepEqual(line, { input: i + 1, value: (i + 1) ** 2 }));
  return lines.length;
}

describe('taskfarm run stops cleanly on Ctrl-C', () => {
  // 100,000 tasks of 25 ms on 2 workers would take 20 minutes: the run is always stopped mid-way.
  const args = (backend: string, out: string): string[] =>
    ['run', `${TASKS}#slowSquare`, '--range', '1..100000', '--workers', '2', '--backend', backend, '--out', out];

  for (const backend of ['threads', 'processes']) {
    test(`SIGINT on ${backend}: exit 130, a valid prefix of the results, a summary marked interrupted`, async () => {
      const out = join(dir, `sigint-${backend}.jsonl`);
      const { child, result } = startCli(args(backend, out));
      await waitForLines(out, 20);
      child.kill('SIGINT');
      const { code, stderr } = await result;
      assert.equal(code, 130, stderr);
      const kept = assertValidPrefix(out, 20);
      assert.ok(kept < 100_000);
      assert.match(stderr, new RegExp(`taskfarm: interrupted: ${kept} of 100000 done, 0 failed`));
    });
  }

  test('Ctrl-C in a terminal (SIGINT to the whole process group, workers included) is not a task failure', async () => {
    const out = join(dir, 'sigint-group.jsonl');
    const { child, result } = startCli(args('processes', out), { detached: true });
    await waitForLines(out, 20);
    process.kill(-child.pid!, 'SIGINT');
    const { code, stderr } = await result;
    assert.equal(code, 130, stderr);
    assertValidPrefix(out, 20); // no error lines: every kept line is a value
    assert.match(stderr, /interrupted: \d+ of 100000 done, 0 failed/);
  });

  test('a second Ctrl-C exits at once, and leaves no worker process behind', async () => {
    // The workers spin and ignore SIGTERM: stopping them takes the pool's SIGKILL grace, and a worker
    // stuck in a loop never notices its parent is gone. Its own process group lets the test see that
    // none survives (and clean up if one did).
    const out = join(dir, 'twice.jsonl');
    const { child, result } = startCli(
      ['run', `${TASKS}#stubborn`, '--range', '1..4', '--workers', '2', '--backend', 'processes', '--out', out],
      { detached: true, timeoutMs: 60_000 },
    );
    // The run is under way once the first progress line (every 2 s on a non-TTY stderr) is out.
    await waitForStderr(child, /0\/4 done/);
    child.kill('SIGINT');
    await sleep(100);
    child.kill('SIGINT');
    const { code, stderr } = await result;
    assert.equal(code, 130, stderr);
    assert.match(stderr, /SIGINT again, exiting now/);
    assert.equal(await groupAlive(child.pid!), false, 'every worker process is gone');
  });
});

/**
 * Whether a live process is left in the group `pgid`, a second after its leader exited. A killed
 * worker may linger as a zombie until init reaps it: dead, so it does not count.
 */
async function groupAlive(pgid: number): Promise<boolean> {
  const alive = (): boolean =>
    execFileSync('ps', ['-eo', 'pgid=,stat='], { encoding: 'utf8' })
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .some(([group, stat]) => Number(group) === pgid && stat !== undefined && !stat.startsWith('Z'));
  for (let i = 0; i < 20; i += 1) {
    if (!alive()) return false;
    await sleep(50);
  }
  process.kill(-pgid, 'SIGKILL');
  return true;
}

async function waitForStderr(child: import('node:child_process').ChildProcess, pattern: RegExp): Promise<void> {
  let seen = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer | string): void => {
      seen += String(chunk);
      if (pattern.test(seen)) {
        child.stderr!.off('data', onData);
        resolve();
      }
    };
    child.stderr!.on('data', onData);
    child.once('close', () => reject(new Error(`ended before ${pattern}: ${seen}`)));
  });
}
