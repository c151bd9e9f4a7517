import { parentPort, workerData } from 'node:worker_threads';
import v8 from 'node:v8';
import { runWorkerLoop } from './worker-loop.js';
import { claimNext } from './claim-word.js';
import type { FromWorker, ToWorker, WorkerBootData } from './protocol.js';

const { boot, claim: shared } = workerData as { boot: WorkerBootData; claim: SharedArrayBuffer };
const claim = new Int32Array(shared);
const port = parentPort!;

for (const module of boot.preload ?? []) await import(module);

const loop = runWorkerLoop({
  send: (message: FromWorker) => port.postMessage(message),
  onMessage: (handler: (message: ToWorker) => void) => port.on('message', handler),
  claim: (gen: number) => claimNext(claim, gen),
  exit: () => process.exit(0),
  memory: () => v8.getHeapStatistics().used_heap_size,
}, boot.workerId, boot.reportMemory);

// A task that calls process.exit() ends the worker; the results of the tasks before it still count.
const exit = process.exit.bind(process);
process.exit = ((code?: number) => {
  loop.flush();
  exit(code);
}) as typeof process.exit;

port.postMessage({ t: 'ready' } satisfies FromWorker);
