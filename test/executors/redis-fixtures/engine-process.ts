// `taskfarm worker` engines as real child processes, for the tests that kill them.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface EngineProcess {
  id: string;
  child: ChildProcess;
  /** What it wrote to stderr so far (its log). */
  log(): string;
  /** Resolves with its exit code (or signal) once it ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `taskfarm worker <args>` from the sources and resolves once the engine is ready. */
export async function startEngineProcess(args: string[]): Promise<EngineProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'worker', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  const id = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the engine did not start within 60 s:\n${stderr}`)), 60_000);
    const check = (): void => {
      const line = stdout.split('\n').find((text) => text.startsWith('{'));
      if (!line) return;
      clearTimeout(timer);
      resolve((JSON.parse(line) as { engine: string }).engine);
    };
    child.stdout!.on('data', check);
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`the engine exited (${code}) before it was ready:\n${stderr}`));
    });
  });
  return { id, child, log: () => stderr, exited };
}

/** Kills an engine process (by its pid) if it is still running, and waits until it is gone. */
export async function killEngineProcess(engine: EngineProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (engine.child.exitCode !== null || engine.child.signalCode !== null) return;
  engine.child.kill(signal);
  await engine.exited;
}
