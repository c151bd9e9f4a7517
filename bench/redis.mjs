// RedisExecutor against plain BullMQ on the same Redis, with the same no-op work, in one run.
//
//   node bench/redis.mjs                        # every contender, one fresh process each; ratios and goals
//   node bench/redis.mjs measure <contender>    # one measurement in this process; prints RESULT <json>
//                                               # (bench/run.mjs calls it as `redis.mjs <scenario> <contender>`)
//   TASKFARM_BENCH_REDIS=redis://host:6379 node bench/redis.mjs
//
// Contenders (each: a producer and one consumer in the same process, consumer concurrency 16):
//   bullmq          Queue.addBulk + Worker (processor returns n + 1, on the worker's event loop)
//                   + QueueEvents for the results
//   bullmq-threads  the same with BullMQ's sandboxed processor in worker threads
//                   (bench/workers/bullmq-processor.mjs, useWorkerThreads): its counterpart of a pool
//   taskfarm-1      RedisExecutor({ batching: false }): one BullMQ job per task, one engine
//                   (startEngine, 1 worker thread) running `inc` from bench/workers/tasks.mjs
//   taskfarm-1-async  the same on an engine with backend 'async' (tasks on its event loop, as
//                   BullMQ's plain Worker runs its processor)
//   taskfarm        the same as taskfarm-1 with adaptive batching (the default): tiny tasks share jobs
//
// Measured: jobs (tasks) per second for 10,000 tasks submitted at once (first add to last result,
// median of 3 runs after a warm-up of 500), and add-to-result latency of 1,000 sequential round
// trips (median and p99). Needs `npm run build` (taskfarm is measured from dist/) and a Redis.

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REDIS = process.env.TASKFARM_BENCH_REDIS ?? process.env.TASKFARM_TEST_REDIS ?? 'redis://127.0.0.1:6379';
const TASKS = 10_000;
const TRIPS = 1_000;
const RUNS = 3;
const WARMUP = 500;
const CONCURRENCY = 16;
const TASK_MODULE = new URL('./workers/tasks.mjs', import.meta.url).href;
const CONTENDERS = ['bullmq', 'bullmq-threads', 'taskfarm-1-async', 'taskfarm-1', 'taskfarm'];
const LABELS = {
  bullmq: 'BullMQ (plain)',
  'bullmq-threads': 'BullMQ, sandboxed in threads',
  'taskfarm-1-async': 'taskfarm, 1 task per job, async engine',
  'taskfarm-1': 'taskfarm, 1 task per job, thread engine',
  taskfarm: 'taskfarm, batching, thread engine',
};
/** Each goal compares a taskfarm contender with the BullMQ contender that runs its work the same way. */
const GOALS = [
  { contender: 'taskfarm-1-async', base: 'bullmq', text: 'taskfarm (1 task per job, on the engine\'s event loop) >= 1x BullMQ (processor on the worker\'s event loop) in jobs/s', min: 1 },
  { contender: 'taskfarm-1', base: 'bullmq-threads', text: 'taskfarm (1 task per job, on a thread pool) >= 1x BullMQ (sandboxed in worker threads) in jobs/s', min: 1 },
  { contender: 'taskfarm', base: 'bullmq', text: 'taskfarm (batching tiny tasks) >= 5x BullMQ (plain) in tasks/s', min: 5 },
];
const PROCESSOR = fileURLToPath(new URL('./workers/bullmq-processor.mjs', import.meta.url));

// ---- one measurement -----------------------------------------------------------------------------

