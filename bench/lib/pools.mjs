// One small adapter per contender, so that every scenario drives every pool with the same code:
//   const pool = await createPool(name, { workers, task, runtime });
//   await pool.run(arg);   // one task, one argument
//   await pool.close();
//
// Each pool is configured the way its documentation shows for a fixed-size pool, with no other
// tuning: `workers` threads (or processes), started at once, unbounded queue.

import { fileURLToPath } from 'node:url';

const tasksUrl = new URL('../workers/tasks.mjs', import.meta.url);
const workerpoolScript = fileURLToPath(new URL('../workers/workerpool-worker.mjs', import.meta.url));

/** Self-contained copies of the task functions, for taskfarm's "function shipped as source" form. */
const SOURCE_TASKS = {
  inc: (n) => n + 1,
  spin: (iterations) => {
    let x = 1;
    for (let i = 0; i < iterations; i += 1) x = (Math.imul(x, 1103515245) + 12345) | 0;
    return x;
  },
};

export const CONTENDERS = {
  /** taskfarm on worker threads, task referenced as a module export (like the competitors' files). */
  'taskfarm': { label: 'taskfarm', create: (o) => taskfarm('threads', o, 'module') },
  /** taskfarm on worker threads, task given as a self-contained function (shipped as source). */
  'taskfarm-fn': { label: 'taskfarm (fn)', create: (o) => taskfarm('threads', o, 'source') },
  /** taskfarm on child processes, task referenced as a module export. */
  'taskfarm-proc': { label: 'taskfarm', create: (o) => taskfarm('processes', o, 'module') },
  'piscina': { label: 'piscina', create: piscina },
  'tinypool': { label: 'tinypool', create: (o) => tinypool('worker_threads', o) },
  'tinypool-proc': { label: 'tinypool', create: (o) => tinypool('child_process', o) },
  'workerpool': { label: 'workerpool', create: workerpool },
  /** No pool at all: each task is an already-resolved promise. The harness's own cost, for reference. */
  'none': { label: 'no pool (harness only)', create: none },
};

export async function createPool(name, options) {
  const contender = CONTENDERS[name];
  if (!contender) throw new Error(`Unknown contender '${name}'; known: ${Object.keys(CONTENDERS).join(', ')}`);
  return contender.create(options);
}

async function taskfarm(backend, { workers, task }, form) {
  const { ThreadExecutor, ProcessExecutor } = await import('../../dist/index.js');
  const executor = backend === 'threads' ? new ThreadExecutor({ workers }) : new ProcessExecutor({ workers });
  // Made once, as a user would: a module reference object or a function constant.
  const ref = form === 'module' ? { module: tasksUrl.href, export: task } : SOURCE_TASKS[task];
  return {
    run: (arg) => executor.submit(ref, [arg]),
    close: () => executor.shutdown(),
    diagnose: () => JSON.stringify({ stats: executor.stats(), workers: executor.workers() }),
  };
}

async function piscina({ workers, task }) {
  const { Piscina } = await import('piscina');
  const pool = new Piscina({ filename: tasksUrl.href, name: task, minThreads: workers, maxThreads: workers });
  return {
    run: (arg) => pool.run(arg),
    close: () => pool.destroy(),
  };
}

async function tinypool(runtime, { workers, task }) {
  const { Tinypool } = await import('tinypool');
  const pool = new Tinypool({ filename: tasksUrl.href, name: task, runtime, minThreads: workers, maxThreads: workers });
  return {
    run: (arg) => pool.run(arg),
    close: () => pool.destroy(),
  };
}

async function workerpool({ workers, task }) {
  const { default: wp } = await import('workerpool');
  const pool = wp.pool(workerpoolScript, { minWorkers: workers, maxWorkers: workers, workerType: 'thread' });
  return {
    run: (arg) => pool.exec(task, [arg]),
    close: () => pool.terminate(),
  };
}

async function none({ task }) {
  const fn = SOURCE_TASKS[task];
  return {
    run: (arg) => Promise.resolve(fn(arg)),
    close: async () => {},
  };
}
