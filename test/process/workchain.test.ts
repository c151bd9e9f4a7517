/**
 * Work chains: the outline (if/elif/else, while, return_, nesting), definition-time errors, ctx,
 * toContext with promises, executor futures (a real ThreadExecutor), child processes and append_,
 * failures of what a chain waits on, and killing a chain with its children.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ThreadExecutor } from '../../src/executors/threads.js';
import {
  append_, AwaitableError, if_, InvalidCommandError, Kill, KilledError, Process, ProcessDefinitionError, ProcessStateError,
  return_, Stop, Wait, while_, WorkChain, type ProcessSpec, type WorkChainSpec,
} from '../../src/process/index.js';
import { tick, until } from './helpers.js';

class Branches extends WorkChain<{ n: number }, { path: string[] }, { path: string[]; i: number }> {
  static override define(spec: WorkChainSpec<Branches>): void {
    super.define(spec);
    spec.input('n');
    spec.output('path');
    spec.outline((s) => [
      s.init,
      if_(s.isSmall)(s.small).elif_(s.isMedium)(s.medium, if_(s.isFour)(s.four)).else_(s.large),
      while_(s.more)(s.count, if_(s.isTwo)(s.two)),
      s.done,
    ]);
  }

  init(): void {
    this.ctx.path = [];
    this.ctx.i = 0;
  }

  isSmall(): boolean { return this.inputs.n < 3; }
  isMedium(): boolean { return this.inputs.n < 6; }
  isFour(): boolean { return this.inputs.n === 4; }
  isTwo(): boolean { return this.ctx.i === 2; }
  more(): boolean { return this.ctx.i < 3; }
  small(): void { this.ctx.path.push('small'); }
  medium(): void { this.ctx.path.push('medium'); }
  four(): void { this.ctx.path.push('four'); }
  large(): void { this.ctx.path.push('large'); }
  count(): void { this.ctx.i += 1; this.ctx.path.push(`i${this.ctx.i}`); }
  two(): void { this.ctx.path.push('two'); }
  done(): void { this.out('path', this.ctx.path); }
}

describe('outline', () => {
  it('takes the first true branch of if/elif/else, and nests ifs in branches and whiles', async () => {
    const path = async (n: number) => (await new Branches({ n }).execute()).path;
    assert.deepEqual(await path(1), ['small', 'i1', 'i2', 'two', 'i3']);
    assert.deepEqual(await path(4), ['medium', 'four', 'i1', 'i2', 'two', 'i3']);
    assert.deepEqual(await path(5), ['medium', 'i1', 'i2', 'two', 'i3']);
    assert.deepEqual(await path(9), ['large', 'i1', 'i2', 'two', 'i3']);
  });

  it('describes itself in getDescription()', () => {
    assert.deepEqual(Branches.spec().getDescription().outline, [
      'init',
      { if: 'isSmall', then: ['small'], elif: [{ if: 'isMedium', then: ['medium', { if: 'isFour', then: ['four'] }] }], else: ['large'] },
      { while: 'more', do: ['count', { if: 'isTwo', then: ['two'] }] },
      'done',
    ]);
  });

  it('return_ ends the chain: exit code 0 is a success, another an unsuccessful finish', async () => {
    const trail: string[] = [];
    class Returns extends WorkChain<{ code: number }> {
      static override define(spec: WorkChainSpec<Returns>): void {
        super.define(spec);
        spec.input('code');
        spec.outline((s) => [s.first, while_(s.always)(if_(s.stop)(return_(7)), s.loop), s.never]);
      }

      first(): void { trail.push('first'); }
      always(): boolean { return true; }
      stop(): boolean { return this.inputs.code !== 0; }
      loop(): unknown {
        trail.push('loop');
        return this.inputs.code === 0 ? 0 : undefined;
      }

      never(): void { trail.push('never'); }
    }
    const failing = new Returns({ code: 1 });
    await failing.execute();
    assert.deepEqual(trail, ['first']);
    assert.equal(failing.result(), 7);
    assert.equal(failing.isSuccessful, false);
    // A step returning an integer is an exit code too: 0 finishes successfully, at once.
    trail.length = 0;
    const ok = new Returns({ code: 0 });
    await ok.execute();
    assert.deepEqual(trail, ['first', 'loop']);
    assert.equal(ok.result(), 0);
    assert.equal(ok.isSuccessful, true);
  });

  it('a bare return_ in the outline is return_(0)', async () => {
    class Bare extends WorkChain {
      static override define(spec: WorkChainSpec<Bare>): void {
        super.define(spec);
        spec.outline(this.prototype.a, return_, this.prototype.b);
      }

      a(): void {}
      b(): void { throw new Error('after return_'); }
    }
    const p = new Bare();
    await p.execute();
    assert.equal(p.result(), 0);
  });

  it('a step may Stop or Kill the chain', async () => {
    class Stops extends WorkChain {
      static override define(spec: WorkChainSpec<Stops>): void {
        super.define(spec);
        spec.outline((s) => [s.a, s.b]);
      }

      a(): unknown { return Stop('early', true); }
      b(): void { throw new Error('not reached'); }
    }
    class Kills extends Stops {
      override a(): unknown { return Kill('by a step'); }
    }
    const s = new Stops();
    await s.execute();
    assert.equal(s.result(), 'early');
    await assert.rejects(new Kills().execute(), (e) => e instanceof KilledError && e.message === 'by a step');
  });

  it('a step returning Continue or Wait, or a value that is not an exit code, is an InvalidCommandError', async () => {
    class Wrong extends WorkChain<{ what: string }> {
      static override define(spec: WorkChainSpec<Wrong>): void {
        super.define(spec);
        spec.input('what');
        spec.outline((s) => [s.a]);
      }

      a(): unknown {
        if (this.inputs.what === 'wait') return Wait(this.a);
        return 'a string';
      }
    }
    const waits = new Wrong({ what: 'wait' });
    await assert.rejects(waits.execute(), (e) => e instanceof InvalidCommandError && /returned a Wait command; in a work chain the outline decides/.test(e.message));
    assert.equal(waits.state, 'EXCEPTED');
    await assert.rejects(new Wrong({ what: 'string' }).execute(), /returned string; a step returns nothing, an integer exit code, or a Stop or Kill command/);
  });

  it('an empty outline finishes at once', async () => {
    class Empty extends WorkChain {}
    const p = new Empty();
    await p.execute();
    assert.equal(p.state, 'FINISHED');
  });

  it('a condition returning a promise is refused', async () => {
    class AsyncCondition extends WorkChain {
      static override define(spec: WorkChainSpec<AsyncCondition>): void {
        super.define(spec);
        spec.outline((s) => [if_(s.cond)(s.cond)]);
      }

      async cond(): Promise<boolean> { return true; }
    }
    await assert.rejects(new AsyncCondition().execute(), (e) => e instanceof ProcessDefinitionError && /conditions must be synchronous/.test(e.message));
  });
});

describe('outline definition errors', () => {
  const define = (body: (spec: WorkChainSpec, proto: Record<string, () => void>) => void) => {
    class Chain extends WorkChain {
      static override define(spec: WorkChainSpec): void {
        super.define(spec);
        body(spec, this.prototype as unknown as Record<string, () => void>);
      }

      real(): void {}
    }
    return () => Chain.spec();
  };

  it('a misspelt step through the proxy names the typo', () => {
    assert.throws(define((spec) => spec.outline((s) => [s.real, s.raal])), (e) => e instanceof ProcessDefinitionError && /names "raal", which is not a method of Chain/.test(e.message));
  });

  it('an undefined entry (a misspelt this.prototype.x), a non-method, or a machinery method is refused', () => {
    assert.throws(define((spec, p) => spec.outline(p.real!, p.raal!)), /entry 1 is undefined \(is the method name spelled right\?\)/);
    assert.throws(define((spec, p) => spec.outline(p.real!, () => undefined)), /entry 1 is not a method of Chain/);
    assert.throws(define((spec, p) => spec.outline(while_(p.real!)(p.execute!))), /"execute" is a method of the work chain machinery/);
    assert.throws(define((spec, p) => spec.outline(if_(p.nope!)(p.real!))), /condition 0 of entry 0 is undefined/);
  });

  it('elif_ after else_ is refused; return_ needs an integer', () => {
    assert.throws(() => if_(() => true)().else_().elif_(() => true), /elif_ after else_/);
    assert.throws(() => return_(1.5), /must be an integer/);
  });
});

describe('ctx and toContext', () => {
  class Waits extends WorkChain<{ kind: string }, { got: unknown }, Record<string, unknown>> {
    static executor: ThreadExecutor | undefined;

    static override define(spec: WorkChainSpec<Waits>): void {
      super.define(spec);
      spec.input('kind');
      spec.output('got');
      spec.outline((s) => [s.submit, s.collect]);
    }

    submit(): void {
      switch (this.inputs.kind) {
        case 'promise':
          this.toContext({ a: new Promise((r) => setTimeout(() => r('later'), 5)), b: Promise.resolve(2) });
          break;
        case 'future':
          this.toContext({ a: this.executor.submit((x: number) => x * x, [12]) });
          break;
        case 'reject':
          this.toContext({ a: Promise.reject(new RangeError('nope')) });
          break;
        case 'not awaitable':
          this.toContext({ a: 42 as never });
          break;
        default:
          break;
      }
    }

    collect(): void {
      this.out('got', { ...this.ctx });
    }
  }

  it('a chain waiting on promises is WAITING, then finds their results in ctx, in the order given', async () => {
    const p = new Waits({ kind: 'promise' });
    const done = p.execute();
    assert.equal(p.state, 'WAITING');
    assert.equal(p.status, 'Waiting for a, b');
    assert.deepEqual(await done, { got: { a: 'later', b: 2 } });
    assert.deepEqual(Object.keys(p.ctx), ['a', 'b'], 'declaration order, not completion order');
  });

  it('waits on a Future from a real ThreadExecutor task', async () => {
    const executor = new ThreadExecutor({ workers: 1 });
    try {
      const p = new Waits({ kind: 'future' }, { executor });
      assert.deepEqual(await p.execute(), { got: { a: 144 } });
    } finally {
      await executor.shutdown();
    }
  });

  it('a rejected awaitable excepts the chain with an AwaitableError naming the key', async () => {
    const p = new Waits({ kind: 'reject' });
    await assert.rejects(p.execute(), (e) => e instanceof AwaitableError && e.key === 'a' && e.code === 'ERR_PROCESS_AWAITABLE' && (e.cause as Error).message === 'nope');
    assert.equal(p.state, 'EXCEPTED');
  });

  it('something that is not awaitable is refused at toContext', async () => {
    await assert.rejects(new Waits({ kind: 'not awaitable' }).execute(), /toContext: "a" is not awaitable/);
  });

  it('toContext and this.executor outside what they need are ProcessStateErrors', () => {
    const p = new Waits({ kind: 'none' });
    assert.throws(() => p.toContext({ a: Promise.resolve(1) }), (e) => e instanceof ProcessStateError && /only a running step/.test(e.message));
    assert.throws(() => p.executor, /has no executor/);
  });
});

class Child extends Process<{ x: number; fail?: boolean; wait?: boolean }, { y: number }> {
  static override define(spec: ProcessSpec): void {
    super.define(spec);
    spec.input('x');
    spec.input('fail', { required: false });
    spec.input('wait', { required: false });
    spec.output('y');
  }

  override run(): unknown {
    if (this.inputs.fail) throw new Error(`child ${this.inputs.x} failed`);
    if (this.inputs.wait) return Wait(this.finish);
    this.out('y', this.inputs.x * 10);
    return undefined;
  }

  finish(): void {
    this.out('y', -1);
  }
}

class Parent extends WorkChain<{ xs: number[]; fail?: boolean; wait?: boolean }, { ys: number[] }, { children: { y: number }[]; first?: { y: number } }> {
  static override define(spec: WorkChainSpec<Parent>): void {
    super.define(spec);
    spec.input('xs');
    spec.input('fail', { required: false });
    spec.input('wait', { required: false });
    spec.output('ys');
    spec.outline((s) => [s.launchAll, s.gather]);
  }

  launched: Process[] = [];

  launchAll(): void {
    for (const x of this.inputs.xs) {
      const child = this.launch(Child, { x, fail: this.inputs.fail && x === 2, wait: this.inputs.wait });
      this.launched.push(child);
      this.toContext({ children: append_(child) });
    }
  }

  gather(): void {
    this.out('ys', this.ctx.children.map((c) => c.y));
  }
}

describe('child processes', () => {
  it('launch starts children once the step has returned; their outputs are appended to ctx', async () => {
    const p = new Parent({ xs: [1, 2, 3] });
    const done = p.execute();
    assert.ok(p.launched.every((c) => c.state === 'CREATED'), 'not started inside the step');
    assert.deepEqual(await done, { ys: [10, 20, 30] });
    assert.ok(p.launched.every((c) => c.state === 'FINISHED'));
  });

  it('a failed child excepts the parent with an AwaitableError whose cause is the child\'s error', async () => {
    const p = new Parent({ xs: [1, 2], fail: true });
    await assert.rejects(p.execute(), (e) => e instanceof AwaitableError && e.key === 'children' && /ended EXCEPTED: child 2 failed/.test(e.message));
  });

  it('killing a waiting chain kills the children it launched, with a message naming it', async () => {
    const p = new Parent({ xs: [1, 2], wait: true });
    const done = p.stepUntilTerminated();
    await until(() => p.launched.every((c) => c.state === 'WAITING'));
    p.kill('stop everything');
    await done;
    assert.equal(p.state, 'KILLED');
    for (const child of p.launched) {
      assert.equal(child.state, 'KILLED');
      assert.match(child.status ?? '', /killed with its parent Parent/);
    }
  });

  it('a killed chain cancels the executor futures it waited on', async () => {
    const executor = new ThreadExecutor({ workers: 1 });
    try {
      class Sleeper extends WorkChain {
        future: { state: string } | undefined;

        static override define(spec: WorkChainSpec<Sleeper>): void {
          super.define(spec);
          spec.outline((s) => [s.go]);
        }

        go(): void {
          const future = this.executor.submit(() => { const end = Date.now() + 2_000; while (Date.now() < end); return 1; }, []);
          this.future = future;
          this.toContext({ slow: future });
        }
      }
      const p = new Sleeper(undefined, { executor });
      const done = p.stepUntilTerminated();
      await tick(20);
      p.kill();
      await done;
      await until(() => p.future!.state === 'cancelled');
    } finally {
      await executor.shutdown({ cancelPending: true });
    }
  });
});