/** A contender as `run(n)` (one round trip), `burst(count)` (all at once) and `close()`. */
async function open(contender, prefix) {
  const { Redis } = await import('ioredis');
  if (contender.startsWith('bullmq')) {
    const { Queue, Worker, QueueEvents } = await import('bullmq');
    const connection = new Redis(REDIS, { maxRetriesPerRequest: null });
    const queue = new Queue('bench', { connection, prefix });
    const processor = contender === 'bullmq-threads' ? PROCESSOR : async (job) => job.data.n + 1;
    const worker = new Worker('bench', processor, { connection, prefix, concurrency: CONCURRENCY, useWorkerThreads: contender === 'bullmq-threads' });
    const events = new QueueEvents('bench', { connection: { url: REDIS }, prefix });
    await Promise.all([worker.waitUntilReady(), events.waitUntilReady()]);
    const waiting = new Map();
    events.on('completed', ({ jobId, returnvalue }) => {
      const resolve = waiting.get(jobId);
      if (!resolve) return;
      waiting.delete(jobId);
      resolve(typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue);
    });
    let seq = 0;
    const add = (values) => {
      const jobs = values.map((n) => ({ name: 'inc', data: { n }, opts: { jobId: `j${(seq += 1)}`, removeOnComplete: true } }));
      const results = jobs.map((job) => new Promise((resolve) => waiting.set(job.opts.jobId, resolve)));
      void queue.addBulk(jobs);
      return results;
    };
    return {
      run: (n) => add([n])[0],
      burst: (values) => Promise.all(add(values)),
      close: async () => {
        await worker.close();
        await events.close();
        await queue.obliterate({ force: true });
        await queue.close();
        connection.disconnect();
      },
    };
  }
  const { RedisExecutor, startEngine } = await import(pathToFileURL(fileURLToPath(new URL('../dist/executors/redis/index.js', import.meta.url))).href);
  const engine = contender === 'taskfarm-1-async'
    ? startEngine({ connection: REDIS, prefix, backend: 'async', workers: CONCURRENCY, allowModules: [TASK_MODULE] })
    : startEngine({ connection: REDIS, prefix, workers: 1, concurrency: CONCURRENCY, allowModules: [TASK_MODULE] });
  await engine.ready;
  const executor = new RedisExecutor({ connection: REDIS, prefix, batching: contender === 'taskfarm' });
  await executor.ready();
  const task = { module: TASK_MODULE, export: 'inc' };
  return {
    run: (n) => executor.submit(task, [n]),
    burst: (values) => Promise.all(values.map((n) => executor.submit(task, [n]))),
    close: async () => {
      await executor.shutdown();
      await engine.stop();
      const redis = new Redis(REDIS);
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length) await redis.del(...keys);
      } while (cursor !== '0');
      redis.disconnect();
    },
  };
}

async function measureOne(contender) {
  const prefix = `taskfarm-bench-${randomBytes(4).toString('hex')}`;
  const pool = await open(contender, prefix);
  try {
    const check = (values, from) => values.forEach((v, i) => {
      if (v !== from + i + 1) throw new Error(`wrong result for ${from + i}: ${v}`);
    });
    check(await pool.burst(range(0, WARMUP)), 0);
    for (let i = 0; i < 50; i += 1) check([await pool.run(i)], i);
    const times = [];
    for (let r = 0; r < RUNS; r += 1) {
      const start = performance.now();
      check(await pool.burst(range(0, TASKS)), 0);
      times.push(performance.now() - start);
    }
    const latencies = new Float64Array(TRIPS);
    for (let i = 0; i < TRIPS; i += 1) {
      const start = performance.now();
      const value = await pool.run(i);
      latencies[i] = performance.now() - start;
      if (value !== i + 1) throw new Error(`wrong result for ${i}: ${value}`);
    }
    latencies.sort();
    const ms = median(times);
    return { tasks: TASKS, ms, allMs: times, tasksPerSec: (TASKS / ms) * 1000, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) };
  } finally {
    await pool.close();
  }
}

// ---- every contender -----------------------------------------------------------------------------

function measureInChild(contender) {
  const t0 = performance.now();
  const before = cpuTicks();
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [fileURLToPath(import.meta.url), 'measure', contender], { timeout: 240_000, maxBuffer: 1 << 24 }, (error, stdout, stderr) => {
      const after = cpuTicks();
      const seconds = (performance.now() - t0) / 1000;
      // Redis itself is another process: its share is counted as "others" too, for every contender alike.
      const otherCores = before && after ? Math.max(0, (after.machine - before.machine) - (after.tree - before.tree)) / 100 / seconds : undefined;
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (error || !line) reject(new Error(`${contender}: ${error?.message ?? 'no result'} ${stderr.trim().split('\n').slice(0, 3).join(' ')}`));
      else resolve({ ...JSON.parse(line.slice('RESULT '.length)), otherCores });
    });
  });
}

