/**
 * Checkpoints: what a bundle holds in every state, automatic checkpoints after every step,
 * restoring from any of them (inside whiles and ifs) to the same outputs, chains restored while
 * waiting (on children: re-awaited; on a promise: the step re-runs), and bad checkpoints, which
 * give typed errors and leave what is stored as it was.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationError } from '../../src/core/errors.js';
import { BUNDLE_FORMAT, BUNDLE_VERSION, type ProcessBundle } from '../../src/persistence/bundle.js';
import { CorruptCheckpointError, UnknownProcessClassError } from '../../src/persistence/errors.js';
import { MemoryPersister } from '../../src/persistence/memory.js';
import {
  Continue, if_, InvalidCommandError, KilledError, NotSerializableError, Process, ProcessDefinitionError, PortValidationError,
  registerProcesses, Wait, while_, WorkChain, type ProcessSpec, type WorkChainSpec,
} from '../../src/process/index.js';
import { CrashablePersister, tick, until } from './helpers.js';

/** Loops, branches and emits, so that checkpoints are taken inside a while and an if. */
class Collatz extends WorkChain<{ n: number }, { steps: number; path: number[] }, { n: number; path: number[] }> {
  static override define(spec: WorkChainSpec<Collatz>): void {
    super.define(spec);
    spec.input('n');
    spec.output('steps');
    spec.output('path');
    spec.outline((s) => [s.init, while_(s.notOne)(if_(s.isEven)(s.half).else_(s.triple, s.plusOne), s.record), s.finish]);
  }

  init(): void { this.ctx.n = this.inputs.n; this.ctx.path = [this.inputs.n]; }
  notOne(): boolean { return this.ctx.n !== 1; }
  isEven(): boolean { return this.ctx.n % 2 === 0; }
  half(): void { this.ctx.n /= 2; }
  triple(): void { this.ctx.n *= 3; }
  plusOne(): void { this.ctx.n += 1; }
  record(): void { this.ctx.path.push(this.ctx.n); }
  finish(): void {
    this.out('path', this.ctx.path);
    this.out('steps', this.ctx.path.length - 1);
  }
}

describe('automatic checkpoints', () => {
  it('a process with a persister checkpoints after every step, ending with its final state', async () => {
    const persister = new CrashablePersister();
    const chain = new Collatz({ n: 6 }, { persister });
    const outputs = await chain.execute();
    assert.deepEqual(outputs, { path: [6, 3, 10, 5, 16, 8, 4, 2, 1], steps: 8 });
    const history = persister.history(chain.pid);
    // run→init, then one checkpoint per outline step (conditions run with the step they lead to).
    assert.ok(history.length > 10, `${history.length} checkpoints`);
    assert.equal(history[0]!.state.state, 'RUNNING');
    assert.deepEqual(history[0]!.state.step, { name: 'run', args: [] });
    assert.equal(history.at(-1)!.state.state, 'FINISHED');
    assert.deepEqual(history.at(-1)!.state.outputs, outputs);
    const latest = await persister.loadCheckpoint(chain.pid);
    assert.deepEqual(latest.bundle, history.at(-1));
    // Positions inside the while and inside the if's else branch were captured.
    const positions = history.map((b) => JSON.stringify((b.state.workchain as { position: unknown }).position));
    assert.ok(positions.includes('{"i":1,"at":{"body":{"i":0,"at":{"branch":1,"body":{"i":1}}}}}'), 'between triple and plusOne');
    assert.ok(positions.includes('{"i":1,"at":{"body":{"i":1}}}'), 'before record');
  });

  it('restarting from any of those checkpoints finishes with the same outputs', async () => {
    const persister = new CrashablePersister();
    const chain = new Collatz({ n: 7 }, { persister });
    const expected = await chain.execute();
    const history = persister.history(chain.pid);
    for (const bundle of history) {
      const restored = await Collatz.fromBundle(bundle);
      assert.deepEqual(await restored.execute(), expected, `from ${JSON.stringify((bundle.state.workchain as { position: unknown }).position)}`);
    }
  });

  it('Cls.load(persister, pid) goes on from the latest checkpoint and keeps checkpointing there', async () => {
    const persister = new CrashablePersister();
    persister.crashAfter = 3; // the rest of the run is lost, as if the program died after its third checkpoint
    const chain = new Collatz({ n: 3 }, { persister });
    await chain.execute();
    persister.revive();
    const restored = await Collatz.load(persister, chain.pid);
    assert.equal(restored.pid, chain.pid);
    assert.equal(restored.state, 'RUNNING');
    assert.deepEqual(await restored.execute(), { path: [3, 10, 5, 16, 8, 4, 2, 1], steps: 7 });
    assert.equal((await persister.loadCheckpoint(chain.pid)).bundle.state.state, 'FINISHED');
  });
});

