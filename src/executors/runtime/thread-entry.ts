import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
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
  poll: boot.idleSpinMicros > 0 ? poll : undefined,
}, boot.workerId, boot.reportMemory);

/** Spins up to `idleSpinMicros` for the next message (see PoolOptions.idleSpinMicros). */
function poll(): ToWorker | undefined {
  const until = performance.now() + boot.idleSpinMicros / 1000;
  do {
    const received = receiveMessageOnPort(port);
    if (received) return received.message as ToWorker;
  } while (performance.now() < until);
  return undefined;
}

// A task that calls process.exit() or throws outside any task ends the worker: the results of the
// tasks before it still count, and the pool learns which task was running.
const exit = process.exit.bind(process);
process.exit = ((code?: number) => {
  loop.die();
  exit(code);
}) as typeof process.exit;
process.on('uncaughtException', (error) => {
  loop.die(error);
  console.error(error);
  exit(1);
});

port.postMessage({ t: 'ready' } satisfies FromWorker);
