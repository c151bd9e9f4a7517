/**
 * The process state machine: states and transitions, commands (and commands where they do not
 * belong), resume, pause/play and kill in every state, listeners, results and errors.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Continue, InvalidCommandError, Kill, KilledError, Process, ProcessDefinitionError, ProcessState, ProcessStateError,
  Stop, Wait, type ProcessSpec,
} from '../../src/process/index.js';
import { recordEvents, tick } from './helpers.js';

class Steps extends Process {
  trail: string[] = [];

  override run(): unknown {
    this.trail.push('run');
    return Continue(this.second, 2, 'two');
  }

  second(n: number, s: string): unknown {
    this.trail.push(`second ${n} ${s}`);
    return Wait(this.afterWait, 'waiting for a value');
  }

  afterWait(value?: number): unknown {
    this.trail.push(`afterWait ${String(value)}`);
    return Stop(value === undefined ? 'no value' : value * 10, true);
  }
}

/** Waits forever unless resumed; the first step is where tests poke at it. */
class Waiter extends Process {
  inStep: ((p: Waiter) => void) | undefined;

  override run(): unknown {
    this.inStep?.(this);
    return Wait(this.done);
  }

  done(): unknown {
    return 'done';
  }
}

describe('Process states and commands', () => {
  it('goes CREATED → RUNNING → WAITING → RUNNING → FINISHED, emitting running only on entering RUNNING', async () => {
    const p = new Steps();
    const events = recordEvents(p);
    assert.equal(p.state, ProcessState.CREATED);
    const done = p.execute();
    assert.equal(p.state, 'WAITING', 'steps run synchronously up to the wait');
    assert.equal(p.status, 'waiting for a value');
    assert.deepEqual(p.trail, ['run', 'second 2 two']);
    p.resume(4);
    assert.deepEqual(await done, {});
    assert.equal(p.state, 'FINISHED');
    assert.equal(p.result(), 40);
    assert.equal(p.isSuccessful, true);
    assert.equal(p.status, undefined);
    assert.deepEqual(p.trail, ['run', 'second 2 two', 'afterWait 4']);
    assert.deepEqual(events, ['running:RUNNING', 'waiting:WAITING', 'running:RUNNING', 'finished:FINISHED']);
  });

  it('resume() without a value calls the wait step without arguments', async () => {
    const p = new Steps();
    const done = p.execute();
    p.resume();
    await done;
    assert.equal(p.result(), 'no value');
  });

  it('a plain return value is Stop(value, true); Stop(x, false) finishes unsuccessfully', async () => {
    class Returns extends Process {
      override run(): unknown {
        return { answer: 42 };
      }
    }
    class Fails extends Process {
      override run(): unknown {
        return Stop('partial', false);
      }
    }
    const r = new Returns();
    await r.execute();
    assert.deepEqual(r.result(), { answer: 42 });
    assert.equal(r.isSuccessful, true);
    const f = new Fails();
    assert.deepEqual(await f.execute(), {}, 'execute returns the outputs even when unsuccessful');
    assert.equal(f.state, 'FINISHED');
    assert.equal(f.isSuccessful, false);
    assert.equal(f.result(), 'partial');
  });

  it('a step that throws makes the process EXCEPTED: execute rejects with the error, result() throws it', async () => {
    const boom = new RangeError('boom');
    class Throws extends Process {
      override run(): unknown {
        throw boom;
      }
    }
    const p = new Throws();
    const events = recordEvents(p);
    await assert.rejects(p.execute(), (error) => error === boom);
    assert.equal(p.state, 'EXCEPTED');
    assert.equal(p.exception, boom);
    assert.throws(() => p.result(), (error) => error === boom);
    assert.equal(p.isSuccessful, false);
    assert.deepEqual(events, ['running:RUNNING', 'excepted:EXCEPTED']);
  });

  it('an async step is awaited; the process stays RUNNING meanwhile', async () => {
    class Async extends Process {
      override async run(): Promise<unknown> {
        await tick(5);
        return Continue(this.after);
      }

      after(): unknown {
        return 'after';
      }
    }
    const p = new Async();
    const done = p.execute();
    assert.equal(p.state, 'RUNNING');
    await done;
    assert.equal(p.result(), 'after');
  });

  it('Kill(message) from a step: KILLED, the message is the status, execute rejects with KilledError', async () => {
    class Killer extends Process {
      override run(): unknown {
        return Kill('enough');
      }
    }
    const p = new Killer();
    await assert.rejects(p.execute(), (error) => error instanceof KilledError && error.code === 'ERR_PROCESS_KILLED' && error.message === 'enough');
    assert.equal(p.state, 'KILLED');
    assert.equal(p.status, 'enough');
    assert.throws(() => p.result(), KilledError);
  });

  it('result() before the process terminated is a ProcessStateError', () => {
    assert.throws(() => new Steps().result(), (error) => error instanceof ProcessStateError && /has not terminated \(it is CREATED\)/.test(error.message));
  });

  it('pids are unique random UUIDs unless given', () => {
    const a = new Steps();
    const b = new Steps();
    assert.notEqual(a.pid, b.pid);
    assert.match(a.pid, /^[0-9a-f-]{36}$/);
    assert.equal(new Steps(undefined, { pid: 'mine' }).pid, 'mine');
  });

  it('a define() without super.define(spec) is a ProcessDefinitionError', () => {
    class Forgetful extends Process {
      static override define(_spec: ProcessSpec): void {}
    }
    assert.throws(() => new Forgetful(), (error) => error instanceof ProcessDefinitionError && /must call super\.define/.test(error.message));
  });
});

