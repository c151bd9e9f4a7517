import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import {
  formatBar, formatDuration, formatProgressLine, formatSummary, ProgressReporter, type ProgressSnapshot,
} from '../../src/core/progress.js';

class FakeStream {
  writes: string[] = [];
  constructor(readonly isTTY: boolean, readonly columns = 80) {}
  write(text: string): boolean {
    this.writes.push(text);
    return true;
  }
}

const snapshot = (over: Partial<ProgressSnapshot> = {}): ProgressSnapshot => ({
  total: 200, done: 50, failed: 0, elapsedMs: 5000, rate: 10, etaMs: 15_000, ...over,
});

describe('ProgressReporter', () => {
  test('auto mode: a bar on a TTY, lines elsewhere', () => {
    const tty = new ProgressReporter({ stream: new FakeStream(true) });
    const pipe = new ProgressReporter({ stream: new FakeStream(false) });
    assert.equal(tty.mode, 'bar');
    assert.equal(pipe.mode, 'lines');
    tty.finish();
    pipe.finish();
  });

  test('bar mode redraws in place, at most once per interval however fast tasks finish', async () => {
    const stream = new FakeStream(true);
    const progress = new ProgressReporter({ total: 1000, stream, barIntervalMs: 50 });
    const started = performance.now();
    for (let round = 0; round < 5; round += 1) {
      for (let i = 0; i < 200; i += 1) progress.tick(i % 100 !== 0);
      await sleep(20);
    }
    const elapsed = performance.now() - started;
    const summary = progress.finish();
    assert.ok(stream.writes.length <= elapsed / 50 + 2, `${stream.writes.length} redraws in ${elapsed} ms`);
    assert.ok(stream.writes.every((text) => text.startsWith('\r')));
    const last = stream.writes.at(-1)!;
    assert.match(last, /1000\/1000 +100\.0%/);
    assert.match(last, /10 failed/);
    assert.ok(last.endsWith('\n'), 'finish ends the bar line');
    assert.equal(summary.done, 1000);
    assert.equal(summary.failed, 10);
  });

  test('clear() erases the bar so other output can use the terminal', async () => {
    const stream = new FakeStream(true);
    const progress = new ProgressReporter({ total: 3, stream, barIntervalMs: 5 });
    progress.tick();
    await sleep(30);
    progress.clear();
    assert.equal(stream.writes.at(-1), '\r\x1b[K');
    progress.finish();
  });

  test('lines mode writes plain lines every interval, never a carriage return', async () => {
    const stream = new FakeStream(false);
    const progress = new ProgressReporter({ total: 4, stream, lineIntervalMs: 10 });
    progress.tick();
    progress.tick(false);
    await sleep(60);
    progress.finish();
    assert.ok(stream.writes.length >= 1);
    for (const line of stream.writes) {
      assert.match(line, /^taskfarm: 2\/4 done \(50\.0%\), [\d.]+ tasks\/s.*, 1 failed\n$/);
    }
  });

  test('off mode writes nothing but still counts', async () => {
    const stream = new FakeStream(true);
    const progress = new ProgressReporter({ total: 2, stream, mode: 'off', barIntervalMs: 1 });
    progress.tick();
    await sleep(10);
    assert.equal(progress.finish().done, 1);
    assert.deepEqual(stream.writes, []);
  });

  test('rates and ETA come from the clock', () => {
    let now = 0;
    const progress = new ProgressReporter({ total: 100, stream: new FakeStream(false), mode: 'off', now: () => now });
    for (let i = 0; i < 20; i += 1) progress.tick();
    now = 2000;
    const snap = progress.snapshot();
    assert.equal(snap.rate, 10);
    assert.equal(snap.etaMs, 8000);
    const final = progress.finish();
    assert.equal(final.rate, 10);
    assert.equal(final.etaMs, undefined);
  });
});

describe('progress text', () => {
  test('bar', () => {
    const bar = formatBar(snapshot({ failed: 2 }), 100);
    // Numbers are padded so that the line keeps its layout while it is redrawn.
    assert.equal(bar, `taskfarm [${'#'.repeat(7)}${'-'.repeat(23)}]  50/200   25.0%   10.0/s  ETA 0:15  2 failed`);
    assert.ok(formatBar(snapshot(), 30).length <= 29, 'fits a narrow terminal');
    assert.equal(formatBar(snapshot({ total: undefined, etaMs: undefined }), 80), 'taskfarm 50   10.0/s');
  });

  test('line and summary', () => {
    assert.equal(formatProgressLine(snapshot()), 'taskfarm: 50/200 done (25.0%), 10.0 tasks/s, ETA 0:15, 0 failed');
    assert.equal(formatSummary(snapshot({ done: 200, failed: 3, rate: 1234.4 })), 'taskfarm: 200 done, 3 failed in 5.00 s (1234 tasks/s)');
    assert.equal(formatSummary(snapshot(), { interrupted: true }), 'taskfarm: interrupted: 50 of 200 done, 0 failed in 5.00 s (10.0 tasks/s)');
    assert.equal(formatDuration(3_725_000), '1:02:05');
    assert.equal(formatDuration(59_400), '0:59');
  });
});