/**
 * Every contender, one fresh process each, then the table and the goals. Resolves to the goal
 * lines ({ text, pass }) for bench/run.mjs's summary.
 */
export async function runRedisBench({ log = (line) => process.stdout.write(`${line}\n`) } = {}) {
  log(`(redis) RedisExecutor vs plain BullMQ on ${REDIS.replace(/\/\/[^@/]*@/, '//***@')}: the same no-op work, producer and consumer in one process`);
  log(`   ${TASKS.toLocaleString('en-US')} tasks at once (median of ${RUNS}, after ${WARMUP} warm-up), then ${TRIPS.toLocaleString('en-US')} sequential round trips; consumer concurrency ${CONCURRENCY}`);
  const rows = {};
  for (const name of CONTENDERS) {
    process.stderr.write(`   … ${LABELS[name]}\n`);
    try {
      rows[name] = await measureInChild(name);
    } catch (error) {
      log(`   ${LABELS[name]}: ERROR ${error.message.split('\n')[0]}`);
    }
  }
  const base = rows.bullmq;
  const table = [['contender', 'tasks/s', 'burst ms (runs)', 'latency p50 ms', 'p99 ms', 'vs BullMQ plain (tasks/s)', 'others (cores)']];
  for (const name of CONTENDERS) {
    const r = rows[name];
    if (!r) continue;
    table.push([LABELS[name], fmt(r.tasksPerSec, 0), `${fmt(r.ms, 0)} (${r.allMs.map((x) => fmt(x, 0)).join('/')})`, fmt(r.p50Ms, 2), fmt(r.p99Ms, 2),
      name === 'bullmq' || !base ? '—' : `${fmt(r.tasksPerSec / base.tasksPerSec, 2)}x`, r.otherCores === undefined ? '?' : fmt(r.otherCores, 2)]);
  }
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
  for (const row of table) log(`  ${row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('   ')}`);
  const goals = GOALS.map((goal) => {
    const r = rows[goal.contender];
    const against = rows[goal.base];
    if (!r || !against) return { text: `(redis) ${goal.text}: not measured (error)`, pass: false };
    const ratio = r.tasksPerSec / against.tasksPerSec;
    const noise = Math.max(r.otherCores ?? 0, against.otherCores ?? 0);
    const noisy = noise >= 0.2 ? ` (noisy: other processes used up to ${fmt(noise, 2)} cores meanwhile)` : '';
    return { text: `(redis) ${goal.text}: ${fmt(ratio, 2)}x${noisy}`, pass: ratio >= goal.min };
  });
  for (const goal of goals) log(`  goal: ${goal.text} → ${goal.pass ? 'PASS' : 'MISS'}`);
  log('');
  return goals;
}

async function main() {
  // `measure <contender>`, or `<scenario> <contender>` as bench/run.mjs calls measurement scripts.
  const [command, contender] = process.argv.slice(2);
  if (command === undefined) {
    await runRedisBench();
    return;
  }
  if (!CONTENDERS.includes(contender)) throw new Error(`unknown contender '${contender}'; choose among ${CONTENDERS.join(', ')}`);
  console.log(`RESULT ${JSON.stringify(await measureOne(contender))}`);
}

/** CPU ticks of the whole machine (busy) and of this process tree, to tell how busy other processes kept it. */
function cpuTicks() {
  try {
    const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const self = readFileSync('/proc/self/stat', 'utf8');
    const fields = self.slice(self.lastIndexOf(')') + 2).split(' ').map(Number);
    return { machine: user + nice + system + irq + softirq + (steal ?? 0), tree: fields[11] + fields[12] + fields[13] + fields[14] };
  } catch {
    return undefined; // no /proc: noise unknown
  }
}

function range(from, count) {
  return Array.from({ length: count }, (_, i) => from + i);
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function fmt(x, digits) {
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