describe('save() and fromBundle in every state', () => {
  class Plain extends Process<{ x: number }, { y: number }> {
    static override define(spec: ProcessSpec): void {
      super.define(spec);
      spec.input('x');
      spec.output('y');
    }

    override run(): unknown {
      this.out('y', this.inputs.x);
      return Wait(this.resumed, 'waiting for a factor');
    }

    resumed(factor: number): unknown {
      if (factor === 0) throw new RangeError('zero');
      if (factor < 0) return Continue(this.resumed, -factor);
      return this.inputs.x * factor;
    }
  }

  const roundTrip = async (p: Process): Promise<Plain> => Plain.fromBundle(JSON.parse(JSON.stringify(p.save())) as ProcessBundle);

  it('CREATED: restored with its inputs, it runs from the start', async () => {
    const restored = await roundTrip(new Plain({ x: 2 }));
    assert.equal(restored.state, 'CREATED');
    assert.deepEqual(restored.inputs, { x: 2 });
    const done = restored.execute();
    restored.resume(3);
    await done;
    assert.equal(restored.result(), 6);
  });

  it('WAITING (and paused): restored waiting, with its status and outputs; resume goes on', async () => {
    const p = new Plain({ x: 5 });
    void p.stepUntilTerminated();
    p.pause('held');
    const restored = await roundTrip(p);
    assert.equal(restored.pid, p.pid);
    assert.equal(restored.state, 'WAITING');
    assert.equal(restored.paused, true);
    assert.equal(restored.status, 'held');
    assert.deepEqual(restored.outputs, { y: 5 });
    const done = restored.execute();
    restored.resume(4);
    await tick();
    assert.equal(restored.state, 'WAITING', 'still paused');
    restored.play();
    assert.deepEqual(await done, { y: 5 });
    assert.equal(restored.result(), 20);
    p.kill();
  });

  it('a resume given before the checkpoint is kept in it', async () => {
    const p = new Plain({ x: 5 });
    p.pause();
    void p.stepUntilTerminated();
    p.play();
    await tick();
    p.pause();
    p.resume(-2);
    const restored = await roundTrip(p);
    restored.play();
    await restored.execute();
    assert.equal(restored.result(), 10);
    p.kill();
  });

  it('FINISHED, KILLED and EXCEPTED are restored as such (the error keeps its class)', async () => {
    const finished = new Plain({ x: 1 });
    const f = finished.execute();
    finished.resume(7);
    await f;
    const rf = await roundTrip(finished);
    assert.equal(rf.state, 'FINISHED');
    assert.equal(rf.result(), 7);
    assert.deepEqual(await rf.execute(), { y: 1 });

    const killed = new Plain({ x: 1 });
    killed.kill('bye');
    const rk = await roundTrip(killed);
    assert.equal(rk.state, 'KILLED');
    await assert.rejects(rk.execute(), (e) => e instanceof KilledError && e.message === 'bye');

    const excepted = new Plain({ x: 1 });
    const e = excepted.execute().catch(() => undefined);
    excepted.resume(0);
    await e;
    const re = await roundTrip(excepted);
    assert.equal(re.state, 'EXCEPTED');
    assert.ok(re.exception instanceof Error);
    assert.equal((re.exception as Error).message, 'zero');
  });

  it('a checkpoint taken inside a step re-runs that step (the notebook\'s tagged checkpoints)', async () => {
    const persister = new MemoryPersister();
    class Tags extends WorkChain<object, object, { step: number }> {
      static override define(spec: WorkChainSpec<Tags>): void {
        super.define(spec);
        spec.outline((s) => [s.a, s.b]);
      }

      a(): void { this.ctx.step = 1; void persister.saveCheckpoint(this, 'a'); }
      b(): void { this.ctx.step += 1; void persister.saveCheckpoint(this, 'b'); }
    }
    const chain = new Tags();
    await chain.execute();
    assert.equal(chain.ctx.step, 2);
    const atB = await (await persister.loadCheckpoint(chain.pid, 'b')).unbundle<Tags>();
    assert.ok(atB instanceof Tags);
    assert.equal(atB.ctx.step, 2);
    await atB.execute();
    assert.equal(atB.ctx.step, 3, 'step b ran again on top of its own effect');
  });
});

