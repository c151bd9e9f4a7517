// taskfarm's benchmark suite: every scenario, every contender, in one run, one fresh process per
// measurement. See bench/README.md.
//
//   npm run bench                   # build, then every scenario
//   node bench/run.mjs a            # one scenario (after `npm run build`)
//   node bench/run.mjs b c          # several
//   node bench/run.mjs farm         # mplite's performance experiments (bench/farm.mjs)
//   node bench/run.mjs redis        # RedisExecutor vs plain BullMQ (bench/redis.mjs; needs Redis)
//   node bench/run.mjs a --only=taskfarm,piscina
//   node bench/run.mjs --json=out.json   # also write the raw results
//   node bench/run.mjs --retries=0       # do not repeat measurements disturbed by other processes

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { runFarmBench } from './farm.mjs';
import { runRedisBench } from './redis.mjs';
import { spin } from './workers/tasks.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const measureScript = fileURLToPath(new URL('./measure.mjs', import.meta.url));
/** A measurement that takes longer than this is reported as hung. */
const CHILD_TIMEOUT_MS = 240_000;
const SPIN_TARGET_MS = 50;
/** A goal measured while other processes used this much CPU or more is flagged as noisy. */
const NOISY_CORES = 0.2;
/** How many times a noisy measurement is repeated (`--retries=N`). */
const NOISY_RETRIES = 1;
/** A measurement longer than this is not repeated, to keep the whole run within a few minutes. */
const NO_RETRY_AFTER_MS = 20_000;

// ---- scenarios -----------------------------------------------------------------------------------

