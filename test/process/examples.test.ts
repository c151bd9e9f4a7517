/**
 * Every code cell of the plumpy tutorial up to Persistence, ported under examples/process/, prints
 * what the notebook printed (Python reprs become their JavaScript equivalents: None → undefined,
 * AttributesDict(step=3) → { step: 3 }).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { main as simple } from '../../examples/process/simple.js';
import { main as spec } from '../../examples/process/spec.js';
import { main as commands } from '../../examples/process/commands.js';
import { main as listeners } from '../../examples/process/listeners.js';
import { main as asynchronicity } from '../../examples/process/asynchronicity.js';
import { main as pausing } from '../../examples/process/pausing.js';
import { main as workchain } from '../../examples/process/workchain.js';
import { main as conditionals } from '../../examples/process/conditionals.js';
import { main as contextWhile } from '../../examples/process/context-while.js';
import { runPair } from '../../examples/process/interstep.js';
import { main as persistence, PersistWorkChain } from '../../examples/process/persistence.js';
import { main as executor } from '../../examples/process/executor.js';
import { collector } from './helpers.js';

describe('examples/process (the plumpy tutorial, cell by cell)', () => {
  it('a simple process (cell 8): CREATED, RUNNING, FINISHED, success, no result', async () => {
    const { log, lines } = collector();
    const r = await simple(log);
    assert.deepEqual(lines, ['CREATED', 'RUNNING', 'FINISHED', 'Success true', 'Result undefined']);
    assert.deepEqual(r.states, ['CREATED', 'FINISHED']);
  });

  it('inputs and outputs (cell 11): the description and the outputs', async () => {
    const { log } = collector();
    const r = await spec(log);
    assert.deepEqual(r.outputs, { output1: 'my input', output2: { output2a: 'other input', output2b: 'default' } });
    const d = r.description as { inputs: Record<string, Record<string, unknown>>; outputs: Record<string, unknown> };
    assert.deepEqual(d.inputs.input1, { name: 'input1', required: true, help: 'A help string', validator: 'zod schema' });
    assert.deepEqual(d.inputs.input2!.input2b, { name: 'input2b', required: false, default: 'default' });
    assert.deepEqual(Object.keys(d.outputs), ['_attrs', 'output1', 'output2']);
  });

  it('commands (cell 14): running, continuing, KILLED with the message as status, unsuccessful', async () => {
    const { log, lines } = collector();
    const r = await commands(log);
    assert.deepEqual(lines, ['running', 'continuing', 'KILLED', 'I was killed', 'false']);
    assert.equal(r.killedError, true);
  });

  it('listeners (cell 17): CREATED, RUNNING, WAITING, RUNNING, FINISHED', async () => {
    const { log, lines } = collector();
    await listeners(log);
    assert.deepEqual(lines, ['CREATED', 'RUNNING', 'WAITING', 'RUNNING', 'FINISHED']);
  });

  it('asynchronicity (cell 20): each process runs to its end before the next; the async function brackets them', async () => {
    const { log, lines } = collector();
    await asynchronicity(log);
    assert.deepEqual(lines, ['async_fn start', 'process1 run', 'process1 continued', 'process2 run', 'process2 continued', 'async_fn end']);
  });

  it('pausing and playing (cell 23): the pause waits for the step to end, another process runs, play goes on', async () => {
    const { log, lines } = collector();
    await pausing(log);
    assert.deepEqual(lines, [
      'PauseProcess: pausing',
      'PauseProcess: continue step',
      'SimpleProcess',
      'PauseProcess: playing (state=RUNNING)',
      'PauseProcess: next step',
    ]);
  });

  it('a first work chain (cell 27): step1, step2', async () => {
    const { log, lines } = collector();
    await workchain(log);
    assert.deepEqual(lines, ['step1', 'step2']);
  });

  it('conditionals (cell 30)', async () => {
    const { log, lines } = collector();
    await conditionals(log);
    assert.deepEqual(lines, ['execute False', '  if', 'execute True', '  if', '  conditional']);
  });

  it('context and while (cell 33): step 1, 2, 3', async () => {
    const { log, lines } = collector();
    const r = await contextWhile(log);
    assert.deepEqual(lines, ['step 1', 'step 2', 'step 3']);
    assert.deepEqual(r.ctx, { iterator: 4 });
  });

  it('interstep, no awaitables (cell 38): each chain runs to completion before the next starts', async () => {
    const { log, lines } = collector();
    await runPair(log, {});
    assert.deepEqual(lines, [
      'wkchain1 step1', 'wkchain1 step2', 'wkchain1 step3', '  ctx={}',
      'wkchain2 step1', 'wkchain2 step2', 'wkchain2 step3', '  ctx={}',
    ]);
  });

  it('interstep processes (cell 40): a waiting chain gives way; the child\'s outputs land in ctx', async () => {
    const { log, lines } = collector();
    const chains = await runPair(log, { process: true });
    assert.deepEqual(lines, [
      'wkchain1 step1', 'wkchain1 step2',
      'wkchain2 step1', 'wkchain2 step2',
      'wkchain1 step2 process', 'wkchain2 step2 process',
      'wkchain1 step3', "  ctx={ process: { value: 'value' } }",
      'wkchain2 step3', "  ctx={ process: { value: 'value' } }",
    ]);
    assert.ok(chains.every((c) => c.state === 'FINISHED'));
  });

  it('interstep awaitables (cell 41): promises too; each chain goes on once its own awaitable is done', async () => {
    const { log, lines } = collector();
    await runPair(log, { awaitable: true });
    // The notebook printed both "awaitable" lines before either step3 (see the note in interstep.ts).
    assert.deepEqual(lines, [
      'wkchain1 step1', 'wkchain1 step2',
      'wkchain2 step1', 'wkchain2 step2',
      'wkchain1 step2 awaitable', 'wkchain1 step3', '  ctx={ awaitable: true }',
      'wkchain2 step2 awaitable', 'wkchain2 step3', '  ctx={ awaitable: true }',
    ]);
  });

  it('interstep processes and awaitables (cell 43): exactly the notebook\'s order, ctx in toContext order', async () => {
    const { log, lines } = collector();
    await runPair(log, { process: true, awaitable: true });
    assert.deepEqual(lines, [
      'wkchain1 step1', 'wkchain1 step2',
      'wkchain2 step1', 'wkchain2 step2',
      'wkchain1 step2 process', 'wkchain2 step2 process',
      'wkchain1 step2 awaitable', 'wkchain1 step3', "  ctx={ awaitable: true, process: { value: 'value' } }",
      'wkchain2 step2 awaitable', 'wkchain2 step3', "  ctx={ awaitable: true, process: { value: 'value' } }",
    ]);
  });

  it('persistence (cells 46–50): three checkpoints, and the one tagged step2 unbundles with ctx step 2', async () => {
    const { log, lines } = collector();
    const r = await persistence(log);
    assert.equal(lines[0], 'PersistWorkChain(ctx={ step: 3 })');
    assert.deepEqual(r.checkpoints, [
      { pid: r.workchain.pid, tag: 'init' },
      { pid: r.workchain.pid, tag: 'step2' },
      { pid: r.workchain.pid, tag: 'step3' },
    ]);
    assert.ok(r.restored instanceof PersistWorkChain);
    assert.notEqual(r.restored, r.workchain);
    assert.equal(r.restored.pid, r.workchain.pid);
    assert.deepEqual(r.restored.ctx, { step: 2 });
    assert.equal(lines.at(-1), 'PersistWorkChain(ctx={ step: 2 })');
  });

  it('a work chain on a thread pool: futures in toContext, appended to ctx', { timeout: 30_000 }, async () => {
    const { log, lines } = collector();
    const r = await executor(log);
    assert.equal(r.total, 2 * (332833500 + 2664667000 + 8995500500));
    assert.deepEqual(lines, [`total = ${r.total}`]);
  });

  it('each example runs as a script and prints the same', () => {
    const script = fileURLToPath(new URL('../../examples/process/listeners.ts', import.meta.url));
    const run = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, 'CREATED\nRUNNING\nWAITING\nRUNNING\nFINISHED\n');
  });
});