describe('restoring a chain that was waiting', () => {
  const runs = { launch: 0, promise: 0 };

  class SlowChild extends Process<{ x: number }, { y: number }> {
    static override define(spec: ProcessSpec): void {
      super.define(spec);
      spec.input('x');
      spec.output('y');
    }

    override async run(): Promise<void> {
      await tick(30);
      this.out('y', this.inputs.x + 100);
    }
  }

  class Launcher extends WorkChain<{ xs: number[] }, { ys: number[] }, { a?: { y: number }; b?: { y: number } }> {
    static override define(spec: WorkChainSpec<Launcher>): void {
      super.define(spec);
      spec.input('xs');
      spec.output('ys');
      spec.outline((s) => [s.go, s.sum]);
    }

    go(): void {
      runs.launch += 1;
      this.toContext({ a: this.launch(SlowChild, { x: this.inputs.xs[0]! }), b: this.launch(SlowChild, { x: this.inputs.xs[1]! }) });
    }

    sum(): void {
      this.out('ys', [this.ctx.a!.y, this.ctx.b!.y]);
    }
  }

  class OnPromise extends WorkChain<object, { total: number }, { count: number; value?: number }> {
    static override define(spec: WorkChainSpec<OnPromise>): void {
      super.define(spec);
      spec.output('total');
      spec.outline((s) => [s.init, s.wait, s.finish]);
    }

    init(): void { this.ctx.count = 0; }

    wait(): void {
      runs.promise += 1;
      this.ctx.count += 1;
      this.toContext({ value: new Promise((r) => setTimeout(() => r(41), 20)) });
    }

    finish(): void { this.out('total', this.ctx.value! + this.ctx.count); }
  }

  it('on child processes: the children are reloaded from their own checkpoints and re-awaited, the step is not re-run', async () => {
    const persister = new CrashablePersister();
    const chain = new Launcher({ xs: [1, 2] }, { persister });
    const done = chain.stepUntilTerminated();
    await until(() => chain.state === 'WAITING');
    await tick(5);
    persister.crash();
    chain.kill('the program died'); // stops the old objects; being crashed, they store nothing more
    await done;
    const restarted = new CrashablePersister(persister.inner); // the next program, on the same store
    const runsBefore = runs.launch;
    const stored = await restarted.loadCheckpoint(chain.pid);
    assert.equal(stored.bundle.state.state, 'WAITING');
    const restored = await Launcher.load(restarted, chain.pid);
    assert.equal(restored.state, 'WAITING');
    assert.deepEqual(await restored.execute(), { ys: [101, 102] });
    assert.equal(runs.launch, runsBefore, 'the launching step did not run again');
    const awaited = (stored.bundle.state.workchain as { awaiting: { pid: string }[] }).awaiting.map((a) => a.pid);
    for (const pid of awaited) assert.equal((await restarted.loadCheckpoint(pid)).bundle.state.state, 'FINISHED', 'the same children finished');
  });

  it('on a promise: the chain is rewound to before the step that made it, which runs again to the same outputs', async () => {
    const uninterrupted = await new OnPromise().execute();
    assert.deepEqual(uninterrupted, { total: 42 });
    const persister = new CrashablePersister();
    const chain = new OnPromise(undefined, { persister });
    const done = chain.stepUntilTerminated();
    assert.equal(chain.state, 'WAITING');
    persister.crash();
    chain.kill();
    await done;
    const before = runs.promise;
    const restored = await OnPromise.load(new CrashablePersister(persister.inner), chain.pid);
    assert.equal(restored.state, 'RUNNING');
    assert.deepEqual(restored.ctx, { count: 0 }, 'ctx as it was before the step');
    assert.deepEqual(await restored.execute(), uninterrupted);
    assert.equal(runs.promise, before + 1, 'the step ran again');
  });

  it('without a persister to reload children from, a waiting chain is rewound as well', async () => {
    const persister = new CrashablePersister();
    const chain = new Launcher({ xs: [3, 4] }, { persister });
    const done = chain.stepUntilTerminated();
    await until(() => chain.state === 'WAITING');
    const bundle = chain.save();
    chain.kill();
    await done;
    const restored = await Launcher.fromBundle(bundle);
    assert.equal(restored.state, 'RUNNING');
    assert.deepEqual(await restored.execute(), { ys: [103, 104] });
  });
});

