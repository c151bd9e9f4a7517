import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProcessExecutor, RedisExecutor, ThreadExecutor, ValidationError, type Executor, type SubmitOptions } from '../index.js';
import type { Command, CommandIO } from './command.js';
import { farmToLines, type FarmOutcome } from './farm.js';
import { jsonlInputs, rangeInputs, type InputSource } from './inputs.js';
import { signalExitCode, StopSignals } from './interrupt.js';
import { LineWriter } from './output.js';
import { formatSummary, ProgressReporter } from '../core/progress.js';
import { parseRunArgs, type RunConfig } from './run-options.js';
import { resolveTask } from './task-check.js';

/**
 * After a stop, workers get this long to go before the command ends anyway: a clean stop must not
 * hang on a process that ignores SIGTERM (the pool follows up with SIGKILL, and the workers leave
 * when the program is gone).
 */
const SHUTDOWN_DEADLINE_MS = 3000;

const USAGE = `Usage: taskfarm run <module>#<export> (--range A..B | --input FILE.jsonl) [options]

Runs the exported function <export> of <module> (a path relative to the current directory) once
per input, in parallel, and writes one JSON line per input, in input order:
  {"input": <input>, "value": <returned value>}
  {"input": <input>, "error": {"name": ..., "message": ..., "code": ...}}

Inputs (exactly one):
  -r, --range A..B        every integer from A to B, both included; each is one input
  -i, --input FILE        a JSONL file: each non-blank line is one JSON input

Options:
  -w, --workers N         number of workers (default: the number of CPUs)
  -b, --backend NAME      threads (default) or processes (isolated; killable)
      --redis URL         run on the engines of a farm on Redis ('taskfarm worker') instead of
                          local workers; they must be started with --tasks <module>
      --queue NAME        the farm's queue, with --redis (default: taskfarm)
      --prefix NAME       prefix of its Redis keys, with --redis (default: taskfarm)
  -t, --timeout MS        fail a task with ERR_TASK_TIMEOUT after MS milliseconds (its worker is stopped)
      --retries N         try a failed task up to N more times (default: 0)
  -o, --out FILE          write the result lines to FILE (default: stdout)
  -q, --quiet             no progress and no summary on stderr
  -h, --help              show this help

The function is called with the input as its only argument; it may be async.
Progress goes to stderr: a live bar on a terminal, a line every 2 s otherwise.
Ctrl-C stops cleanly: the results finished so far are written, in order; Ctrl-C again quits at once.

Exit status:
  0    every task succeeded
  1    some tasks failed (their lines hold the error)
  2    bad usage: unknown option, bad range, unreadable input, missing module or export...
  130  interrupted by Ctrl-C (SIGINT); 143 for SIGTERM

Example:
  taskfarm run examples/tasks.js#collatzSteps --range 1..200000 --out results.jsonl
`;

/** `taskfarm run`: farms a function over a range or a JSONL file and writes ordered result lines. */
export const runCommand: Command = {
  name: 'run',
  summary: 'run <module>#<export> over a range or a JSONL file, in parallel',
  usage: USAGE,
  run: runFarm,
};

