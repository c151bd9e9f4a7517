/**
 * The Emitter every face uses: a fixed set of declared events, synchronous delivery in registration
 * order, per-event counts, and the subscriber controls of AMLTK (repeat, maxCalls, when, every,
 * hidden).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Emitter, ValidationError } from '../../src/index.js';

type Events = {
  ping: [];
  value: [n: number, label: string];
  other: [];
};

function make(): Emitter<Events> {
  return new Emitter<Events>('Thing', ['ping', 'value', 'other']);
}

/** Emits `event` `times` times. */
function emitTimes(emitter: Emitter<Events>, times: number): void {
  for (let i = 0; i < times; i += 1) emitter.emit('ping');
}

describe('Emitter', () => {
  describe('delivery', () => {
    it('calls callbacks in registration order, with the emitted arguments', () => {
      const emitter = make();
      const calls: string[] = [];
      emitter.on('value', (n, label) => calls.push(`first ${n} ${label}`));
      emitter.on('value', (n, label) => calls.push(`second ${n} ${label}`));
      emitter.on('value', (n, label) => calls.push(`third ${n} ${label}`));
      emitter.emit('value', 7, 'x');
      assert.deepEqual(calls, ['first 7 x', 'second 7 x', 'third 7 x']);
    });

    it('is synchronous: every callback has run when emit returns', () => {
      const emitter = make();
      let called = false;
      emitter.on('ping', () => {
        called = true;
      });
      emitter.emit('ping');
      assert.equal(called, true);
    });

    it('calls only the callbacks of the emitted event', () => {
      const emitter = make();
      const calls: string[] = [];
      emitter.on('ping', () => calls.push('ping'));
      emitter.on('other', () => calls.push('other'));
      emitter.emit('other');
      assert.deepEqual(calls, ['other']);
    });

    it('emitting an event with no callbacks is fine and still counted', () => {
      const emitter = make();
      emitter.emit('other');
      assert.equal(emitter.counts.other, 1);
    });
  });

  describe('counts', () => {
    it('lists every declared event, 0 included, in declaration order', () => {
      const emitter = make();
      assert.deepEqual(emitter.events, ['ping', 'value', 'other']);
      assert.deepEqual(emitter.counts, { ping: 0, value: 0, other: 0 });
    });

    it('counts each emission, whether or not a callback ran', () => {
      const emitter = make();
      emitter.on('ping', () => undefined, { when: () => false });
      emitTimes(emitter, 3);
      emitter.emit('value', 1, 'a');
      assert.deepEqual(emitter.counts, { ping: 3, value: 1, other: 0 });
    });

    it('declare() adds an event with a count of 0; declaring it again changes nothing', () => {
      const emitter = make();
      emitter.on('ping', () => undefined);
      emitter.emit('ping');
      emitter.declare('extra');
      emitter.declare('ping');
      assert.deepEqual(emitter.counts, { ping: 1, value: 0, other: 0, extra: 0 });
      assert.equal(emitter.subscribers('ping').length, 1, 'declaring again keeps the callbacks');
    });

    it('counts returns a copy', () => {
      const emitter = make();
      const counts = emitter.counts;
      counts.ping = 99;
      assert.equal(emitter.counts.ping, 0);
    });
  });

  describe('unknown events', () => {
    it('on() of an unknown event throws a ValidationError naming the owner and the known events', () => {
      const emitter = make();
      assert.throws(
        () => emitter.on('pong' as 'ping', () => undefined),
        (error: unknown) => {
          assert.ok(error instanceof ValidationError);
          assert.match(error.message, /Thing/);
          assert.match(error.message, /'pong'/);
          assert.match(error.message, /ping, value, other/);
          return true;
        },
      );
    });

    it('emit() of an unknown event throws a ValidationError naming the known events', () => {
      const emitter = make();
      assert.throws(
        () => emitter.emit('pong' as 'ping'),
        (error: unknown) => error instanceof ValidationError && /'pong'/.test(error.message) && /ping, value, other/.test(error.message),
      );
    });

    it('subscribers() of an unknown event throws a ValidationError', () => {
      assert.throws(() => make().subscribers('pong'), ValidationError);
    });

    it('a callback that is not a function is a ValidationError', () => {
      assert.throws(() => make().on('ping', 'nope' as unknown as () => void), ValidationError);
    });
  });

  describe('subscriber controls', () => {
    it('repeat: n calls per emission, counted as one', () => {
      const emitter = make();
      let calls = 0;
      emitter.on('ping', function hello() {
        calls += 1;
      }, { repeat: 3 });
      emitter.emit('ping');
      assert.equal(calls, 3);
      assert.deepEqual(emitter.subscribers('ping').map((s) => s.calls), [1]);
      emitter.emit('ping');
      assert.equal(calls, 6);
      assert.deepEqual(emitter.subscribers('ping').map((s) => s.calls), [2]);
    });

    it('repeat runs before the next callback', () => {
      const emitter = make();
      const calls: string[] = [];
      emitter.on('ping', () => calls.push('a'), { repeat: 2 });
      emitter.on('ping', () => calls.push('b'));
      emitter.emit('ping');
      assert.deepEqual(calls, ['a', 'a', 'b']);
    });

    it('maxCalls: the callback is ignored after that many calls', () => {
      const emitter = make();
      let calls = 0;
      emitter.on('ping', () => {
        calls += 1;
      }, { maxCalls: 3 });
      emitTimes(emitter, 5);
      assert.equal(calls, 3);
      assert.equal(emitter.counts.ping, 5);
      assert.equal(emitter.subscribers('ping')[0]?.calls, 3);
    });

    it('maxCalls counts a repeated call once', () => {
      const emitter = make();
      let calls = 0;
      emitter.on('ping', () => {
        calls += 1;
      }, { maxCalls: 2, repeat: 2 });
      emitTimes(emitter, 4);
      assert.equal(calls, 4);
      assert.equal(emitter.subscribers('ping')[0]?.calls, 2);
    });

    it('maxCalls: Infinity (its documented default) may be given explicitly', () => {
      const emitter = make();
      let calls = 0;
      emitter.on('ping', () => {
        calls += 1;
      }, { maxCalls: Infinity });
      emitTimes(emitter, 3);
      assert.equal(calls, 3);
    });

    it('when: called only while the predicate holds, checked at each emission', () => {
      const emitter = make();
      let open = false;
      const seen: number[] = [];
      emitter.on('value', (n) => seen.push(n), { when: () => open });
      emitter.emit('value', 1, '');
      open = true;
      emitter.emit('value', 2, '');
      emitter.emit('value', 3, '');
      open = false;
      emitter.emit('value', 4, '');
      assert.deepEqual(seen, [2, 3]);
      assert.equal(emitter.subscribers('value')[0]?.calls, 2);
    });

    it('when: of two callbacks, only the one whose predicate holds is called (the guide\'s locale)', () => {
      const emitter = make();
      const locale: string = 'English';
      const printed: string[] = [];
      emitter.on('ping', function printHello() {
        printed.push('hello');
      }, { when: () => locale === 'English' });
      emitter.on('ping', function printGutenTag() {
        printed.push('guten tag');
      }, { when: () => locale === 'German' });
      emitter.emit('ping');
      assert.deepEqual(printed, ['hello']);
      assert.deepEqual(emitter.subscribers('ping').map((s) => [s.name, s.calls]), [['printHello', 1], ['printGutenTag', 0]]);
    });

    it('every: 2 over 5 emissions calls on emissions 2 and 4', () => {
      const emitter = make();
      const at: Array<number | undefined> = [];
      emitter.on('ping', () => at.push(emitter.counts.ping), { every: 2 });
      emitTimes(emitter, 5);
      assert.deepEqual(at, [2, 4]);
      assert.equal(emitter.subscribers('ping')[0]?.calls, 2);
    });

    it('every: 1 is every emission', () => {
      const emitter = make();
      let calls = 0;
      emitter.on('ping', () => {
        calls += 1;
      }, { every: 1 });
      emitTimes(emitter, 3);
      assert.equal(calls, 3);
    });

    it('controls combine: every 2 with maxCalls 2 over 10 emissions calls on 2 and 4 only', () => {
      const emitter = make();
      const at: Array<number | undefined> = [];
      emitter.on('ping', () => at.push(emitter.counts.ping), { every: 2, maxCalls: 2 });
      emitTimes(emitter, 10);
      assert.deepEqual(at, [2, 4]);
    });

    it('hidden is reported by subscribers(); it does not change delivery', () => {
      const emitter = make();
      let calls = 0;
      emitter.on('ping', function shown() {
        calls += 1;
      });
      emitter.on('ping', function secret() {
        calls += 1;
      }, { hidden: true });
      emitter.on('other', () => undefined);
      emitter.emit('ping');
      assert.equal(calls, 2);
      assert.deepEqual(emitter.subscribers('ping'), [
        { event: 'ping', name: 'shown', calls: 1, hidden: false },
        { event: 'ping', name: 'secret', calls: 1, hidden: true },
      ]);
      assert.deepEqual(
        emitter.subscribers().map((s) => [s.event, s.name]),
        [['ping', 'shown'], ['ping', 'secret'], ['other', 'anonymous']],
        'all events, in declaration then registration order; an arrow function is anonymous',
      );
    });

    const invalid: Array<[string, Record<string, unknown>]> = [
      ['repeat 0', { repeat: 0 }],
      ['repeat -1', { repeat: -1 }],
      ['repeat 1.5', { repeat: 1.5 }],
      ['repeat NaN', { repeat: Number.NaN }],
      ['repeat "2"', { repeat: '2' }],
      ['every 0', { every: 0 }],
      ['every 2.5', { every: 2.5 }],
      ['maxCalls 0', { maxCalls: 0 }],
      ['maxCalls -3', { maxCalls: -3 }],
      ['maxCalls 0.5', { maxCalls: 0.5 }],
      ['when true', { when: true }],
      ['when "yes"', { when: 'yes' }],
    ];
    for (const [label, options] of invalid) {
      it(`invalid option ${label} is a ValidationError naming the option, and registers nothing`, () => {
        const emitter = make();
        const name = Object.keys(options)[0]!;
        assert.throws(
          () => emitter.on('ping', () => undefined, options),
          (error: unknown) => error instanceof ValidationError && error.message.includes(`'${name}'`),
        );
        assert.deepEqual(emitter.subscribers('ping'), []);
      });
    }
  });

  describe('off()', () => {
    it('removes the callback; others stay', () => {
      const emitter = make();
      const calls: string[] = [];
      const a = emitter.on('ping', () => calls.push('a'));
      emitter.on('ping', () => calls.push('b'));
      emitter.emit('ping');
      a.off();
      emitter.emit('ping');
      assert.deepEqual(calls, ['a', 'b', 'b']);
      assert.equal(emitter.subscribers('ping').length, 1);
    });

    it('calling off() twice is harmless and removes nothing else', () => {
      const emitter = make();
      let calls = 0;
      const a = emitter.on('ping', () => undefined);
      emitter.on('ping', () => {
        calls += 1;
      });
      a.off();
      a.off();
      emitter.emit('ping');
      assert.equal(calls, 1);
    });

    it('the same function registered twice is called twice; off() removes one registration', () => {
      const emitter = make();
      let calls = 0;
      const cb = (): void => {
        calls += 1;
      };
      const first = emitter.on('ping', cb);
      emitter.on('ping', cb);
      emitter.emit('ping');
      assert.equal(calls, 2);
      first.off();
      emitter.emit('ping');
      assert.equal(calls, 3);
    });
  });

  describe('a callback that throws', () => {
    it('by default, the error is thrown from emit and later callbacks do not run', () => {
      const emitter = make();
      const calls: string[] = [];
      const boom = new Error('boom');
      emitter.on('ping', () => calls.push('before'));
      emitter.on('ping', () => {
        throw boom;
      });
      emitter.on('ping', () => calls.push('after'));
      assert.throws(() => emitter.emit('ping'), (error: unknown) => error === boom);
      assert.deepEqual(calls, ['before']);
      assert.equal(emitter.counts.ping, 1);
    });

    it('with onCallbackError set, the error goes there (with the event) and the remaining callbacks run', () => {
      const emitter = make();
      const calls: string[] = [];
      const routed: Array<[unknown, string]> = [];
      emitter.onCallbackError = (error, event) => routed.push([error, event]);
      emitter.on('value', () => calls.push('before'));
      emitter.on('value', () => {
        throw new RangeError('bad value');
      });
      emitter.on('value', () => {
        // A non-Error thrown value is routed as it is.
        throw 'just a string';
      });
      emitter.on('value', () => calls.push('after'));
      emitter.emit('value', 1, 'x');
      assert.deepEqual(calls, ['before', 'after']);
      assert.equal(routed.length, 2);
      assert.ok(routed[0]![0] instanceof RangeError);
      assert.equal(routed[0]![1], 'value');
      assert.deepEqual(routed[1], ['just a string', 'value']);
    });

    it('with onCallbackError set, a repeated callback that throws is still repeated', () => {
      const emitter = make();
      let tries = 0;
      const routed: unknown[] = [];
      emitter.onCallbackError = (error) => routed.push(error);
      emitter.on('ping', () => {
        tries += 1;
        throw new Error(`try ${tries}`);
      }, { repeat: 3 });
      emitter.emit('ping');
      assert.equal(tries, 3);
      assert.deepEqual(routed.map((e) => (e as Error).message), ['try 1', 'try 2', 'try 3']);
    });
  });
});