const SCENARIOS = {
  a: {
    title: '(a) throughput: 100,000 tiny tasks (n => n + 1) submitted at once, 2 worker threads',
    how: 'tasks/s over the whole burst (first submit to last result); median of 3 runs after a warm-up of 2 x 500 tasks',
    contenders: ['taskfarm', 'taskfarm-fn', 'piscina', 'tinypool', 'workerpool'],
    measure: (c) => [{ contender: c }],
    columns: [
      ['tasks/s', (r) => fmtInt(r.tasksPerSec)],
      ['ms (median)', (r) => fmt(r.ms, 1)],
      ['runs ms', (r) => r.allMs.map((x) => fmt(x, 0)).join(' / ')],
    ],
    ratio: { label: 'taskfarm / it (tasks/s, higher is better)', value: (r) => r.tasksPerSec },
    goal: { text: 'taskfarm >= 8x piscina in tasks/s', against: 'piscina', test: (ratio) => ratio >= 8 },
  },
  b: {
    title: '(b) latency: 10,000 sequential round trips (submit, await, submit the next), 2 worker threads',
    how: 'per-trip latency in µs; mean, p50, p99 of each run, median of 3 runs, after 500 warm-up trips',
    contenders: ['taskfarm', 'taskfarm-fn', 'piscina', 'tinypool', 'workerpool'],
    measure: (c) => [{ contender: c }],
    columns: [
      ['mean µs', (r) => fmt(r.meanUs, 1)],
      ['p50 µs', (r) => fmt(r.p50Us, 1)],
      ['p99 µs', (r) => fmt(r.p99Us, 1)],
      ['runs mean µs', (r) => r.allMeansUs.map((x) => fmt(x, 0)).join(' / ')],
    ],
    ratio: { label: 'taskfarm / it (mean, lower is better)', value: (r) => r.meanUs },
    extraRatio: { label: 'p99 ratio', value: (r) => r.p99Us },
    goal: { text: "taskfarm mean latency <= 0.8x piscina's", against: 'piscina', test: (ratio) => ratio <= 0.8 },
  },
  c: {
    title: '(c) CPU-bound: 40 tasks of ~50 ms (fixed busy loop) on 1 and on 2 worker threads',
    how: 'time for all 40 tasks, median of 3 runs after 2 warm-up tasks per worker; speedup = time(1 worker) / time(2 workers)',
    contenders: ['taskfarm', 'piscina'],
    measure: (c, ctx) => [1, 2].map((workers) => ({ contender: c, params: { workers, iterations: ctx.iterations } })),
    combine: ([one, two]) => ({ ...two, otherCores: Math.max(one.otherCores ?? 0, two.otherCores ?? 0), oneMs: one.ms, twoMs: two.ms, speedup: one.ms / two.ms, allOneMs: one.allMs, allTwoMs: two.allMs }),
    columns: [
      ['1 worker ms', (r) => fmt(r.oneMs, 0)],
      ['2 workers ms', (r) => fmt(r.twoMs, 0)],
      ['speedup', (r) => fmt(r.speedup, 3)],
      ['runs ms (1w | 2w)', (r) => `${r.allOneMs.map((x) => fmt(x, 0)).join('/')} | ${r.allTwoMs.map((x) => fmt(x, 0)).join('/')}`],
    ],
    goal: { text: 'taskfarm speedup >= 1.9', value: (rows) => rows.taskfarm?.speedup, test: (speedup) => speedup >= 1.9, format: (v) => fmt(v, 3) },
  },
  d: {
    title: '(d) child processes: 20,000 tiny tasks submitted at once, 2 worker processes',
    how: "tasks/s over the whole burst; median of 3 runs after a warm-up of 2 x 500 tasks; tinypool with runtime 'child_process'",
    contenders: ['taskfarm-proc', 'tinypool-proc'],
    measure: (c) => [{ contender: c }],
    columns: [
      ['tasks/s', (r) => fmtInt(r.tasksPerSec)],
      ['ms (median)', (r) => fmt(r.ms, 1)],
      ['runs ms', (r) => r.allMs.map((x) => fmt(x, 0)).join(' / ')],
    ],
    ratio: { label: 'taskfarm / it (tasks/s, higher is better)', value: (r) => r.tasksPerSec },
    goal: { text: 'taskfarm >= 4x tinypool (child_process) in tasks/s', against: 'tinypool-proc', test: (ratio) => ratio >= 4 },
  },
  e: {
    title: '(e) memory: 1,000,000 tiny tasks submitted at once, then awaited (Promise.all), 2 worker threads',
    how: 'peak RSS of a fresh process per contender (kernel high-water mark, plus sampling every 20 ms); one run',
    contenders: ['taskfarm', 'piscina', 'none'],
    measure: (c) => [{ contender: c }],
    columns: [
      ['peak RSS MB', (r) => fmt(r.peakMb, 1)],
      ['before MB', (r) => fmt(r.baselineMb, 1)],
      ['growth MB', (r) => fmt(r.peakMb - r.baselineMb, 1)],
      ['time s', (r) => fmt(r.ms / 1000, 2)],
    ],
    ratio: { label: 'taskfarm / it (peak RSS, lower is better)', value: (r) => r.peakMb },
    goal: { text: "taskfarm peak RSS <= piscina's", against: 'piscina', test: (ratio) => ratio <= 1 },
  },
  // Its own runner and tables (TaskManager against the same calls in-process); its goals join the summary.
  farm: { run: () => runFarmBench({ log }) },
  redis: { run: () => runRedisBench({ log }) },
};

const LABELS = {
  'taskfarm': 'taskfarm',
  'taskfarm-fn': 'taskfarm (fn)',
  'taskfarm-proc': 'taskfarm',
  'piscina': 'piscina',
  'tinypool': 'tinypool',
  'tinypool-proc': 'tinypool',
  'workerpool': 'workerpool',
  'none': 'no pool (harness only)',
};
/** Rows shown for reference only, without a ratio. */
const REFERENCE = new Set(['none']);
/** The row every ratio is computed from. */
const PRIMARY = { a: 'taskfarm', b: 'taskfarm', c: 'taskfarm', d: 'taskfarm-proc', e: 'taskfarm' };

