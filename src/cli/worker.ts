import { parseArgs } from 'node:util';
import { TaskfarmError, ValidationError } from '../core/errors.js';
import { RedisEndpoint } from '../executors/redis/connection.js';
import { startEngine, type EngineHandle } from '../executors/redis/engine.js';
import { ENGINE_BACKENDS, type EngineBackend, type EngineOptions } from '../executors/redis/engine-options.js';
import { argsError, integerOption } from './args.js';
import type { Command, CommandIO } from './command.js';
import { signalExitCode, StopSignals } from './interrupt.js';

const USAGE = `Usage: taskfarm worker --redis URL [options] [--tasks MODULE ...]

Starts an engine: it joins the farm on Redis and runs the tasks that clients (RedisExecutor)
queue there, on its own pool of threads or processes. It heartbeats its properties and load,
which 'taskfarm status' and executor.workers() list. Several engines, on any machines that
share the code base, serve one queue.

Options:
      --redis URL             the Redis server: redis://[[user]:password@]host[:port][/db], or
                              rediss://... for TLS (default: $TASKFARM_REDIS). The password is
                              never printed.
      --queue NAME            the farm's queue (default: taskfarm)
      --prefix NAME           prefix of every Redis key (default: taskfarm)
  -t, --tasks MODULE          a task module the engine runs (a path; a directory allows every
                              module under it); repeat it, or list more modules after it
      --allow-source          also run functions shipped as source (see Security)
  -w, --workers N             size of the engine's pool (default: the number of CPUs; 16 for
                              the async backend)
  -b, --backend NAME          threads (default), processes (isolated; always killable), or
                              async (on the engine's event loop, like a plain BullMQ worker:
                              for I/O-bound and tiny tasks; a blocking task blocks the engine)
  -p, --property KEY=VALUE    a property for placement with 'where' (repeatable); VALUE is JSON
                              when it parses (4, true, "eu", [1,2]), else a string
      --id ID                 the engine's id (default: e- and 8 random hex digits)
      --concurrency N         BullMQ jobs taken at once per queue (default: --workers)
      --heartbeat MS          heartbeat interval (default: 1000)
      --heartbeat-ttl MS      an engine silent this long is gone (default: 5000)
      --lock-duration MS      a job whose engine stopped renewing its lock this long runs again
                              elsewhere (default: 30000)
      --stalled-interval MS   how often to look for such jobs (default: 30000)
      --max-stalled-count N   how many times a job may stall and still run again; after that its
                              tasks fail with WorkerCrashedError (default: 1)
      --connect-timeout MS    give up starting if Redis cannot be reached by then (default: 10000)
  -h, --help                  show this help

Security: anyone who can write to the queue can submit tasks. The engine runs only functions
exported by its --tasks modules; functions shipped as source are refused (TaskRefusedError)
unless --allow-source is given, which lets ANY writer to the queue run ANY code on this machine.
Give it only on a Redis that only trusted programs can reach.

Ctrl-C (SIGINT) or SIGTERM stops cleanly: no new task is taken and the running ones finish;
a second signal stops at once (the running tasks then run again on another engine).

Example:
  taskfarm worker --redis redis://127.0.0.1:6379 --tasks ./tasks.js --workers 4 --property gpu=true
`;

/** `taskfarm worker`: runs an engine until a signal stops it. */
export const workerCommand: Command = {
  name: 'worker',
  summary: 'start an engine that runs tasks queued on Redis (RedisExecutor)',
  usage: USAGE,
  run: runWorker,
};

