/**
 * The claim word a thread worker shares with the pool: 7 bits of generation, 24 bits counting the
 * tasks the worker started. The worker claims each task with a compare-and-swap; the pool takes
 * unstarted tasks back by bumping the generation with a compare-and-swap. Exactly one side wins
 * each task, so a task taken back never also runs where it was first sent.
 */
export const COUNT_MASK = 0xffffff;
const GEN_SHIFT = 24;
const GEN_MASK = 0x7f;

/** Worker side: claims the next task of generation `gen`; false when the pool took it back. */
export function claimNext(word: Int32Array, gen: number): boolean {
  for (;;) {
    const current = Atomics.load(word, 0);
    if (((current >>> GEN_SHIFT) & GEN_MASK) !== gen) return false;
    const next = (current & ~COUNT_MASK) | ((current + 1) & COUNT_MASK);
    if (Atomics.compareExchange(word, 0, current, next) === current) return true;
  }
}

/** How many tasks the worker has started (modulo 2^24). */
export function startedCount(word: Int32Array): number {
  return Atomics.load(word, 0) & COUNT_MASK;
}

/**
 * Pool side: takes back every task of the current generation not yet started, given how many were
 * sent. Returns the new generation and how many tasks were taken back.
 */
export function takeBack(word: Int32Array, gen: number, sent: number): { gen: number; unstarted: number } {
  for (;;) {
    const current = Atomics.load(word, 0);
    const started = current & COUNT_MASK;
    const unstarted = (sent - started) & COUNT_MASK;
    if (unstarted === 0) return { gen, unstarted: 0 };
    const nextGen = (gen + 1) & GEN_MASK;
    if (Atomics.compareExchange(word, 0, current, (nextGen << GEN_SHIFT) | started) === current) {
      return { gen: nextGen, unstarted };
    }
  }
}
