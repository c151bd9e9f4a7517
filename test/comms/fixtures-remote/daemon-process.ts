/**
 * `taskfarm daemon` (and the other process commands) as real child processes, from the sources,
 * with their output split into lines that a test can await.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export { deleteKeys as deleteRedisKeys } from '../../support/redis-keys.js';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const CHAINS_MODULE = 'test/comms/fixtures-remote/daemon-chains.ts';

export interface DaemonBanner {
  daemon: string;
  pid: number;
  redis: string;
  prefix: string;
  queue: string;
  persister: string;
  classes: string[];
}

/** A child process whose stdout and stderr lines are kept, and awaited with {@link waitFor}. */
export class CliProcess {
  readonly child: ChildProcess;
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly #watchers = new Set<() => void>();

  constructor(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 120_000) {
    this.child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    const killer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    this.#lines(this.child.stdout!, this.stdout);
    this.#lines(this.child.stderr!, this.stderr);
    this.exited = new Promise((resolve) => {
      this.child.on('close', (code, signal) => {
        clearTimeout(killer);
        this.#wake();
        resolve({ code, signal });
      });
    });
  }

  /** Resolves with the first line of `stream` that matches (already seen, or to come); rejects if the process ends first. */
  waitFor(stream: 'stdout' | 'stderr', match: RegExp | string, timeoutMs = 60_000): Promise<string> {
    const lines = this[stream];
    const test = (line: string): boolean => (typeof match === 'string' ? line.includes(match) : match.test(line));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.#watchers.delete(check); reject(new Error(`no ${stream} line matching ${String(match)} in ${timeoutMs} ms:\n${this.output()}`)); }, timeoutMs);
      const check = (): void => {
        const line = lines.find(test);
        if (line !== undefined || this.child.exitCode !== null || this.child.signalCode !== null) {
          this.#watchers.delete(check);
          clearTimeout(timer);
          if (line !== undefined) resolve(line);
          else reject(new Error(`the process ended before a ${stream} line matching ${String(match)}:\n${this.output()}`));
        }
      };
      this.#watchers.add(check);
      check();
    });
  }

  output(): string {
    return `--- stdout\n${this.stdout.join('\n')}\n--- stderr\n${this.stderr.join('\n')}`;
  }

  #lines(stream: NodeJS.ReadableStream, into: string[]): void {
    let pending = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      pending += chunk;
      const parts = pending.split('\n');
      pending = parts.pop()!;
      if (parts.length === 0) return;
      into.push(...parts);
      this.#wake();
    });
    stream.on('end', () => {
      if (pending) into.push(pending);
      pending = '';
      this.#wake();
    });
  }

  #wake(): void {
    for (const watcher of [...this.#watchers]) watcher();
  }
}

/** Starts a daemon and resolves once it printed its banner. */
export async function startDaemon(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ daemon: CliProcess; banner: DaemonBanner }> {
  const daemon = new CliProcess(['daemon', ...args], env);
  const line = await daemon.waitFor('stdout', /^\{"daemon"/);
  return { daemon, banner: JSON.parse(line) as DaemonBanner };
}

/** Runs a command to its end. */
export async function runCommand(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const run = new CliProcess(args, env);
  const { code } = await run.exited;
  return { code, stdout: run.stdout.join('\n'), stderr: run.stderr.join('\n') };
}