describe('bad input and bad checkpoints: typed errors, stored checkpoints intact', () => {
  let broken = true;

  class Fragile extends WorkChain<{ n: number }, { out: number }, { n: number; when?: unknown }> {
    static override define(spec: WorkChainSpec<Fragile>): void {
      super.define(spec);
      spec.input('n', { validator: (v) => typeof v === 'number' || 'expected a number' });
      spec.output('out');
      spec.outline((s) => [s.first, s.second, s.third]);
    }

    first(): void { this.ctx.n = this.inputs.n; }

    second(): unknown {
      if (broken) return Continue(this.third);
      this.ctx.n += 1;
      return undefined;
    }

    third(): void { this.out('out', this.ctx.n); }
  }

  it('an invalid input or an unknown port: the error, and nothing stored', async () => {
    const persister = new MemoryPersister();
    assert.throws(() => new Fragile({ n: 'one' as never }, { persister }), PortValidationError);
    assert.throws(() => new Fragile({ n: 1, m: 2 } as never, { persister }), /inputs\.m is not a port of Fragile/);
    assert.deepEqual(await persister.getCheckpoints(), []);
  });

  it('a command returned where it does not belong: InvalidCommandError, and the last good checkpoint stays, so a fixed program goes on from it', async () => {
    const persister = new CrashablePersister();
    broken = true;
    const chain = new Fragile({ n: 1 }, { persister });
    await assert.rejects(chain.execute(), InvalidCommandError);
    assert.equal(chain.state, 'EXCEPTED');
    const latest = (await persister.loadCheckpoint(chain.pid)).bundle;
    assert.deepEqual(latest, persister.history(chain.pid).at(-1), 'nothing written after the failure');
    assert.equal(latest.state.state, 'RUNNING');
    assert.deepEqual((latest.state.workchain as { position: unknown }).position, { i: 1 }, 'at the failing step');
    broken = false;
    const fixed = await Fragile.load(persister, chain.pid);
    assert.deepEqual(await fixed.execute(), { out: 2 });
  });

  it('a ctx value that is not JSON: NotSerializableError naming it, and the last good checkpoint stays', async () => {
    const persister = new CrashablePersister();
    class Dated extends Fragile {
      override first(): void {
        super.first();
        this.ctx.when = new Date(0);
      }
    }
    const chain = new Dated({ n: 1 }, { persister });
    await assert.rejects(chain.execute(), (e) => e instanceof NotSerializableError && e.path === 'ctx.when' && /ctx\.when is an instance of Date/.test(e.message));
    assert.equal((await persister.loadCheckpoint(chain.pid)).bundle.state.state, 'RUNNING');
    assert.deepEqual((await persister.loadCheckpoint(chain.pid)).bundle.state.step, { name: 'run', args: [] });
  });

  it('a corrupted checkpoint: CorruptCheckpointError naming what is wrong, and the stored checkpoint is unchanged', async () => {
    const persister = new MemoryPersister();
    broken = false;
    const chain = new Fragile({ n: 1 });
    const good = chain.save();
    const corrupt = (change: (state: Record<string, unknown>) => void): ProcessBundle => {
      const bundle = JSON.parse(JSON.stringify(good)) as ProcessBundle;
      change(bundle.state as Record<string, unknown>);
      return bundle;
    };
    const cases: [string, ProcessBundle, RegExp][] = [
      ['state', corrupt((s) => { s.state = 'SLEEPING'; }), /"state" must be one of CREATED/],
      ['inputs', corrupt((s) => { delete s.inputs; }), /"inputs" must be an object/],
      ['step', corrupt((s) => { s.state = 'RUNNING'; s.step = { name: 'nonexistent', args: [] }; }), /its step "nonexistent" is not a method of Fragile/],
      ['position', corrupt((s) => { (s.workchain as { position: unknown }).position = { i: 9 }; }), /workchain\.position\.i must be an integer from 0 to 3 \(has the outline of Fragile changed/],
      ['ctx', corrupt((s) => { (s.workchain as { ctx: unknown }).ctx = [1]; }), /"workchain\.ctx" must be an object/],
      ['running without step', corrupt((s) => { s.state = 'RUNNING'; }), /a RUNNING process needs its "step"/],
    ];
    for (const [what, bundle, message] of cases) {
      const pid = `corrupt-${what}`;
      const stored = { ...bundle, pid };
      await persister.saveCheckpoint({ pid, save: () => stored });
      await assert.rejects(Fragile.load(persister, pid), (e) => e instanceof CorruptCheckpointError && e.code === 'ERR_CHECKPOINT_CORRUPT' && e.pid === pid && message.test(e.message), what);
      assert.deepEqual((await persister.loadCheckpoint(pid)).bundle, stored, `${what}: stored checkpoint unchanged`);
    }
  });

  it('a bundle of an unknown class, or of another class', async () => {
    const persister = new MemoryPersister();
    const chain = new Fragile({ n: 1 });
    const other = { ...chain.save(), className: 'NoSuchProcess' };
    await persister.saveCheckpoint({ pid: chain.pid, save: () => other });
    await assert.rejects((await persister.loadCheckpoint(chain.pid)).unbundle(), (e) => e instanceof UnknownProcessClassError && /no process class is registered as "NoSuchProcess"/.test(e.message));
    await assert.rejects(Fragile.fromBundle(other), (e) => e instanceof ValidationError && /is of class "NoSuchProcess", not Fragile/.test(e.message));
    await assert.rejects(Collatz.fromBundle(chain.save()), /is of class "Fragile", not Collatz/);
    await assert.rejects(Fragile.fromBundle({ format: BUNDLE_FORMAT, version: BUNDLE_VERSION + 1 } as ProcessBundle), CorruptCheckpointError);
  });

  it('a checkpoint that cannot be written fails the process with the persister\'s error', async () => {
    const failure = new Error('disk full');
    const persister = new MemoryPersister();
    persister.saveCheckpoint = () => Promise.reject(failure);
    // Seen at the next turn of the loop: here, while the process waits.
    const waiting = new OnTimer(undefined, { persister });
    await assert.rejects(waiting.execute(), (e) => e === failure);
    assert.equal(waiting.state, 'EXCEPTED');
    // A process that ran to its end without yielding has terminated by then: its loop rejects.
    const quick = new Collatz({ n: 4 }, { persister });
    await assert.rejects(quick.stepUntilTerminated(), (e) => e === failure);
    assert.equal(quick.state, 'FINISHED');
  });
});

class OnTimer extends WorkChain {
  static override define(spec: WorkChainSpec<OnTimer>): void {
    super.define(spec);
    spec.outline((s) => [s.wait]);
  }

  wait(): void {
    this.toContext({ t: tick(20) });
  }
}

describe('class names in checkpoints', () => {
  it('two classes with one name can coexist until one is saved; a static processName tells them apart', () => {
    const makeA = () => class Twin extends Process {};
    const A = makeA();
    const B = makeA();
    new A();
    new B();
    assert.doesNotThrow(() => new A().save());
    assert.throws(() => new B().save(), (e) => e instanceof ProcessDefinitionError && /two process classes are named "Twin"/.test(e.message));
    class Renamed extends Process {
      static override processName = 'TwinRenamed';
    }
    assert.equal(new Renamed().save().className, 'TwinRenamed');
    assert.doesNotThrow(() => registerProcesses(Renamed, A));
    assert.throws(() => registerProcesses(B), ProcessDefinitionError);
  });

  it('an anonymous class cannot be checkpointed', () => {
    const Anonymous = (() => class extends Process {})();
    assert.throws(() => new Anonymous().save(), /anonymous process class/);
  });
});