async function runFarm(argv: string[], io: CommandIO): Promise<number> {
  const config = parseRunArgs(argv);
  if (config.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  // Everything that can be wrong with the command line is found before any worker starts.
  const task = await resolveTask(config.task, io.cwd);
  const inputs = await openInputs(config, io.cwd);
  const outPath = config.out === undefined ? undefined : resolve(io.cwd, config.out);
  if (outPath !== undefined && config.input !== undefined && sameFile(outPath, resolve(io.cwd, config.input))) {
    // Opening the output truncates it: the inputs would be gone before they are read.
    throw new ValidationError(`--out '${config.out}' is the --input file; write the results elsewhere`);
  }
  // No more workers than inputs: a small run should not pay for starting idle workers.
  const executor = inputs.total > 0 ? createExecutor(config, Math.min(config.workers, inputs.total)) : undefined;
  let writer: LineWriter;
  try {
    // A farm that cannot be reached is found before the output file is truncated.
    if (executor) await joinFarm(executor, io, config.quiet);
    writer = await LineWriter.open(outPath, io.stdout, config.out);
  } catch (error) {
    await executor?.shutdown({ wait: false, cancelPending: true }).catch(() => undefined);
    throw error;
  }

  const progress = new ProgressReporter({ total: inputs.total, stream: io.stderr, mode: config.quiet ? 'off' : 'auto' });
  if (config.out === undefined && progress.mode === 'bar' && io.stdout.isTTY) writer.beforeWrite = () => progress.clear();
  const stop = new AbortController();
  // A forced exit (second signal) needs no clean-up here: the executors kill their child processes
  // when the program exits.
  const signals = new StopSignals((signal) => stop.abort(signal), { stream: io.stderr });

  let outcome: FarmOutcome = { interrupted: false };
  let failure: unknown;
  try {
    if (executor) {
      outcome = await farmToLines({ executor, task, inputs, submit: submitOptions(config), writer, progress, stop: stop.signal });
    }
  } catch (error) {
    failure = error;
  }
  // The farm is over: the summary measures it, not the clean-up below.
  const summary = progress.finish();
  // The results are complete (or a stop settled what was left): put them on disk before anything else.
  try {
    await writer.close();
  } catch (error) {
    failure ??= error;
  }
  if (executor) {
    const stopNow = failure !== undefined || outcome.interrupted;
    await withDeadline(executor.shutdown(stopNow ? { wait: false, cancelPending: true } : {}), SHUTDOWN_DEADLINE_MS);
  }
  signals.dispose();
  if (failure !== undefined) throw failure;

  // An interrupted run always says what it kept, even with --quiet: the user is waiting to know.
  if (!config.quiet || outcome.interrupted) io.stderr.write(`${formatSummary(summary, { interrupted: outcome.interrupted })}\n`);
  if (outcome.interrupted) return signalExitCode(signals.received ?? 'SIGINT');
  return summary.failed > 0 ? 1 : 0;
}

function openInputs(config: RunConfig, cwd: string): Promise<InputSource> | InputSource {
  if (config.range) return rangeInputs(config.range);
  return jsonlInputs(resolve(cwd, config.input!), config.input);
}

/** Whether two paths name the same file (through links too, when the file exists). */
function sameFile(a: string, b: string): boolean {
  const real = (path: string): string => {
    try {
      return realpathSync(path);
    } catch {
      return path;
    }
  };
  return a === b || real(a) === real(b);
}

function createExecutor(config: RunConfig, workers: number): Executor {
  if (config.redis) return new RedisExecutor({ connection: config.redis.url, queue: config.redis.queue, prefix: config.redis.prefix });
  return config.backend === 'processes' ? new ProcessExecutor({ workers }) : new ThreadExecutor({ workers });
}

/**
 * Connects to the farm before anything is submitted: an unreachable Redis is an error of the
 * command (exit 1), not a failure of every input; a farm without engines is worth a word.
 */
async function joinFarm(executor: Executor, io: CommandIO, quiet: boolean): Promise<void> {
  if (!(executor instanceof RedisExecutor)) return;
  await executor.ready();
  if (!quiet && executor.workers().length === 0) {
    io.stderr.write(`taskfarm: no engine serves this queue yet; the tasks wait in Redis until one starts ('taskfarm worker')\n`);
  }
}

function submitOptions(config: RunConfig): SubmitOptions {
  const options: SubmitOptions = {};
  if (config.timeout !== undefined) options.timeout = config.timeout;
  if (config.retries > 0) options.retry = { attempts: config.retries + 1 };
  return options;
}

/**
 * Waits for `promise`, at most `ms`. The timer is referenced on purpose: it keeps the program alive
 * while workers report their exit, even if the pool no longer holds the event loop open.
 */
async function withDeadline(promise: Promise<void>, ms: number): Promise<void> {
  const controller = new AbortController();
  await Promise.race([
    promise.catch(() => {}),
    sleep(ms, undefined, { signal: controller.signal }).catch(() => {}),
  ]);
  controller.abort();
}
