import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ROOT, runCli, TASKS } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'taskfarm-cli-usage-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs a command that must fail as bad usage: exit 2, one line on stderr matching `message`, no results. */
async function assertUsageError(args: string[], message: RegExp): Promise<void> {
  const out = join(dir, 'never-written.jsonl');
  const result = await runCli([...args, ...(args[0] === 'run' ? ['--out', out] : [])]);
  assert.equal(result.code, 2, `exit code of taskfarm ${args.join(' ')}\n${result.stderr}`);
  assert.equal(result.stdout, '');
  const lines = result.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line of error, got:\n${result.stderr}`);
  assert.match(lines[0]!, /^taskfarm: /);
  assert.match(lines[0]!, message);
  assert.equal(existsSync(out), false, 'nothing is farmed or written on bad usage');
}

describe('taskfarm usage errors exit 2 with one line naming the problem', () => {
  const task = `${TASKS}#square`;
  const cases: Array<[string, string[], RegExp]> = [
    ['unknown flag', ['run', task, '--range', '1..3', '--frobnicate'], /unknown option '--frobnicate'/],
    ['reversed range', ['run', task, '--range', '5..1'], /invalid --range '5\.\.1'.*5 is greater than 1/],
    ['range that is not numbers', ['run', task, '--range', 'a..b'], /invalid --range 'a\.\.b'/],
    ['range with one end', ['run', task, '--range', '7'], /invalid --range '7'/],
    ['both --input and --range', ['run', task, '--range', '1..3', '--input', 'x.jsonl'], /either --input or --range, not both/],
    ['no inputs', ['run', task], /needs inputs/],
    ['no task', ['run', '--range', '1..3'], /needs a task/],
    ['task without #export', ['run', TASKS, '--range', '1..3'], /not a task: write <module>#<export>/],
    ['missing module', ['run', 'test/cli/fixtures/nope.js#square', '--range', '1..3'], /task module 'test\/cli\/fixtures\/nope\.js' not found/],
    ['missing export', ['run', `${TASKS}#nope`, '--range', '1..3'], /no exported function 'nope'.*square/],
    ['export that is not a function', ['run', `${TASKS}#notAFunction`, '--range', '1..3'], /no exported function 'notAFunction'/],
    ['bad --workers', ['run', task, '--range', '1..3', '--workers', 'many'], /invalid --workers 'many'/],
    ['bad --backend', ['run', task, '--range', '1..3', '--backend', 'gpu'], /invalid --backend 'gpu': expected threads or processes/],
    ['bad --timeout', ['run', task, '--range', '1..3', '--timeout', '0'], /invalid --timeout '0'/],
    ['bad --retries', ['run', task, '--range', '1..3', '--retries', '-1'], /--retries/],
    ['flag without its value', ['run', task, '--range'], /option '--range' needs a value/],
    ['missing input file', ['run', task, '--input', 'test/cli/fixtures/nope.jsonl'], /cannot read --input 'test\/cli\/fixtures\/nope\.jsonl': no such file/],
    ['unknown command', ['frobnicate'], /unknown command 'frobnicate'/],
  ];
  for (const [name, args, message] of cases) {
    test(name, () => assertUsageError(args, message));
  }

  test('an unparsable input line is named by its number, before anything runs', async () => {
    const input = join(dir, 'bad.jsonl');
    writeFileSync(input, '1\n2\n\n{"broken": \n5\n');
    await assertUsageError(['run', task, '--input', input], new RegExp(`${input.replace(/[.]/g, '\\.')}:4: not valid JSON`));
  });
});

test('--out naming the --input file is refused before the input is truncated', async () => {
  const input = join(dir, 'same.jsonl');
  writeFileSync(input, '1\n2\n');
  const result = await runCli(['run', `${TASKS}#square`, '--input', input, '--out', input]);
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, /^taskfarm: --out '.*same\.jsonl' is the --input file/);
  assert.equal(readFileSync(input, 'utf8'), '1\n2\n');
});

describe('taskfarm help and version', () => {
  test('--help lists the commands and the exit codes', async () => {
    const result = await runCli(['--help']);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /Usage: taskfarm <command>/);
    assert.match(result.stdout, /^ {2}run /m);
    assert.match(result.stdout, /1 some tasks failed/);
  });

  test('run --help documents the options and exit codes', async () => {
    for (const args of [['run', '--help'], ['help', 'run']]) {
      const result = await runCli(args);
      assert.equal(result.code, 0);
      for (const flag of ['--range', '--input', '--workers', '--backend', '--timeout', '--retries', '--out', '--quiet']) {
        assert.ok(result.stdout.includes(flag), `help mentions ${flag}`);
      }
      assert.match(result.stdout, /^ {2}1 +some tasks failed/m);
      assert.match(result.stdout, /^ {2}2 +bad usage/m);
    }
  });

  test('no command prints the usage on stderr and exits 2', async () => {
    const result = await runCli([]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /Usage: taskfarm/);
  });

  test('--version prints the version of package.json', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const result = await runCli(['--version']);
    assert.equal(result.code, 0);
    assert.equal(result.stdout, `${version}\n`);
  });
});
