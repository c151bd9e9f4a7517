/**
 * The two conversions every persister shares: a live process → the JSON text to store, and stored
 * text → a Checkpoint. Stored text is the snapshot: it is made once, synchronously, when
 * saveCheckpoint is called, so neither later changes to the process nor changes to a loaded bundle
 * reach what is stored.
 */
import { ValidationError } from '../core/errors.js';
import { bundleProblem, parseBundle, type Savable } from './bundle.js';
import { CheckpointSaveError, CorruptCheckpointError } from './errors.js';
import { checkPid, describeKey, storedTag, tagOf } from './keys.js';
import { Checkpoint } from './types.js';

/** One checkpoint, ready to store. */
export interface Snapshot {
  pid: string;
  /** Stored form of the tag (UNTAGGED for the latest checkpoint). */
  tag: string;
  /** The bundle as JSON text. */
  json: string;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Validates the arguments, calls `process.save()` and serializes the bundle. Throws (and stores
 * nothing) unless the result is a bundle of this process that loads back as one.
 */
export function takeSnapshot(process: Savable, tag?: string): Snapshot {
  if (typeof process !== 'object' || process === null || typeof (process as Partial<Savable>).save !== 'function') {
    throw new ValidationError('process must be an object with a pid and a save() method');
  }
  const pid = checkPid(process.pid, 'process.pid');
  const stored = storedTag(tag);
  const what = describeKey(pid, stored);
  const fail = (why: string, cause?: unknown): never => {
    throw new CheckpointSaveError(`could not save ${what}: ${why}; the previous checkpoint is unchanged`, { cause, pid, tag: tagOf(stored) });
  };

  let bundle: unknown;
  try { bundle = process.save(); } catch (error) { fail(`its save() threw: ${messageOf(error)}`, error); }
  let json: string | undefined;
  try { json = JSON.stringify(bundle); } catch (error) { fail(`its bundle cannot be serialized as JSON: ${messageOf(error)}`, error); }
  if (json === undefined) return fail(`its save() returned ${typeof bundle}, not a bundle`);
  // Checked on the serialized form, so a toJSON or a dropped undefined cannot slip past the check.
  const problem = bundleProblem(JSON.parse(json));
  if (problem !== undefined) fail(`its save() returned an invalid bundle: ${problem}`);
  const bundlePid = (bundle as { pid: string }).pid;
  if (bundlePid !== pid) fail(`its save() returned a bundle of process ${JSON.stringify(bundlePid)}`);
  return { pid, tag: stored, json };
}

/** Parses stored text into a Checkpoint; CorruptCheckpointError (naming pid and tag) if it is not one. */
export function readCheckpoint(json: string, pid: string, stored: string): Checkpoint {
  const tag = tagOf(stored);
  const bundle = parseBundle(json, tag === undefined ? { pid } : { pid, tag });
  if (bundle.pid !== pid) {
    throw new CorruptCheckpointError(
      `${describeKey(pid, stored)} is not a valid bundle: it is stored under that pid but is a bundle of process ${JSON.stringify(bundle.pid)}`,
      { pid, tag },
    );
  }
  return new Checkpoint(bundle, tag);
}
