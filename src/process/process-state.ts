/**
 * The part of a checkpoint every process has: its state, where it is (the next step, or the step to
 * run on resume), inputs, outputs, and its outcome. Loading checks every field, so a bundle that is
 * valid JSON but not a valid state is a CorruptCheckpointError, not a broken process.
 */
import { deserializeError, serializeError, type SerializedError } from '../core/error-codec.js';
import type { JsonObject, JsonValue } from '../persistence/bundle.js';
import type { LoadFail } from './internal.js';
import { isJsonObject, toJson, toJsonObject } from './json.js';
import { isProcessState, type ProcessState } from './states.js';

/** A step to run: a method name and its arguments. */
export interface StepCall {
  name: string;
  args: unknown[];
}

/** The state machine's fields. */
export interface MachineFields {
  state: ProcessState;
  step: StepCall | undefined;
  waitMessage: string | undefined;
  resume: { value: unknown; given: boolean } | undefined;
  status: string | undefined;
  paused: boolean;
  result: unknown;
  successful: boolean;
  error: unknown;
}

/** The live fields a checkpoint is made of. */
export interface ProcessFields extends MachineFields {
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
}

export function encodeFields(f: ProcessFields): JsonObject {
  const out: JsonObject = {
    state: f.state,
    inputs: toJsonObject(f.inputs, 'inputs'),
    outputs: toJsonObject(f.outputs, 'outputs'),
    paused: f.paused,
  };
  if (f.step !== undefined) out.step = { name: f.step.name, args: toJson(f.step.args, `arguments of step ${f.step.name}`) };
  if (f.waitMessage !== undefined) out.waitMessage = f.waitMessage;
  if (f.resume !== undefined) out.resume = f.resume.given ? { value: toJson(f.resume.value, 'the resume value') } : {};
  if (f.status !== undefined) out.status = f.status;
  if (f.state === 'FINISHED') {
    out.successful = f.successful;
    if (f.result !== undefined) out.result = toJson(f.result, 'result');
  }
  if (f.state === 'EXCEPTED') out.error = serializeError(f.error) as unknown as JsonValue;
  return out;
}

function optionalString(state: JsonObject, key: string, fail: LoadFail): string | undefined {
  const value = state[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') fail(`"${key}" must be a string`);
  return value as string;
}

export function decodeFields(state: JsonObject, fail: LoadFail): ProcessFields {
  const processState = state.state;
  if (!isProcessState(processState)) fail(`"state" must be one of CREATED, RUNNING, WAITING, FINISHED, EXCEPTED, KILLED, got ${JSON.stringify(processState) ?? 'nothing'}`);
  if (!isJsonObject(state.inputs)) fail('"inputs" must be an object');
  if (!isJsonObject(state.outputs)) fail('"outputs" must be an object');
  if (typeof state.paused !== 'boolean') fail('"paused" must be a boolean');
  let step: StepCall | undefined;
  if (state.step !== undefined) {
    const s = state.step;
    if (!isJsonObject(s) || typeof s.name !== 'string' || !Array.isArray(s.args)) fail('"step" must be { name: string, args: array }');
    step = { name: (s as JsonObject).name as string, args: (s as JsonObject).args as JsonValue[] };
  }
  const current = processState as ProcessState;
  if ((current === 'RUNNING' || current === 'WAITING') && step === undefined) fail(`a ${current} process needs its "step"`);
  let resume: ProcessFields['resume'];
  if (state.resume !== undefined) {
    if (!isJsonObject(state.resume)) fail('"resume" must be an object');
    const r = state.resume as JsonObject;
    resume = Object.hasOwn(r, 'value') ? { value: r.value, given: true } : { value: undefined, given: false };
  }
  let error: unknown;
  if (current === 'EXCEPTED') {
    if (!isJsonObject(state.error) || typeof state.error.message !== 'string') fail('an EXCEPTED process needs its "error"');
    error = deserializeError(state.error as unknown as SerializedError);
  }
  if (current === 'FINISHED' && typeof state.successful !== 'boolean') fail('a FINISHED process needs "successful"');
  return {
    state: current,
    step,
    waitMessage: optionalString(state, 'waitMessage', fail),
    resume,
    inputs: state.inputs as JsonObject,
    outputs: state.outputs as JsonObject,
    status: optionalString(state, 'status', fail),
    paused: state.paused as boolean,
    result: state.result,
    successful: state.successful === true,
    error,
  };
}
