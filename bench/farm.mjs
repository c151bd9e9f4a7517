// mplite's two performance experiments (seed 002), measured on taskfarm's TaskManager: the same
// calls farmed ("mplite - enabled") and run one after the other in this process ("disabled"), with
// 1 worker and with one per core. One fresh node process per measurement; taskfarm from dist/.
//
//   npm run build && node bench/farm.mjs        # both experiments, under a minute
//   node bench/farm.mjs calls                   # one of them: calls, sleep
//   node bench/farm.mjs --backend=processes     # child processes, as mplite (default: threads)
//   node bench/run.mjs farm                     # the same, from the benchmark runner
//
// The calls experiment keeps the seed's numbers (10 calls of 50,000,000 loop steps, 2000 calls of
// 50); a JavaScript loop step is much faster than CPython's, so a heavy call takes about 0.1 s
// here, not 1.9 s. The sleep experiment scales the seed's long sleep from 2 s to 200 ms (20 tasks),
// to stay within a minute; its short sleeps (20 and 10 ms) are the seed's.
//
// This module is also the task module: workers import it to find `fun` and `adder`, so it does
// nothing when imported.

import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isMainThread } from 'node:worker_threads';

// ---- the seed's task functions -------------------------------------------------------------------

/** Burns time in `rng` divisions; returns the last quotient and the loop's own time in seconds. */
export function fun(callId, rng) {
  const start = performance.now();
  let t = 0;
  for (let i = 0; i < rng; i += 1) t = i / callId;
  return [t, (performance.now() - start) / 1000];
}

/** Sleeps `sleep` seconds (blocking its thread, as Python's time.sleep), then adds. */
export function adder(a, b, sleep) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, sleep * 1000);
  return a + b;
}

const TASKS = { fun: { module: import.meta.url, export: 'fun' }, adder: { module: import.meta.url, export: 'adder' } };

// ---- one measurement (in a fresh process) --------------------------------------------------------

/** Runs `task` on each argument list, farmed on `cpus` workers or here; returns the values and the time. */
async function timed(enabled, cpus, backend, task, argsList) {
  // Imported before the clock starts, as the seed's imports are at the top of its module.
  const { FarmTask, TaskManager } = enabled ? await import('../dist/index.js') : {};
  const start = performance.now();
  let values;
  if (enabled) {
    // Starting and stopping the workers count, as in the seed (`with TaskManager(...) as tm:`).
    const tm = new TaskManager({ workers: cpus, backend, progress: 'off' });
    try {
      values = await tm.execute(argsList.map((args) => new FarmTask(TASKS[task], ...args)));
    } finally {
      await tm.shutdown();
    }
    const failed = values.find((value) => value instanceof Error);
    if (failed) throw failed;
  } else {
    const fn = task === 'fun' ? fun : adder;
    values = argsList.map((args) => fn(...args));
  }
  return { values, totalTime: (performance.now() - start) / 1000 };
}

const MEASURE = {
  async calls({ enabled, cpus, backend, calls, rng }) {
    const argsList = Array.from({ length: calls }, (_, i) => [i + 1, rng]);
    const { values, totalTime } = await timed(enabled, cpus, backend, 'fun', argsList);
    values.forEach(([t], i) => {
      if (t !== (rng - 1) / (i + 1)) throw new Error(`call ${i + 1}: wrong result ${t}`);
    });
    const cpuCount = enabled ? cpus : 1;
    // The seed's "avg. time taken per cpu": the calls' own loop times over the cpus used.
    const cpuTaskTime = values.reduce((sum, [, time]) => sum + time, 0) / cpuCount;
    return { totalTime, cpuTaskTime };
  },

  async sleep({ enabled, cpus, backend, sleep }) {
    const argsList = [];
    let prev = 0;
    for (let arg = 0; arg < 20; arg += 1) {
      argsList.push([prev, arg, sleep]);
      prev = arg;
    }
    const { values, totalTime } = await timed(enabled, cpus, backend, 'adder', argsList);
    values.forEach((value, i) => {
      if (value !== argsList[i][0] + argsList[i][1]) throw new Error(`task ${i}: wrong result ${value}`);
    });
    return { totalTime };
  },
};

