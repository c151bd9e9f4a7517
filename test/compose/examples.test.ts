/**
 * Every cell of the tinybase notebook, ported under examples/compose/, gives the notebook's answers.
 * Each example's main() takes a log function (a collector here) and returns what it printed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { main as fibonacci } from '../../examples/compose/fibonacci.js';
import { main as executors } from '../../examples/compose/executors.js';
import { main as manyTasks } from '../../examples/compose/many-tasks.js';
import { main as series } from '../../examples/compose/series.js';
import { main as loop } from '../../examples/compose/loop.js';
import { main as waitGenerator } from '../../examples/compose/wait-generator.js';
import { TaskDefinitionError } from '../../src/index.js';

const opts = { timeout: 30_000 };
const FIB_100 = 927372692193078999176n;

function collector(): { log: (line: string) => void; lines: string[] } {
  const lines: string[] = [];
  return { log: (line) => lines.push(line), lines };
}

describe('examples/compose (the tinybase notebook, cell by cell)', () => {
  it('fibonacci: empty args and kwargs, then kwargs n = 10 executes to DONE, 144', opts, async () => {
    const { log, lines } = collector();
    const r = await fibonacci(log);
    assert.deepEqual(r.args, []);
    assert.deepEqual(r.kwargs, { n: 10 });
    assert.equal(String(r.status), 'ReturnStatus(DONE)');
    assert.equal(r.result, 144n);
    assert.equal(lines.at(-1), 'output.result = 144');
  });

  it('executors: foreground 144; thread and process fib(100) = 927372692193078999176, running then finished', opts, async () => {
    const { log, lines } = collector();
    const r = await executors(log, { stepSeconds: 0.001 });
    assert.equal(String(r.foreground.status), 'ReturnStatus(DONE)');
    assert.equal(r.foreground.result, 144n);
    for (const background of [r.threads, r.processes]) {
      assert.equal(background.stateAfterRun, 'running');
      assert.equal(background.stateAfterWait, 'finished');
      assert.equal(background.status?.code, 'done');
      assert.equal(background.result, FIB_100);
    }
    assert.ok(lines.includes('processes: output[0].result = 927372692193078999176'));
  });

  it('many tasks: output[1] = 8 in the foreground; ten DONE and output[5] = 55 on four processes', opts, async () => {
    const { log, lines } = collector();
    const r = await manyTasks(log);
    assert.equal(r.foregroundSecond, 8n);
    assert.equal(r.processSixth, 55n);
    assert.deepEqual(r.processStatus.map(String), Array(10).fill('ReturnStatus(DONE)'));
    assert.deepEqual(r.processes, r.foreground);
    assert.equal(r.single, 144n);
    assert.ok(lines.includes('processes: output[5].result = 55'));
  });

  it('series: fib(10) → sqrt is DONE with 12, in the foreground and on a thread; Math.sqrt on a pool is ABORTED', opts, async () => {
    const { log, lines } = collector();
    const r = await series(log);
    assert.equal(String(r.foreground.status), 'ReturnStatus(DONE)');
    assert.equal(r.foreground.result, 12);
    assert.equal(r.threads.status?.code, 'done');
    assert.equal(r.threads.result, 12);
    assert.equal(r.nativeOnPool.status?.code, 'aborted');
    assert.ok(r.nativeOnPool.status?.error instanceof TaskDefinitionError);
    assert.deepEqual(lines.slice(0, 2), ['status = ReturnStatus(DONE)', 'output.result = 12']);
  });

  it('loop: repeat(10) prints ten values and ends with an eleventh; the condition loop ends below 0.15', opts, async () => {
    const { log, lines } = collector();
    const r = await loop(log);
    for (const run of [r.repeat, r.background]) {
      assert.equal(run.status?.code, 'done');
      assert.equal(run.printed.length, 10);
      assert.ok(run.printed.every((x) => x >= 0 && x < 1));
      assert.ok(!run.printed.includes(run.result), 'the final result is none of the printed values');
    }
    assert.deepEqual(lines.slice(0, 10), r.repeat.printed.map(String));
    assert.equal(r.condition.status?.code, 'done');
    assert.ok(r.condition.result < 0.15);
    assert.ok(r.condition.printed.every((x) => x >= 0.15));
  });

  it('wait generator: DONE everywhere; one process about n·t, four workers much faster', opts, async () => {
    const { log } = collector();
    const time = 0.05;
    const timings = await waitGenerator(log, { time, n: 10 });
    assert.deepEqual(timings.map((x) => x.where), ['foreground', '1 process', '4 processes', '4 threads']);
    assert.ok(timings.every((x) => x.status?.code === 'done'));
    const [fg, one, four, threads] = timings.map((x) => x.seconds) as [number, number, number, number];
    assert.ok(fg >= 0.8 * 10 * time && one >= 0.8 * 10 * time, `${fg} ${one}`);
    assert.ok(four < 0.75 * one && threads < 0.75 * one, `${one} ${four} ${threads}`);
  });

  it('examples run as scripts and print the notebook\'s answers', opts, () => {
    const script = fileURLToPath(new URL('../../examples/compose/fibonacci.ts', import.meta.url));
    const result = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /output\.result = 144\n$/);
  });

  it('importing an example runs nothing (tests and workers import them)', opts, () => {
    const names = ['tasks', 'fibonacci', 'executors', 'many-tasks', 'series', 'loop', 'wait-generator'];
    const urls = names.map((name) => new URL(`../../examples/compose/${name}.ts`, import.meta.url).href);
    const code = `for (const url of ${JSON.stringify(urls)}) await import(url);`;
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, '');
  });
});
