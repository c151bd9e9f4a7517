// Security of the Redis communicator: passwords never shown (errors, reports, inspect), an ACL user
// with only the permissions docs/comms.md lists, TLS (rediss://), and a server that is down.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { serializeError } from '../../src/core/error-codec.js';
import { CommunicatorConnectionError } from '../../src/comms/errors.js';
import { RedisCommunicator } from '../../src/comms/redis/communicator.js';
import type { Communicator } from '../../src/comms/types.js';
import { PrivateRedis, freePort, privateRedisSkip } from '../support/redis-server.js';

const skip = await privateRedisSkip();
const TEST_TIMEOUT = 60_000;
const PASSWORD = 'S3cret-Pa55/word';
const ENCODED = encodeURIComponent(PASSWORD);

/**
 * The ACL of docs/comms.md ("Security"), for a prefix: the commands the communicator uses, on its
 * keys and channel only.
 */
function aclRules(prefix: string): string[] {
  return [
    'on', `>${PASSWORD}`, `~${prefix}:*`, `&${prefix}:*`, '-@all',
    '+@stream', '+@list', '+get', '+set', '+del', '+pexpire', '+evalsha', '+eval',
    '+publish', '+subscribe', '+time', '+info',
  ];
}

/** Every way an error could be shown or logged. */
function everyRendering(error: unknown): string {
  return [
    String(error), (error as Error).stack ?? '', inspect(error, { depth: Infinity, showHidden: true }),
    JSON.stringify(serializeError(error)),
  ].join('\n');
}

function assertNoPassword(text: string, what: string): void {
  assert.ok(!text.includes(PASSWORD) && !text.includes(ENCODED), `${what} shows the password:\n${text}`);
}

async function roundTrip(a: Communicator, b: Communicator): Promise<void> {
  await b.addTaskSubscriber((m) => ({ task: m }));
  await b.addRpcSubscriber((m) => ({ rpc: m }), 'svc');
  let received!: (body: unknown) => void;
  const got = new Promise((resolve) => { received = resolve; });
  await b.addBroadcastSubscriber((m) => received(m.body), { subject: 'hello' });
  assert.deepEqual(await a.task(1), { task: 1 });
  assert.deepEqual(await a.rpcSend('svc', 2), { rpc: 2 });
  await a.broadcastSend(3, { subject: 'hello' });
  assert.equal(await got, 3);
}

