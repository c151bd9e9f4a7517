import { parseArgs } from 'node:util';
import { ValidationError } from '../core/errors.js';
import { inspectFarm, type FarmStatus } from '../executors/redis/inspect.js';
import { argsError, integerOption } from './args.js';
import type { Command, CommandIO } from './command.js';

const USAGE = `Usage: taskfarm status --redis URL [--queue NAME] [--prefix NAME] [--json]

Prints the state of a farm on Redis: its queue (BullMQ jobs waiting, active, delayed and failed;
a job holds one task or a batch of tiny ones) and its live engines with their properties, load
and last heartbeat.

Options:
      --redis URL             the Redis server (default: $TASKFARM_REDIS); the password is
                              never printed
      --queue NAME            the farm's queue (default: taskfarm)
      --prefix NAME           prefix of every Redis key (default: taskfarm)
      --json                  one JSON object instead of tables
      --connect-timeout MS    give up if Redis cannot be reached by then (default: 10000)
  -h, --help                  show this help
`;

/** `taskfarm status`: one look at a farm's queue and engines. */
export const statusCommand: Command = {
  name: 'status',
  summary: "show a Redis farm's queue and its engines (properties, load, heartbeat)",
  usage: USAGE,
  run: runStatus,
};

const OPTIONS = {
  redis: { type: 'string' },
  queue: { type: 'string' },
  prefix: { type: 'string' },
  json: { type: 'boolean' },
  'connect-timeout': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

async function runStatus(argv: string[], io: CommandIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false });
  } catch (error) {
    throw argsError('status', error);
  }
  const { values } = parsed;
  if (values.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  const url = values.redis ?? process.env.TASKFARM_REDIS;
  if (!url) throw new ValidationError(`'status' needs --redis URL (or $TASKFARM_REDIS); see 'taskfarm status --help'`);
  const connectTimeout = integerOption('--connect-timeout', values['connect-timeout'], 1);
  const status = await inspectFarm({ url, connectTimeout }, { queue: values.queue, prefix: values.prefix });
  io.stdout.write(values.json ? `${JSON.stringify(status)}\n` : formatStatus(status, Date.now()));
  return 0;
}

/** The status as text: the queue's counts, then a table of engines. */
export function formatStatus(status: FarmStatus, at: number): string {
  const { jobs } = status;
  const lines = [
    `queue '${status.queue}' on ${status.redis}`,
    `  jobs: ${jobs.waiting} waiting, ${jobs.active} active, ${jobs.delayed} delayed, ${jobs.failed} failed`,
    '',
  ];
  if (status.engines.length === 0) {
    lines.push('no live engine: start one with taskfarm worker --redis URL --tasks MODULE');
    return `${lines.join('\n')}\n`;
  }
  lines.push(`engines: ${status.engines.length}`);
  const header = ['ENGINE', 'HOST', 'PID', 'POOL', 'LOAD', 'QUEUED', 'DONE', 'FAILED', 'HEARTBEAT', 'PROPERTIES'];
  const rows = status.engines.map((engine) => [
    engine.id,
    engine.host,
    String(engine.pid),
    `${engine.workers} ${engine.backend}${engine.allowSource ? ' +source' : ''}`,
    `${engine.inFlight}/${engine.workers}`,
    String(engine.jobs.waiting),
    String(engine.done),
    String(engine.failed),
    `${((at - engine.heartbeatAt) / 1000).toFixed(1)} s ago`,
    JSON.stringify(engine.properties),
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
  const format = (row: string[]): string => `  ${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')}`.trimEnd();
  lines.push(format(header), ...rows.map(format));
  return `${lines.join('\n')}\n`;
}
