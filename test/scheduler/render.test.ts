/**
 * scheduler.snapshot() and scheduler.render(): the view AMLTK's scheduling guide prints after each
 * example, in taskfarm's naming (`@onStart 1`, `└── startComputing (1)`, `Limiter: Concurrent 0/2`).
 * Mostly over withSequential() (the view does not depend on the backend), with one run over threads.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stripVTControlCharacters } from 'node:util';
import { Comm, Limiter, Scheduler, type CommRequest, type SchedulerSnapshot } from '../../src/index.js';
import { ask, collatz, double, fail, sleep, square } from './fixtures/tasks.js';

const opts = { timeout: 60_000 };

/** An ANSI colour code (built from a string: a control character in a regex literal is a lint error). */
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`);

/** The scheduler events in the order the seed lists them, by their subscribe method's name. */
const SEED_ORDER = [
  'onEmpty', 'onStart', 'onFinishing', 'onFinished', 'onStop', 'onTimeout',
  'onFutureSubmitted', 'onFutureDone', 'onFutureCancelled', 'onFutureException', 'onFutureResult',
];

/**
 * The guide's opening example: collatz from 12 under a Limiter(maxConcurrent: 2), with a named
 * start callback, a named result callback, an anonymous visible callback and a hidden one.
 */
async function runCollatz(scheduler: Scheduler): Promise<number[]> {
  const task = scheduler.task(collatz, { plugins: [new Limiter({ maxConcurrent: 2 })] });
  const answers: number[] = [];
  scheduler.onStart(function startComputing() {
    answers.push(12);
    task.submit(12);
  });
  task.onResult(function computeNext(_future, next) {
    answers.push(next);
    if (scheduler.running() && next !== 1) task.submit(next);
  });
  scheduler.onFutureDone(() => undefined);
  scheduler.onFutureResult(function secretRecorder() {
    // hidden: not in the views
  }, { hidden: true });
  const exit = await scheduler.run({ timeout: 30_000 });
  assert.equal(exit.code, 'EXHAUSTED');
  return answers;
}

/** The line of the tree without its branch prefix (`┣━━ `, `┃   `, `┗━━ `, or the 4 spaces under the last branch). */
function content(line: string): string {
  return line.replace(/^(?:┣━━ |┗━━ |┃ {3}| {4})/, '');
}

/** The lines of a box's body (between `│ ` and ` │`), trimmed at the end. */
function boxBody(line: string): string {
  return line.replace(/^│ /, '').replace(/ *│$/, '');
}

/** The text's lines without colour. */
function plainLines(text: string): string[] {
  return stripVTControlCharacters(text).split('\n');
}

/**
 * Every box of the text: its lines from `╭` to `╰`, wherever it starts (the Scheduler box at the
 * left edge, the executor box inside it, task boxes behind a branch prefix).
 */
function boxes(text: string): Array<{ title: string; lines: string[] }> {
  const lines = plainLines(text);
  const found: Array<{ title: string; lines: string[] }> = [];
  for (const [i, line] of lines.entries()) {
    for (let column = line.indexOf('╭'); column >= 0; column = line.indexOf('╭', column + 1)) {
      const title = /^╭─ (.*?) ─*╮/.exec(line.slice(column))?.[1] ?? '';
      const box: string[] = [];
      for (let j = i; j < lines.length; j += 1) {
        const row = lines[j]!.slice(column);
        // A box ends with its own corner: the first ╮/│/╯ closing it is the rightmost one on the top line.
        const width = line.slice(column).search(/╮/) + 1;
        box.push(row.slice(0, width));
        if (row.startsWith('╰')) break;
      }
      found.push({ title, lines: box });
    }
  }
  return found;
}

/** Asserts that render() shows everything the snapshot holds (every count, handler and panel). */
function assertAgree(snapshot: SchedulerSnapshot, text: string): void {
  const lines = plainLines(text).map(content);
  const bodies = lines.map(boxBody);
  const has = (wanted: string, where: string[] = lines): boolean => where.some((line) => line === wanted);
  assert.ok(bodies.some((line) => line === `Executor Queue: (${snapshot.queue})`), `Executor Queue: (${snapshot.queue})\n${text}`);
  assert.ok(text.includes(`╭─ ${snapshot.executor.kind} `), `executor box ${snapshot.executor.kind}\n${text}`);
  assert.ok(text.includes(JSON.stringify({ workers: snapshot.executor.workers })), `workers\n${text}`);
  for (const event of snapshot.events) {
    const line = event.count > 0 ? `@${event.name} ${event.count}` : `@${event.name}`;
    assert.ok(has(line), `'${line}' in\n${text}`);
    event.handlers.forEach((handler, i) => {
      const branch = i === event.handlers.length - 1 ? '└──' : '├──';
      const wanted = `${branch} ${handler.name}${handler.calls > 0 ? ` (${handler.calls})` : ''}`;
      const at = lines.indexOf(line);
      assert.equal(lines[at + 1 + i], wanted, `handler ${i + 1} of ${event.name} right under it in\n${text}`);
    });
  }
  for (const task of snapshot.tasks) {
    const box = boxes(text).find((b) => b.title === `Task ${task.name}`);
    assert.ok(box, `a box for task ${task.name} in\n${text}`);
    const body = box.lines.map(boxBody);
    for (const plugin of task.plugins) {
      const wanted = plugin.text ? `${plugin.name}: ${plugin.text}` : plugin.name;
      assert.ok(has(wanted, body), `'${wanted}' in the box of ${task.name}:\n${text}`);
    }
    for (const event of task.events) {
      if (event.count > 0) assert.ok(has(`@${event.name} ${event.count}`, body), `'@${event.name} ${event.count}' in the box of ${task.name}:\n${text}`);
      for (const handler of event.handlers) {
        const named = body.some((line) => new RegExp(`^[├└]── ${handler.name}${handler.calls > 0 ? ` \\(${handler.calls}\\)` : ''}$`).test(line));
        assert.ok(named, `handler ${handler.name} of ${task.name}.${event.name} in\n${text}`);
      }
    }
  }
}

/** Asserts that each box is a rectangle: all its lines as wide as its top. */
function assertRectangles(text: string): void {
  const found = boxes(text);
  assert.ok(found.length > 0, 'some box');
  for (const box of found) {
    const widths = box.lines.map((line) => line.length);
    assert.ok(widths.every((w) => w === widths[0]), `box '${box.title}' has lines of widths ${widths.join(', ')}:\n${box.lines.join('\n')}`);
    assert.ok(box.lines.at(-1)!.startsWith('╰') && box.lines.at(-1)!.endsWith('╯'), `box '${box.title}' is closed`);
    for (const line of box.lines.slice(1, -1)) assert.ok(line.startsWith('│') && line.endsWith('│'), `box '${box.title}': ${line}`);
  }
}

describe('scheduler.snapshot() and render() over withSequential()', () => {
  it('after the collatz run, snapshot() has the executor, queue 0, every event with its count, visible handlers, tasks and panels', opts, async () => {
    await using scheduler = Scheduler.withSequential();
    assert.deepEqual(await runCollatz(scheduler), [12, 6, 3, 10, 5, 16, 8, 4, 2, 1]);
    const snapshot = scheduler.snapshot();
    assert.deepEqual(snapshot.executor, { kind: 'inline', workers: 1 });
    assert.equal(snapshot.queue, 0);
    assert.deepEqual(snapshot.events, [
      { name: 'onEmpty', count: 1, handlers: [] },
      { name: 'onStart', count: 1, handlers: [{ name: 'startComputing', calls: 1 }] },
      { name: 'onFinishing', count: 1, handlers: [] },
      { name: 'onFinished', count: 1, handlers: [] },
      { name: 'onStop', count: 0, handlers: [] },
      { name: 'onTimeout', count: 0, handlers: [] },
      { name: 'onFutureSubmitted', count: 9, handlers: [] },
      { name: 'onFutureDone', count: 9, handlers: [{ name: 'anonymous', calls: 9 }] },
      { name: 'onFutureCancelled', count: 0, handlers: [] },
      { name: 'onFutureException', count: 0, handlers: [] },
      { name: 'onFutureResult', count: 9, handlers: [] }, // secretRecorder is hidden
    ]);
    assert.deepEqual(snapshot.tasks, [{
      name: 'collatz',
      events: [
        { name: 'onSubmitted', count: 9, handlers: [] },
        { name: 'onDone', count: 9, handlers: [] },
        { name: 'onResult', count: 9, handlers: [{ name: 'computeNext', calls: 9 }] },
        { name: 'onException', count: 0, handlers: [] },
        { name: 'onCancelled', count: 0, handlers: [] },
        { name: 'onCallLimitReached', count: 0, handlers: [] },
        { name: 'onConcurrentLimitReached', count: 0, handlers: [] },
        { name: 'onDisabledDueToRunningTask', count: 0, handlers: [] },
      ],
      plugins: [{
        name: 'Limiter',
        text: 'Concurrent 0/2',
        state: { calls: 9, maxCalls: null, running: 0, maxConcurrent: 2, notWhileRunning: [] },
      }],
    }]);
    assert.deepEqual(JSON.parse(JSON.stringify(snapshot)), snapshot, 'plain JSON');
    // The counts are the scheduler's.
    for (const event of snapshot.events) {
      const name = `${event.name[2]!.toLowerCase()}${event.name.slice(3)}` as keyof typeof scheduler.eventCounts;
      assert.equal(event.count, scheduler.eventCounts[name], event.name);
    }
  });

  it('render({ color: false }) draws the seed\'s tree in our naming, without ANSI codes', opts, async () => {
    await using scheduler = Scheduler.withSequential();
    await runCollatz(scheduler);
    const text = scheduler.render({ color: false });
    assert.doesNotMatch(text, ANSI);
    const lines = text.split('\n');
    const tree = lines.map(content);
    // The Scheduler box: the executor's queue, and the executor in a box of its own.
    assert.match(lines[0]!, /^╭─ Scheduler ─+╮$/);
    assert.equal(boxBody(lines[1]!), 'Executor Queue: (0)');
    assert.ok(boxes(text).some((box) => box.title === 'inline' && box.lines.some((line) => line.includes('{"workers":1}'))), text);
    // The events, in the seed's order, counted where they happened.
    for (const line of [
      '@onEmpty 1', '@onStart 1', '└── startComputing (1)', '@onFinishing 1', '@onFinished 1', '@onStop', '@onTimeout',
      '@onFutureSubmitted 9', '@onFutureDone 9', '└── anonymous (9)', '@onFutureCancelled', '@onFutureException', '@onFutureResult 9',
    ]) {
      assert.ok(tree.includes(line), `'${line}' in\n${text}`);
    }
    const at = (event: string): number => tree.findIndex((line) => line === event || line.startsWith(`${event} `));
    const positions = SEED_ORDER.map((event) => at(`@${event}`));
    assert.deepEqual([...positions].sort((a, b) => a - b), positions, `events in the seed's order:\n${text}`);
    assert.equal(tree[at('@onStart') + 1], '└── startComputing (1)', 'the handler right under its event');
    assert.ok(!text.includes('secretRecorder'), 'a hidden handler is left out');
    // The task in its box, with its Limiter panel.
    const task = boxes(text).find((box) => box.title === 'Task collatz');
    assert.ok(task, text);
    const body = task.lines.map(boxBody);
    for (const line of ['Limiter: Concurrent 0/2', '@onSubmitted 9', '@onDone 9', '@onResult 9', '└── computeNext (9)']) {
      assert.ok(body.includes(line), `'${line}' in the task box:\n${text}`);
    }
    assert.ok(!body.some((line) => line.startsWith('@onException') || line.startsWith('@onConcurrentLimitReached')), 'events that never happened and have no handler are left out of a task box');
  });

  it('every line of a box has the same width, at any width and with colour', opts, async () => {
    await using scheduler = Scheduler.withSequential();
    await runCollatz(scheduler);
    for (const width of [undefined, 40, 60, 120]) {
      const text = scheduler.render({ color: false, width });
      assertRectangles(text);
      assert.equal(plainLines(text)[0]!.length, width ?? 80, `the Scheduler box is ${width ?? 80} wide`);
      const task = boxes(text).find((box) => box.title === 'Task collatz')!;
      assert.equal(task.lines[0]!.length + 4, width ?? 80, 'the task box, behind its 4-character branch, is as wide');
    }
    assertRectangles(scheduler.render({ color: true }));
  });

  it('a handler too long for the box widens its box, which stays a rectangle', opts, async () => {
    await using scheduler = Scheduler.withSequential();
    const task = scheduler.task(square);
    const long = { [`handler${'X'.repeat(100)}`]: () => undefined };
    task.onResult(Object.values(long)[0]!);
    scheduler.onStart(() => {
      task.submit(2);
    });
    await scheduler.run();
    const text = scheduler.render({ color: false });
    assertRectangles(text);
    assert.ok(text.includes(`└── handler${'X'.repeat(100)} (1)`), text);
  });

  it('render({ color: true }) colours with ANSI codes; without them it is the plain text', opts, async () => {
    await using scheduler = Scheduler.withSequential();
    await runCollatz(scheduler);
    const colored = scheduler.render({ color: true });
    assert.match(colored, ANSI);
    assert.equal(stripVTControlCharacters(colored), scheduler.render({ color: false }));
  });

  it('render() without options has no colour when stdout is not a TTY', { ...opts, skip: process.stdout.isTTY ? 'stdout is a TTY here' : false }, async () => {
    await using scheduler = Scheduler.withSequential();
    await runCollatz(scheduler);
    assert.doesNotMatch(scheduler.render(), ANSI);
  });

  it('render and snapshot agree: every count, handler and panel of the snapshot is in the render', opts, async () => {
    await using scheduler = Scheduler.withSequential();
    await runCollatz(scheduler);
    assertAgree(scheduler.snapshot(), scheduler.render({ color: false }));
    assertAgree(scheduler.snapshot(), scheduler.render({ color: true }));
  });

  it('they agree on a busier run too: two tasks, Comm and Limiter panels, vetoes, an exception, several handlers', opts, async () => {
    await using scheduler = Scheduler.withSequential();
    const limiter = new Limiter({ maxCalls: 3, maxConcurrent: 1 });
    const comm = new Comm();
    const asking = scheduler.task(ask, { plugins: [comm, limiter] });
    const failing = scheduler.task(fail, { name: 'alwaysFails' });
    asking.on('commRequest', function answer(request: CommRequest) {
      request.respond(42);
    });
    asking.on('concurrentLimitReached', function vetoed() {
      // counted
    });
    asking.onResult(function again() {
      asking.submit('more');
    });
    scheduler.onStart(function first() {
      asking.submit('config');
      asking.submit('too many');
      failing.submit('RangeError', 'no');
    });
    scheduler.onStart(() => undefined);
    scheduler.onFutureException(function noted() {
      // counted
    });
    await scheduler.run({ onException: 'continue' });
    const snapshot = scheduler.snapshot();
    const asked = snapshot.tasks.find((task) => task.name === 'ask')!;
    assert.deepEqual(asked.plugins.map((p) => [p.name, p.text]), [
      ['Comm', 'open 0 · messages 0 · requests 3'],
      ['Limiter', 'Calls 3/3 · Concurrent 0/1'],
    ]);
    assert.equal(snapshot.tasks[1]?.name, 'alwaysFails');
    const text = scheduler.render({ color: false });
    assertAgree(snapshot, text);
    assertRectangles(text);
    const start = text.split('\n').map(content);
    const at = start.indexOf('@onStart 1');
    assert.deepEqual(start.slice(at, at + 3), ['@onStart 1', '├── first (1)', '└── anonymous (1)']);
  });

  it('during a run: the queue counts futures not delivered yet; the Limiter shows them running', opts, async () => {
    await using scheduler = Scheduler.withSequential();
    const task = scheduler.task(sleep, { plugins: [new Limiter({ maxConcurrent: 2 })] });
    let during: SchedulerSnapshot | undefined;
    let text = '';
    scheduler.onStart(() => {
      task.submit(20);
      task.submit(20);
      during = scheduler.snapshot();
      text = scheduler.render({ color: false });
    });
    await scheduler.run();
    assert.equal(during?.queue, 2);
    assert.equal(during.tasks[0]?.plugins[0]?.text, 'Concurrent 2/2');
    assert.ok(text.includes('│ Executor Queue: (2)'), text);
    assert.ok(text.includes('Limiter: Concurrent 2/2'), text);
    assertAgree(during, text);
    assert.equal(scheduler.snapshot().queue, 0);
    assert.ok(scheduler.render({ color: false }).includes('Limiter: Concurrent 0/2'));
  });

  it('before any run: handlers shown without a count, events without one (as the seed\'s print_hello)', opts, async () => {
    await using scheduler = Scheduler.withSequential();
    scheduler.onStart(function printHello() {
      // never called
    });
    const snapshot = scheduler.snapshot();
    assert.ok(snapshot.events.every((event) => event.count === 0));
    assert.deepEqual(snapshot.events.find((e) => e.name === 'onStart')?.handlers, [{ name: 'printHello', calls: 0 }]);
    assert.deepEqual(snapshot.tasks, []);
    const tree = scheduler.render({ color: false }).split('\n').map(content);
    assert.ok(tree.includes('@onStart'), tree.join('\n'));
    assert.ok(tree.includes('└── printHello'), tree.join('\n'));
    const eventLines = tree.filter((line) => line.startsWith('@'));
    assert.deepEqual(eventLines, SEED_ORDER.map((event) => `@${event}`), 'no counts');
  });

  describe('the tree\'s branches are the seed\'s: the events are one branch, each task box another', () => {
    /** The lines that open a branch, without what follows their connector's first characters. */
    function connectors(text: string): string[] {
      return text.split('\n').filter((line) => /^[┣┗]━━ /.test(line)).map((line) => line.slice(0, 13));
    }

    it('one task: ┣━━ opens the events, ┗━━ the task box', opts, async () => {
      await using scheduler = Scheduler.withSequential();
      await runCollatz(scheduler);
      assert.deepEqual(connectors(scheduler.render({ color: false })), ['┣━━ @onEmpty ', '┗━━ ╭─ Task c']);
    });

    it('two tasks: ┣━━ opens the events and the first task box, ┗━━ the last task box', opts, async () => {
      await using scheduler = Scheduler.withSequential();
      const task1 = scheduler.task(double);
      const task2 = scheduler.task(square);
      scheduler.onStart(() => {
        task1.submit(1);
      });
      task1.onResult((_future, value) => {
        task2.submit(value);
      });
      await scheduler.run();
      const text = scheduler.render({ color: false });
      // The seed: `┣━━ @on_empty 1` … `┣━━ ╭─ Task expensive_thing_1 …` … `┗━━ ╭─ Task expensive_thing_2 …`
      assert.deepEqual(connectors(text), ['┣━━ @onEmpty ', '┣━━ ╭─ Task d', '┗━━ ╭─ Task s'], text);
    });

    it('no task: ┗━━ opens the events, the only branch', opts, async () => {
      await using scheduler = Scheduler.withSequential();
      scheduler.onStart(function printHello() {
        // the seed's print_hello
      });
      await scheduler.run();
      const text = scheduler.render({ color: false });
      // The seed: `┗━━ @on_empty 1`, then the other events under it, with no connector of their own.
      assert.deepEqual(connectors(text), ['┗━━ @onEmpty '], text);
    });
  });
});

