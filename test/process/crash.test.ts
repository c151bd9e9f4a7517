/**
 * Crash recovery for real: a program running a work chain with a SqlitePersister is killed with
 * SIGKILL in the middle of the chain; a second program loads the last checkpoint and finishes with
 * the same outputs as a run that was never interrupted.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';

const FIXTURE = fileURLToPath(new URL('./fixtures/crash-chain.ts', import.meta.url));

interface Run {
  lines: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Runs the fixture; if `killAt` is given, SIGKILLs it as soon as it prints that line. */
function run(args: string[], killAt?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    let pending = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      const parts = pending.split('\n');
      pending = parts.pop()!;
      for (const line of parts) {
        lines.push(line);
        if (line === killAt) child.kill('SIGKILL');
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (pending) lines.push(pending);
      resolve({ lines, code, signal, stderr });
    });
  });
}

function outputsOf(r: Run): unknown {
  const line = r.lines.find((l) => l.startsWith('outputs '));
  assert.ok(line, `no outputs line (exit ${String(r.code)}, signal ${String(r.signal)}): ${r.stderr}`);
  return JSON.parse(line.slice('outputs '.length));
}

describe('a work chain killed with SIGKILL restarts from its last checkpoint', { timeout: 120_000 }, () => {
  let dir: string;
  let uninterrupted: unknown;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'taskfarm-crash-'));
    const r = await run([join(dir, 'clean.db'), 'fresh']);
    assert.equal(r.code, 0, r.stderr);
    uninterrupted = outputsOf(r);
    assert.deepEqual(uninterrupted, { results: [1, 4, 9, 16], total: 30 });
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  const crashAndResume = async (db: string, killAt: string): Promise<{ first: Run; second: Run }> => {
    const first = await run([db, 'fresh'], killAt);
    assert.equal(first.signal, 'SIGKILL', `the first program was killed (stderr: ${first.stderr})`);
    assert.ok(first.lines.includes(killAt));
    assert.ok(!first.lines.some((l) => l.startsWith('outputs ')), 'it did not get to finish');
    const pid = first.lines[0]!.replace(/^pid /, '');
    const second = await run([db, 'resume', pid]);
    assert.equal(second.code, 0, second.stderr);
    return { first, second };
  };

  it('killed while waiting on a child process: the child is reloaded and re-awaited, the step is not re-run', async () => {
    const { second } = await crashAndResume(join(dir, 'child.db'), 'square 1 start');
    assert.deepEqual(outputsOf(second), uninterrupted);
    assert.equal(second.lines[0], 'resumed WAITING');
    assert.ok(!second.lines.includes('start 1'), 'the step that launched the child did not run again');
    assert.ok(second.lines.includes('square 1 start'), 'the child went on from its own checkpoint');
  });

  it('killed while waiting on a plain promise: the step that made it runs again', async () => {
    const { second } = await crashAndResume(join(dir, 'promise.db'), 'timer 2 waiting');
    assert.deepEqual(outputsOf(second), uninterrupted);
    assert.equal(second.lines[0], 'resumed RUNNING');
    assert.deepEqual(second.lines.filter((l) => l.startsWith('start ')), ['start 2', 'start 3', 'start 4']);
  });

  it('killed in the middle of a step: the program goes on from the checkpoint before it', async () => {
    const { second } = await crashAndResume(join(dir, 'step.db'), 'start 3');
    assert.deepEqual(outputsOf(second), uninterrupted);
    assert.deepEqual(second.lines.filter((l) => l.startsWith('start ')), ['start 3', 'start 4']);
  });
});
