import { runWorkerLoop } from './worker-loop.js';
import type { FromWorker, ToWorker, WorkerBootData } from './protocol.js';

const boot = JSON.parse(process.argv[2] ?? '{}') as WorkerBootData;

for (const module of boot.preload ?? []) await import(module);

const loop = runWorkerLoop({
  send: (message: FromWorker) => process.send!(message),
  onMessage: (handler: (message: ToWorker) => void) => process.on('message', handler as (message: unknown) => void),
  claim: () => true,
  exit: () => process.disconnect(),
  memory: () => process.memoryUsage.rss(),
}, boot.workerId, boot.reportMemory);

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

// The pool is gone: do not linger as an orphan.
process.on('disconnect', () => exit(0));

process.send!({ t: 'ready' } satisfies FromWorker);
