/**
 * Specs and ports: declaration, validation with Standard Schema (zod) and plain functions, defaults,
 * namespaces (also dynamic), unknown ports, required inputs and outputs, and the description.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { ValidationError } from '../../src/core/errors.js';
import {
  PortValidationError, Process, ProcessDefinitionError, ProcessStateError, RequiredPortError, UnknownPortError,
  type Default, type ProcessSpec,
} from '../../src/process/index.js';
import { SpecProcess } from '../../examples/process/spec.js';

interface Inputs {
  count: number;
  label: Default<string>;
  tags: Default<string[]>;
  options: { depth: Default<number>; mode?: string };
  extra?: Record<string, number>;
}

class Ported extends Process<Inputs, { total: number; details: { parts: number[] } }> {
  static override define(spec: ProcessSpec): void {
    super.define(spec);
    spec.input('count', { validator: z.number().int().positive(), help: 'how many' });
    spec.input('label', { default: 'none', validator: (v) => typeof v === 'string' || 'expected a string' });
    spec.input('tags', { default: () => ['a'] });
    spec.input('options.depth', { default: 1 });
    spec.input('options.mode', { required: false });
    spec.inputNamespace('extra', { dynamic: true, required: false, valueValidator: z.number() });
    spec.output('total', { validator: z.number() });
    spec.outputNamespace('details');
    spec.output('details.parts', { required: false });
  }

  override run(): void {
    this.out('total', this.inputs.count * 2);
  }
}

describe('input ports', () => {
  it('fills defaults (a value, copied; a function, called) and keeps what was given', () => {
    const a = new Ported({ count: 3, options: {} });
    assert.deepEqual(a.inputs, { count: 3, label: 'none', tags: ['a'], options: { depth: 1 } });
    const b = new Ported({ count: 3, label: 'x', options: { depth: 5, mode: 'fast' }, extra: { z: 1 } });
    assert.deepEqual(b.inputs, { count: 3, label: 'x', tags: ['a'], options: { depth: 5, mode: 'fast' }, extra: { z: 1 } });
    assert.notEqual(a.inputs.tags, b.inputs.tags, 'each process gets its own default');
  });

  it('a namespace that is left out gets its defaults', () => {
    assert.deepEqual(new Ported({ count: 1 } as never).inputs.options, { depth: 1 });
  });

  it('inputs cannot be changed by the process', () => {
    const p = new Ported({ count: 3 } as never);
    assert.throws(() => { (p.inputs as { count: number }).count = 4; }, TypeError);
    assert.throws(() => { (p.inputs.options as { depth: number }).depth = 4; }, TypeError);
  });

  it('an invalid input (zod) is a PortValidationError naming the port path, with the issues', () => {
    assert.throws(
      () => new Ported({ count: -1, options: {} }),
      (error) => error instanceof PortValidationError && error instanceof ValidationError && error.code === 'ERR_PORT_INVALID'
        && error.path === 'inputs.count' && /^inputs\.count is invalid: /.test(error.message) && error.issues?.length === 1,
    );
  });

  it('an invalid input (function validator) gives the validator\'s message', () => {
    assert.throws(() => new Ported({ count: 1, label: 7 as never, options: {} }), (error) => error instanceof PortValidationError && error.message === 'inputs.label is invalid: expected a string');
  });

  it('a validator that throws, or returns false, makes the value invalid', () => {
    class Checks extends Process<{ a?: number; b?: number }> {
      static override define(spec: ProcessSpec): void {
        super.define(spec);
        spec.input('a', { required: false, validator: () => { throw new Error('exploded'); } });
        spec.input('b', { required: false, validator: function positive(v) { return (v as number) > 0; } });
      }
    }
    assert.throws(() => new Checks({ a: 1 }), (error) => error instanceof PortValidationError && /inputs\.a is invalid: exploded/.test(error.message) && (error.cause as Error).message === 'exploded');
    assert.throws(() => new Checks({ b: -1 }), /inputs\.b is invalid: rejected by its validator positive/);
    assert.doesNotThrow(() => new Checks({ b: 1 }));
  });

  it('a bad default is caught too', () => {
    class BadDefault extends Process {
      static override define(spec: ProcessSpec): void {
        super.define(spec);
        spec.input('n', { default: 'three', validator: z.number() });
      }
    }
    assert.throws(() => new BadDefault(), (error) => error instanceof PortValidationError && error.path === 'inputs.n');
  });

  it('an unknown input port is an UnknownPortError listing the known ports', () => {
    assert.throws(
      () => new Ported({ count: 1, options: {}, cuont: 2 } as never),
      (error) => error instanceof UnknownPortError && error.code === 'ERR_PORT_UNKNOWN' && error.path === 'inputs.cuont'
        && /ports of inputs are: count, label, tags, options, extra/.test(error.message),
    );
    assert.throws(() => new Ported({ count: 1, options: { deep: 1 } } as never), (error) => error instanceof UnknownPortError && error.path === 'inputs.options.deep');
  });

  it('a missing required input is a RequiredPortError with its full path', () => {
    assert.throws(() => new Ported({ options: {} } as never), (error) => error instanceof RequiredPortError && error.code === 'ERR_PORT_REQUIRED' && error.path === 'inputs.count');
    assert.throws(() => new SpecProcess({ input1: 'x', input2: {} } as never), (error) => error instanceof RequiredPortError && error.path === 'inputs.input2.input2a');
  });

  it('a dynamic namespace accepts any key, each value checked by valueValidator', () => {
    assert.deepEqual(new Ported({ count: 1, options: {}, extra: { a: 1, b: 2 } }).inputs.extra, { a: 1, b: 2 });
    assert.throws(() => new Ported({ count: 1, options: {}, extra: { a: 'x' as never } }), (error) => error instanceof PortValidationError && error.path === 'inputs.extra.a');
  });

  it('a namespace given something other than a plain object is invalid', () => {
    assert.throws(() => new Ported({ count: 1, options: [] as never }), /inputs\.options is a namespace and needs a plain object, got an array/);
    assert.throws(() => new Ported('count' as never), /inputs is a namespace and needs a plain object, got string/);
  });

  it('port validators must be synchronous', () => {
    class AsyncCheck extends Process {
      static override define(spec: ProcessSpec): void {
        super.define(spec);
        spec.input('x', { validator: z.string().refine(async () => true) });
      }
    }
    assert.throws(() => new AsyncCheck({ x: 'a' }), (error) => error instanceof ProcessDefinitionError && /asynchronous/.test(error.message));
  });
});

describe('output ports', () => {
  it('out() checks the port and the value', async () => {
    class BadOut extends Process {
      static override define(spec: ProcessSpec): void {
        super.define(spec);
        spec.output('n', { validator: z.number() });
      }

      override run(): void {
        this.out('n', 'not a number');
      }
    }
    const p = new BadOut();
    await assert.rejects(p.execute(), (error) => error instanceof PortValidationError && error.path === 'outputs.n');
    assert.equal(p.state, 'EXCEPTED');
  });

  it('out() to an unknown port is an UnknownPortError; to a dynamic namespace it is flagged dynamic', async () => {
    class Outs extends Process {
      static override define(spec: ProcessSpec): void {
        super.define(spec);
        spec.output('known');
        spec.outputNamespace('free', { dynamic: true, required: false });
      }

      override run(): void {
        this.out('known', 1);
        this.out('free.anything', 2);
        this.out('unknwon', 3);
      }
    }
    const p = new Outs();
    const seen: [string, boolean][] = [];
    p.on('output', (_p, path, _v, dynamic) => seen.push([path, dynamic]));
    await assert.rejects(p.execute(), (error) => error instanceof UnknownPortError && error.path === 'outputs.unknwon' && /the ports of outputs are: known, free/.test(error.message));
    assert.deepEqual(seen, [['known', false], ['free.anything', true]]);
    assert.deepEqual(p.outputs, { known: 1, free: { anything: 2 } });
  });

  it('root namespaces can be made dynamic in define', async () => {
    class Anything extends Process {
      static override define(spec: ProcessSpec): void {
        super.define(spec);
        spec.outputs.configure({ dynamic: true });
      }

      override run(): void {
        this.out('whatever', 1);
      }
    }
    assert.deepEqual(await new Anything().execute(), { whatever: 1 });
  });

  it('a missing required output ends FINISHED but unsuccessful, the reason in the status', async () => {
    class Forgets extends Process<object, { result: number }> {
      static override define(spec: ProcessSpec): void {
        super.define(spec);
        spec.output('result');
      }
    }
    const p = new Forgets();
    assert.deepEqual(await p.execute(), {});
    assert.equal(p.state, 'FINISHED');
    assert.equal(p.isSuccessful, false);
    assert.match(p.status ?? '', /outputs\.result is required by Forgets/);
  });

  it('out() outside a running step is a ProcessStateError', () => {
    assert.throws(() => new Ported({ count: 1 } as never).out('total', 1), (error) => error instanceof ProcessStateError && /only a running step may emit/.test(error.message));
  });

  it('typed outputs: the example emits all of them', async () => {
    assert.deepEqual(await new Ported({ count: 2 } as never).execute(), { total: 4 });
  });
});

describe('spec declaration', () => {
  it('a port declared twice, a bad name, an unknown option or a bad validator is a ProcessDefinitionError', () => {
    const declare = (body: (spec: ProcessSpec) => void) => {
      class Defined extends Process {
        static override define(spec: ProcessSpec): void {
          super.define(spec);
          body(spec);
        }
      }
      return () => Defined.spec();
    };
    assert.throws(declare((s) => { s.input('a'); s.input('a'); }), (e) => e instanceof ProcessDefinitionError && /the port a is declared twice/.test(e.message));
    assert.throws(declare((s) => s.input('a b')), /invalid port name "a b"/);
    assert.throws(declare((s) => s.input('a', { valid_type: String } as never)), /unknown option "valid_type"/);
    assert.throws(declare((s) => s.input('a', { validator: 42 as never })), /validator must be a Standard Schema validator/);
    assert.throws(declare((s) => { s.input('a'); s.input('a.b'); }), /a is a port, not a namespace/);
    assert.throws(declare((s) => s.output('a', { default: 1 } as never)), /output ports have no default/);
  });

  it('the spec is built once per class, sealed, and inherited through super.define', () => {
    class Child extends Ported {
      static override define(spec: ProcessSpec): void {
        super.define(spec);
        spec.input('more', { required: false });
      }
    }
    assert.equal(Ported.spec(), Ported.spec());
    assert.notEqual(Child.spec(), Ported.spec());
    assert.ok(Child.spec().inputs.get('count'));
    assert.ok(Child.spec().inputs.get('more'));
    assert.equal(Ported.spec().inputs.get('more'), undefined);
    assert.throws(() => Ported.spec().input('late'), /sealed/);
  });

  it('getDescription() describes every port and namespace as JSON', () => {
    assert.deepEqual(SpecProcess.spec().getDescription(), {
      inputs: {
        _attrs: { dynamic: false, required: true },
        input1: { name: 'input1', required: true, help: 'A help string', validator: 'zod schema' },
        input2: {
          _attrs: { dynamic: false, required: true },
          input2a: { name: 'input2a', required: true },
          input2b: { name: 'input2b', required: false, default: 'default' },
        },
      },
      outputs: {
        _attrs: { dynamic: false, required: true },
        output1: { name: 'output1', required: true },
        output2: {
          _attrs: { dynamic: false, required: true },
          output2a: { name: 'output2a', required: true },
          output2b: { name: 'output2b', required: true },
        },
      },
    });
    const described = Ported.spec().getDescription() as { inputs: Record<string, Record<string, unknown>> };
    assert.deepEqual(described.inputs.tags, { name: 'tags', required: false, default: '<computed>' });
    assert.deepEqual(described.inputs.extra!._attrs, { dynamic: true, required: false });
    assert.equal(JSON.stringify(JSON.parse(JSON.stringify(described))), JSON.stringify(described), 'it is JSON');
  });
});
