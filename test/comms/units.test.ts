// Pieces of the communicators that need no broker: filters, password masking, loading ioredis.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MissingDependencyError } from '../../src/comms/errors.js';
import { compileFilter, compileMatcher } from '../../src/comms/filter.js';
import { loadIoredis } from '../../src/comms/redis/load.js';
import { connectionError, redactUrl, scrub, secretsOf } from '../../src/comms/redis/secrets.js';

describe('broadcast filters', () => {
  it('absent matches everything, a plain string only itself', () => {
    assert.equal(compileMatcher(undefined)(undefined), true);
    assert.equal(compileMatcher(undefined)('x'), true);
    const exact = compileMatcher('state.running');
    assert.equal(exact('state.running'), true);
    assert.equal(exact('stateXrunning'), false, 'a dot is not a wildcard');
    assert.equal(exact('state.running.x'), false);
    assert.equal(exact(undefined), false);
  });

  it('* matches any run (dots included), ? one character, over the whole value', () => {
    const glob = compileMatcher('state_changed.*');
    assert.equal(glob('state_changed.created'), true);
    assert.equal(glob('state_changed.running.finished'), true);
    assert.equal(glob('state_changed.'), true);
    assert.equal(glob('state_changed'), false);
    assert.equal(glob('x.state_changed.created'), false);
    assert.equal(compileMatcher('proc-?')('proc-7'), true);
    assert.equal(compileMatcher('proc-?')('proc-77'), false);
    assert.equal(compileMatcher('*')(''), true);
  });

  it('regular-expression characters in a pattern are literal', () => {
    assert.equal(compileMatcher('a+b(c)*')('a+b(c)zz'), true);
    assert.equal(compileMatcher('a+b(c)*')('aab(c)zz'), false);
    assert.equal(compileMatcher('[x]*')('[x]1'), true);
    assert.equal(compileMatcher('^$*')('^$'), true);
  });

  it('a filter needs subject and sender to match', () => {
    const matches = compileFilter({ subject: 's.*', sender: 'p1' });
    assert.equal(matches({ body: 1, subject: 's.a', sender: 'p1' }), true);
    assert.equal(matches({ body: 1, subject: 's.a', sender: 'p2' }), false);
    assert.equal(matches({ body: 1, sender: 'p1' }), false);
    assert.equal(compileFilter()({ body: 1 }), true);
  });
});

describe('password masking', () => {
  it('redactUrl masks the password and keeps user, host, port and db', () => {
    assert.equal(redactUrl('redis://user:pa55@host:6380/2'), 'redis://user:***@host:6380/2');
    assert.equal(redactUrl('rediss://:pa55@host'), 'rediss://:***@host');
    assert.equal(redactUrl('redis://host:6379'), 'redis://host:6379');
    assert.equal(redactUrl('not a url with pa55'), '<unparseable URL>');
  });

  it('secretsOf finds the encoded and decoded password and the one in options; scrub masks them all', () => {
    const secrets = secretsOf('redis://u:p%40ss%2Fw@h', { password: 'other-secret' });
    assert.deepEqual(new Set(secrets), new Set(['p%40ss%2Fw', 'p@ss/w', 'other-secret']));
    assert.equal(scrub('a p@ss/w b p%40ss%2Fw c other-secret', secrets), 'a *** b *** c ***');
    assert.deepEqual(secretsOf('redis://h'), []);
  });

  it('connectionError keeps no trace of the command arguments ioredis attaches', () => {
    const original = Object.assign(new Error('WRONGPASS invalid username-password pair'), {
      command: { name: 'auth', args: ['user', 'hunter2'] }, code: 'WRONGPASS',
    });
    const error = connectionError('Cannot connect to redis://user:***@h', original, ['hunter2']);
    assert.equal(error.code, 'ERR_COMMS_CONNECTION');
    assert.match(error.message, /^Cannot connect to redis:\/\/user:\*\*\*@h: WRONGPASS/);
    const cause = error.cause as Error & { command?: unknown; code?: string };
    assert.equal(cause.command, undefined);
    assert.equal(cause.code, 'WRONGPASS');
  });
});

describe('loading ioredis', () => {
  it('loads the installed package', async () => {
    assert.equal(typeof (await loadIoredis()), 'function');
  });

  it('a missing package is a MissingDependencyError that says what to install', async () => {
    const missing = Object.assign(new Error("Cannot find package 'ioredis'"), { code: 'ERR_MODULE_NOT_FOUND' });
    const error = await loadIoredis(() => Promise.reject(missing)).then(() => assert.fail('expected a failure'), (e: unknown) => e);
    assert.ok(error instanceof MissingDependencyError);
    assert.equal(error.code, 'ERR_MISSING_DEPENDENCY');
    assert.equal(error.dependency, 'ioredis');
    assert.match(error.message, /npm install ioredis/);
    assert.equal(error.cause, missing);
  });

  it('other import failures are not disguised', async () => {
    const broken = new SyntaxError('Unexpected token');
    await assert.rejects(loadIoredis(() => Promise.reject(broken)), (e) => e === broken);
  });
});