async function measureMain(argv) {
  const [experiment, mode, ...pairs] = argv;
  const params = Object.fromEntries(pairs.map((pair) => pair.split('=')));
  const result = await MEASURE[experiment]({
    enabled: mode === 'enabled', backend: params.backend ?? 'threads', cpus: Number(params.cpus ?? 1),
    calls: Number(params.calls), rng: Number(params.rng), sleep: Number(params.sleep),
  });
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

// ---- the runner ------------------------------------------------------------------------------------

const CHILD_TIMEOUT_MS = 120_000;
/** A row measured while other processes used this much CPU or more is flagged as noisy. */
const NOISY_CORES = 0.2;
const self = fileURLToPath(import.meta.url);

/** Runs one measurement in a fresh node process; resolves with its result and the CPU others used meanwhile. */
function measure(experiment, mode, params) {
  const argv = [self, '--measure', experiment, mode, ...Object.entries(params).map(([k, v]) => `${k}=${v}`)];
  const before = cpuTicks();
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    execFile(process.execPath, argv, { timeout: CHILD_TIMEOUT_MS, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      const seconds = (performance.now() - t0) / 1000;
      const after = cpuTicks();
      // CPU the rest of the machine used meanwhile, in cores: these benchmarks saturate the cores
      // on purpose, so anything else running (a test suite, a build) shows up in the times.
      const otherCores = before && after ? Math.max(0, (after.machine - before.machine) - (after.tree - before.tree)) / 100 / seconds : undefined;
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (line && !error) resolve({ ...JSON.parse(line.slice('RESULT '.length)), otherCores });
      else reject(new Error(`${experiment} ${mode} ${JSON.stringify(params)} failed: ${stderr.trim().split('\n')[0] ?? error?.message}`));
    });
  });
}

/** The median of `runs` measurements, each in a fresh process; all of them are kept for printing. */
async function measureRuns(runs, experiment, mode, params) {
  const all = [];
  for (let r = 0; r < runs; r += 1) all.push(await measure(experiment, mode, params));
  const sorted = [...all].sort((x, y) => x.totalTime - y.totalTime);
  const otherCores = all.some((x) => x.otherCores === undefined) ? undefined : Math.max(...all.map((x) => x.otherCores));
  return { ...sorted[(sorted.length - 1) >> 1], allTimes: all.map((x) => x.totalTime), otherCores };
}

/**
 * CPU ticks (USER_HZ, 100 a second) used so far by the whole machine (/proc/stat) and by this
 * process tree (this process and the children it reaped, /proc/self/stat). Undefined without /proc.
 */
function cpuTicks() {
  try {
    const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // After the command name: utime, stime, cutime, cstime are fields 14 to 17 (1-based).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
    return { machine: user + nice + system + irq + softirq + (steal ?? 0), tree: fields[11] + fields[12] + fields[13] + fields[14] };
  } catch {
    return undefined;
  }
}

const CPUS = os.availableParallelism();

/** What the seed printed (mplite on 12 CPUs), for reference: total times enabled / disabled. */
const SEED = {
  calls: { '1:10': 18.8809622 / 18.9126078, '1:2000': 0.4901778 / 0.0039837, 'n:10': 4.9786017 / 19.3127106, 'n:2000': 0.9079467 / 0.0048721 },
  sleep: { '1:2': 40.4222287 / 40.0069732, '1:0.02': 0.7628227 / 0.4116599, '1:0.01': 0.5629502 / 0.2105443, 'n:2': 4.8218278 / 40.0115199, 'n:0.02': 0.7138705 / 0.4113302, 'n:0.01': 0.6938743 / 0.2063117 },
};

export const EXPERIMENTS = {
  calls: {
    title: '(farm: calls) 10 heavy calls (50,000,000 loop steps) vs 2000 tiny ones (50 steps), TaskManager vs in-process',
    how: `total time, starting and stopping the workers included; median of 3 fresh processes per row; 1 worker and ${CPUS} (all cores)`,
    runs: 3,
    rows: [1, CPUS].flatMap((cpus) => [[10, 50_000_000], [2000, 50]].map(([calls, rng]) => ({ cpus, params: { calls, rng }, seedKey: `${cpus === 1 ? 1 : 'n'}:${calls}`, label: `${calls} calls x ${rng.toLocaleString('en-US')}` }))),
    // The seed's assertion: with more than one cpu, mplite is faster for fewer, heavier calls.
    goal: (row) => (row.cpus > 1 && row.params.calls === 10 ? 'farmed on all cores faster than in-process for heavy calls' : undefined),
  },
  sleep: {
    title: '(farm: sleep) 20 tasks that each sleep S (200 ms, scaled from the seed\'s 2 s; 20 ms; 10 ms), TaskManager vs in-process',
    how: `total time, starting and stopping the workers included; one fresh process per row (sleeps are timed by the clock); 1 worker and ${CPUS}`,
    runs: 1,
    rows: [1, CPUS].flatMap((cpus) => [[0.2, 2], [0.02, 0.02], [0.01, 0.01]].map(([sleep, seedSleep]) => ({ cpus, params: { sleep }, seedKey: `${cpus === 1 ? 1 : 'n'}:${seedSleep}`, label: `sleep ${sleep * 1000} ms` }))),
    // The seed's assertion: with more than one cpu, mplite is faster for the long sleep.
    goal: (row) => (row.cpus > 1 && row.params.sleep === 0.2 ? 'farmed on all cores faster than in-process for 200 ms sleeps' : undefined),
  },
};

