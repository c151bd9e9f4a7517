/**
 * examples/process/remote.ts, the last section of the plumpy tutorial (communicators and
 * controllers), prints what the notebook printed: the status of a process asked by RPC, the
 * outputs of a work chain launched through a controller, then the pid of one launched with nowait.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { main } from '../../examples/process/remote.js';

describe('examples/process/remote.ts (notebook cells 54 and 56)', () => {
  it('prints the status of a CREATED process, { result: 11 }, then a pid', async () => {
    const lines: string[] = [];
    const r = await main((line) => lines.push(line));
    assert.equal(lines.length, 3);

    // Cell 54: plumpy prints ctime, paused, process_string, state and state_info.
    assert.equal(r.status.processClass, 'SimpleProcess');
    assert.equal(r.status.state, 'CREATED');
    assert.equal(r.status.paused, false);
    assert.equal(r.status.live, true);
    assert.match(lines[0]!, /^\{ pid: '[0-9a-f-]{36}', processClass: 'SimpleProcess', state: 'CREATED', paused: false, live: true, runner: \{ host: '.+', pid: \d+, communicator: 'comm-.+' \} \}$/);

    // Cell 56: {'result': 11}, then the pid of the nowait launch.
    assert.equal(lines[1], '{ result: 11 }');
    assert.deepEqual(r.outputs, { result: 11 });
    assert.match(lines[2]!, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(lines[2], r.pid);
  });
});
