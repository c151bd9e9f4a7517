// One measurement, in a fresh process: one scenario, one contender.
//
//   node bench/measure.mjs <scenario> <contender> [key=value ...]
//   node bench/measure.mjs a taskfarm
//   node bench/measure.mjs c piscina workers=1 iterations=40000000
//   node --cpu-prof bench/measure.mjs b taskfarm        # profile one contender in one scenario
//
// Prints progress on stderr and, as its last stdout line, `RESULT <json>` for bench/run.mjs.
// Needs the built library (`npm run build`).

import { pathToFileURL } from 'node:url';
import { createPool, CONTENDERS } from './lib/pools.mjs';

const WARMUP_TASKS = 500;

/** The scenarios, each measured with one contender. Defaults are the benchmark's; keys override. */
export const SCENARIOS = {
  /** Throughput: `tasks` tiny tasks submitted at once, all awaited with Promise.all. */
  async a({ pool, tasks = 100_000, runs = 3 }) {
    return throughput(pool, tasks, runs);
  },

  /** Latency: `trips` sequential round trips (submit, await, submit the next). */
  async b({ pool, trips = 10_000, runs = 3 }) {
    for (let i = 0; i < WARMUP_TASKS; i += 1) await pool.run(i);
    const means = [];
    const p99s = [];
    const p50s = [];
    const latencies = new Float64Array(trips);
    for (let r = 0; r < runs; r += 1) {
      for (let i = 0; i < trips; i += 1) {
        const start = performance.now();
        const value = await pool.run(i);
        latencies[i] = (performance.now() - start) * 1000;
        if (value !== i + 1) throw new Error(`Wrong result for ${i}: ${value}`);
      }
      let sum = 0;
      for (const us of latencies) sum += us;
      const sorted = Float64Array.from(latencies).sort();
      means.push(sum / trips);
      p50s.push(percentile(sorted, 50));
      p99s.push(percentile(sorted, 99));
    }
    return { trips, runs, meanUs: median(means), p50Us: median(p50s), p99Us: median(p99s), allMeansUs: means, allP99Us: p99s };
  },

  /** CPU-bound: `tasks` tasks of `iterations` busy-loop steps each (about 50 ms), all at once. */
  async c({ pool, tasks = 40, iterations, runs = 3, workers }) {
    if (!iterations) throw new Error('scenario c needs iterations=<n> (bench/run.mjs calibrates it)');
    // Warm-up: one full-size task per worker, twice, so every worker has optimized the loop.
    for (let w = 0; w < 2; w += 1) await Promise.all(Array.from({ length: workers }, () => pool.run(iterations)));
    const times = [];
    for (let r = 0; r < runs; r += 1) {
      const start = performance.now();
      const promises = [];
      for (let i = 0; i < tasks; i += 1) promises.push(pool.run(iterations));
      await Promise.all(promises);
      times.push(performance.now() - start);
    }
    return { tasks, runs, iterations, ms: median(times), allMs: times };
  },

  /** Child-process throughput: the same as (a), with fewer tasks. */
  async d({ pool, tasks = 20_000, runs = 3 }) {
    return throughput(pool, tasks, runs);
  },

  /** Memory: peak RSS of this process while `tasks` tiny tasks are queued at once and awaited. */
  async e({ pool, tasks = 1_000_000 }) {
    await burst(pool, WARMUP_TASKS);
    await burst(pool, WARMUP_TASKS);
    const baseline = process.memoryUsage.rss();
    let sampledPeak = baseline;
    const sampler = setInterval(() => {
      sampledPeak = Math.max(sampledPeak, process.memoryUsage.rss());
    }, 20);
    const start = performance.now();
    const ms = await burst(pool, tasks, start);
    clearInterval(sampler);
    // maxRSS (KiB) is the kernel's high-water mark: it also sees the peaks that fall inside the
    // synchronous submit loop, when the sampling timer cannot run.
    const peak = Math.max(sampledPeak, process.resourceUsage().maxRSS * 1024);
    return { tasks, baselineMb: baseline / 2 ** 20, peakMb: peak / 2 ** 20, sampledPeakMb: sampledPeak / 2 ** 20, ms };
  },
};

async function throughput(pool, tasks, runs) {
  await burst(pool, WARMUP_TASKS);
  await burst(pool, WARMUP_TASKS);
  const times = [];
  for (let r = 0; r < runs; r += 1) times.push(await burst(pool, tasks));
  const ms = median(times);
  return { tasks, runs, ms, tasksPerSec: tasks / (ms / 1000), allMs: times };
}

/** Submits `count` tasks at once, awaits them all, checks the results; returns the time in ms. */
async function burst(pool, count, start = performance.now()) {
  let promises = new Array(count);
  for (let i = 0; i < count; i += 1) promises[i] = pool.run(i);
  const values = await Promise.all(promises);
  const ms = performance.now() - start;
  promises = undefined;
  for (let i = 0; i < count; i += 1) {
    if (values[i] !== i + 1) throw new Error(`Wrong result for task ${i}: ${values[i]}`);
  }
  return ms;
}

function median(values) {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

async function main() {
  const [scenario, contender, ...rest] = process.argv.slice(2);
  if (!SCENARIOS[scenario] || !CONTENDERS[contender]) {
    console.error(`usage: node bench/measure.mjs <${Object.keys(SCENARIOS).join('|')}> <${Object.keys(CONTENDERS).join('|')}> [key=value ...]`);
    process.exit(2);
  }
  const params = {};
  for (const pair of rest) {
    const [key, value] = pair.split('=');
    params[key] = Number(value);
  }
  const workers = params.workers ?? 2;
  const task = scenario === 'c' ? 'spin' : 'inc';
  const pool = await createPool(contender, { workers, task });
  const started = performance.now();
  let result;
  let phase = 'running the scenario';
  // If the event loop empties before the end, something was lost: a task or the pool's shutdown
  // never settled and nothing is left that could settle it. Say so (exit code 3), not silently.
  process.once('beforeExit', () => {
    if (phase === 'done') return;
    console.error(`${contender}: the event loop emptied while ${phase}: a promise that can no longer settle was awaited`);
    if (typeof pool.diagnose === 'function') console.error(pool.diagnose());
    process.exitCode = 3;
  });
  try {
    result = await SCENARIOS[scenario]({ ...params, workers, pool });
  } finally {
    phase = 'closing the pool';
    await pool.close();
    phase = 'done';
  }
  result.totalMs = performance.now() - started;
  process.stdout.write(`RESULT ${JSON.stringify({ scenario, contender, workers, ...result })}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
