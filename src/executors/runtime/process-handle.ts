import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { WorkerExit, SpawnOptions, WorkerHandle } from './handle.js';
import type { FromWorker, RunMessage, ToWorker } from './protocol.js';
import { ownExtension } from './tsx.js';

const entryPath = fileURLToPath(new URL(`./process-entry${ownExtension}`, import.meta.url));

/** Flags of the parent that must not reach a worker (a test runner's or a debugger's). */
const DROPPED_FLAGS = /^--(test|inspect|debug|experimental-test|watch)/;

/**
 * Children still running. When this program exits, they are killed: a child busy in a loop would
 * never see its parent go, and would spin on as an orphan.
 */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function track(child: ChildProcess): void {
  live.add(child);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const running of live) running.kill('SIGKILL');
  });
}

/**
 * A worker in a child process: the safe isolation mode, and the one that can always be killed. It
 * inherits the parent's loader flags, so TypeScript task modules work under tsx with no set-up.
 */
export class ProcessHandle implements WorkerHandle {
  readonly runtime = 'process' as const;
  readonly #child: ChildProcess;
  #exitHandler: ((exit: WorkerExit) => void) | undefined;
  #exited = false;
  #killTimer: NodeJS.Timeout | undefined;

  constructor(options: SpawnOptions) {
    const execArgv = process.execArgv.filter((flag) => !DROPPED_FLAGS.test(flag));
    if (options.maxHeapMb) execArgv.push(`--max-old-space-size=${options.maxHeapMb}`);
    this.#child = fork(entryPath, [JSON.stringify(options.boot)], {
      execArgv,
      env: options.env ? { ...process.env, ...options.env } : process.env,
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    track(this.#child);
    let reported = false;
    const report = (exit: WorkerExit): void => {
      if (reported) return;
      reported = true;
      this.#exited = true;
      live.delete(this.#child);
      clearTimeout(this.#killTimer);
      this.#exitHandler?.(exit);
    };
    // 'close', not 'exit': results the child sent just before it died may still be in the pipe.
    this.#child.on('close', (code, signal) => report({ code, signal }));
    this.#child.on('error', (error) => {
      // A failed spawn never emits 'exit'; a failed send to a dead child is followed by 'exit'.
      if (this.#child.pid === undefined) report({ code: null, signal: null, error });
    });
  }

  get systemId(): number | undefined {
    return this.#child.pid;
  }

  sendTasks(run: RunMessage): void {
    this.send(run);
  }

  send(message: ToWorker): void {
    if (!this.#exited && this.#child.connected) this.#child.send(message);
  }

  reclaimUnstarted(): number {
    return 0;
  }

  startedCount(): undefined {
    return undefined;
  }

  onMessage(handler: (message: FromWorker) => void): void {
    this.#child.on('message', handler as (message: unknown) => void);
  }

  onExit(handler: (exit: WorkerExit) => void): void {
    this.#exitHandler = handler;
  }

  setRef(referenced: boolean): void {
    // The IPC channel keeps the program alive on its own, so it is (un)referenced too.
    const channel = this.#child.channel as { ref(): void; unref(): void } | null | undefined;
    if (referenced) {
      this.#child.ref();
      channel?.ref();
    } else {
      this.#child.unref();
      channel?.unref();
    }
  }

  kill(graceMs: number): void {
    if (this.#exited || this.#killTimer) return;
    this.#child.kill('SIGTERM');
    this.#killTimer = setTimeout(() => this.#child.kill('SIGKILL'), graceMs);
    this.#killTimer.unref();
  }
}
