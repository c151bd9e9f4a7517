/**
 * Task functions to try `taskfarm run` with. Each is a plain exported function: the command loads
 * this module in every worker and calls the function with one input.
 *
 *   node dist/cli/main.js run examples/tasks.js#collatzSteps --range 1..200000 --out results.jsonl
 *   node dist/cli/main.js run examples/tasks.js#isPrime --range 1..50 --workers 2
 *   node dist/cli/main.js run examples/tasks.js#fail --range 1..20          # exit code 1
 *   node dist/cli/main.js run examples/tasks.js#sleep --range 1..40 --timeout 1500 --workers 4
 *   node dist/cli/main.js run examples/tasks.js#factorial --range 1..30     # BigInt values
 */

/**
 * Number of steps of the Collatz sequence from `n` down to 1 (n -> n/2 if even, 3n+1 if odd).
 * Pure CPU work of a varying, unpredictable length: a fair test of how work is spread.
 * @param {number} n a positive integer
 * @returns {number}
 */
export function collatzSteps(n) {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`collatzSteps needs a positive integer, got ${n}`);
  let steps = 0;
  while (n !== 1) {
    n = n % 2 === 0 ? n / 2 : 3 * n + 1;
    steps += 1;
  }
  return steps;
}

/**
 * Whether `n` is prime, by trial division (deliberately plain: slower for bigger numbers).
 * @param {number} n
 * @returns {boolean}
 */
export function isPrime(n) {
  if (!Number.isInteger(n) || n < 2) return false;
  if (n % 2 === 0) return n === 2;
  for (let d = 3; d * d <= n; d += 2) if (n % d === 0) return false;
  return true;
}

/**
 * Fails for every multiple of 3, to show error lines and exit code 1; returns `n` otherwise.
 * @param {number} n
 * @returns {number}
 */
export function fail(n) {
  if (n % 3 === 0) throw new RangeError(`${n} is a multiple of 3`);
  return n;
}

/**
 * Waits `ms` milliseconds (an async task) and returns how long it waited: try `--timeout`, and
 * Ctrl-C in the middle of a run.
 * @param {number} ms
 * @returns {Promise<number>}
 */
export async function sleep(ms) {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return ms;
}

/**
 * n! as a BigInt. JSON has no BigInt: the result lines carry it as a string of digits.
 * @param {number} n
 * @returns {bigint}
 */
export function factorial(n) {
  let result = 1n;
  for (let k = 2n; k <= BigInt(n); k += 1n) result *= k;
  return result;
}
