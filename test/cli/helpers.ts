import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

/** The repository root: the CLI is run from here, as a user would from their project. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The fixture task module, relative to ROOT (the CLI resolves the module against its cwd). */
export const TASKS = 'test/cli/fixtures/tasks.js';

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface StartOptions {
  /** Kill the CLI if it has not ended by then; generous, for a loaded machine. */
  timeoutMs?: number;
  /** Own process group, so that a signal can go to the CLI and its workers, as Ctrl-C does. */
  detached?: boolean;
}

/** Starts `taskfarm <args>` from the sources, as a real child process. */
export function startCli(args: string[], options: StartOptions = {}): { child: ChildProcess; result: Promise<CliResult> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const killer = setTimeout(() => {
    stderr += `\n[test] killed after ${options.timeoutMs ?? 90_000} ms\n`;
    if (options.detached && child.pid) process.kill(-child.pid, 'SIGKILL');
    else child.kill('SIGKILL');
  }, options.timeoutMs ?? 90_000);
  const result = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(killer);
      // The output is complete once the pipes close; a leftover worker holding them must not hang
      // the test (the test looks for leftovers itself), so wait for that only briefly.
      const finish = (): void => resolve({ code, signal, stdout, stderr });
      const grace = setTimeout(finish, 2000);
      child.on('close', () => {
        clearTimeout(grace);
        finish();
      });
    });
  });
  return { child, result };
}

export function runCli(args: string[], options?: StartOptions): Promise<CliResult> {
  return startCli(args, options).result;
}

/** The JSON result lines of an output (every line must parse). */
export function parseLines(text: string): Array<{ input: unknown; value?: unknown; error?: { name: string; message: string; code?: string } }> {
  return text.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line));
}

/** Waits until the file holds at least `count` complete lines. */
export async function waitForLines(path: string, count: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (existsSync(path) && readFileSync(path, 'utf8').split('\n').length - 1 >= count) return;
    await sleep(50);
  }
  throw new Error(`${path} did not reach ${count} lines in ${timeoutMs} ms`);
}
