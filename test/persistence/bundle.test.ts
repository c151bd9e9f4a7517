// The checkpoint format and the class registry: parseBundle, unbundle, registerProcessClass.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BUNDLE_FORMAT, BUNDLE_VERSION, bundleProblem, createBundle, parseBundle, registerProcessClass, registeredProcessClass, unbundle,
  type ProcessBundle, type UnbundleOptions,
} from '../../src/persistence/bundle.js';
import { CheckpointError, CorruptCheckpointError, UnknownProcessClassError } from '../../src/persistence/errors.js';
import { deserializeError, serializeError } from '../../src/core/error-codec.js';

const valid = (): ProcessBundle => createBundle('taskfarm.test.BundleThing', 'pid-1', { step: 2, ctx: { items: [1, 2] } });

/** Asserts `fn` throws CorruptCheckpointError whose message matches every pattern; returns it. */
function corrupt(fn: () => unknown, ...patterns: RegExp[]): CorruptCheckpointError {
  let caught: unknown;
  try { fn(); } catch (error) { caught = error; }
  assert.ok(caught instanceof CorruptCheckpointError, `expected CorruptCheckpointError, got ${String(caught)}`);
  assert.equal(caught.code, 'ERR_CHECKPOINT_CORRUPT');
  for (const pattern of patterns) assert.match(caught.message, pattern);
  return caught;
}

describe('createBundle', () => {
  it('makes a bundle of the current format and version, stamped now', () => {
    const before = Date.now();
    const bundle = createBundle('Cls', 'p', { a: 1 });
    assert.equal(bundle.format, BUNDLE_FORMAT);
    assert.equal(bundle.version, BUNDLE_VERSION);
    assert.equal(bundle.className, 'Cls');
    assert.equal(bundle.pid, 'p');
    assert.deepEqual(bundle.state, { a: 1 });
    const savedAt = Date.parse(bundle.savedAt);
    assert.ok(savedAt >= before - 1 && savedAt <= Date.now() + 1);
    assert.equal(bundleProblem(bundle), undefined);
  });
});

describe('parseBundle', () => {
  it('accepts a valid bundle, as an object or as JSON text', () => {
    const bundle = valid();
    assert.equal(parseBundle(bundle), bundle);
    assert.deepEqual(parseBundle(JSON.stringify(bundle)), bundle);
  });

  it('text that is not JSON: says so, and keeps the parse error as cause', () => {
    const error = corrupt(() => parseBundle('{"format": '), /is not a valid bundle: it is not JSON/);
    assert.ok(error.cause instanceof SyntaxError);
  });

  it('names the wrong kind of value', () => {
    corrupt(() => parseBundle(null), /expected an object, got null/);
    corrupt(() => parseBundle([valid()]), /expected an object, got an array/);
    corrupt(() => parseBundle(42), /expected an object, got number/);
    corrupt(() => parseBundle('"a string"'), /expected an object, got string/);
    corrupt(() => parseBundle(undefined), /expected an object, got undefined/);
  });

  it('names a wrong or missing format', () => {
    corrupt(() => parseBundle({ ...valid(), format: 'plumpy' }), /"format" is "plumpy", expected "taskfarm\.process"/);
    const { format: _format, ...noFormat } = valid();
    corrupt(() => parseBundle(noFormat), /"format" is undefined, expected "taskfarm\.process"/);
  });

  it('names an unsupported version and the version this build reads', () => {
    corrupt(() => parseBundle({ ...valid(), version: 2 }), new RegExp(`bundle version 2 is not supported \\(this build reads version ${BUNDLE_VERSION}\\)`));
    corrupt(() => parseBundle({ ...valid(), version: '1' }), /bundle version "1" is not supported/);
    const { version: _version, ...noVersion } = valid();
    corrupt(() => parseBundle(noVersion), /bundle version undefined is not supported/);
  });

  it('names each required string field that is missing, empty or of the wrong type', () => {
    for (const key of ['className', 'pid', 'savedAt'] as const) {
      corrupt(() => parseBundle({ ...valid(), [key]: '' }), new RegExp(`"${key}" must be a non-empty string, got string`));
      corrupt(() => parseBundle({ ...valid(), [key]: 7 }), new RegExp(`"${key}" must be a non-empty string, got number`));
      corrupt(() => parseBundle({ ...valid(), [key]: undefined }), new RegExp(`"${key}" must be a non-empty string, got undefined`));
    }
  });

  it('names a state that is not an object', () => {
    corrupt(() => parseBundle({ ...valid(), state: [] }), /"state" must be an object, got an array/);
    corrupt(() => parseBundle({ ...valid(), state: null }), /"state" must be an object, got null/);
    corrupt(() => parseBundle({ ...valid(), state: 'x' }), /"state" must be an object, got string/);
  });

  it('names the checkpoint (pid and tag) when told where the bundle came from', () => {
    const withTag = corrupt(() => parseBundle('nope', { pid: 'p-7', tag: 'step2' }), /^checkpoint for process "p-7" \(tag "step2"\) is not a valid bundle: it is not JSON$/);
    assert.equal(withTag.pid, 'p-7');
    assert.equal(withTag.tag, 'step2');
    const untagged = corrupt(() => parseBundle('nope', { pid: 'p-7' }), /^checkpoint for process "p-7" is not a valid bundle/);
    assert.equal(untagged.tag, undefined);
    assert.ok(!('tag' in untagged));
  });
});

