import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newId, now } from '../../src/core/ids.js';

describe('ids', () => {
  it('newId makes unique ids with the given kind as prefix', () => {
    const ids = Array.from({ length: 10_000 }, () => newId('task'));
    assert.equal(new Set(ids).size, ids.length);
    for (const id of ids.slice(0, 10)) assert.match(id, /^task-[0-9a-f]+-[0-9a-z]+$/);
  });

  it('now() is epoch milliseconds, close to Date.now() and never going backwards', () => {
    const a = now();
    assert.ok(Math.abs(a - Date.now()) < 1000, `${a} vs ${Date.now()}`);
    let previous = a;
    for (let i = 0; i < 1000; i += 1) {
      const t = now();
      assert.ok(t >= previous);
      previous = t;
    }
  });
});