describe('scheduler.snapshot() and render() over withThreads(2)', () => {
  it('the collatz run: the threads executor with its 2 workers, the same counts, render and snapshot agree', opts, async () => {
    await using scheduler = Scheduler.withThreads(2);
    assert.deepEqual(await runCollatz(scheduler), [12, 6, 3, 10, 5, 16, 8, 4, 2, 1]);
    const snapshot = scheduler.snapshot();
    assert.deepEqual(snapshot.executor, { kind: 'threads', workers: 2 });
    assert.equal(snapshot.queue, 0);
    assert.deepEqual(
      snapshot.events.map((event) => [event.name, event.count]),
      [
        ['onEmpty', 1], ['onStart', 1], ['onFinishing', 1], ['onFinished', 1], ['onStop', 0], ['onTimeout', 0],
        ['onFutureSubmitted', 9], ['onFutureDone', 9], ['onFutureCancelled', 0], ['onFutureException', 0], ['onFutureResult', 9],
      ],
    );
    assert.equal(snapshot.tasks[0]?.plugins[0]?.text, 'Concurrent 0/2');
    const text = scheduler.render({ color: false });
    assert.ok(boxes(text).some((box) => box.title === 'threads' && box.lines.some((line) => line.includes('{"workers":2}'))), text);
    assertAgree(snapshot, text);
    assertRectangles(text);
    assertRectangles(scheduler.render({ color: true }));
  });
});