const OPTIONS = {
  redis: { type: 'string' },
  queue: { type: 'string' },
  prefix: { type: 'string' },
  tasks: { type: 'string', short: 't', multiple: true },
  'allow-source': { type: 'boolean' },
  workers: { type: 'string', short: 'w' },
  backend: { type: 'string', short: 'b' },
  property: { type: 'string', short: 'p', multiple: true },
  id: { type: 'string' },
  concurrency: { type: 'string' },
  heartbeat: { type: 'string' },
  'heartbeat-ttl': { type: 'string' },
  'lock-duration': { type: 'string' },
  'stalled-interval': { type: 'string' },
  'max-stalled-count': { type: 'string' },
  'connect-timeout': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Parses the command line into engine options (with `log` left to the caller). */
export function parseWorkerArgs(argv: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): EngineOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: true });
  } catch (error) {
    throw argsError('worker', error);
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  const url = values.redis ?? env.TASKFARM_REDIS;
  if (!url) throw new ValidationError(`'worker' needs --redis URL (or $TASKFARM_REDIS); see 'taskfarm worker --help'`);
  if (positionals.length > 0 && values.tasks === undefined) {
    throw new ValidationError(`unexpected argument '${positionals[0]}'; task modules follow --tasks`);
  }
  const backend = values.backend ?? 'threads';
  if (!(ENGINE_BACKENDS as readonly string[]).includes(backend)) throw new ValidationError(`invalid --backend '${backend}': expected ${ENGINE_BACKENDS.join(', ')}`);
  const ms = (flag: string, text: string | undefined): number | undefined => integerOption(flag, text, 1);
  return {
    connection: { url, connectTimeout: ms('--connect-timeout', values['connect-timeout']) },
    queue: values.queue,
    prefix: values.prefix,
    id: values.id,
    allowModules: [...(values.tasks ?? []), ...positionals].map((module) => (module.startsWith('file:') ? module : new URL(module, `file://${cwd}/`).href)),
    allowSource: values['allow-source'] ?? false,
    workers: integerOption('--workers', values.workers, 1),
    backend: backend as EngineBackend,
    properties: parseProperties(values.property ?? []),
    concurrency: integerOption('--concurrency', values.concurrency, 1),
    heartbeatInterval: ms('--heartbeat', values.heartbeat),
    heartbeatTtl: ms('--heartbeat-ttl', values['heartbeat-ttl']),
    lockDuration: ms('--lock-duration', values['lock-duration']),
    stalledInterval: ms('--stalled-interval', values['stalled-interval']),
    maxStalledCount: integerOption('--max-stalled-count', values['max-stalled-count'], 0),
  };
}

function parseProperties(pairs: string[]): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new ValidationError(`invalid --property '${pair}': expected KEY=VALUE, e.g. gpu=true`);
    const text = pair.slice(at + 1);
    let value: unknown = text;
    try {
      value = JSON.parse(text);
    } catch {
      // not JSON: the text itself
    }
    properties[pair.slice(0, at)] = value;
  }
  return properties;
}

async function runWorker(argv: string[], io: CommandIO): Promise<number> {
  const options = parseWorkerArgs(argv, io.cwd);
  if (options === 'help') {
    io.stdout.write(USAGE);
    return 0;
  }
  const endpoint = RedisEndpoint.from(options.connection, 'taskfarm worker');
  const log = (line: string): void => void io.stderr.write(`${new Date().toISOString()} ${endpoint.scrub(line)}\n`);
  let engine: EngineHandle;
  try {
    engine = startEngine({ ...options, log });
    await engine.ready;
  } catch (error) {
    throw scrubbed(error, endpoint);
  }
  if (options.allowSource) log(`WARNING: --allow-source: any program that can write to the queue can run any code on this machine`);
  io.stdout.write(`${JSON.stringify({ engine: engine.id, redis: endpoint.shown, queue: options.queue ?? 'taskfarm', properties: engine.properties() })}\n`);

  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    const signals = new StopSignals((signal) => {
      log(`${signal}: finishing the running tasks, then stopping (${signal} again stops at once)`);
      void engine.stop().then(() => {
        signals.dispose();
        resolve(signal);
      });
    }, {
      stream: io.stderr,
      // A second signal: leave now. The tasks left running stall and run again on another engine
      // (the pool's child processes end with this process).
      exit: (code) => process.exit(code),
    });
  });
  return signalExitCode(await stopped);
}

/** Any error, with the password of the connection masked in its message. */
function scrubbed(error: unknown, endpoint: RedisEndpoint): Error {
  if (error instanceof TaskfarmError) {
    error.message = endpoint.scrub(error.message);
    if (error.stack) error.stack = endpoint.scrub(error.stack);
    return error;
  }
  return new TaskfarmError(endpoint.scrub((error as Error)?.message ?? String(error)));
}