/**
 * Runs the experiments and prints a table for each; returns the goals (the seed's assertions) as
 * `{ text, pass }`, for bench/run.mjs's summary.
 */
export async function runFarmBench({ experiments = Object.keys(EXPERIMENTS), backend = 'threads', log = (line) => process.stdout.write(`${line}\n`) } = {}) {
  const goals = [];
  for (const name of experiments) {
    const experiment = EXPERIMENTS[name];
    const own = [];
    log(experiment.title);
    log(`   ${experiment.how}; backend: ${backend}`);
    const header = ['workers', 'workload', 'enabled s', 'disabled s', 'enabled / disabled', 'mplite (seed, 12 CPUs)'];
    if (name === 'calls') header.push('avg s per cpu (en / dis)');
    const table = [[...header, 'runs s (en | dis)', 'others (cores)']];
    for (const row of experiment.rows) {
      process.stderr.write(`   … ${row.label}, ${row.cpus} worker${row.cpus > 1 ? 's' : ''}\n`);
      const params = { ...row.params, cpus: row.cpus, backend };
      const enabled = await measureRuns(experiment.runs, name, 'enabled', params);
      const disabled = await measureRuns(experiment.runs, name, 'disabled', params);
      const ratio = enabled.totalTime / disabled.totalTime;
      const noise = enabled.otherCores === undefined || disabled.otherCores === undefined ? undefined : Math.max(enabled.otherCores, disabled.otherCores);
      const line = [String(row.cpus), row.label, fmt(enabled.totalTime, 3), fmt(disabled.totalTime, 3), `${fmt(ratio, 2)}x`, `${fmt(SEED[name][row.seedKey], 2)}x`];
      if (name === 'calls') line.push(`${fmt(enabled.cpuTaskTime, 4)} / ${fmt(disabled.cpuTaskTime, 4)}`);
      line.push(`${enabled.allTimes.map((t) => fmt(t, 2)).join('/')} | ${disabled.allTimes.map((t) => fmt(t, 2)).join('/')}`, noise === undefined ? '?' : fmt(noise, 2));
      table.push(line);
      const goal = experiment.goal(row);
      const noisy = noise >= NOISY_CORES ? ` (noisy: other processes used up to ${fmt(noise, 2)} cores meanwhile)` : '';
      if (goal) own.push({ text: `(farm) ${goal}: ${fmt(enabled.totalTime, 2)} s vs ${fmt(disabled.totalTime, 2)} s (${fmt(ratio, 2)}x)${noisy}`, pass: ratio < 1 });
    }
    printTable(table, log);
    if (CPUS < 2) own.push({ text: `(farm: ${name}) one CPU: the seed's goal needs more than one worker`, pass: undefined });
    for (const goal of own) log(`  goal: ${goal.text} → ${goal.pass === undefined ? 'n/a' : goal.pass ? 'PASS' : 'MISS'}`);
    goals.push(...own);
    log('');
  }
  return goals;
}

function printTable(rows, log) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  for (const row of rows) log(`  ${row.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('   ')}`);
}

function fmt(x, digits) {
  return Number.isFinite(x) ? x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : String(x);
}

async function main(args) {
  if (args[0] === '--measure') return measureMain(args.slice(1));
  if (!existsSync(new URL('../dist/index.js', import.meta.url))) {
    console.error('dist/ is missing: run `npm run build` first.');
    process.exit(2);
  }
  const backend = args.find((a) => a.startsWith('--backend='))?.slice('--backend='.length) ?? 'threads';
  const chosen = args.filter((a) => !a.startsWith('--'));
  for (const name of chosen) {
    if (!EXPERIMENTS[name]) {
      console.error(`Unknown experiment '${name}'; choose among ${Object.keys(EXPERIMENTS).join(', ')}`);
      process.exit(2);
    }
  }
  const log = (line) => process.stdout.write(`${line}\n`);
  log(`taskfarm farm benchmark (mplite's performance experiments) · node ${process.version} · ${CPUS} CPUs · ${os.cpus()[0]?.model?.trim() ?? '?'} · load ${os.loadavg().map((x) => fmt(x, 2)).join(' ')}`);
  log('');
  const started = performance.now();
  const goals = await runFarmBench({ experiments: chosen.length ? chosen : undefined, backend, log });
  log(`Summary (${fmt((performance.now() - started) / 1000, 0)} s)`);
  for (const goal of goals) log(`  ${goal.pass === undefined ? '—   ' : goal.pass ? 'PASS' : 'MISS'}  ${goal.text}`);
}

// Worker threads see the parent's argv, so a thread that imports this module for `fun` would
// otherwise take itself for the script: only the main thread of the process started with it runs.
if (isMainThread && process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
