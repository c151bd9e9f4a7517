import { parseArgs } from 'node:util';
import { RemoteProcessController, fromCheckpoint } from '../comms/controller.js';
import { UnknownProcessError } from '../comms/remote-errors.js';
import type { ProcessStatus } from '../comms/remote-protocol.js';
import type { Communicator } from '../comms/types.js';
import type { Persister } from '../persistence/types.js';
import { summarizeCheckpoint } from '../process/checkpoint-info.js';
import { argsError, integerOption } from './args.js';
import type { Command, CommandIO } from './command.js';
import {
  connectRedis, openPersister, PERSISTER_HELP, persisterSpec, REDIS_HELP, REDIS_OPTIONS, redisSettings, shownPersister,
} from './remote-options.js';

const USAGE = `Usage: taskfarm ps [--persister SPEC] [--redis URL] [--all] [--json]

Lists the processes whose checkpoints are in the persister, with the state of their latest
checkpoint; terminated ones only with --all. With --redis (or $TASKFARM_REDIS), each process that
has not terminated is also asked for its live status: its state now, whether it is paused, and
which daemon runs it ('-' when none does: continue it with a controller).

Options:
${PERSISTER_HELP}
${REDIS_HELP}
  -a, --all                   include processes that have terminated
      --timeout MS            how long a live process has to answer (default: 2000)
      --json                  one JSON object per line instead of a table
  -h, --help                  show this help
`;

/** `taskfarm ps`: the processes a persister knows, with their state (live, through Redis, when asked). */
export const psCommand: Command = {
  name: 'ps',
  summary: 'list the processes in a persister with their state (and which daemon runs them)',
  usage: USAGE,
  run: runPs,
};

const OPTIONS = {
  ...REDIS_OPTIONS,
  persister: { type: 'string' },
  all: { type: 'boolean', short: 'a' },
  timeout: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** A row of the listing: a status, or what kept it from being read. */
export type PsRow = ProcessStatus | { pid: string; error: string };

/** At most this many status RPCs at once: a large store must not flood Redis. */
const PARALLEL_QUERIES = 16;

async function runPs(argv: string[], io: CommandIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false });
  } catch (error) {
    throw argsError('ps', error);
  }
  const { values } = parsed;
  if (values.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  const spec = persisterSpec(values.persister, io.cwd);
  const timeout = integerOption('--timeout', values.timeout, 1) ?? 2_000;
  const live = values.redis !== undefined || Boolean(process.env.TASKFARM_REDIS);
  const persister = await openPersister(spec, { mustExist: true });
  let communicator: Communicator | undefined;
  try {
    if (live) communicator = await connectRedis(redisSettings(values));
    const rows = await listProcesses(persister, { all: values.all ?? false, communicator, timeout });
    io.stdout.write(values.json ? rows.map((row) => `${JSON.stringify(row)}\n`).join('') : formatPs(rows, shownPersister(spec), live));
  } finally {
    await communicator?.close();
    await persister.close();
  }
  return 0;
}

/** The processes with an untagged (latest) checkpoint, oldest first; live statuses when a communicator is given. */
export async function listProcesses(
  persister: Persister,
  options: { all: boolean; communicator?: Communicator | undefined; timeout: number },
): Promise<PsRow[]> {
  const pids = (await persister.getCheckpoints()).filter((key) => key.tag === undefined).map((key) => key.pid);
  const rows: PsRow[] = [];
  for (const pid of pids) {
    try {
      rows.push(fromCheckpoint(summarizeCheckpoint((await persister.loadCheckpoint(pid)).bundle)));
    } catch (error) {
      rows.push({ pid, error: (error as Error).message });
    }
  }
  const shown = rows.filter((row) => options.all || 'error' in row || !['FINISHED', 'EXCEPTED', 'KILLED'].includes(row.state));
  const communicator = options.communicator;
  if (communicator !== undefined) {
    const controller = new RemoteProcessController(communicator, { timeout: options.timeout });
    const ask = async (index: number): Promise<void> => {
      const row = shown[index]!;
      if ('error' in row || row.live || ['FINISHED', 'EXCEPTED', 'KILLED'].includes(row.state)) return;
      try {
        const status = await controller.getStatus(row.pid);
        shown[index] = row.savedAt === undefined ? status : { ...status, savedAt: row.savedAt };
      } catch (error) {
        // Not answering: no daemon runs it (or it ended meanwhile); the checkpoint row stays.
        if (!(error instanceof UnknownProcessError)) shown[index] = { ...row, status: `no answer: ${(error as Error).message}` };
      }
    };
    for (let start = 0; start < shown.length; start += PARALLEL_QUERIES) {
      await Promise.all(shown.slice(start, start + PARALLEL_QUERIES).map((_row, offset) => ask(start + offset)));
    }
  }
  return shown.sort((a, b) => savedAt(a).localeCompare(savedAt(b)));
}

function savedAt(row: PsRow): string {
  return 'error' in row ? '' : row.savedAt ?? '';
}

/** The listing as a table. */
export function formatPs(rows: PsRow[], where: string, live: boolean): string {
  if (rows.length === 0) return `no process in ${where}\n`;
  const header = ['PID', 'CLASS', 'STATE', 'PAUSED', ...(live ? ['RUNNER'] : []), 'SAVED', 'STATUS'];
  const table = rows.map((row) => {
    if ('error' in row) return [row.pid, '?', '?', '?', ...(live ? ['?'] : []), '?', row.error];
    const runner = row.runner === undefined ? '-' : `${row.runner.host}:${row.runner.pid}`;
    return [row.pid, row.processClass, row.state, row.paused ? 'yes' : 'no', ...(live ? [runner] : []), row.savedAt ?? '', row.status ?? ''];
  });
  const widths = header.map((title, i) => Math.max(title.length, ...table.map((cells) => cells[i]!.length)));
  const line = (cells: string[]): string => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd();
  return `${[line(header), ...table.map(line)].join('\n')}\n`;
}
