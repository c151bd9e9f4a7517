import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { errorLine, toJson, valueLine } from '../../src/cli/json-line.js';
import { TaskError, TaskTimeoutError } from '../../src/index.js';

describe('result lines', () => {
  test('plain data is written as JSON', () => {
    assert.equal(valueLine(3, 9), '{"input":3,"value":9}');
    assert.equal(valueLine({ a: [1, 'x'] }, null), '{"input":{"a":[1,"x"]},"value":null}');
    assert.equal(valueLine('s', true), '{"input":"s","value":true}');
  });

  test('values JSON cannot represent get a documented form instead of an exception', () => {
    assert.equal(toJson(2n ** 64n), '"18446744073709551616"');
    assert.equal(toJson(undefined), 'null');
    assert.equal(toJson({ a: undefined, b: 1 }), '{"b":1}');
    assert.equal(toJson([undefined]), '[null]');
    assert.equal(toJson(NaN), '"NaN"');
    assert.equal(toJson([Infinity, -Infinity]), '["Infinity","-Infinity"]');
    assert.equal(toJson(new Map<unknown, unknown>([['a', 1], [2, 3n]])), '[["a",1],[2,"3"]]');
    assert.equal(toJson(new Set([1, 2])), '[1,2]');
    assert.equal(toJson(new Uint8Array([1, 2])), '[1,2]');
    assert.equal(toJson(new BigInt64Array([5n])), '["5"]');
    assert.equal(toJson(new Uint8Array([7, 8]).buffer), '[7,8]');
    assert.equal(toJson(new Date(0)), '"1970-01-01T00:00:00.000Z"');
    assert.equal(toJson(/ab+c/gi), '"/ab+c/gi"');
    assert.equal(toJson(() => 1), 'null');
    assert.equal(toJson({ f: () => 1, s: Symbol('x'), n: 1 }), '{"n":1}');
    assert.equal(toJson(new RangeError('bad')), '{"name":"RangeError","message":"bad"}');
  });

  test('a cycle is cut where it closes', () => {
    const a: Record<string, unknown> = { x: 1 };
    a.self = a;
    a.list = [a, { shared: 1 }];
    assert.equal(toJson(a), '{"x":1,"self":"[Circular]","list":["[Circular]",{"shared":1}]}');
    const map = new Map<string, unknown>();
    map.set('me', map);
    assert.equal(toJson(map), '[["me","[Circular]"]]');
    // The same object twice, side by side, is not a cycle.
    const shared = { v: 1 };
    assert.equal(toJson([shared, shared]), '[{"v":1},{"v":1}]');
  });

  test('errors keep name, message, code and the own properties of the thrown error', () => {
    const timeout = new TaskTimeoutError('Task t-1 timed out after 5 ms', { timeout: 5 });
    assert.equal(errorLine(1, timeout), '{"input":1,"error":{"name":"TaskTimeoutError","message":"Task t-1 timed out after 5 ms","code":"ERR_TASK_TIMEOUT"}}');
    const remote = new TaskError('no such file', { name: 'Error', details: { code: 'ENOENT', errno: -2 } });
    assert.deepEqual(JSON.parse(errorLine('f', remote)), {
      input: 'f',
      error: { name: 'Error', message: 'no such file', code: 'ERR_TASK_FAILED', details: { code: 'ENOENT', errno: -2 } },
    });
    assert.deepEqual(JSON.parse(errorLine(2, 'a string')), { input: 2, error: { name: 'Error', message: 'a string' } });
  });
});