describe('commands where they do not belong', () => {
  it('Continue with an arrow function (not a method) is an InvalidCommandError naming the fix', async () => {
    class Arrow extends Process {
      override run(): unknown {
        return Continue(() => 'nope');
      }
    }
    const p = new Arrow();
    await assert.rejects(p.execute(), (error) => error instanceof InvalidCommandError && error.code === 'ERR_PROCESS_COMMAND' && /must be a method of Arrow/.test(error.message));
    assert.equal(p.state, 'EXCEPTED');
  });

  it('Wait with a bound method is refused too (a checkpoint could not name it)', async () => {
    class Bound extends Process {
      override run(): unknown {
        return Wait(this.later.bind(this));
      }

      later(): void {}
    }
    await assert.rejects(new Bound().execute(), InvalidCommandError);
  });

  it('Continue(step) with something that is not a function is refused when the command is made', () => {
    assert.throws(() => Continue(undefined as never), (error) => error instanceof InvalidCommandError && /needs a method/.test(error.message));
  });

  it('resume() when the process is not WAITING is a ProcessStateError, in every such state', async () => {
    const created = new Waiter();
    assert.throws(() => created.resume(), (error) => error instanceof ProcessStateError && /is CREATED, not WAITING/.test(error.message));
    const running = new Waiter();
    let inside: unknown;
    running.inStep = (p) => {
      try {
        p.resume();
      } catch (error) {
        inside = error;
      }
    };
    const done = running.execute();
    assert.ok(inside instanceof ProcessStateError && /is RUNNING/.test(inside.message));
    running.resume();
    await done;
    assert.throws(() => running.resume(), /is FINISHED, not WAITING/);
  });

  it('a second resume() before the process moved on is ignored', async () => {
    const p = new Steps();
    const done = p.execute();
    p.resume(1);
    p.resume(2);
    await done;
    assert.equal(p.result(), 10);
  });
});

describe('kill in every state', () => {
  it('CREATED: killed at once; execute() then rejects with KilledError', async () => {
    const p = new Waiter();
    assert.equal(p.kill('not needed'), true);
    assert.equal(p.state, 'KILLED');
    assert.equal(p.status, 'not needed');
    await assert.rejects(p.execute(), KilledError);
  });

  it('RUNNING: takes effect when the step returns; what the step returned is dropped', async () => {
    const trail: string[] = [];
    class KillInStep extends Process {
      override run(): unknown {
        trail.push('run');
        assert.equal(this.kill('from inside'), true);
        trail.push(`still ${this.state}`);
        return Continue(this.never);
      }

      never(): void {
        trail.push('never');
      }
    }
    const p = new KillInStep();
    const events = recordEvents(p);
    await assert.rejects(p.execute(), KilledError);
    assert.deepEqual(trail, ['run', 'still RUNNING']);
    assert.equal(p.status, 'from inside');
    assert.deepEqual(events, ['running:RUNNING', 'killed:KILLED']);
  });

  it('RUNNING in an async step: the kill waits for the step to end', async () => {
    let release!: () => void;
    class Slow extends Process {
      override async run(): Promise<unknown> {
        await new Promise<void>((r) => { release = r; });
        return Continue(this.never);
      }

      never(): void {
        throw new Error('should not run');
      }
    }
    const p = new Slow();
    const done = p.stepUntilTerminated();
    assert.equal(p.kill('stop'), true);
    assert.equal(p.state, 'RUNNING');
    release();
    await done;
    assert.equal(p.state, 'KILLED');
  });

  it('WAITING: killed at once, and the stepping loop ends', async () => {
    const p = new Waiter();
    const done = p.stepUntilTerminated();
    assert.equal(p.state, 'WAITING');
    p.kill('no more waiting');
    await done;
    assert.equal(p.state, 'KILLED');
    assert.equal(p.status, 'no more waiting');
  });

  it('paused: killed at once, the pause released', async () => {
    const p = new Waiter();
    p.pause();
    const done = p.stepUntilTerminated();
    await tick();
    assert.equal(p.state, 'CREATED');
    p.kill();
    await done;
    assert.equal(p.state, 'KILLED');
    assert.equal(p.paused, false);
    await assert.rejects(p.execute(), (error) => error instanceof KilledError && /was killed/.test(error.message));
  });

  it('terminated: kill, pause and play return false and change nothing', async () => {
    const p = new Steps();
    const done = p.execute();
    p.resume(1);
    await done;
    assert.equal(p.kill(), false);
    assert.equal(p.pause(), false);
    assert.equal(p.play(), false);
    assert.equal(p.state, 'FINISHED');
  });
});

