/**
 * The notebook's timing claim, with small waits: ten waits of t seconds take about 10·t in the
 * foreground and on one worker, and about 10·t/k on k workers. Ratios only, no tight absolute
 * bounds: the test machine has two cores and may be busy (sleeping tasks need no CPU, though).
 * Every pool is warmed up first: starting workers under tsx is slow and is not what is measured.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProcessExecutor, TaskExecutor, ThreadExecutor, type Executor } from '../../src/index.js';
import { warmUp } from '../../examples/compose/tasks.js';
import { WaitGenerator } from '../../examples/compose/wait-generator.js';

const t = 0.08;
const n = 10;
const k = 4;
const sequential = n * t;

function makeWait(): WaitGenerator {
  const wait = new WaitGenerator({ captureExceptions: false });
  wait.input.time = t;
  wait.input.n = n;
  return wait;
}

/** Seconds for `runs` runs of the wait generator on a warmed-up pool; the fastest is returned. */
async function timeOnPool(executor: Executor, runs = 1): Promise<number> {
  await using exe = new TaskExecutor(executor, { own: true });
  await warmUp(executor);
  let best = Infinity;
  for (let i = 0; i < runs; i += 1) {
    const start = performance.now();
    const run = exe.run(makeWait());
    await run.wait();
    assert.equal(run.status[0]?.code, 'done');
    best = Math.min(best, (performance.now() - start) / 1000);
  }
  return best;
}

describe(`wait generator timing (n = ${n}, t = ${t} s)`, { timeout: 60_000 }, () => {
  it('in the foreground, execute() runs the waits one after the other: about n·t', async () => {
    const start = performance.now();
    const [status] = await makeWait().execute();
    const seconds = (performance.now() - start) / 1000;
    assert.equal(status.code, 'done');
    assert.ok(seconds >= 0.8 * sequential, `${seconds.toFixed(3)} s, expected about ${sequential} s`);
  });

  it('the foreground TaskExecutor is sequential too', async () => {
    const start = performance.now();
    const run = TaskExecutor.foreground().run(makeWait());
    await run.wait();
    const seconds = (performance.now() - start) / 1000;
    assert.ok(seconds >= 0.8 * sequential, `${seconds.toFixed(3)} s, expected about ${sequential} s`);
  });

  for (const [name, make] of [
    ['threads', (workers: number) => new ThreadExecutor({ workers })],
    ['processes', (workers: number) => new ProcessExecutor({ workers })],
  ] as const) {
    it(`${name}: one worker takes about n·t, ${k} workers well under that (about n·t/${k})`, async (context) => {
      const one = await timeOnPool(make(1));
      const many = await timeOnPool(make(k), 2);
      const ratio = many / one;
      const detail = `1 worker ${one.toFixed(3)} s, ${k} workers ${many.toFixed(3)} s, ratio ${ratio.toFixed(2)}`;
      context.diagnostic(detail);
      assert.ok(one >= 0.8 * sequential, `one worker is sequential: ${detail}`);
      // ceil(n/k) rounds of waits at least: the waits really wait
      assert.ok(many >= 0.8 * Math.ceil(n / k) * t, `waits were skipped: ${detail}`);
      // ideal ratio 0.3 (3 rounds of 4 instead of 10 one after the other)
      assert.ok(ratio <= 0.6, `no parallel speed-up: ${detail}`);
    });
  }
});
