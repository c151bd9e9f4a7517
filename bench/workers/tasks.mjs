// Task functions shared by every contender. taskfarm loads them as module tasks
// ({ module, export }); piscina and tinypool load this file with `name` set to the export;
// workerpool loads them through workerpool-worker.mjs.

/** The tiny task: the cost measured is the pool's, not the task's. */
export function inc(n) {
  return n + 1;
}

/**
 * A CPU-bound task with a fixed amount of work: `iterations` steps of an integer LCG. The
 * benchmark calibrates `iterations` once so that one call takes about 50 ms on this machine.
 * The work is fixed (not a time-based loop), so lost parallelism shows up as lost time.
 */
export function spin(iterations) {
  let x = 1;
  for (let i = 0; i < iterations; i += 1) x = (Math.imul(x, 1103515245) + 12345) | 0;
  return x;
}
