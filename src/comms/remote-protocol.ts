/**
 * The messages of remote process control, as they travel over a communicator (JSON). One place, so
 * that the process side (src/process/remote.ts), the launcher and the controller agree on them.
 *
 * - RPC to a process, addressed by its pid: `{ intent: 'status' | 'pause' | 'play' | 'kill', message? }`.
 * - Broadcast to every process: subject `intent.pause` | `intent.play` | `intent.kill`, body `{ message? }`.
 * - Broadcast by a process on each state change: subject `state_changed.<from>.<to>` (lower case,
 *   as plumpy), sender = its pid, body {@link StateChange}.
 * - Task to a launcher's queue: {@link LaunchRequest} or {@link ContinueRequest} (and `run`, which
 *   a launcher sends itself to run a process it checkpointed for a `nowait` request).
 */
import type { CheckpointSummary } from '../process/checkpoint-info.js';
import type { ProcessState } from '../process/states.js';
import { InvalidControlMessageError } from './remote-errors.js';

/** The queue launchers consume by default. */
export const DEFAULT_PROCESS_QUEUE = 'processes';

export type RpcIntent = 'status' | 'pause' | 'play' | 'kill';
export type BroadcastIntent = 'pause' | 'play' | 'kill';

export interface ControlRpc {
  intent: RpcIntent;
  /** The pause or kill message (the process's status). */
  message?: string;
}

/** Subject prefix of the broadcasts that every process obeys. */
export const INTENT_SUBJECT = 'intent.';
/** The subject filter a process subscribes with. */
export const INTENT_FILTER = `${INTENT_SUBJECT}*`;
/** Subject prefix of the state-change broadcasts. */
export const STATE_CHANGED = 'state_changed';

/** The subject of the broadcast a process sends on changing state, e.g. `state_changed.running.waiting`. */
export function stateChangedSubject(from: ProcessState, to: ProcessState): string {
  return `${STATE_CHANGED}.${from.toLowerCase()}.${to.toLowerCase()}`;
}

/** Body of a state-change broadcast. */
export interface StateChange {
  pid: string;
  processClass: string;
  from: ProcessState;
  to: ProcessState;
}

/** Where a live process runs. */
export interface RunnerInfo {
  /** Host name of the machine. */
  host: string;
  /** Operating-system pid of the program. */
  pid: number;
  /** Id of the communicator the process answers through. */
  communicator: string;
}

/**
 * What `status` answers (and what pause, play and kill answer once they took effect): what a
 * checkpoint says of its process (pid, class, state, paused, status message, success), and more.
 */
export interface ProcessStatus extends Omit<CheckpointSummary, 'terminated' | 'savedAt'> {
  /** True when a live process answered; false when the status comes from its checkpoint. */
  live: boolean;
  /** Live processes only: where it runs. */
  runner?: RunnerInfo;
  /** Checkpoint statuses only: when the checkpoint was saved (ISO 8601). */
  savedAt?: string;
}

export interface LaunchRequest {
  intent: 'launch';
  /** Registered name of the process class. */
  processClass: string;
  inputs?: Record<string, unknown>;
  /** The pid to give the process; a redelivered request continues that process from its checkpoint. */
  pid?: string;
  /** Answer with the pid once the process is created (and checkpointed), instead of its outputs. */
  nowait?: boolean;
}

export interface ContinueRequest {
  intent: 'continue';
  pid: string;
  nowait?: boolean;
}

/** Sent by a launcher to itself and its peers (no reply): run a checkpointed process to its end. */
export interface RunRequest {
  intent: 'run';
  pid: string;
}

export type LauncherRequest = LaunchRequest | ContinueRequest | RunRequest;

const RPC_INTENTS: readonly string[] = ['status', 'pause', 'play', 'kill'];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(body: Record<string, unknown>, key: string, what: string): string | undefined {
  const value = body[key];
  if (value !== undefined && typeof value !== 'string') throw new InvalidControlMessageError(`${what}: "${key}" must be a string`);
  return value as string | undefined;
}

function requiredString(body: Record<string, unknown>, key: string, what: string): string {
  const value = body[key];
  if (typeof value !== 'string' || value === '') throw new InvalidControlMessageError(`${what}: "${key}" must be a non-empty string`);
  return value;
}

/** Checks an RPC a process received. */
export function parseControlRpc(body: unknown): ControlRpc {
  const what = 'a process-control RPC';
  if (!isRecord(body) || typeof body.intent !== 'string' || !RPC_INTENTS.includes(body.intent)) {
    throw new InvalidControlMessageError(`${what} must be { intent: ${RPC_INTENTS.map((i) => `'${i}'`).join(' | ')}, message? }`);
  }
  const rpc: ControlRpc = { intent: body.intent as RpcIntent };
  const message = optionalString(body, 'message', what);
  if (message !== undefined) rpc.message = message;
  return rpc;
}

/** The intent of a broadcast subject (`intent.pause` → `pause`), or undefined for another subject. */
export function broadcastIntent(subject: string | undefined): BroadcastIntent | undefined {
  if (subject === undefined || !subject.startsWith(INTENT_SUBJECT)) return undefined;
  const intent = subject.slice(INTENT_SUBJECT.length);
  return intent === 'pause' || intent === 'play' || intent === 'kill' ? intent : undefined;
}

/** The message of a broadcast body (`{ message }`), if it has one. */
export function broadcastMessage(body: unknown): string | undefined {
  return isRecord(body) && typeof body.message === 'string' ? body.message : undefined;
}

/** Checks a task a launcher received. */
export function parseLauncherRequest(body: unknown): LauncherRequest {
  if (!isRecord(body)) throw new InvalidControlMessageError('a launcher task must be an object with an intent');
  const what = `a '${String(body.intent)}' task`;
  const nowait = body.nowait;
  if (nowait !== undefined && typeof nowait !== 'boolean') throw new InvalidControlMessageError(`${what}: "nowait" must be a boolean`);
  switch (body.intent) {
    case 'launch': {
      const request: LaunchRequest = { intent: 'launch', processClass: requiredString(body, 'processClass', what) };
      if (body.inputs !== undefined) {
        if (!isRecord(body.inputs)) throw new InvalidControlMessageError(`${what}: "inputs" must be an object`);
        request.inputs = body.inputs;
      }
      if (body.pid !== undefined) request.pid = requiredString(body, 'pid', what);
      if (nowait === true) request.nowait = true;
      return request;
    }
    case 'continue': {
      const request: ContinueRequest = { intent: 'continue', pid: requiredString(body, 'pid', what) };
      if (nowait === true) request.nowait = true;
      return request;
    }
    case 'run':
      return { intent: 'run', pid: requiredString(body, 'pid', what) };
    default:
      throw new InvalidControlMessageError(`a launcher task's intent must be 'launch', 'continue' or 'run', got ${JSON.stringify(body.intent) ?? 'none'}`);
  }
}

/** The RPC messages, as plumpy names them: `communicator.rpcSend(pid, STATUS_MSG)`. */
export const STATUS_MSG: Readonly<ControlRpc> = Object.freeze({ intent: 'status' });
export const PAUSE_MSG: Readonly<ControlRpc> = Object.freeze({ intent: 'pause' });
export const PLAY_MSG: Readonly<ControlRpc> = Object.freeze({ intent: 'play' });
export const KILL_MSG: Readonly<ControlRpc> = Object.freeze({ intent: 'kill' });