// ---- main ----------------------------------------------------------------------------------------

async function main() {
  const args = process.argv.slice(2);
  const chosen = args.filter((a) => !a.startsWith('--'));
  const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
  const jsonOut = args.find((a) => a.startsWith('--json='))?.slice('--json='.length);
  const retries = Number(args.find((a) => a.startsWith('--retries='))?.slice('--retries='.length) ?? NOISY_RETRIES);
  for (const s of chosen) {
    if (!SCENARIOS[s]) {
      console.error(`Unknown scenario '${s}'; choose among ${Object.keys(SCENARIOS).join(', ')}`);
      process.exit(2);
    }
  }
  if (!existsSync(new URL('../dist/index.js', import.meta.url))) {
    console.error('dist/ is missing: run `npm run build` first (or `npm run bench`, which builds).');
    process.exit(2);
  }
  const scenarios = chosen.length ? chosen : Object.keys(SCENARIOS);
  const build = distStamp();

  printHeader();
  const ctx = {};
  if (scenarios.includes('c')) {
    ctx.iterations = calibrateSpin(SPIN_TARGET_MS);
    log(`calibrated the busy loop: ${fmtInt(ctx.iterations)} iterations ≈ ${SPIN_TARGET_MS} ms on this machine (main thread)\n`);
  }

  const summary = [];
  const raw = {};
  const started = performance.now();
  for (const key of scenarios) {
    const scenario = SCENARIOS[key];
    if (scenario.run) {
      summary.push(...await scenario.run());
      continue;
    }
    const rows = {};
    const errors = {};
    log(`${scenario.title}`);
    log(`   ${scenario.how}`);
    for (const contender of scenario.contenders) {
      if (only && !only.some((o) => contender === o || LABELS[contender] === o)) continue;
      try {
        const parts = [];
        for (const m of scenario.measure(contender, ctx)) parts.push(await measureQuietly(key, m.contender, m.params, retries));
        rows[contender] = scenario.combine ? scenario.combine(parts) : parts[0];
      } catch (error) {
        errors[contender] = error.message.split('\n')[0];
      }
    }
    raw[key] = { rows, errors };
    printTable(key, scenario, rows, errors);
    summary.push(...goalLines(key, scenario, rows));
    log('');
  }

  log(`Summary (${fmt((performance.now() - started) / 1000, 0)} s of measurements)`);
  for (const line of summary) log(`  ${line.pass === undefined ? '—   ' : line.pass ? 'PASS' : 'MISS'}  ${line.text}`);
  if (distStamp() !== build) {
    log('  WARNING: dist/ changed while the benchmarks ran (a rebuild); measurements may mix two builds of taskfarm.');
  }
  if (jsonOut) {
    writeFileSync(jsonOut, JSON.stringify({ env: environment(), results: raw }, null, 2));
    log(`raw results written to ${jsonOut}`);
  }
}

/**
 * Runs a measurement; when other processes used the CPU meanwhile, runs it again, up to `retries`
 * more times (unless it is a long one), and keeps the quietest attempt.
 */
async function measureQuietly(scenario, contender, params, retries) {
  let best;
  for (let attempt = 0; attempt <= retries; attempt += 1) {
    const t0 = performance.now();
    const result = await measure(scenario, contender, params);
    if (!best || (result.otherCores ?? 0) < (best.otherCores ?? 0)) best = result;
    if ((best.otherCores ?? 0) < NOISY_CORES) break;
    if (performance.now() - t0 > NO_RETRY_AFTER_MS) break; // too long to repeat within the time budget
    if (attempt < retries) process.stderr.write('     (noisy: measuring again)\n');
  }
  return best;
}

