/**
 * The persister conformance suite: ONE set of tests that every Persister must pass. A backend file
 * calls `persisterContract(name, make)`, where `make` returns a fresh, isolated persister plus raw
 * access to the backend's own storage (see test/persistence/backends.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationError } from '../../src/core/errors.js';
import {
  createBundle, registerProcessClass,
  type JsonObject, type ProcessBundle, type Savable, type UnbundleOptions,
} from '../../src/persistence/bundle.js';
import {
  CheckpointNotFoundError, CheckpointSaveError, CorruptCheckpointError, PersisterClosedError, UnknownProcessClassError,
} from '../../src/persistence/errors.js';
import type { Persister } from '../../src/persistence/types.js';
import type { PersisterHarness } from '../persistence/backends.js';

/** Generous, for a loaded machine and a remote database: these bound hangs, they never measure speed. */
const TEST_TIMEOUT = 60_000;

// ---- a tiny process class -----------------------------------------------------------------------

const COUNTER_CLASS = 'taskfarm.test.ContractCounter';

/**
 * A minimal savable process. save() hands out its live state object (not a copy) on purpose: if a
 * persister kept a reference instead of a snapshot, later mutations would show in what is stored.
 */
export class ContractCounter implements Savable {
  /** The options fromBundle received, to check they are passed through. */
  restoredWith?: UnbundleOptions;

  constructor(readonly pid: string, public state: JsonObject = { count: 0 }, readonly className = COUNTER_CLASS) {}

  save(): ProcessBundle {
    return createBundle(this.className, this.pid, this.state);
  }

  static fromBundle(bundle: ProcessBundle, options?: UnbundleOptions): ContractCounter {
    const counter = new ContractCounter(bundle.pid, bundle.state);
    if (options !== undefined) counter.restoredWith = options;
    return counter;
  }
}
registerProcessClass(COUNTER_CLASS, ContractCounter);

/** A process whose save() does something other than return its bundle. */
function savingWith(pid: string, save: () => unknown): Savable {
  return { pid, save: save as () => ProcessBundle };
}

// ---- assertions --------------------------------------------------------------------------------

/** Rejects with `cls` and the given code, and the message matches every pattern. */
async function rejectsWith(
  promise: Promise<unknown>, cls: Function, code: string, ...patterns: RegExp[]
): Promise<Error & { code: string; pid?: string; tag?: string }> {
  assert.ok(promise instanceof Promise, 'the call must return a promise, not throw synchronously');
  let caught: unknown;
  await promise.then(() => assert.fail(`expected a ${cls.name}`), (error: unknown) => { caught = error; });
  assert.ok(caught instanceof cls, `expected ${cls.name}, got ${String(caught)}`);
  const error = caught as Error & { code: string };
  assert.equal(error.code, code);
  for (const pattern of patterns) assert.match(error.message, pattern);
  return error;
}

async function stateOf(persister: Persister, pid: string, tag?: string): Promise<JsonObject> {
  return (await persister.loadCheckpoint(pid, tag)).bundle.state;
}

// ---- the suite -------------------------------------------------------------------------------

export interface PersisterContractOptions {
  /** Skip the whole suite with this reason (a service that is down on a local run). */
  skip?: string | false;
}

