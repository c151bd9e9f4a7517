// Runs the one executor conformance suite against every local backend.
import { AsyncExecutor, InlineExecutor, ProcessExecutor, ThreadExecutor } from '../../src/index.js';
import { executorContract } from './executor-contract.js';

executorContract('InlineExecutor', () => new InlineExecutor(), {
  crossesBoundary: false,
  canKill: false,
  runsInSubmit: true,
  multiWorker: false,
  // no makeSerial: every task starts inside submit, nothing ever waits in a queue
});

executorContract('AsyncExecutor', () => new AsyncExecutor(), {
  crossesBoundary: false,
  canKill: false,
  runsInSubmit: false,
  multiWorker: false,
  makeSerial: () => new AsyncExecutor({ concurrency: 1 }),
});

executorContract('ThreadExecutor', () => new ThreadExecutor({ workers: 2 }), {
  crossesBoundary: true,
  canKill: true,
  runsInSubmit: false,
  multiWorker: true,
  makeSerial: () => new ThreadExecutor({ workers: 1 }),
});

executorContract('ProcessExecutor', () => new ProcessExecutor({ workers: 2 }), {
  crossesBoundary: true,
  canKill: true,
  runsInSubmit: false,
  multiWorker: true,
  makeSerial: () => new ProcessExecutor({ workers: 1 }),
});
