/**
 * What travels through Redis between clients and engines. Values (arguments, results, messages)
 * travel as JSON when JSON carries them exactly, which is most of them and cheaper to write and
 * read than V8's format; anything else (a BigInt, a Map, a Date, a class instance...) uses V8's
 * serializer, the structured-clone format that threads and processes already use, so it crosses
 * Redis as it crosses a thread. The engine registry and the rest of BullMQ job data are JSON, for
 * Redis tools to show.
 */
import { deserialize, serialize } from 'node:v8';
import type { SerializedError } from '../../core/error-codec.js';
import { isPlainJson } from '../../core/plain-json.js';
import type { TaskSpec } from '../../task/spec.js';

/** Wire version: an engine refuses jobs of another version rather than misreading them. */
export const PROTOCOL_VERSION = 2;

/** BullMQ job data: JSON, as BullMQ stores it. */
export interface JobData {
  v: number;
  /** The client that submitted the job: its results go to its stream. */
  c: string;
  /** Its tasks' numbers, readable even when the payload is not (to report a job that failed). */
  n: number[];
  /** The {@link JobPayload} itself, when JSON carries it exactly. */
  j?: JobPayload;
  /** Otherwise the {@link JobPayload} V8-serialized, in base64. */
  p?: string;
}

/** The tasks of one BullMQ job (one, or a batch of tiny ones). */
export interface JobPayload {
  /** Task definitions the tasks refer to by index. */
  specs: TaskSpec[];
  tasks: WireTask[];
}

export interface WireTask {
  /** The task's number in its client: results and messages name it. */
  n: number;
  /** Index of its definition in `specs`. */
  d: number;
  /** Its arguments. */
  a: unknown[];
  /** Its run time limit, in milliseconds. */
  t?: number;
  /** Set when the client handles the task's messages; otherwise the engine answers them itself. */
  m?: true;
}

/** What an engine writes to a client's result stream. */
export type EngineMessage = StartMessage | DoneMessage | TaskMessage | LostMessage;

/** An engine took a job: its tasks run there now. */
export interface StartMessage {
  t: 'start';
  /** BullMQ job id. */
  j: string;
  /** Engine id. */
  e: string;
  n: number[];
  /** BullMQ's count of starts of the job: a repeated start (after a stall) has a higher one. */
  r: number;
}

export interface DoneMessage {
  t: 'done';
  n: number;
  e: string;
  ok: boolean;
  /** The value, or the SerializedError; absent for `undefined` (so that JSON carries the message). */
  v?: unknown;
  /** Run time on the engine, in milliseconds (its own clock). */
  ms: number;
}

/** A running task's message (`id` unset) or request (`id` set: the engine waits for the reply). */
export interface TaskMessage {
  t: 'msg';
  n: number;
  e: string;
  id?: number;
  p: unknown;
}

/** BullMQ failed a job (it stalled too often, or could not be read): its tasks will not run. */
export interface LostMessage {
  t: 'lost';
  j: string;
  e: string;
  n: number[];
  error: SerializedError;
}

/** What a client publishes to engines. */
export type ControlMessage =
  | { t: 'cancel'; c: string; n: number[]; reason: string }
  | { t: 'reply'; id: number; ok: boolean; p: unknown }
  | { t: 'props'; props: Record<string, unknown> };

/** The registry record of an engine (JSON in its hash, field `info`; properties in `props`). */
export interface EngineRecord {
  id: string;
  host: string;
  pid: number;
  backend: string;
  /** Size of its thread or process pool. */
  workers: number;
  /** BullMQ jobs it takes at once, per queue it consumes. */
  concurrency: number;
  startedAt: number;
  heartbeatAt: number;
  /** Tasks it holds now, from every client. */
  inFlight: number;
  done: number;
  failed: number;
  allowSource: boolean;
  /** The task modules it runs (paths or URLs). */
  tasks: string[];
  properties: Record<string, unknown>;
}

/** V8's serializer starts its output with this version tag; JSON text never does. */
const V8_TAG = 0xff;

/** A value as bytes: JSON text when JSON carries it exactly, else V8's structured-clone format. */
export function encode(value: unknown): Buffer {
  return isPlainJson(value) ? Buffer.from(JSON.stringify(value)) : serialize(value);
}

export function decode<T>(bytes: Uint8Array): T {
  if (bytes[0] === V8_TAG) return deserialize(bytes) as T;
  return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString()) as T;
}

export function encodeJobData(client: string, payload: JobPayload): JobData {
  const data: JobData = { v: PROTOCOL_VERSION, c: client, n: payload.tasks.map((task) => task.n) };
  // BullMQ stores job data as JSON: a payload JSON carries exactly goes in as it is, at no extra cost.
  if (isPlainJson(payload)) data.j = payload;
  else data.p = serialize(payload).toString('base64');
  return data;
}

export function decodeJobData(data: JobData): { client: string; payload: JobPayload } {
  if (data?.v !== PROTOCOL_VERSION || typeof data.c !== 'string' || (typeof data.p !== 'string' && (typeof data.j !== 'object' || data.j === null))) {
    throw new Error(`not a taskfarm job of protocol version ${PROTOCOL_VERSION}`);
  }
  return { client: data.c, payload: data.j ?? deserialize(Buffer.from(data.p!, 'base64')) as JobPayload };
}

/** The client a job's data names, when it can be read at all (to report a job that failed). */
export function clientOf(data: unknown): string | undefined {
  const c = (data as Partial<JobData> | undefined)?.c;
  return typeof c === 'string' ? c : undefined;
}
