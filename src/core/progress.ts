/**
 * Progress of a batch of tasks, on a terminal or in a log. Used by `taskfarm run` and meant for any
 * face that farms a known (or unknown) number of tasks:
 *
 * ```ts
 * const progress = new ProgressReporter({ total: inputs.length });
 * for await (const result of executor.map(task, inputs)) progress.tick(result.ok);
 * const summary = progress.finish();
 * process.stderr.write(formatSummary(summary) + '\n');
 * ```
 *
 * `tick` only counts; drawing happens on a timer, so a farm of a million tiny tasks pays nothing per
 * task for its progress bar and a terminal is redrawn at most ten times a second.
 */

/**
 * `bar`: one line redrawn in place with `\r` (for a terminal). `lines`: a plain line every
 * `lineIntervalMs` (for logs and pipes, where `\r` makes a mess). `off`: nothing.
 * `auto`: `bar` when the stream is a TTY, `lines` otherwise.
 */
export type ProgressMode = 'auto' | 'bar' | 'lines' | 'off';

/** The stream progress is drawn on; `isTTY` and `columns` are read when present. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  /**
   * Number of tasks expected. Without it, progress shows counts and rate but no percentage or ETA.
   * @default unknown
   */
  total?: number;
  /**
   * Where to draw.
   * @default process.stderr
   */
  stream?: ProgressStream;
  /** @default 'auto' */
  mode?: ProgressMode;
  /**
   * Prefix of every line.
   * @default 'taskfarm'
   */
  label?: string;
  /**
   * Time between redraws of the bar, in milliseconds.
   * @default 100
   */
  barIntervalMs?: number;
  /**
   * Time between plain progress lines, in milliseconds.
   * @default 2000
   */
  lineIntervalMs?: number;
  /**
   * Clock in milliseconds (for tests).
   * @default performance.now
   */
  now?: () => number;
}

/** Counts and rates at one moment. */
export interface ProgressSnapshot {
  total: number | undefined;
  /** Tasks finished, successfully or not. */
  done: number;
  failed: number;
  /** Since the reporter was made. */
  elapsedMs: number;
  /** Recent tasks per second (over the last few seconds), or the overall rate early on. */
  rate: number;
  /** Estimated time left, when the total is known and there is a rate. */
  etaMs: number | undefined;
}

/** The rate is measured over about this long, so the ETA follows changes without jitter. */
const RATE_WINDOW_MS = 10_000;

export class ProgressReporter {
  readonly #stream: ProgressStream;
  readonly #mode: 'bar' | 'lines' | 'off';
  readonly #label: string;
  readonly #now: () => number;
  readonly #startedAt: number;
  readonly #samples: Array<{ at: number; done: number }> = [];
  #total: number | undefined;
  #done = 0;
  #failed = 0;
  #timer: NodeJS.Timeout | undefined;
  #barShown = false;
  #finished: ProgressSnapshot | undefined;

  constructor(options: ProgressOptions = {}) {
    this.#stream = options.stream ?? process.stderr;
    const mode = options.mode ?? 'auto';
    this.#mode = mode === 'auto' ? (this.#stream.isTTY ? 'bar' : 'lines') : mode;
    this.#label = options.label ?? 'taskfarm';
    this.#now = options.now ?? (() => performance.now());
    this.#total = options.total;
    this.#startedAt = this.#now();
    this.#samples.push({ at: this.#startedAt, done: 0 });
    if (this.#mode !== 'off') {
      const interval = this.#mode === 'bar' ? (options.barIntervalMs ?? 100) : (options.lineIntervalMs ?? 2000);
      // unref: progress never keeps a finished program alive.
      this.#timer = setInterval(() => this.#draw(), interval).unref();
    }
  }

  /** The mode in use (`auto` resolved). */
  get mode(): 'bar' | 'lines' | 'off' {
    return this.#mode;
  }

  /** Counts one finished task. */
  tick(ok = true): void {
    this.#done += 1;
    if (!ok) this.#failed += 1;
  }

  /** Changes the expected total (e.g. once a stream of inputs turned out longer). */
  setTotal(total: number | undefined): void {
    this.#total = total;
  }

