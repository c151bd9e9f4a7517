import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ValidationError } from '../core/errors.js';
import { ProcessLauncher } from '../comms/launcher.js';
import { DEFAULT_PROCESS_QUEUE } from '../comms/remote-protocol.js';
import { Process } from '../process/process.js';
import { ensureRegistered } from '../process/registry.js';
import { argsError, integerOption } from './args.js';
import type { Command, CommandIO } from './command.js';
import { signalExitCode, StopSignals } from './interrupt.js';
import {
  connectRedis, openPersister, PERSISTER_HELP, persisterSpec, REDIS_HELP, REDIS_OPTIONS, redisSettings, shownPersister,
  type PersisterSpec, type RedisSettings,
} from './remote-options.js';

const USAGE = `Usage: taskfarm daemon [--redis URL] [--persister SPEC] [--process-module MODULE ...] [options]

Runs a process launcher: it takes the launch and continue requests that controllers
(RemoteProcessController) queue on Redis and runs the processes and work chains they name, each
checkpointed after every step. The processes answer status, pause, play and kill by pid
('taskfarm ps', 'taskfarm pause'...). Run several daemons on one Redis and one persister: a
process whose daemon dies is continued by another from its last checkpoint.

Options:
${REDIS_HELP}
${PERSISTER_HELP}
  -m, --process-module MODULE a module defining process classes: a path relative to the current
                              directory, or a package name (repeatable); every Process subclass
                              it exports is registered, and it may call registerProcesses itself
      --queue NAME            the queue controllers send to (default: ${DEFAULT_PROCESS_QUEUE})
      --concurrency N         processes run at once (default: 100)
      --dead-after MS         a daemon silent this long counts as dead: its processes go to another
                              daemon (default: 10000)
      --claim-timeout MS      how long to wait for a dead daemon's hold on a process to expire
                              before giving up on it (default: 30000)
  -h, --help                  show this help

Output: one JSON line on stdout when ready ({"daemon", "pid", "redis", "prefix", "queue",
"persister", "classes"}), then a log line on stderr for each process launched, continued and ended.

Ctrl-C (SIGINT) or SIGTERM stops: the running processes are handed back at their last checkpoint
(nothing more is saved here) and their requests go back to the queue, so another daemon, or this
one restarted, continues them. A second signal exits at once (the requests then go back after
--dead-after).

Example:
  taskfarm daemon --redis redis://127.0.0.1:6379 --persister sqlite:checkpoints.db -m ./chains.js
`;

/** `taskfarm daemon`: a ProcessLauncher on Redis with a persister, until a signal stops it. */
export const daemonCommand: Command = {
  name: 'daemon',
  summary: 'run processes and work chains that controllers launch over Redis (a process launcher)',
  usage: USAGE,
  run: runDaemon,
};

const OPTIONS = {
  ...REDIS_OPTIONS,
  persister: { type: 'string' },
  'process-module': { type: 'string', short: 'm', multiple: true },
  queue: { type: 'string' },
  concurrency: { type: 'string' },
  'dead-after': { type: 'string' },
  'claim-timeout': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface DaemonConfig {
  redis: RedisSettings;
  persister: PersisterSpec;
  modules: string[];
  queue: string | undefined;
  concurrency: number | undefined;
  deadAfter: number | undefined;
  claimTimeout: number | undefined;
}

export function parseDaemonArgs(argv: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): DaemonConfig | 'help' {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: true });
  } catch (error) {
    throw argsError('daemon', error);
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  if (positionals.length > 0 && values['process-module'] === undefined) {
    throw new ValidationError(`unexpected argument '${positionals[0]}'; process modules follow --process-module`);
  }
  return {
    redis: redisSettings(values, env),
    persister: persisterSpec(values.persister, cwd, env),
    modules: [...(values['process-module'] ?? []), ...positionals],
    queue: values.queue,
    concurrency: integerOption('--concurrency', values.concurrency, 1),
    deadAfter: integerOption('--dead-after', values['dead-after'], 1),
    claimTimeout: integerOption('--claim-timeout', values['claim-timeout'], 1),
  };
}

/** Imports the modules and registers the Process subclasses they export; resolves to their names. */
export async function loadProcessModules(modules: readonly string[], cwd: string): Promise<string[]> {
  const names: string[] = [];
  for (const module of modules) {
    const path = resolve(cwd, module);
    // A path (relative to the current directory) unless it reads like a package name.
    const local = module.startsWith('.') || isAbsolute(module) || /\.[cm]?[jt]s$/.test(module) || existsSync(path);
    const specifier = module.startsWith('file:') ? module : local ? pathToFileURL(path).href : module;
    let exports: Record<string, unknown>;
    try {
      exports = (await import(specifier)) as Record<string, unknown>;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const why = code === 'ERR_MODULE_NOT_FOUND' && local && !existsSync(path) ? `not found (looked for ${path})` : (error as Error).message;
      throw new ValidationError(`cannot load --process-module '${module}': ${why}`, { cause: error });
    }
    for (const value of Object.values(exports)) {
      if (typeof value !== 'function' || !(value.prototype instanceof Process)) continue;
      try {
        names.push(ensureRegistered(value as typeof Process));
      } catch (error) {
        throw new ValidationError(`--process-module '${module}': ${(error as Error).message}`, { cause: error });
      }
    }
  }
  return [...new Set(names)].sort();
}

async function runDaemon(argv: string[], io: CommandIO): Promise<number> {
  const config = parseDaemonArgs(argv, io.cwd);
  if (config === 'help') {
    io.stdout.write(USAGE);
    return 0;
  }
  const classes = await loadProcessModules(config.modules, io.cwd);
  const log = (line: string): void => void io.stderr.write(`${new Date().toISOString()} ${line}\n`);
  const persister = await openPersister(config.persister);
  let communicator;
  try {
    const extra: { deadAfter?: number; onError: (error: Error) => void } = { onError: (error) => log(`error: ${error.message}`) };
    if (config.deadAfter !== undefined) extra.deadAfter = config.deadAfter;
    communicator = await connectRedis(config.redis, extra);
  } catch (error) {
    await persister.close();
    throw error;
  }
  const launcher = new ProcessLauncher(communicator, {
    persister,
    log,
    ...(config.queue === undefined ? {} : { queue: config.queue }),
    ...(config.concurrency === undefined ? {} : { concurrency: config.concurrency }),
    ...(config.claimTimeout === undefined ? {} : { claimTimeout: config.claimTimeout }),
  });
  await launcher.start();
  io.stdout.write(`${JSON.stringify({
    daemon: communicator.id, pid: process.pid, redis: communicator.url, prefix: communicator.prefix, queue: launcher.queue,
    persister: shownPersister(config.persister), classes,
  })}\n`);
  if (classes.length === 0) log('no --process-module exported a Process class: only classes its modules registered themselves can run');

  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    const signals = new StopSignals((signal) => {
      log(`${signal}: handing ${launcher.processes.size} running process(es) back to the queue (${signal} again exits at once)`);
      void (async () => {
        await launcher.close();
        await communicator.close();
        await persister.close();
        signals.dispose();
        resolve(signal);
      })();
    }, { stream: io.stderr, exit: (code) => process.exit(code) });
  });
  return signalExitCode(await stopped);
}
