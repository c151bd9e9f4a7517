/**
 * What a work chain step waits on (`this.toContext({ key: awaitable })`) and how each kind is
 * remembered in a checkpoint. A child process is remembered by pid and class, so a restored chain
 * can reload and re-await it; a Future or a promise lives only in this program, so a chain restored
 * while waiting on one re-runs the step that made it (see WorkChain).
 */
import { Future } from '../core/future.js';
import { ValidationError } from '../core/errors.js';
import type { JsonObject } from '../persistence/bundle.js';
import type { AnyProcess } from './events.js';
import type { LoadFail } from './internal.js';
import { isJsonObject } from './json.js';
import { Process } from './process.js';
import { isPromiseLike } from './util.js';

const APPEND = Symbol('taskfarm.workchain.append');

/** An awaitable whose result is appended to a list in ctx rather than stored under the key. */
export interface Appended {
  readonly [APPEND]: unknown;
}

/** `this.toContext({ results: append_(this.launch(Child)) })`: appends to `ctx.results` (an array). */
export function append_(awaitable: unknown): Appended {
  return Object.freeze({ [APPEND]: awaitable });
}

/** Anything `toContext` accepts. */
export type Awaitable = AnyProcess | Future<unknown> | PromiseLike<unknown> | Appended;

export type AwaitKind = 'process' | 'future' | 'promise';

export interface AwaitRecord {
  key: string;
  append: boolean;
  kind: AwaitKind;
  /** Child processes: pid and registered class name, saved in checkpoints. */
  pid?: string;
  className?: string;
  /** Live: the child, the future, or the promise. */
  process?: AnyProcess;
  future?: Future<unknown>;
  promise?: PromiseLike<unknown>;
  settled: boolean;
  value?: unknown;
}

/** A record of what was given for `key`; ValidationError if it cannot be awaited. */
export function recordFor(key: string, given: unknown): AwaitRecord {
  let append = false;
  let value = given;
  if (typeof given === 'object' && given !== null && APPEND in given) {
    append = true;
    value = (given as Appended)[APPEND];
  }
  if (value instanceof Process) return { key, append, kind: 'process', process: value, pid: value.pid, className: value.getName(), settled: false };
  if (value instanceof Future) return { key, append, kind: 'future', future: value, settled: false };
  if (isPromiseLike(value)) return { key, append, kind: 'promise', promise: value, settled: false };
  throw new ValidationError(`toContext: "${key}" is not awaitable; give a process from this.launch(), a Future from an executor, or a promise`);
}

export function encodeRecord(record: AwaitRecord): JsonObject {
  const out: JsonObject = { key: record.key, kind: record.kind };
  if (record.append) out.append = true;
  if (record.pid !== undefined) out.pid = record.pid;
  if (record.className !== undefined) out.className = record.className;
  return out;
}

export function decodeRecords(value: unknown, fail: LoadFail): AwaitRecord[] {
  if (!Array.isArray(value)) return fail('"workchain.awaiting" must be an array');
  return value.map((item, i) => {
    if (!isJsonObject(item) || typeof item.key !== 'string' || (item.kind !== 'process' && item.kind !== 'future' && item.kind !== 'promise')) {
      return fail(`"workchain.awaiting[${i}]" must be { key, kind: 'process' | 'future' | 'promise' }`);
    }
    const record: AwaitRecord = { key: item.key, kind: item.kind, append: item.append === true, settled: false };
    if (item.kind === 'process') {
      if (typeof item.pid !== 'string' || typeof item.className !== 'string') fail(`"workchain.awaiting[${i}]" is a process and needs its pid and className`);
      record.pid = item.pid as string;
      record.className = item.className as string;
    }
    return record;
  });
}
