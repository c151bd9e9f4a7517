// Where does the main thread spend its time in one scenario? Runs one measurement under
// `node --cpu-prof` and prints the functions with the most self time, and the time per source file.
//
//   node bench/profile.mjs <scenario> [contender] [key=value ...]
//   node bench/profile.mjs b                       # taskfarm, scenario b
//   node bench/profile.mjs a piscina runs=1
//   node bench/profile.mjs a taskfarm --top=40 --keep   # keep the .cpuprofile files (open them in DevTools)
//   node bench/profile.mjs b taskfarm --workers         # also summarize each worker thread / process
//
// Needs the built library (`npm run build`).

import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const measureScript = fileURLToPath(new URL('./measure.mjs', import.meta.url));
const root = fileURLToPath(new URL('..', import.meta.url));

const args = process.argv.slice(2);
const flags = args.filter((a) => a.startsWith('--'));
const [scenario, contender = 'taskfarm', ...params] = args.filter((a) => !a.startsWith('--'));
const top = Number(flags.find((f) => f.startsWith('--top='))?.slice(6) ?? 25);
const keep = flags.includes('--keep');
const workersToo = flags.includes('--workers');
if (!scenario) {
  console.error('usage: node bench/profile.mjs <scenario> [contender] [key=value ...] [--top=N] [--keep] [--workers]');
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), 'taskfarm-prof-'));
const child = spawn(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, measureScript, scenario, contender, ...params], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'inherit'],
});
let stdout = '';
child.stdout.on('data', (chunk) => (stdout += chunk));
const code = await new Promise((resolve) => child.on('exit', resolve));
const result = stdout.split('\n').find((l) => l.startsWith('RESULT '));
console.log(result ? result.slice(0, 400) : `(no result; exit code ${code})`);

// Node names profiles CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile; thread 0 is the main thread.
const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
const main = files.find((f) => f.split('.')[3] === String(child.pid) && f.split('.')[4] === '0');
if (!main) {
  console.error(`no main-thread profile for pid ${child.pid} in ${dir}: ${files.join(', ')}`);
  process.exit(1);
}
summarize(JSON.parse(readFileSync(join(dir, main), 'utf8')), `${contender} · scenario ${scenario} · main thread`);
if (workersToo) {
  // The other profiles of the same process are its worker threads; other pids are child processes.
  for (const file of files.filter((f) => f !== main).sort()) {
    const [, , , pid, thread] = file.split('.');
    const what = pid === String(child.pid) ? `worker thread ${thread}` : `child process ${pid}, thread ${thread}`;
    summarize(JSON.parse(readFileSync(join(dir, file), 'utf8')), `${contender} · scenario ${scenario} · ${what}`);
  }
}
if (keep) console.log(`\nprofiles kept in ${dir} (${files.length} files; the main thread's is ${main})`);
else rmSync(dir, { recursive: true, force: true });

function summarize(profile, title) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map();
  // timeDeltas[i] is the time elapsed before sample i; it is attributed to the node sampled then.
  for (let i = 0; i < profile.samples.length; i += 1) {
    const id = profile.samples[i];
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const byFunction = new Map();
  const byFile = new Map();
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id).callFrame;
    const file = shortUrl(url);
    const key = `${functionName || '(anonymous)'}  ${file}${url ? `:${lineNumber + 1}` : ''}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    byFile.set(file || functionName, (byFile.get(file || functionName) ?? 0) + us);
  }
  const idle = (byFunction.get('(idle)  ') ?? 0);
  console.log(`\n${title}: ${(total / 1000).toFixed(0)} ms sampled, ${(idle / 1000).toFixed(0)} ms idle (${pct(idle, total)})`);
  console.log(`\ntop ${top} functions by self time:`);
  for (const [key, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`  ${(us / 1000).toFixed(1).padStart(8)} ms  ${pct(us, total).padStart(6)}  ${key}`);
  }
  console.log('\nself time by file:');
  for (const [file, us] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
    console.log(`  ${(us / 1000).toFixed(1).padStart(8)} ms  ${pct(us, total).padStart(6)}  ${file}`);
  }
}

function shortUrl(url) {
  if (!url) return '';
  const at = url.indexOf(root);
  return at >= 0 ? url.slice(at + root.length) : url;
}

function pct(part, whole) {
  return `${((100 * part) / (whole || 1)).toFixed(1)}%`;
}
