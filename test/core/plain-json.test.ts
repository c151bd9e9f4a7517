import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isPlainJson } from '../../src/core/plain-json.js';

describe('isPlainJson', () => {
  it('accepts what JSON carries exactly, and it does come back equal', () => {
    const values: unknown[] = [
      null, true, false, 0, 1.5, -2, 1e300, '', 'text ü 🚀', [], {}, [1, 'a', null, [true]],
      { a: 1, b: { c: [1, 2, { d: 'e' }] }, __proto__text: 'x' }, { toString: 'not a function' },
    ];
    for (const value of values) {
      assert.equal(isPlainJson(value), true, JSON.stringify(value));
      assert.deepEqual(JSON.parse(JSON.stringify(value)), value);
    }
  });

  it('refuses what JSON would change or drop', () => {
    class Point {
      constructor(public x: number) {}
    }
    const sparse = [1, , 3]; // eslint-disable-line no-sparse-arrays
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    let deep: unknown = 1;
    for (let i = 0; i < 40; i += 1) deep = [deep];
    const values: Array<[string, unknown]> = [
      ['undefined', undefined], ['NaN', Number.NaN], ['Infinity', Infinity], ['-0', -0], ['a BigInt', 1n],
      ['a symbol', Symbol('s')], ['a function', () => 1], ['a Date', new Date(0)], ['a Map', new Map()],
      ['a Set', new Set()], ['a typed array', new Uint8Array(2)], ['a RegExp', /a/], ['an Error', new Error('x')],
      ['a class instance', new Point(1)], ['a null-prototype object', Object.create(null)],
      ['an object with toJSON', { toJSON: () => 1 }], ['undefined in an object', { a: undefined }],
      ['undefined in an array', [1, undefined]], ['a hole', sparse], ['NaN deep inside', { a: [{ b: Number.NaN }] }],
      ['a Date deep inside', { when: [new Date(0)] }], ['a cycle', cycle], ['nesting deeper than 32', deep],
      ['a boxed string', Object('s')],
    ];
    for (const [what, value] of values) assert.equal(isPlainJson(value), false, what);
  });
});
