// A private redis-server for the tests that stop, crash or reconfigure Redis, or need TLS or ACL
// users: the shared one on 6379 serves other tests at the same time and must never be touched.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serviceSkip } from './services.js';

export interface PrivateRedisOptions {
  /** Append-only file, fsync on every write: what Redis acknowledged survives a crash. */
  persistent?: boolean;
  /** Serve TLS only (a fresh CA and server certificate are made). */
  tls?: boolean;
  /** Listen on this port (a free one by default). */
  port?: number;
  /** Extra redis-server arguments (ACL users...). */
  args?: string[];
}

export class PrivateRedis {
  readonly dir = mkdtempSync(join(tmpdir(), 'taskfarm-redis-'));
  readonly port: number;
  readonly #options: PrivateRedisOptions;
  #child: ChildProcess | undefined;

  private constructor(port: number, options: PrivateRedisOptions) {
    this.port = port;
    this.#options = options;
    if (options.tls) makeCertificates(this.dir);
  }

  static async start(options: PrivateRedisOptions = {}): Promise<PrivateRedis> {
    const server = new PrivateRedis(options.port ?? (await freePort()), options);
    await server.start();
    return server;
  }

  /** `redis://127.0.0.1:<port>`, or `rediss://localhost:<port>` with TLS (the certificate's name). */
  get url(): string {
    return this.#options.tls ? `rediss://localhost:${this.port}` : `redis://127.0.0.1:${this.port}`;
  }

  /** The CA that signed the server's certificate (TLS only). */
  get ca(): string {
    return readFileSync(join(this.dir, 'ca.crt'), 'utf8');
  }

  /** Starts, or starts again on the same port and directory; resolves once it takes connections. */
  async start(): Promise<void> {
    const port = this.#options.tls
      ? ['--port', '0', '--tls-port', String(this.port), '--tls-cert-file', join(this.dir, 'server.crt'),
        '--tls-key-file', join(this.dir, 'server.key'), '--tls-ca-cert-file', join(this.dir, 'ca.crt'), '--tls-auth-clients', 'no']
      : ['--port', String(this.port)];
    const child = spawn('redis-server', [
      ...port, '--bind', '127.0.0.1', '--save', '', '--dir', this.dir, '--logfile', '',
      '--appendonly', this.#options.persistent ? 'yes' : 'no', '--appendfsync', 'always',
      ...(this.#options.args ?? []),
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer): void => {
        output += chunk.toString();
        if (!output.includes('Ready to accept connections')) return;
        child.stdout!.off('data', onData);
        resolve();
      };
      child.stdout!.on('data', onData);
      child.once('exit', (code) => reject(new Error(`redis-server exited (${code}) before it was ready:\n${output}`)));
      child.once('error', reject);
    });
    child.stdout!.resume();
    child.stderr!.resume();
  }

  /** Kills the server the hard way (a crash, not a shutdown) and resolves once it is gone. */
  async crash(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }

  async dispose(): Promise<void> {
    await this.crash();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A TCP port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A CA, and a certificate for `localhost` that it signed, in `dir`. */
function makeCertificates(dir: string): void {
  const run = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=taskfarm test CA', '-keyout', 'ca.key', '-out', 'ca.crt');
  run('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', 'server.key', '-out', 'server.csr');
  execFileSync('sh', ['-c', "printf 'subjectAltName=DNS:localhost,IP:127.0.0.1' > san.ext"], { cwd: dir });
  run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'san.ext', '-out', 'server.crt');
}

/**
 * Like serviceSkip('Redis'), and the redis-server binary must be there too: a local run without it
 * skips with the reason, CI=true fails.
 */
export async function privateRedisSkip(): Promise<false | string> {
  const service = await serviceSkip('Redis');
  if (service) return service;
  const found = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (found.status === 0) return false;
  const reason = 'the redis-server binary is not on PATH (needed to run a private server)';
  if (process.env.CI === 'true') throw new Error(`${reason} (CI=true: service tests must run)`);
  console.log(`# skipping private Redis tests: ${reason}`);
  return reason;
}