/** Runs one measurement in a fresh Node process; resolves with its RESULT object. */
function measure(scenario, contender, params = {}) {
  const argv = [measureScript, scenario, contender, ...Object.entries(params).map(([k, v]) => `${k}=${v}`)];
  const t0 = performance.now();
  const before = cpuTicks();
  process.stderr.write(`   … ${LABELS[contender]}${params.workers ? ` (${params.workers} worker${params.workers > 1 ? 's' : ''})` : ''} `);
  return new Promise((resolve, reject) => {
    execFile(process.execPath, argv, { cwd: root, timeout: CHILD_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      const seconds = (performance.now() - t0) / 1000;
      const after = cpuTicks();
      // CPU the rest of the machine used meanwhile, in cores: all busy time minus this benchmark's
      // (its own and that of its reaped children, which includes the measurement's worker processes).
      const others = after && before
        ? Math.max(0, (after.machine - before.machine) - (after.tree - before.tree)) / TICKS_PER_SECOND / seconds
        : undefined;
      process.stderr.write(`${fmt(seconds, 1)} s${others === undefined ? '' : `, other processes used ${fmt(others, 2)} cores`}\n`);
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (line && !error) {
        resolve({ ...JSON.parse(line.slice('RESULT '.length)), otherCores: others });
        return;
      }
      const why = error?.killed
        ? `hung: no result after ${CHILD_TIMEOUT_MS / 1000} s`
        : error ? `failed (exit ${error.code})` : 'exited without a result';
      const detail = stderr.trim().split('\n').slice(0, 6).join('\n      ');
      process.stderr.write(`      ${why}${detail ? `:\n      ${detail}` : ''}\n`);
      reject(new Error(`${why}${detail ? `: ${stderr.trim().split('\n')[0]}` : ''}`));
    });
  });
}

// ---- output --------------------------------------------------------------------------------------

function printHeader() {
  const env = environment();
  log('taskfarm benchmarks');
  log(`  node ${env.node} · ${env.platform} · ${env.cpus} CPUs (os.availableParallelism) · ${env.cpuModel}`);
  log(`  load average at start: ${env.loadavg.map((x) => fmt(x, 2)).join(' ')} · memory ${fmt(env.totalMemGb, 1)} GB`);
  log(`  versions: ${Object.entries(env.versions).map(([k, v]) => `${k} ${v}`).join(' · ')}`);
  log('  one fresh node process per measurement; taskfarm is measured from dist/ (the built library)');
  log('');
}

function environment() {
  const version = (name) => {
    try {
      return JSON.parse(readFileSync(new URL(`../${name === 'taskfarm' ? '' : `node_modules/${name}/`}package.json`, import.meta.url), 'utf8')).version;
    } catch {
      return '?';
    }
  };
  return {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model?.trim() ?? '?',
    loadavg: os.loadavg(),
    totalMemGb: os.totalmem() / 2 ** 30,
    versions: Object.fromEntries(['taskfarm', 'piscina', 'tinypool', 'workerpool'].map((n) => [n, version(n)])),
  };
}

function printTable(key, scenario, rows, errors) {
  const primary = rows[PRIMARY[key]];
  const header = ['contender', ...scenario.columns.map(([name]) => name)];
  if (scenario.ratio) header.push(scenario.ratio.label);
  if (scenario.extraRatio) header.push(scenario.extraRatio.label);
  header.push('others (cores)');
  const body = [];
  for (const contender of scenario.contenders) {
    const r = rows[contender];
    if (!r) {
      if (errors[contender]) body.push([LABELS[contender], `ERROR: ${errors[contender]}`]);
      continue;
    }
    const line = [LABELS[contender], ...scenario.columns.map(([, f]) => f(r))];
    for (const ratio of [scenario.ratio, scenario.extraRatio]) {
      if (!ratio) continue;
      const isSelf = contender === PRIMARY[key];
      line.push(isSelf || !primary || REFERENCE.has(contender) ? '—' : `${fmt(ratio.value(primary) / ratio.value(r), 2)}x`);
    }
    line.push(r.otherCores === undefined ? '?' : fmt(r.otherCores, 2));
    body.push(line);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row.length > 2 || i < 1 ? (row[i] ?? '').length : 0))));
  const fmtRow = (row) => `  ${row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('   ')}`;
  log(fmtRow(header));
  for (const row of body) log(row.length === 2 ? `  ${row[0].padEnd(widths[0])}   ${row[1]}` : fmtRow(row));
  for (const line of goalLines(key, scenario, rows)) log(`  goal: ${line.text} → ${line.pass === undefined ? 'n/a' : line.pass ? 'PASS' : 'MISS'}`);
}

