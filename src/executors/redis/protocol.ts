/**
 * What travels through Redis between clients and engines. Values (arguments, results, messages)
 * use V8's serializer, the structured-clone format that threads and processes already use, so a
 * BigInt, a Map or a Date crosses Redis as it crosses a thread. Only what Redis tools show (BullMQ
 * job data, the engine registry) is JSON.
 */
import { deserialize, serialize } from 'node:v8';
import type { SerializedError } from '../../core/error-codec.js';
import type { TaskSpec } from '../../task/spec.js';

/** Wire version: an engine refuses jobs of another version rather than misreading them. */
export const PROTOCOL_VERSION = 1;

/** BullMQ job data: JSON, as BullMQ stores it. */
export interface JobData {
  v: number;
  /** The client that submitted the job: its results go to its stream. */
  c: string;
  /** Its tasks' numbers, readable even when the payload is not (to report a job that failed). */
  n: number[];
  /** The {@link JobPayload}, V8-serialized, base64. */
  p: string;
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
  /** The value, or the SerializedError. */
  v: unknown;
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

export const encode = (value: unknown): Buffer => serialize(value);
export const decode = <T>(bytes: Uint8Array): T => deserialize(bytes) as T;

export function encodeJobData(client: string, payload: JobPayload): JobData {
  return { v: PROTOCOL_VERSION, c: client, n: payload.tasks.map((task) => task.n), p: serialize(payload).toString('base64') };
}

export function decodeJobData(data: JobData): { client: string; payload: JobPayload } {
  if (data?.v !== PROTOCOL_VERSION || typeof data.c !== 'string' || typeof data.p !== 'string') {
    throw new Error(`not a taskfarm job of protocol version ${PROTOCOL_VERSION}`);
  }
  return { client: data.c, payload: deserialize(Buffer.from(data.p, 'base64')) as JobPayload };
}

/** The client a job's data names, when it can be read at all (to report a job that failed). */
export function clientOf(data: unknown): string | undefined {
  const c = (data as Partial<JobData> | undefined)?.c;
  return typeof c === 'string' ? c : undefined;
}
