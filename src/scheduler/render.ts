import { stripVTControlCharacters } from 'node:util';
import type { Emitter, EventMap } from '../core/emitter.js';
import type { Scheduler } from './scheduler.js';

/** An event and its visible callbacks, as views show them. */
export interface EventView {
  /** The subscribe method's name, e.g. `onFutureResult`. */
  name: string;
  count: number;
  handlers: Array<{ name: string; calls: number }>;
}

/** What `scheduler.snapshot()` returns: everything `render()` draws, as JSON. */
export interface SchedulerSnapshot {
  executor: { kind: string; workers: number };
  /** Futures submitted and not delivered. */
  queue: number;
  events: EventView[];
  tasks: Array<{ name: string; events: EventView[]; plugins: Array<{ name: string; text: string; state: Record<string, unknown> }> }>;
}

export function snapshotOf(scheduler: Scheduler, queue: number): SchedulerSnapshot {
  return {
    executor: { kind: scheduler.executor.kind, workers: scheduler.executor.workers().length },
    queue,
    events: eventsOf(scheduler._emitter),
    tasks: scheduler._tasks.map((task) => ({
      name: task.name,
      events: eventsOf(task._emitter),
      plugins: task.plugins.map((plugin) => ({ name: plugin.name, text: plugin.render?.() ?? '', state: plugin.snapshot?.() ?? {} })),
    })),
  };
}

function eventsOf<E extends EventMap>(emitter: Emitter<E>): EventView[] {
  const counts = emitter.counts;
  return emitter.events.map((event) => ({
    name: `on${event[0]!.toUpperCase()}${event.slice(1)}`,
    count: counts[event] ?? 0,
    handlers: emitter.subscribers(event).filter((s) => !s.hidden).map(({ name, calls }) => ({ name, calls })),
  }));
}

/** Options of `render()`. */
export interface RenderOptions {
  /**
   * ANSI colours.
   * @default true when stdout is a TTY and NO_COLOR is not set
   */
  color?: boolean;
  /**
   * Width of the boxes, in characters.
   * @default 80
   */
  width?: number;
}

/** Draws a snapshot as the text tree of AMLTK's scheduler view. */
export function renderSnapshot(snapshot: SchedulerSnapshot, options: RenderOptions = {}): string {
  const color = options.color ?? (Boolean(process.stdout.isTTY) && !process.env.NO_COLOR);
  const width = Math.max(40, options.width ?? 80);
  const paint = (code: number, text: string): string => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
  const lines: string[] = [];
  const executorBox = box(snapshot.executor.kind, [JSON.stringify({ workers: snapshot.executor.workers })], 0);
  lines.push(...box('Scheduler', [`Executor Queue: (${snapshot.queue})`, ...executorBox], width));
  // As in the seed: the scheduler's events are one branch, each task box another.
  const sections = [eventLines(snapshot.events, paint).flat(), ...snapshot.tasks.map((task) => taskBox(task, width - 4, paint))];
  sections.forEach((section, index) => {
    const last = index === sections.length - 1;
    section.forEach((line, lineIndex) => {
      const prefix = lineIndex === 0 ? (last ? '┗━━ ' : '┣━━ ') : last ? '    ' : '┃   ';
      lines.push(prefix + line);
    });
  });
  return lines.join('\n');
}

function eventLines(events: EventView[], paint: (code: number, text: string) => string): string[][] {
  return events.map((event) => [
    `${paint(35, `@${event.name}`)}${event.count > 0 ? ` ${event.count}` : ''}`,
    ...event.handlers.map((handler, i) => `${i === event.handlers.length - 1 ? '└──' : '├──'} ${handler.name}${handler.calls > 0 ? ` (${handler.calls})` : ''}`),
  ]);
}

function taskBox(task: SchedulerSnapshot['tasks'][number], width: number, paint: (code: number, text: string) => string): string[] {
  const body = [
    ...task.plugins.map((plugin) => `${plugin.name}${plugin.text ? `: ${plugin.text}` : ''}`),
    ...task.events.filter((event) => event.count > 0 || event.handlers.length > 0)
      .flatMap((event) => eventLines([event], paint)[0]!),
  ];
  return box(`Task ${task.name}`, body, width);
}

/** A rounded box around `body`; `width` 0 fits the content. */
function box(title: string, body: string[], width: number): string[] {
  const visible = (text: string): number => stripVTControlCharacters(text).length;
  const inner = Math.max(width - 4, visible(title) + 4, ...body.map(visible));
  const top = `╭─ ${title} ${'─'.repeat(Math.max(0, inner - visible(title) - 1))}╮`;
  const rows = body.map((line) => `│ ${line}${' '.repeat(inner - visible(line))} │`);
  return [top, ...rows, `╰${'─'.repeat(inner + 2)}╯`];
}