function goalLines(key, scenario, rows) {
  const { goal } = scenario;
  if (!goal) return [];
  const primary = rows[PRIMARY[key]];
  const involved = [primary, goal.against ? rows[goal.against] : undefined].filter(Boolean);
  const noise = Math.max(0, ...involved.map((r) => r.otherCores ?? 0));
  const warning = noise >= NOISY_CORES ? ` (noisy: other processes used up to ${fmt(noise, 2)} cores meanwhile)` : '';
  if (goal.against) {
    const other = rows[goal.against];
    if (!primary || !other) return [{ text: `(${key}) ${goal.text}: not measured (error)`, pass: false }];
    const ratio = scenario.ratio.value(primary) / scenario.ratio.value(other);
    return [{ text: `(${key}) ${goal.text}: ${fmt(ratio, 2)}x${warning}`, pass: goal.test(ratio) }];
  }
  const value = goal.value(rows);
  if (value === undefined) return [{ text: `(${key}) ${goal.text}: not measured (error)`, pass: false }];
  return [{ text: `(${key}) ${goal.text}: ${goal.format(value)}${warning}`, pass: goal.test(value) }];
}

// ---- helpers -------------------------------------------------------------------------------------

/** A hash of dist/'s JavaScript, to notice a rebuild that changed the code mid-run. */
function distStamp() {
  const dist = fileURLToPath(new URL('../dist/', import.meta.url));
  const hash = createHash('sha256');
  for (const file of readdirSync(dist, { recursive: true }).map(String).sort()) {
    if (file.endsWith('.js')) hash.update(file).update(readFileSync(`${dist}/${file}`));
  }
  return hash.digest('hex');
}

/** Linux reports CPU times in USER_HZ ticks, 100 per second on every mainstream platform. */
const TICKS_PER_SECOND = 100;

/**
 * CPU ticks used so far by the whole machine (busy, from /proc/stat) and by this process tree (this
 * process plus the children it reaped, from /proc/self/stat). Undefined where /proc does not exist.
 */
function cpuTicks() {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = cpu;
    const self = readFileSync('/proc/self/stat', 'utf8');
    const fields = self.slice(self.lastIndexOf(')') + 2).split(' ').map(Number);
    // After the command name: state is field 3, utime 14, stime 15, cutime 16, cstime 17 (1-based).
    const tree = fields[11] + fields[12] + fields[13] + fields[14];
    return { machine: user + nice + system + irq + softirq + (steal ?? 0), tree };
  } catch {
    return undefined;
  }
}

/** Finds how many iterations of the busy loop take `targetMs` here, on the main thread. */
function calibrateSpin(targetMs) {
  let iterations = 1_000_000;
  for (let i = 0; i < 5; i += 1) spin(iterations); // let the loop be optimized first
  const samples = [];
  for (let i = 0; i < 5; i += 1) {
    const start = performance.now();
    spin(iterations * 10);
    samples.push((performance.now() - start) / (iterations * 10));
  }
  // The fastest sample: interference from other processes only ever makes a sample slower.
  const msPerIteration = Math.min(...samples);
  iterations = Math.round(targetMs / msPerIteration);
  return iterations;
}

function fmt(x, digits) {
  return Number.isFinite(x) ? x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : String(x);
}

function fmtInt(x) {
  return fmt(x, 0);
}

function log(line) {
  process.stdout.write(`${line}\n`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
