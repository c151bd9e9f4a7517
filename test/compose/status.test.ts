import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReturnStatus } from '../../src/index.js';

describe('ReturnStatus', () => {
  it('has the four tinybase codes, each with an optional message', () => {
    assert.deepEqual(ReturnStatus.Code, { DONE: 'done', ABORTED: 'aborted', WARNING: 'warning', NOT_CONVERGED: 'not_converged' });
    const cases: Array<[ReturnStatus, string]> = [
      [ReturnStatus.done('ok'), ReturnStatus.Code.DONE],
      [ReturnStatus.aborted('stopped'), ReturnStatus.Code.ABORTED],
      [ReturnStatus.warning('careful'), ReturnStatus.Code.WARNING],
      [ReturnStatus.notConverged('max steps'), ReturnStatus.Code.NOT_CONVERGED],
    ];
    for (const [status, code] of cases) assert.equal(status.code, code);
    assert.deepEqual(cases.map(([s]) => s.message), ['ok', 'stopped', 'careful', 'max steps']);
    assert.equal(ReturnStatus.done().message, undefined);
  });

  it('isDone() is true for DONE only', () => {
    assert.equal(ReturnStatus.done().isDone(), true);
    for (const status of [ReturnStatus.aborted(), ReturnStatus.warning(), ReturnStatus.notConverged()]) {
      assert.equal(status.isDone(), false, status.code);
    }
  });

  it('prints like tinybase: code in capitals, then the message if any', () => {
    assert.equal(ReturnStatus.done().toString(), 'ReturnStatus(DONE)');
    assert.equal(String(ReturnStatus.aborted('boom')), 'ReturnStatus(ABORTED, boom)');
    assert.equal(String(ReturnStatus.notConverged('after 10 steps')), 'ReturnStatus(NOT_CONVERGED, after 10 steps)');
    assert.equal(String(ReturnStatus.warning()), 'ReturnStatus(WARNING)');
  });

  it('an aborted status keeps its cause; .error follows inner statuses to the root error', () => {
    const error = new RangeError('negative');
    const inner = ReturnStatus.aborted('step failed', error);
    const outer = ReturnStatus.aborted('series failed', inner);
    assert.equal(inner.cause, error);
    assert.equal(outer.cause, inner);
    assert.equal(outer.error, error);
    assert.equal(ReturnStatus.done().error, undefined);
    assert.equal(ReturnStatus.aborted('no cause').error, undefined);
  });
});
