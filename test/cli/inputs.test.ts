import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { jsonlInputs, parseRange, rangeInputs } from '../../src/cli/inputs.js';
import { ValidationError } from '../../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'taskfarm-cli-inputs-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function collect(values: Iterable<unknown> | AsyncIterable<unknown>): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const value of values) out.push(value);
  return out;
}

describe('--range', () => {
  test('A..B is every integer from A to B, both included', async () => {
    assert.deepEqual(parseRange('1..5'), { from: 1, to: 5 });
    assert.deepEqual(parseRange('-3..-1'), { from: -3, to: -1 });
    assert.deepEqual(parseRange('7..7'), { from: 7, to: 7 });
    const source = rangeInputs(parseRange('-2..2'));
    assert.equal(source.total, 5);
    assert.deepEqual(await collect(source.values(new AbortController().signal)), [-2, -1, 0, 1, 2]);
  });

  test('anything else is a ValidationError naming the range', () => {
    for (const text of ['5..1', 'a..b', '1..', '..3', '1...3', '1.5..3', '1-3', '', '99999999999999999999..1']) {
      assert.throws(() => parseRange(text), (error: unknown) => error instanceof ValidationError && error.message.includes(`'${text}'`), text);
    }
    assert.throws(() => parseRange('5..1'), /5 is greater than 1/);
  });

  test('a stop ends the inputs: nothing more is submitted', () => {
    const stop = new AbortController();
    const seen: unknown[] = [];
    for (const value of rangeInputs({ from: 1, to: 1e12 }).values(stop.signal) as Iterable<unknown>) {
      seen.push(value);
      if (seen.length === 3) stop.abort();
    }
    assert.deepEqual(seen, [1, 2, 3]);
  });
});

describe('--input', () => {
  test('counts the inputs up front and yields one per non-blank line', async () => {
    const path = join(dir, 'ok.jsonl');
    writeFileSync(path, '\uFEFF1\n\n{"a":[2]}\r\n  \t\n"three"');
    const source = await jsonlInputs(path);
    assert.equal(source.total, 3);
    assert.deepEqual(await collect(source.values(new AbortController().signal)), [1, { a: [2] }, 'three']);
  });

  test('a bad line fails before anything runs, with its line number', async () => {
    const path = join(dir, 'bad.jsonl');
    writeFileSync(path, '1\n\n{"a":\n4\n');
    await assert.rejects(jsonlInputs(path, 'bad.jsonl'), (error: unknown) =>
      error instanceof ValidationError && /^bad\.jsonl:3: not valid JSON/.test(error.message));
  });

  test('a file that changed between the count and the run stops with the error: no input is skipped', async () => {
    const path = join(dir, 'changing.jsonl');
    writeFileSync(path, '1\n2\n3\n');
    const source = await jsonlInputs(path);
    writeFileSync(path, '1\nnope\n3\n');
    await assert.rejects(collect(source.values(new AbortController().signal)), /:2: not valid JSON/);
  });

  test('a missing file or a directory is a ValidationError', async () => {
    await assert.rejects(jsonlInputs(join(dir, 'missing.jsonl'), 'missing.jsonl'), /cannot read --input 'missing\.jsonl': no such file/);
    await assert.rejects(jsonlInputs(dir, 'dir'), /not a regular file/);
  });
});
