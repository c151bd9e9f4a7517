import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parseLines, runCli, TASKS } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'taskfarm-cli-run-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('taskfarm run', () => {
  for (const backend of ['threads', 'processes']) {
    test(`--range on ${backend}: one line per input, in input order, with the right values`, async () => {
      const out = join(dir, `range-${backend}.jsonl`);
      const result = await runCli(['run', `${TASKS}#square`, '--range=-5..300', '--workers', '2', '--backend', backend, '--out', out]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, '', 'with --out, nothing goes to stdout');
      const lines = parseLines(readFileSync(out, 'utf8'));
      assert.equal(lines.length, 306);
      lines.forEach((line, i) => assert.deepEqual(line, { input: i - 5, value: (i - 5) ** 2 }));
      assert.match(result.stderr, /taskfarm: 306 done, 0 failed in [\d.]+ s \([\d.]+ tasks\/s\)/);
    });
  }

  test('without --out the lines go to stdout', async () => {
    const result = await runCli(['run', `${TASKS}#square`, '--range', '1..3', '--workers', '2', '--quiet']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, '{"input":1,"value":1}\n{"input":2,"value":4}\n{"input":3,"value":9}\n');
  });

  test('--input: each non-blank JSON line is one input, passed as the only argument', async () => {
    const input = join(dir, 'values.jsonl');
    writeFileSync(input, '\uFEFF{"a":1,"b":[true,null]}\n\n"text"\r\n   \n42\n[1,2,3]\n');
    const result = await runCli(['run', `${TASKS}#echo`, '--input', input, '--workers', '2', '--quiet']);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(parseLines(result.stdout), [
      { input: { a: 1, b: [true, null] }, value: { a: 1, b: [true, null] } },
      { input: 'text', value: 'text' },
      { input: 42, value: 42 },
      { input: [1, 2, 3], value: [1, 2, 3] },
    ]);
  });

  test('failures become error lines, in order, and the exit code is 1', async () => {
    const result = await runCli(['run', `${TASKS}#failOdd`, '--range', '1..6', '--workers', '2']);
    assert.equal(result.code, 1, result.stderr);
    const lines = parseLines(result.stdout);
    assert.deepEqual(lines.map((line) => line.input), [1, 2, 3, 4, 5, 6]);
    for (const line of lines) {
      if ((line.input as number) % 2 === 0) {
        assert.deepEqual(line, { input: line.input, value: line.input });
      } else {
        assert.deepEqual(line.error, { name: 'RangeError', message: `${line.input} is odd`, code: 'ERR_TASK_FAILED' });
        assert.equal('value' in line, false);
      }
    }
    assert.match(result.stderr, /6 done, 3 failed/);
  });

  test('--retries N gives each task N more attempts', async () => {
    const counters = join(dir, 'flaky');
    const input = join(dir, 'flaky.jsonl');
    const lines = [1, 2, 3].map((n) => JSON.stringify({ counter: `${counters}-${n}`, failures: 2 }));
    writeFileSync(input, lines.join('\n') + '\n');

    const once = await runCli(['run', `${TASKS}#flaky`, '--input', input, '--retries', '1', '--workers', '2', '--quiet']);
    assert.equal(once.code, 1, 'two failures need two retries');
    assert.deepEqual(parseLines(once.stdout).map((line) => line.error?.message), ['attempt 2 failed', 'attempt 2 failed', 'attempt 2 failed']);

    for (const n of [1, 2, 3]) rmSync(`${counters}-${n}`);
    const twice = await runCli(['run', `${TASKS}#flaky`, '--input', input, '--retries', '2', '--workers', '2', '--quiet']);
    assert.equal(twice.code, 0, twice.stderr);
    assert.deepEqual(parseLines(twice.stdout).map((line) => line.value), Array(3).fill('succeeded on attempt 3'));
  });

  for (const [backend, task] of [['threads', 'spin'], ['processes', 'hang']] as const) {
    test(`--timeout turns a never-ending task (${task}, ${backend}) into an ERR_TASK_TIMEOUT line`, async () => {
      const result = await runCli(['run', `${TASKS}#${task}`, '--range', '1..2', '--timeout', '300', '--workers', '2', '--backend', backend, '--quiet']);
      assert.equal(result.code, 1, result.stderr);
      const lines = parseLines(result.stdout);
      assert.deepEqual(lines.map((line) => line.input), [1, 2]);
      for (const line of lines) {
        assert.equal(line.error?.code, 'ERR_TASK_TIMEOUT');
        assert.equal(line.error?.name, 'TaskTimeoutError');
        assert.match(line.error!.message, /timed out after 300 ms/);
      }
    });
  }

  test('values JSON cannot represent are encoded, not fatal', async () => {
    const input = join(dir, 'odd.jsonl');
    writeFileSync(input, ['"bigint"', '"undefined"', '"map"', '"nan"', '"set"', '"plain"'].join('\n'));
    const result = await runCli(['run', `${TASKS}#odd`, '--input', input, '--workers', '2', '--quiet']);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(parseLines(result.stdout).map((line) => line.value), [
      (2n ** 70n).toString(), null, [['a', 1], [2, 'b']], 'NaN', [1, 2], 'plain',
    ]);
  });

  test('progress: plain lines on a non-TTY stderr, and a summary', async () => {
    // 12 tasks of 400 ms on 2 workers last at least 2.4 s: past the first 2 s progress line.
    const result = await runCli(['run', `${TASKS}#slowly`, '--range', '1..12', '--workers', '2']);
    assert.equal(result.code, 0, result.stderr);
    const progress = result.stderr.split('\n').filter((line) => /^taskfarm: \d+\/12 done \(\d+\.\d%\), [\d.]+ tasks\/s/.test(line));
    assert.ok(progress.length >= 1, `expected progress lines, got:\n${result.stderr}`);
    assert.doesNotMatch(result.stderr, /\r/, 'no carriage returns when stderr is not a terminal');
    assert.match(result.stderr, /^taskfarm: 12 done, 0 failed in [\d.]+ s/m);
  });

  test('--quiet: nothing on stderr', async () => {
    const result = await runCli(['run', `${TASKS}#slowly`, '--range', '1..12', '--workers', '2', '--quiet']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    assert.equal(parseLines(result.stdout).length, 12);
  });
});
