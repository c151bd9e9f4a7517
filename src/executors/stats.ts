import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';
import type { DurationSummary, ExecutorStats } from './types.js';

/** Counters and duration histograms (recorded in microseconds, reported in milliseconds). */
export class StatsRecorder {
  done = 0;
  failed = 0;
  cancelled = 0;
  retried = 0;
  readonly #runTime: RecordableHistogram = createHistogram();
  readonly #waitTime: RecordableHistogram = createHistogram();

  recordRun(ms: number): void {
    this.#runTime.record(Math.max(1, Math.round(ms * 1000)));
  }

  recordWait(ms: number): void {
    this.#waitTime.record(Math.max(1, Math.round(ms * 1000)));
  }

  snapshot(queued: number, running: number): ExecutorStats {
    return {
      queued, running,
      done: this.done, failed: this.failed, cancelled: this.cancelled, retried: this.retried,
      runTime: summarize(this.#runTime), waitTime: summarize(this.#waitTime),
    };
  }
}

function summarize(histogram: RecordableHistogram): DurationSummary {
  const count = histogram.count;
  if (count === 0) return { count, min: 0, max: 0, mean: 0, p50: 0, p90: 0, p99: 0 };
  const ms = (us: number): number => us / 1000;
  return {
    count,
    min: ms(histogram.min), max: ms(histogram.max), mean: ms(histogram.mean),
    p50: ms(histogram.percentile(50)), p90: ms(histogram.percentile(90)), p99: ms(histogram.percentile(99)),
  };
}
