#!/usr/bin/env node
/**
 * The `taskfarm` command: a thin dispatcher. Each subcommand lives in its own module and implements
 * {@link Command}; adding one (`worker`, `daemon`, `status`, `ps`...) means adding it to COMMANDS.
 *
 * Exit codes shared by every subcommand: 0 success, 1 some work failed, 2 bad usage (one line on
 * stderr naming the problem), 128 + n when stopped by signal n (130 for Ctrl-C).
 */
import { TaskDefinitionError, TaskfarmError, ValidationError } from '../core/errors.js';
import type { Command, CommandIO } from './command.js';
import { runCommand } from './run.js';
import { daemonCommand } from './daemon.js';
import { psCommand } from './ps.js';
import { killCommand, pauseCommand, playCommand } from './control.js';
import { statusCommand } from './status.js';
import { workerCommand } from './worker.js';
import { packageVersion } from './version.js';

const COMMANDS: readonly Command[] = [
  runCommand, workerCommand, statusCommand,
  daemonCommand,
  psCommand,
  pauseCommand, playCommand, killCommand,
];

const USAGE_EXIT = 2;

function usage(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length), 'help'.length) + 2;
  const lines = [
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}${command.summary}`),
    `  ${'help'.padEnd(width)}show help for a command: taskfarm help <command>`,
  ];
  return `Usage: taskfarm <command> [options]

Runs work in parallel on worker threads or child processes.

Commands:
${lines.join('\n')}

Options:
  -h, --help     show this help
  -v, --version  print the version

Exit status: 0 success, 1 some tasks failed, 2 bad usage, 130 interrupted (Ctrl-C).
Run 'taskfarm <command> --help' for the options of a command.
`;
}

function findCommand(name: string): Command {
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    const names = [...COMMANDS.map((candidate) => candidate.name), 'help'].join(', ');
    throw new ValidationError(`unknown command '${name}' (commands: ${names}); run 'taskfarm --help' for usage`);
  }
  return command;
}

/** Runs the command line `argv` (without node and the script) and resolves to the exit code. */
export async function main(argv: string[], io: CommandIO): Promise<number> {
  const [first, ...rest] = argv;
  try {
    switch (first) {
      case undefined:
        io.stderr.write(usage());
        return USAGE_EXIT;
      case '-h':
      case '--help':
        io.stdout.write(usage());
        return 0;
      case '-v':
      case '--version':
        io.stdout.write(`${packageVersion()}\n`);
        return 0;
      case 'help':
        io.stdout.write(rest[0] === undefined ? usage() : findCommand(rest[0]).usage);
        return 0;
      default:
        if (first.startsWith('-')) throw new ValidationError(`unknown option '${first}'; run 'taskfarm --help' for usage`);
        return await findCommand(first).run(rest, io);
    }
  } catch (error) {
    if (error instanceof ValidationError || error instanceof TaskDefinitionError) {
      io.stderr.write(`taskfarm: ${error.message}\n`);
      return USAGE_EXIT;
    }
    // Our own errors say what went wrong; anything else is a bug, and its stack helps to report it.
    const text = error instanceof TaskfarmError ? error.message : ((error as Error)?.stack ?? String(error));
    io.stderr.write(`taskfarm: ${text}\n`);
    return 1;
  }
}

const code = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() });
// Exit explicitly: results are flushed by now, and a task module's stray timer must not keep us alive.
process.exit(code);