export function persisterContract(name: string, make: () => Promise<PersisterHarness>, options: PersisterContractOptions = {}): void {
  /** Runs `body` with a fresh harness, then closes the persister and disposes the harness. */
  const test = (title: string, body: (h: PersisterHarness, persister: Persister) => Promise<void>) =>
    it(title, { timeout: TEST_TIMEOUT }, async () => {
      const harness = await make();
      try {
        await body(harness, harness.persister);
      } finally {
        await harness.persister.close();
        await harness.dispose();
      }
    });

  describe(`Persister contract: ${name}`, { skip: options.skip ?? false }, () => {
    describe('save and load', () => {
      test('a saved checkpoint loads back as the same bundle, with its pid and tag', async (_h, persister) => {
        const bundle = new ContractCounter('p-round-trip', { count: 3, nested: { list: [1, 'two', null, true], f: 1.5 } }).save();
        const expected = structuredClone(bundle);
        const process = savingWith('p-round-trip', () => bundle);
        await persister.saveCheckpoint(process);
        await persister.saveCheckpoint(process, 'first');

        const latest = await persister.loadCheckpoint('p-round-trip');
        assert.deepEqual(latest.bundle, expected);
        assert.equal(latest.pid, 'p-round-trip');
        assert.equal(latest.tag, undefined);
        assert.ok(!('tag' in latest), 'an untagged checkpoint has no tag property');

        const tagged = await persister.loadCheckpoint('p-round-trip', 'first');
        assert.deepEqual(tagged.bundle, expected);
        assert.equal(tagged.tag, 'first');
      });

      test('an untagged save overwrites the latest checkpoint; tagged checkpoints are kept', async (_h, persister) => {
        const process = new ContractCounter('p-tags', { count: 1 });
        await persister.saveCheckpoint(process);
        await persister.saveCheckpoint(process, 'a');
        process.state = { count: 2 };
        await persister.saveCheckpoint(process);
        await persister.saveCheckpoint(process, 'b');
        process.state = { count: 3 };
        await persister.saveCheckpoint(process);

        assert.deepEqual(await stateOf(persister, 'p-tags'), { count: 3 });
        assert.deepEqual(await stateOf(persister, 'p-tags', 'a'), { count: 1 });
        assert.deepEqual(await stateOf(persister, 'p-tags', 'b'), { count: 2 });
        assert.deepEqual(await persister.getProcessCheckpoints('p-tags'), [{ pid: 'p-tags' }, { pid: 'p-tags', tag: 'a' }, { pid: 'p-tags', tag: 'b' }]);

        // Saving under an existing tag replaces that one only.
        await persister.saveCheckpoint(process, 'a');
        assert.deepEqual(await stateOf(persister, 'p-tags', 'a'), { count: 3 });
        assert.deepEqual(await stateOf(persister, 'p-tags', 'b'), { count: 2 });
        assert.equal((await persister.getProcessCheckpoints('p-tags')).length, 3);
      });
    });

    describe('listing', () => {
      test('getCheckpoints lists every key, sorted by pid, untagged first, then by tag', async (_h, persister) => {
        assert.deepEqual(await persister.getCheckpoints(), []);
        const b = new ContractCounter('b');
        const a = new ContractCounter('a');
        await persister.saveCheckpoint(b, 'z');
        await persister.saveCheckpoint(a, 'step2');
        await persister.saveCheckpoint(b);
        await persister.saveCheckpoint(a, 'step10');
        await persister.saveCheckpoint(a);
        const keys = await persister.getCheckpoints();
        assert.deepEqual(keys, [
          { pid: 'a' }, { pid: 'a', tag: 'step10' }, { pid: 'a', tag: 'step2' }, { pid: 'b' }, { pid: 'b', tag: 'z' },
        ]);
        assert.ok(!('tag' in keys[0]!), 'an untagged key has no tag property');
      });

      test('getProcessCheckpoints lists the keys of one process only', async (_h, persister) => {
        await persister.saveCheckpoint(new ContractCounter('one'), 'x');
        await persister.saveCheckpoint(new ContractCounter('one'));
        await persister.saveCheckpoint(new ContractCounter('two'), 'x');
        await persister.saveCheckpoint(new ContractCounter('one-more'), 'x'); // a pid sharing a prefix
        assert.deepEqual(await persister.getProcessCheckpoints('one'), [{ pid: 'one' }, { pid: 'one', tag: 'x' }]);
        assert.deepEqual(await persister.getProcessCheckpoints('two'), [{ pid: 'two', tag: 'x' }]);
        assert.deepEqual(await persister.getProcessCheckpoints('never-saved'), []);
      });
    });

    describe('delete', () => {
      test('deleteCheckpoint removes one checkpoint and leaves every other one', async (_h, persister) => {
        const p = new ContractCounter('p-del');
        const other = new ContractCounter('p-other');
        for (const tag of [undefined, 'a', 'b']) {
          await persister.saveCheckpoint(p, tag);
          await persister.saveCheckpoint(other, tag);
        }
        await persister.deleteCheckpoint('p-del', 'a');
        assert.deepEqual(await persister.getProcessCheckpoints('p-del'), [{ pid: 'p-del' }, { pid: 'p-del', tag: 'b' }]);
        await persister.deleteCheckpoint('p-del'); // the untagged one only
        assert.deepEqual(await persister.getProcessCheckpoints('p-del'), [{ pid: 'p-del', tag: 'b' }]);
        assert.equal((await persister.getProcessCheckpoints('p-other')).length, 3);
        // Deleting what does not exist is not an error.
        await persister.deleteCheckpoint('p-del', 'a');
        await persister.deleteCheckpoint('never-saved');
        await persister.deleteCheckpoint('never-saved', 'x');
        assert.deepEqual(await stateOf(persister, 'p-del', 'b'), { count: 0 });
      });

      test('deleteProcessCheckpoints removes every checkpoint of a process and no other', async (_h, persister) => {
        for (const pid of ['keep-1', 'gone', 'keep-2', 'gone-not']) {
          await persister.saveCheckpoint(new ContractCounter(pid));
          await persister.saveCheckpoint(new ContractCounter(pid), 't');
        }
        await persister.deleteProcessCheckpoints('gone');
        assert.deepEqual(await persister.getProcessCheckpoints('gone'), []);
        await rejectsWith(persister.loadCheckpoint('gone'), CheckpointNotFoundError, 'ERR_CHECKPOINT_NOT_FOUND');
        assert.deepEqual((await persister.getCheckpoints()).map((k) => k.pid), ['gone-not', 'gone-not', 'keep-1', 'keep-1', 'keep-2', 'keep-2']);
        await persister.deleteProcessCheckpoints('never-saved');
      });
    });

    describe('errors', () => {
      test('loading a missing checkpoint is CheckpointNotFoundError naming the pid and tag', async (_h, persister) => {
        const none = await rejectsWith(persister.loadCheckpoint('ghost'), CheckpointNotFoundError, 'ERR_CHECKPOINT_NOT_FOUND', /"ghost"/, /untagged/);
        assert.equal(none.pid, 'ghost');
        assert.equal(none.tag, undefined);

        await persister.saveCheckpoint(new ContractCounter('ghost'));
        const noTag = await rejectsWith(persister.loadCheckpoint('ghost', 'step9'), CheckpointNotFoundError, 'ERR_CHECKPOINT_NOT_FOUND', /"ghost"/, /"step9"/);
        assert.equal(noTag.pid, 'ghost');
        assert.equal(noTag.tag, 'step9');

        await persister.saveCheckpoint(new ContractCounter('tag-only'), 'x');
        await rejectsWith(persister.loadCheckpoint('tag-only'), CheckpointNotFoundError, 'ERR_CHECKPOINT_NOT_FOUND', /"tag-only"/);
      });

      const corruptRows: Array<[string, string, RegExp]> = [
        ['text that is not JSON', '{"format": "taskfarm.process", "ver', /not JSON/],
        ['JSON that is not an object', '[1, 2, 3]', /expected an object, got an array/],
        ['a bundle of another format', JSON.stringify({ ...createBundle(COUNTER_CLASS, 'p-bad', {}), format: 'plumpy.pickle' }), /"format" is "plumpy.pickle"/],
        ['a bundle of an unsupported version', JSON.stringify({ ...createBundle(COUNTER_CLASS, 'p-bad', {}), version: 99 }), /version 99 is not supported/],
        ['a bundle without state', JSON.stringify({ ...createBundle(COUNTER_CLASS, 'p-bad', {}), state: undefined }), /"state" must be an object/],
        ['a bundle of another process', JSON.stringify(createBundle(COUNTER_CLASS, 'someone-else', {})), /"someone-else"/],
      ];
      for (const [what, text, why] of corruptRows) {
        test(`a stored row holding ${what} is CorruptCheckpointError, and the stored checkpoints stay`, async (h, persister) => {
          const process = new ContractCounter('p-bad', { count: 7 });
          await persister.saveCheckpoint(process, 'good');
          await h.writeRaw('p-bad', 'broken', text);
          await h.writeRaw('p-bad', undefined, text);

          const tagged = await rejectsWith(persister.loadCheckpoint('p-bad', 'broken'), CorruptCheckpointError, 'ERR_CHECKPOINT_CORRUPT', /p-bad/, /broken/, why);
          assert.equal(tagged.pid, 'p-bad');
          assert.equal(tagged.tag, 'broken');
          const untagged = await rejectsWith(persister.loadCheckpoint('p-bad'), CorruptCheckpointError, 'ERR_CHECKPOINT_CORRUPT', /p-bad/, why);
          assert.equal(untagged.pid, 'p-bad');
          assert.equal(untagged.tag, undefined);

          // Reading deleted nothing: the bad rows are still there for diagnosis, and so is the good one.
          assert.equal(await h.readRaw('p-bad', 'broken'), text);
          assert.equal(await h.readRaw('p-bad', undefined), text);
          assert.deepEqual(await persister.getProcessCheckpoints('p-bad'), [{ pid: 'p-bad' }, { pid: 'p-bad', tag: 'broken' }, { pid: 'p-bad', tag: 'good' }]);
          assert.deepEqual(await stateOf(persister, 'p-bad', 'good'), { count: 7 });

          // A new save over a corrupt row repairs it.
          await persister.saveCheckpoint(process);
          assert.deepEqual(await stateOf(persister, 'p-bad'), { count: 7 });
        });
      }

      const badSaves: Array<[string, () => unknown, RegExp]> = [
        ['throws', () => { throw new RangeError('state is half-built'); }, /save\(\) threw: state is half-built/],
        ['returns undefined', () => undefined, /returned undefined, not a bundle/],
        ['returns a non-bundle object', () => ({ hello: 'world' }), /invalid bundle: "format"/],
        ['returns a bundle of another pid', () => createBundle(COUNTER_CLASS, 'not-me', {}), /bundle of process "not-me"/],
        ['returns a bundle whose state is not JSON', () => createBundle(COUNTER_CLASS, 'p-save', { big: 10n as unknown as number }), /cannot be serialized as JSON/],
        ['returns a bundle with a circular state', () => { const state: JsonObject = {}; state.self = state; return createBundle(COUNTER_CLASS, 'p-save', state); }, /cannot be serialized as JSON/],
      ];
      for (const [what, save, why] of badSaves) {
        test(`saving a process whose save() ${what} is CheckpointSaveError; the previous checkpoint is intact`, async (h, persister) => {
          await persister.saveCheckpoint(new ContractCounter('p-save', { count: 1 }));
          await persister.saveCheckpoint(new ContractCounter('p-save', { count: 2 }), 'tagged');
          const before = await h.readRaw('p-save', undefined);

          const error = await rejectsWith(persister.saveCheckpoint(savingWith('p-save', save)), CheckpointSaveError, 'ERR_CHECKPOINT_SAVE', /"p-save"/, why);
          assert.equal(error.pid, 'p-save');
          await rejectsWith(persister.saveCheckpoint(savingWith('p-save', save), 'tagged'), CheckpointSaveError, 'ERR_CHECKPOINT_SAVE', /"tagged"/, why);

          assert.equal(await h.readRaw('p-save', undefined), before);
          assert.deepEqual(await stateOf(persister, 'p-save'), { count: 1 });
          assert.deepEqual(await stateOf(persister, 'p-save', 'tagged'), { count: 2 });
        });
      }

      test('a throwing save() is the cause of the CheckpointSaveError', async (_h, persister) => {
        const thrown = new Error('boom');
        const error = await rejectsWith(persister.saveCheckpoint(savingWith('p-cause', () => { throw thrown; })), CheckpointSaveError, 'ERR_CHECKPOINT_SAVE');
        assert.equal(error.cause, thrown);
        assert.deepEqual(await persister.getCheckpoints(), []);
      });

      test('bad arguments are ValidationError naming the argument, and store nothing', async (_h, persister) => {
        const p = new ContractCounter('ok');
        const cases: Array<[() => Promise<unknown>, RegExp]> = [
          [() => persister.loadCheckpoint(''), /^pid must be a non-empty string, got ""/],
          [() => persister.loadCheckpoint(42 as unknown as string), /^pid must be a non-empty string, got number/],
          [() => persister.loadCheckpoint('ok', 7 as unknown as string), /^tag must be a string or undefined \(untagged\), got number/],
          [() => persister.loadCheckpoint('ok', null as unknown as string), /^tag must be a string or undefined \(untagged\), got null/],
          [() => persister.loadCheckpoint('ok', ''), /^tag must be a non-empty string/],
          [() => persister.loadCheckpoint('nul\0pid'), /^pid must not contain NUL/],
          [() => persister.loadCheckpoint('x'.repeat(256)), /^pid must be at most 255 characters, got 256/],
          [() => persister.loadCheckpoint('ok', 'lone\ud800'), /^tag must be well-formed Unicode/],
          [() => persister.saveCheckpoint(null as unknown as Savable), /^process must be an object with a pid and a save\(\) method/],
          [() => persister.saveCheckpoint({ pid: 'no-save' } as unknown as Savable), /^process must be an object with a pid and a save\(\) method/],
          [() => persister.saveCheckpoint(new ContractCounter('')), /^process\.pid must be a non-empty string/],
          [() => persister.saveCheckpoint(p, 5 as unknown as string), /^tag must be a string or undefined/],
          [() => persister.saveCheckpoint(p, ''), /^tag must be a non-empty string/],
          [() => persister.getProcessCheckpoints(undefined as unknown as string), /^pid must be a non-empty string, got undefined/],
          [() => persister.deleteCheckpoint(''), /^pid must be a non-empty string/],
          [() => persister.deleteCheckpoint('ok', {} as unknown as string), /^tag must be a string or undefined/],
          [() => persister.deleteProcessCheckpoints(''), /^pid must be a non-empty string/],
        ];
        for (const [call, message] of cases) await rejectsWith(call(), ValidationError, 'ERR_VALIDATION', message);
        assert.deepEqual(await persister.getCheckpoints(), []);
      });

      test('after close() every call is PersisterClosedError naming the method; close() again is harmless', async (_h, persister) => {
        await persister.saveCheckpoint(new ContractCounter('p-closed'));
        await persister.close();
        const p = new ContractCounter('p-closed');
        const calls: Array<[string, () => Promise<unknown>]> = [
          ['saveCheckpoint', () => persister.saveCheckpoint(p)],
          ['loadCheckpoint', () => persister.loadCheckpoint('p-closed')],
          ['getCheckpoints', () => persister.getCheckpoints()],
          ['getProcessCheckpoints', () => persister.getProcessCheckpoints('p-closed')],
          ['deleteCheckpoint', () => persister.deleteCheckpoint('p-closed')],
          ['deleteProcessCheckpoints', () => persister.deleteProcessCheckpoints('p-closed')],
        ];
        for (const [method, call] of calls) {
          await rejectsWith(call(), PersisterClosedError, 'ERR_PERSISTER_CLOSED', new RegExp(`\\.${method}\\(\\): the persister is closed`));
        }
        await persister.close();
      });

      test('close() waits for calls already made', async (_h, persister) => {
        const saves = Array.from({ length: 20 }, (_, i) => persister.saveCheckpoint(new ContractCounter(`p-late-${i}`)));
        await persister.close();
        const results = await Promise.allSettled(saves);
        assert.deepEqual(results.filter((r) => r.status === 'rejected'), []);
      });
    });

    describe('snapshots', () => {
      test('changing the process after a save does not change what is stored', async (_h, persister) => {
        const process = new ContractCounter('p-snap', { count: 1, list: [1] });
        await persister.saveCheckpoint(process);
        process.state.count = 99;
        (process.state.list as number[]).push(2);
        assert.deepEqual(await stateOf(persister, 'p-snap'), { count: 1, list: [1] });
      });

      test('the snapshot is taken when saveCheckpoint is called, even if the save is not awaited yet', async (_h, persister) => {
        const process = new ContractCounter('p-snap-now', { count: 1 });
        const saving = persister.saveCheckpoint(process, 'at-call');
        process.state.count = 2;
        await saving;
        assert.deepEqual(await stateOf(persister, 'p-snap-now', 'at-call'), { count: 1 });
      });

      test('changing a loaded bundle does not change what is stored, nor other loads', async (_h, persister) => {
        await persister.saveCheckpoint(new ContractCounter('p-loaded', { count: 1, deep: { x: 1 } }));
        const first = await persister.loadCheckpoint('p-loaded');
        first.bundle.state.count = 50;
        (first.bundle.state.deep as JsonObject).x = 50;
        first.bundle.className = 'changed';
        const second = await persister.loadCheckpoint('p-loaded');
        assert.deepEqual(second.bundle.state, { count: 1, deep: { x: 1 } });
        assert.equal(second.bundle.className, COUNTER_CLASS);
        assert.notEqual(second.bundle, first.bundle);
      });
    });

    describe('content', () => {
      test('unicode in pids, tags and state round-trips exactly', async (_h, persister) => {
        const pid = 'процесс-🚀-名前-ü\u0301';
        const tag = 'étape ✓ — שלב';
        const state: JsonObject = {
          text: 'emoji 👩‍👩‍👧‍👦, CJK 漢字, RTL العربية, combining e\u0301, zero-width \u200b, separators \u2028\u2029',
          control: 'nul \u0000 bell \u0007 newline \n tab \t',
          lone: 'a lone surrogate \ud800 survives JSON',
          '键 with "quotes" and \\ backslash': ['ß', 'ﬁ', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢'],
        };
        await persister.saveCheckpoint(new ContractCounter(pid, state), tag);
        const loaded = await persister.loadCheckpoint(pid, tag);
        assert.deepEqual(loaded.bundle.state, state);
        assert.equal(loaded.pid, pid);
        assert.equal(loaded.tag, tag);
        assert.deepEqual(await persister.getCheckpoints(), [{ pid, tag }]);
      });

      test('a large state (about 8 MB of JSON) round-trips', async (_h, persister) => {
        const rows = Array.from({ length: 20_000 }, (_, i) => ({ i, name: `row-${i}`, values: [i * 0.5, -(i + 1), i % 7 === 0] }));
        const state: JsonObject = { blob: 'x'.repeat(6_000_000), rows };
        await persister.saveCheckpoint(new ContractCounter('p-large', state));
        const loaded = await stateOf(persister, 'p-large');
        assert.equal((loaded.blob as string).length, 6_000_000);
        assert.deepEqual(loaded.rows, rows);
      });

      test('numbers, booleans, nulls and empty containers keep their JSON values', async (_h, persister) => {
        const state: JsonObject = {
          int: 42, negative: -7, float: 0.1 + 0.2, big: Number.MAX_SAFE_INTEGER, tiny: 5e-324, zero: 0,
          yes: true, no: false, nothing: null, emptyList: [], emptyObject: {}, emptyString: '',
        };
        await persister.saveCheckpoint(new ContractCounter('p-values', state));
        assert.deepEqual(await stateOf(persister, 'p-values'), state);
      });
    });

    describe('concurrency', () => {
      test('200 concurrent saves of different processes are all stored', async (_h, persister) => {
        const processes = Array.from({ length: 200 }, (_, i) => new ContractCounter(`p-${String(i).padStart(3, '0')}`, { count: i }));
        await Promise.all(processes.map((p, i) => persister.saveCheckpoint(p, i % 2 === 0 ? undefined : 'odd')));
        const keys = await persister.getCheckpoints();
        assert.equal(keys.length, 200);
        const states = await Promise.all(processes.map((p, i) => stateOf(persister, p.pid, i % 2 === 0 ? undefined : 'odd')));
        assert.deepEqual(states.map((s) => s.count), processes.map((_, i) => i));
      });

      test('calls on one process apply in call order, even when not awaited', async (_h, persister) => {
        const process = new ContractCounter('p-order', { count: 0 });
        const pending: Array<Promise<unknown>> = [];
        for (let i = 1; i <= 50; i++) {
          process.state = { count: i };
          pending.push(persister.saveCheckpoint(process));
        }
        const loaded = persister.loadCheckpoint('p-order');
        pending.push(persister.saveCheckpoint(process, 'doomed'), persister.deleteCheckpoint('p-order', 'doomed'));
        const listed = persister.getProcessCheckpoints('p-order');
        const all = persister.getCheckpoints();
        await Promise.all(pending);
        assert.deepEqual((await loaded).bundle.state, { count: 50 }, 'the latest checkpoint is the last one saved');
        assert.deepEqual(await listed, [{ pid: 'p-order' }]);
        assert.deepEqual(await all, [{ pid: 'p-order' }]);
        assert.deepEqual(await stateOf(persister, 'p-order'), { count: 50 });
      });
    });

    describe('unbundle', () => {
      test('a loaded checkpoint rebuilds the process through its registered class, with options', async (_h, persister) => {
        await persister.saveCheckpoint(new ContractCounter('p-live', { count: 5 }), 'step2');
        const checkpoint = await persister.loadCheckpoint('p-live', 'step2');
        const live = await checkpoint.unbundle<ContractCounter>({ persister });
        assert.ok(live instanceof ContractCounter);
        assert.equal(live.pid, 'p-live');
        assert.deepEqual(live.state, { count: 5 });
        assert.equal(live.restoredWith?.persister, persister);
        // The rebuilt process saves again like the original.
        live.state.count = 6;
        await persister.saveCheckpoint(live);
        assert.deepEqual(await stateOf(persister, 'p-live'), { count: 6 });
      });

      test('a checkpoint of an unregistered class loads, and unbundle() is UnknownProcessClassError naming it', async (_h, persister) => {
        await persister.saveCheckpoint(new ContractCounter('p-stranger', { count: 1 }, 'taskfarm.test.NeverRegistered'));
        const checkpoint = await persister.loadCheckpoint('p-stranger');
        assert.equal(checkpoint.bundle.className, 'taskfarm.test.NeverRegistered');
        const error = await rejectsWith(checkpoint.unbundle(), UnknownProcessClassError, 'ERR_UNKNOWN_PROCESS_CLASS',
          /"taskfarm\.test\.NeverRegistered"/, new RegExp(COUNTER_CLASS.replace(/\./g, '\\.')), /registerProcessClass/);
        assert.equal(error.pid, 'p-stranger');
      });
    });
  });
}
