// Runs a fixture program under tsx and lets a test wait for a line it prints.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface Child {
  process: ChildProcess;
  /** Resolves when the child prints `line`; rejects if it exits first. */
  printed(line: string): Promise<void>;
  /** Resolves with the exit code or signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function runFixture(name: string, args: string[]): Child {
  const file = fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { out += chunk; });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { err += chunk; });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const printed = (line: string) => new Promise<void>((resolve, reject) => {
    const check = () => { if (out.split('\n').includes(line)) { child.stdout.off('data', check); resolve(); } };
    child.stdout.on('data', check);
    check();
    void exited.then(({ code, signal }) => reject(new Error(`${name} exited (${code ?? signal}) before printing "${line}": ${err}`)));
  });
  return { process: child, printed, exited };
}