describe('pause and play', () => {
  it('CREATED: a paused process does not start until played', async () => {
    const p = new Steps();
    const events = recordEvents(p);
    assert.equal(p.pause('hold on'), true);
    assert.equal(p.paused, true);
    assert.equal(p.status, 'hold on');
    const done = p.stepUntilTerminated();
    await tick(5);
    assert.equal(p.state, 'CREATED');
    assert.equal(p.play(), true);
    await tick();
    assert.equal(p.state, 'WAITING');
    p.resume(1);
    await done;
    assert.deepEqual(events, ['paused:CREATED', 'played:CREATED', 'running:RUNNING', 'waiting:WAITING', 'running:RUNNING', 'finished:FINISHED']);
  });

  it('RUNNING: the pause takes effect before the next step; the current step completes', async () => {
    const trail: string[] = [];
    class Pausing extends Process {
      override run(): unknown {
        this.pause();
        trail.push(`paused during step: ${String(this.paused)}`);
        return Continue(this.next);
      }

      next(): void {
        trail.push('next');
      }
    }
    const p = new Pausing();
    const done = p.stepUntilTerminated();
    assert.deepEqual(trail, ['paused during step: false']);
    assert.equal(p.paused, true);
    assert.equal(p.state, 'RUNNING', 'pausing does not change the state');
    await tick(5);
    assert.deepEqual(trail, ['paused during step: false']);
    p.play();
    await done;
    assert.deepEqual(trail, ['paused during step: false', 'next']);
  });

  it('RUNNING: play() before the step ends cancels the pause', async () => {
    class PausePlay extends Process {
      override run(): unknown {
        this.pause();
        this.play();
        return Continue(this.next);
      }

      next(): string {
        return 'ran on';
      }
    }
    const p = new PausePlay();
    const events = recordEvents(p);
    await p.execute();
    assert.equal(p.result(), 'ran on');
    assert.ok(!events.some((e) => e.startsWith('paused')), 'it never paused');
  });

  it('WAITING: a resumed process stays put while paused, and goes on when played', async () => {
    const p = new Waiter();
    const done = p.stepUntilTerminated();
    p.pause();
    assert.equal(p.paused, true);
    p.resume();
    await tick(5);
    assert.equal(p.state, 'WAITING');
    p.play();
    await done;
    assert.equal(p.state, 'FINISHED');
  });
});

describe('listeners', () => {
  class Emits extends Process {
    static override define(spec: ProcessSpec): void {
      super.define(spec);
      spec.output('x');
    }

    override run(): unknown {
      this.out('x', 1);
      return Wait(this.finish);
    }

    finish(): void {}
  }

  it('a listener object gets each event with its arguments; off() removes it', async () => {
    const calls: unknown[][] = [];
    const p = new Emits();
    const subscription = p.addProcessListener({
      onProcessRunning: (proc) => calls.push(['running', proc === p]),
      onOutputEmitted: (_proc, path, value, dynamic) => calls.push(['output', path, value, dynamic]),
      onProcessWaiting: (proc) => {
        calls.push(['waiting']);
        proc.resume();
      },
      onProcessFinished: (_proc, outputs) => calls.push(['finished', outputs]),
    });
    await p.execute();
    assert.deepEqual(calls, [['running', true], ['output', 'x', 1, false], ['waiting'], ['running', true], ['finished', { x: 1 }]]);
    subscription.off();
    const q = new Emits();
    q.addProcessListener({ onProcessWaiting: (proc) => proc.resume() });
    await q.execute();
    assert.equal(calls.length, 5);
  });

  it('on(event) subscribes to one event; an unknown event is refused', async () => {
    const p = new Emits();
    const killed: (string | undefined)[] = [];
    p.on('killed', (_proc, message) => killed.push(message));
    p.on('waiting', (proc) => proc.kill('from a listener'));
    await assert.rejects(p.execute(), KilledError);
    assert.deepEqual(killed, ['from a listener']);
    assert.throws(() => p.on('finish' as never, () => undefined), /has no event 'finish'/);
  });

  it('paused and played events; excepted gets the error', async () => {
    const p = new Waiter();
    const seen: string[] = [];
    p.addProcessListener({
      onProcessPaused: () => seen.push('paused'),
      onProcessPlayed: () => seen.push('played'),
      onProcessExcepted: (_proc, error) => seen.push(`excepted ${(error as Error).message}`),
    });
    p.pause();
    p.play();
    p.inStep = () => { throw new Error('bad step'); };
    await assert.rejects(p.execute(), /bad step/);
    assert.deepEqual(seen, ['paused', 'played', 'excepted bad step']);
  });
});