describe('RedisCommunicator security', { skip }, () => {
  describe('with an ACL user', () => {
    let server: PrivateRedis;
    const prefix = 'acl-app';

    before(async () => {
      server = await PrivateRedis.start();
      const admin = new Redis(server.url);
      await admin.call('ACL', 'SETUSER', 'worker', ...aclRules(prefix));
      admin.disconnect();
    });
    after(async () => { await server?.dispose(); });

    const userUrl = (password: string): string => `redis://worker:${encodeURIComponent(password)}@127.0.0.1:${server.port}`;

    it('works with exactly the documented permissions (redis://user:password@host)', { timeout: TEST_TIMEOUT }, async () => {
      const errors: Error[] = [];
      const options = { url: userUrl(PASSWORD), prefix, onError: (e: Error) => errors.push(e) };
      const [a, b] = await Promise.all([RedisCommunicator.connect(options), RedisCommunicator.connect(options)]);
      try {
        await roundTrip(a, b);
        assertNoPassword(inspect(a, { depth: Infinity, showHidden: true }), 'inspect(communicator)');
        assert.equal(a.url, `redis://worker:***@127.0.0.1:${server.port}`);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
      // Closing released the identifier (DEL is granted): a new communicator takes it at once.
      const c = await RedisCommunicator.connect(options);
      await c.addRpcSubscriber(() => 'c', 'svc');
      await c.close();
      assert.deepEqual(errors, []);
    });

    it('outside its prefix the ACL refuses, and the error names no password', { timeout: TEST_TIMEOUT }, async () => {
      const communicator = await RedisCommunicator.connect({ url: userUrl(PASSWORD), prefix: 'not-granted' });
      try {
        const error = await communicator.task(1, { noReply: true }).then(() => assert.fail('expected NOPERM'), (e: unknown) => e);
        assert.ok(error instanceof CommunicatorConnectionError);
        assert.match(error.message, /NOPERM/);
        assertNoPassword(everyRendering(error), 'the ACL error');
      } finally {
        await communicator.close();
      }
    });

    it('a wrong password fails with CommunicatorConnectionError that shows no password', { timeout: TEST_TIMEOUT }, async () => {
      const wrong = `${PASSWORD}-wrong`;
      const error = await RedisCommunicator.connect({ url: userUrl(wrong), prefix }).then(() => assert.fail('expected a failure'), (e: unknown) => e);
      assert.ok(error instanceof CommunicatorConnectionError, `got ${String(error)}`);
      assert.equal(error.code, 'ERR_COMMS_CONNECTION');
      assert.match(error.message, /WRONGPASS/);
      assert.match(error.message, /redis:\/\/worker:\*\*\*@127\.0\.0\.1/);
      const shown = everyRendering(error);
      assert.ok(!shown.includes(wrong) && !shown.includes(encodeURIComponent(wrong)), `shows the password:\n${shown}`);
    });

    it('a password given in the redis options is masked too', { timeout: TEST_TIMEOUT }, async () => {
      const error = await RedisCommunicator.connect({
        url: `redis://127.0.0.1:${server.port}`, prefix, redis: { username: 'worker', password: `${PASSWORD}-x` },
      }).then(() => assert.fail('expected a failure'), (e: unknown) => e);
      assert.ok(error instanceof CommunicatorConnectionError);
      assertNoPassword(everyRendering(error), 'the error');
    });

    it('losing the server is reported through onError without the password; close() does not wait for it', { timeout: TEST_TIMEOUT }, async () => {
      const own = await PrivateRedis.start({ args: ['--requirepass', PASSWORD] });
      try {
        let report!: (error: Error) => void;
        const reported = new Promise<Error>((resolve) => { report = resolve; });
        const communicator = await RedisCommunicator.connect({ url: `redis://:${ENCODED}@127.0.0.1:${own.port}`, prefix, onError: (e) => report(e) });
        await communicator.addTaskSubscriber(() => 'never');
        await communicator.addBroadcastSubscriber(() => undefined);
        await own.crash();
        const error = await reported;
        assert.ok(error instanceof CommunicatorConnectionError);
        assert.match(error.message, /Lost the connection to Redis at redis:\/\/:\*\*\*@127\.0\.0\.1/);
        assertNoPassword(everyRendering(error), 'the outage report');
        await communicator.close(); // with Redis gone: stops reading and disconnects, gives nothing back
        assert.equal(communicator.closed, true);
      } finally {
        await own.dispose();
      }
    });
  });

  it('a server that is down fails at once with CommunicatorConnectionError (password masked)', { timeout: TEST_TIMEOUT }, async () => {
    const port = await freePort();
    const started = Date.now();
    const error = await RedisCommunicator.connect({ url: `redis://user:${ENCODED}@127.0.0.1:${port}`, connectTimeout: 20_000 })
      .then(() => assert.fail('expected a failure'), (e: unknown) => e);
    assert.ok(error instanceof CommunicatorConnectionError);
    assert.match(error.message, /ECONNREFUSED/);
    assert.ok(Date.now() - started < 10_000, 'did not wait for connectTimeout');
    assertNoPassword(everyRendering(error), 'the error');
  });

  describe('over TLS (rediss://)', () => {
    let server: PrivateRedis | undefined;
    let certs: string;
    let ca: Buffer;

    before(async () => {
      // A throwaway CA and a server certificate for 127.0.0.1.
      certs = mkdtempSync(join(tmpdir(), 'taskfarm-tls-'));
      const ssl = (...args: string[]): void => { execFileSync('openssl', args, { cwd: certs, stdio: 'ignore' }); };
      ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=taskfarm test CA', '-keyout', 'ca.key', '-out', 'ca.crt');
      ssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', 'server.key', '-out', 'server.csr');
      writeFileSync(join(certs, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
      ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1',
        '-extfile', 'san.ext', '-out', 'server.crt');
      ca = readFileSync(join(certs, 'ca.crt'));
      const port = await freePort();
      // The later `--port 0` turns the plain port off: TLS only.
      server = await PrivateRedis.start({
        port,
        args: ['--port', '0', '--tls-port', String(port), '--tls-cert-file', join(certs, 'server.crt'),
          '--tls-key-file', join(certs, 'server.key'), '--tls-ca-cert-file', join(certs, 'ca.crt'), '--tls-auth-clients', 'no'],
      });
    });
    after(async () => {
      await server?.dispose();
      rmSync(certs, { recursive: true, force: true });
    });

    it('a rediss:// URL connects over TLS (the CA passed through the redis options)', { timeout: TEST_TIMEOUT }, async () => {
      const options = { url: `rediss://127.0.0.1:${server!.port}`, prefix: 'tls', redis: { tls: { ca } } };
      const [a, b] = await Promise.all([RedisCommunicator.connect(options), RedisCommunicator.connect(options)]);
      try {
        await roundTrip(a, b);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });
  });
});