  snapshot(): ProgressSnapshot {
    if (this.#finished) return this.#finished;
    const at = this.#now();
    const elapsedMs = Math.max(0, at - this.#startedAt);
    const rate = this.#rate(at, elapsedMs);
    const total = this.#total;
    const etaMs = total !== undefined && rate > 0 ? (Math.max(0, total - this.#done) / rate) * 1000 : undefined;
    return { total, done: this.#done, failed: this.#failed, elapsedMs, rate, etaMs };
  }

  /**
   * Erases the bar, so that other text can be written to the same terminal; it comes back at the next
   * redraw. Does nothing in other modes.
   */
  clear(): void {
    if (this.#mode === 'bar' && this.#barShown) {
      this.#stream.write('\r\x1b[K');
      this.#barShown = false;
    }
  }

  /**
   * Stops drawing: the bar (or a plain line) is drawn a last time. Returns the final counts
   * (the overall rate, not the recent one). Later calls return the same snapshot.
   */
  finish(): ProgressSnapshot {
    if (this.#finished) return this.#finished;
    clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#mode === 'bar' && (this.#barShown || this.#done > 0)) {
      this.#stream.write(`\r${this.#barText(this.snapshot())}\x1b[K\n`);
      this.#barShown = false;
    }
    const last = this.snapshot();
    const seconds = last.elapsedMs / 1000;
    this.#finished = { ...last, rate: seconds > 0 ? last.done / seconds : 0, etaMs: undefined };
    if (this.#mode === 'lines') this.#stream.write(`${formatProgressLine(this.#finished, this.#label)}\n`);
    return this.#finished;
  }

  #draw(): void {
    const snapshot = this.snapshot();
    this.#samples.push({ at: this.#now(), done: snapshot.done });
    if (this.#mode === 'bar') {
      this.#stream.write(`\r${this.#barText(snapshot)}\x1b[K`);
      this.#barShown = true;
    } else {
      this.#stream.write(`${formatProgressLine(snapshot, this.#label)}\n`);
    }
  }

  #rate(at: number, elapsedMs: number): number {
    while (this.#samples.length > 1 && at - this.#samples[1]!.at >= RATE_WINDOW_MS) this.#samples.shift();
    const oldest = this.#samples[0]!;
    const span = at - oldest.at;
    // In the first second the window is too short to mean much: use the overall rate.
    if (span < 1000) return elapsedMs > 0 ? (this.#done / elapsedMs) * 1000 : 0;
    return ((this.#done - oldest.done) / span) * 1000;
  }

  #barText(snapshot: ProgressSnapshot): string {
    // A pseudo-terminal may report 0 columns: assume the classic width then.
    return formatBar(snapshot, this.#stream.columns || 80, this.#label);
  }
}

/**
 * One bar line fitting in `columns`:
 * `taskfarm [#######-------] 1234/5000  24.7%  812/s  ETA 0:05  3 failed`.
 */
export function formatBar(snapshot: ProgressSnapshot, columns: number, label = 'taskfarm'): string {
  const { total, done, failed } = snapshot;
  // Fields keep their width as the numbers grow, so the line does not jitter while it is redrawn.
  const parts = [
    total === undefined ? `${done}` : `${String(done).padStart(String(total).length)}/${total}`,
    ...(total === undefined ? [] : [`${percent(done, total).padStart(5)}%`]),
    `${formatRate(snapshot.rate).padStart(5)}/s`,
    ...(snapshot.etaMs === undefined ? [] : [`ETA ${formatDuration(snapshot.etaMs)}`]),
    ...(failed > 0 ? [`${failed} failed`] : []),
  ];
  const text = parts.join('  ');
  // Leave the last column free: writing into it makes some terminals wrap.
  const room = columns - 1 - label.length - text.length - 4;
  if (total === undefined || room < 10) return `${label} ${text}`.slice(0, Math.max(0, columns - 1));
  const width = Math.min(room, 30);
  const filled = total > 0 ? Math.min(width, Math.floor((done / total) * width)) : width;
  return `${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${text}`;
}

/** A plain progress line for logs: `taskfarm: 1234/5000 done (24.7%), 812 tasks/s, ETA 0:05, 3 failed`. */
export function formatProgressLine(snapshot: ProgressSnapshot, label = 'taskfarm'): string {
  const { total, done, failed } = snapshot;
  let line = `${label}: ${total === undefined ? done : `${done}/${total}`} done`;
  if (total !== undefined) line += ` (${percent(done, total)}%)`;
  line += `, ${formatRate(snapshot.rate)} tasks/s`;
  if (snapshot.etaMs !== undefined) line += `, ETA ${formatDuration(snapshot.etaMs)}`;
  return line + `, ${failed} failed`;
}

/**
 * The end-of-run line: `taskfarm: 5000 done, 3 failed in 6.2 s (806 tasks/s)`, or when stopped early
 * `taskfarm: interrupted: 1234 of 5000 done, 3 failed in 1.5 s (822 tasks/s)`.
 */
export function formatSummary(snapshot: ProgressSnapshot, options: { interrupted?: boolean; label?: string } = {}): string {
  const { total, done, failed } = snapshot;
  const label = options.label ?? 'taskfarm';
  const count = options.interrupted ? `interrupted: ${done}${total === undefined ? '' : ` of ${total}`}` : `${done}`;
  return `${label}: ${count} done, ${failed} failed in ${formatSeconds(snapshot.elapsedMs)} (${formatRate(snapshot.rate)} tasks/s)`;
}

function percent(done: number, total: number): string {
  return total > 0 ? Math.min(100, (done / total) * 100).toFixed(1) : '100.0';
}

function formatRate(rate: number): string {
  if (!Number.isFinite(rate)) return '0';
  return rate >= 100 ? String(Math.round(rate)) : rate.toFixed(1);
}

function formatSeconds(ms: number): string {
  return ms < 60_000 ? `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s` : formatDuration(ms);
}

/** `m:ss` or `h:mm:ss`. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}
