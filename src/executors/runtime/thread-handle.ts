import type { TransferListItem } from 'node:worker_threads';
import { Worker } from 'node:worker_threads';
import type { WorkerExit, SpawnOptions, WorkerHandle } from './handle.js';
import { runCount, setRunGeneration, type FromWorker, type RunMessage, type ToWorker } from './protocol.js';
import { ownExtension } from './tsx.js';
import { COUNT_MASK, startedCount, takeBack } from './claim-word.js';

const entryUrl = new URL(`./thread-entry${ownExtension}`, import.meta.url).href;

// Eval'd CommonJS bootstrap: a worker does not inherit tsx, so it registers tsx (when the parent runs
// under it) before importing the entry, which may itself be TypeScript.
const bootstrap = `
const { workerData } = require('node:worker_threads');
(async () => {
  if (workerData.boot.tsxApi) (await import(workerData.boot.tsxApi)).register();
  await import(workerData.entry);
})().catch((error) => { process.nextTick(() => { throw error; }); });
`;

export class ThreadHandle implements WorkerHandle {
  readonly runtime = 'thread' as const;
  readonly #worker: Worker;
  readonly #claim: Int32Array;
  #gen = 0;
  #sent = 0;
  #exitHandler: ((exit: WorkerExit) => void) | undefined;
  #error: Error | undefined;
  #exited = false;

  constructor(options: SpawnOptions) {
    const shared = new SharedArrayBuffer(4);
    this.#claim = new Int32Array(shared);
    this.#worker = new Worker(bootstrap, {
      eval: true,
      workerData: { boot: options.boot, entry: entryUrl, claim: shared },
      resourceLimits: options.maxHeapMb ? { maxOldGenerationSizeMb: options.maxHeapMb } : undefined,
    });
    this.#worker.on('error', (error) => {
      this.#error = error;
    });
    this.#worker.on('exit', (code) => {
      this.#exited = true;
      this.#exitHandler?.({ code, signal: null, error: this.#error });
    });
  }

  get systemId(): number {
    return this.#worker.threadId;
  }

  sendTasks(run: RunMessage, transfer?: TransferListItem[]): void {
    setRunGeneration(run, this.#gen);
    this.#worker.postMessage(run, transfer);
    this.#sent = (this.#sent + runCount(run)) & COUNT_MASK;
  }

  send(message: ToWorker): void {
    if (!this.#exited) this.#worker.postMessage(message);
  }

  startedCount(): number {
    return startedCount(this.#claim);
  }

  reclaimUnstarted(): number {
    const { gen, unstarted } = takeBack(this.#claim, this.#gen, this.#sent);
    this.#gen = gen;
    this.#sent = (this.#sent - unstarted) & COUNT_MASK;
    return unstarted;
  }

  onMessage(handler: (message: FromWorker) => void): void {
    this.#worker.on('message', handler);
  }

  onExit(handler: (exit: WorkerExit) => void): void {
    this.#exitHandler = handler;
  }

  setRef(referenced: boolean): void {
    if (referenced) this.#worker.ref();
    else this.#worker.unref();
  }

  kill(): void {
    if (!this.#exited) void this.#worker.terminate();
  }
}
