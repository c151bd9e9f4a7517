import { parseArgs } from 'node:util';
import { TaskfarmError, ValidationError } from '../core/errors.js';
import { RemoteProcessController } from '../comms/controller.js';
import type { ProcessStatus } from '../comms/remote-protocol.js';
import type { Persister } from '../persistence/types.js';
import { argsError, integerOption } from './args.js';
import type { Command, CommandIO } from './command.js';
import {
  connectRedis, openPersister, persisterSpec, REDIS_HELP, REDIS_OPTIONS, redisSettings,
} from './remote-options.js';

type Action = 'pause' | 'play' | 'kill';

const DONE: Record<Action, string> = { pause: 'paused', play: 'played', kill: 'killed' };
const WHAT: Record<Action, string> = {
  pause: 'Pauses the processes before their next step (a step running now completes first)',
  play: 'Plays paused processes',
  kill: 'Kills the processes (a step running now completes first); their launch requests fail with KilledError',
};

function usage(action: Action): string {
  const message = action === 'play' ? '' : ' [--message M]';
  return `Usage: taskfarm ${action} <pid> [<pid> ...]${message} [options]
       taskfarm ${action} --all${message} [options]

${WHAT[action]}, through the Redis the daemons run on. Each answers once
it took effect; one line per process: "<pid> ${DONE[action]} (<state>, <class>)".
With --all, a broadcast reaches every process on that Redis (and nobody answers).

Options:
${action === 'play' ? '' : `  -m, --message M             the process's status message\n`}  -a, --all                   every process (a broadcast)
${REDIS_HELP}
      --persister SPEC        optional: read when a pid does not answer, to tell a terminated
                              process, or one that no daemon runs, from an unknown pid
                              (sqlite:PATH or postgres://...)
      --timeout MS            how long a process has to answer (default: 10000)
      --json                  print each process's status as a JSON line
  -h, --help                  show this help

Exit status: 0 done; 1 a process is unknown, has terminated, is not running or did not answer
(said on stderr with its code, e.g. ERR_PROCESS_TERMINATED); 2 bad usage.
`;
}

const OPTIONS = {
  ...REDIS_OPTIONS,
  message: { type: 'string', short: 'm' },
  all: { type: 'boolean', short: 'a' },
  persister: { type: 'string' },
  timeout: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function controlCommand(action: Action): Command {
  return {
    name: action,
    summary: `${action} processes by pid (or all of them) through Redis`,
    usage: usage(action),
    run: (argv, io) => runControl(action, argv, io),
  };
}

/** `taskfarm pause`, `taskfarm play`, `taskfarm kill`: RPCs to processes by pid, or a broadcast to all. */
export const pauseCommand = controlCommand('pause');
export const playCommand = controlCommand('play');
export const killCommand = controlCommand('kill');

async function runControl(action: Action, argv: string[], io: CommandIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: true });
  } catch (error) {
    throw argsError(action, error);
  }
  const { values, positionals: pids } = parsed;
  if (values.help) {
    io.stdout.write(usage(action));
    return 0;
  }
  if (action === 'play' && values.message !== undefined) throw new ValidationError(`'play' takes no --message`);
  if (values.all && pids.length > 0) throw new ValidationError(`give pids or --all, not both`);
  if (!values.all && pids.length === 0) throw new ValidationError(`'${action}' needs a pid (or --all); see 'taskfarm ${action} --help'`);
  const timeout = integerOption('--timeout', values.timeout, 1);
  const spec = values.persister === undefined ? undefined : persisterSpec(values.persister, io.cwd);
  const persister: Persister | undefined = spec === undefined ? undefined : await openPersister(spec, { mustExist: true });
  try {
    const communicator = await connectRedis(redisSettings(values));
    try {
      const controller = new RemoteProcessController(communicator, {
        ...(timeout === undefined ? {} : { timeout }),
        ...(persister === undefined ? {} : { persister }),
      });
      if (values.all) {
        await (action === 'pause' ? controller.pauseAll(values.message) : action === 'play' ? controller.playAll() : controller.killAll(values.message));
        io.stdout.write(`${action} sent to every process on ${communicator.url}\n`);
        return 0;
      }
      let failed = 0;
      for (const pid of pids) {
        try {
          const status = await act(controller, action, pid, values.message);
          io.stdout.write(values.json ? `${JSON.stringify(status)}\n` : `${pid} ${DONE[action]} (${status.state}${status.paused ? ', paused' : ''}, ${status.processClass})\n`);
        } catch (error) {
          if (!(error instanceof TaskfarmError)) throw error;
          failed += 1;
          io.stderr.write(`taskfarm: ${error.message} [${error.code}]\n`);
        }
      }
      return failed > 0 ? 1 : 0;
    } finally {
      await communicator.close();
    }
  } finally {
    await persister?.close();
  }
}

function act(controller: RemoteProcessController, action: Action, pid: string, message: string | undefined): Promise<ProcessStatus> {
  if (action === 'pause') return controller.pauseProcess(pid, message);
  if (action === 'play') return controller.playProcess(pid);
  return controller.killProcess(pid, message);
}