class BundleThing {
  constructor(readonly pid: string, readonly step: number, readonly options?: UnbundleOptions) {}
  static fromBundle(bundle: ProcessBundle, options?: UnbundleOptions): BundleThing {
    return new BundleThing(bundle.pid, bundle.state.step as number, options);
  }
}

class AsyncThing {
  constructor(readonly pid: string) {}
  static async fromBundle(bundle: ProcessBundle): Promise<AsyncThing> {
    await new Promise((resolve) => setTimeout(resolve, 1));
    return new AsyncThing(bundle.pid);
  }
}

describe('registry and unbundle', () => {
  registerProcessClass('taskfarm.test.BundleThing', BundleThing);
  registerProcessClass('taskfarm.test.AsyncThing', AsyncThing);

  it('rebuilds an instance through the registered class, passing the options on', async () => {
    const options = { communicator: 'comm' };
    const thing = await unbundle<BundleThing>(valid(), options);
    assert.ok(thing instanceof BundleThing);
    assert.equal(thing.pid, 'pid-1');
    assert.equal(thing.step, 2);
    assert.equal(thing.options, options);
  });

  it('awaits an asynchronous fromBundle', async () => {
    const thing = await unbundle(createBundle('taskfarm.test.AsyncThing', 'a-1', {}));
    assert.ok(thing instanceof AsyncThing);
    assert.equal(thing.pid, 'a-1');
  });

  it('an unregistered class is UnknownProcessClassError naming it, the known classes and the fix', async () => {
    const bundle = createBundle('taskfarm.test.Missing', 'p-9', {});
    await assert.rejects(unbundle(bundle), (error: unknown) => {
      assert.ok(error instanceof UnknownProcessClassError);
      assert.equal(error.code, 'ERR_UNKNOWN_PROCESS_CLASS');
      assert.equal(error.pid, 'p-9');
      assert.match(error.message, /no process class is registered as "taskfarm\.test\.Missing"/);
      assert.match(error.message, /known: .*taskfarm\.test\.AsyncThing, taskfarm\.test\.BundleThing/);
      assert.match(error.message, /import the module that defines it, or call registerProcessClass/);
      return true;
    });
  });

  it('an invalid bundle is CorruptCheckpointError before any class is looked up', async () => {
    await assert.rejects(unbundle({ ...valid(), version: 5 }), CorruptCheckpointError);
  });

  it('registering the same class twice is harmless; another class under a taken name is refused', () => {
    registerProcessClass('taskfarm.test.BundleThing', BundleThing);
    assert.equal(registeredProcessClass('taskfarm.test.BundleThing'), BundleThing);
    assert.throws(() => registerProcessClass('taskfarm.test.BundleThing', AsyncThing), {
      name: 'TypeError',
      message: 'a different process class is already registered as "taskfarm.test.BundleThing"',
    });
    assert.equal(registeredProcessClass('taskfarm.test.BundleThing'), BundleThing);
    assert.equal(registeredProcessClass('taskfarm.test.Nothing'), undefined);
  });

  it('refuses an empty name or a class without fromBundle, naming the problem', () => {
    assert.throws(() => registerProcessClass('', BundleThing), { name: 'TypeError', message: /name must be a non-empty string, got string/ });
    assert.throws(() => registerProcessClass(undefined as unknown as string, BundleThing), { name: 'TypeError', message: /name must be a non-empty string, got undefined/ });
    assert.throws(() => registerProcessClass('taskfarm.test.NoFrom', class {} as never), {
      name: 'TypeError', message: /registerProcessClass\("taskfarm\.test\.NoFrom"\): the class must have a static fromBundle/,
    });
    assert.equal(registeredProcessClass('taskfarm.test.NoFrom'), undefined);
  });
});

describe('checkpoint errors', () => {
  it('keep their class, code, pid and tag across the error codec', () => {
    const original = new CorruptCheckpointError('bad row', { pid: 'p', tag: 't' });
    const rebuilt = deserializeError(serializeError(original));
    assert.ok(rebuilt instanceof CorruptCheckpointError);
    assert.ok(rebuilt instanceof CheckpointError);
    assert.equal((rebuilt as CorruptCheckpointError).code, 'ERR_CHECKPOINT_CORRUPT');
    assert.equal(rebuilt.message, 'bad row');
    assert.equal((rebuilt as CorruptCheckpointError).pid, 'p');
    assert.equal((rebuilt as CorruptCheckpointError).tag, 't');
  });
});
